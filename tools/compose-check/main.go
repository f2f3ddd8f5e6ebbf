// Command compose-check validates a Compose file the way `docker compose config` does, without a
// Docker engine: it loads it with compose-go (the library docker compose itself uses), which
// checks it against the Compose specification's JSON schema, interpolates variables, resolves
// extends and checks references (depends_on, volumes, networks). It then checks that every
// bind-mounted host path exists, and prints the normalised model.
//
//	go run . ../../docker-compose.yaml
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: compose-check FILE")
		os.Exit(2)
	}
	file, err := filepath.Abs(os.Args[1])
	if err != nil {
		fail(err)
	}
	opts, err := cli.NewProjectOptions(
		[]string{file},
		cli.WithWorkingDirectory(filepath.Dir(file)),
		cli.WithOsEnv,
		cli.WithDotEnv,
		cli.WithName("rcp-reliability"),
	)
	if err != nil {
		fail(err)
	}
	project, err := opts.LoadProject(context.Background())
	if err != nil {
		fail(err)
	}
	missing := 0
	for _, name := range project.ServiceNames() {
		svc := project.Services[name]
		for _, v := range svc.Volumes {
			// dist/ is built by `npm run build` and mage; everything else must be in the repository.
			if v.Type == types.VolumeTypeBind && filepath.Base(v.Source) != "dist" {
				if _, err := os.Stat(v.Source); err != nil {
					fmt.Fprintf(os.Stderr, "service %s: bind mount source %s does not exist\n", name, v.Source)
					missing++
				}
			}
		}
		if svc.Build != nil {
			dockerfile := filepath.Join(svc.Build.Context, svc.Build.Dockerfile)
			if svc.Build.Dockerfile == "" {
				dockerfile = filepath.Join(svc.Build.Context, "Dockerfile")
			}
			if _, err := os.Stat(dockerfile); err != nil {
				fmt.Fprintf(os.Stderr, "service %s: %s does not exist\n", name, dockerfile)
				missing++
			}
		}
	}
	if missing > 0 {
		os.Exit(1)
	}
	out, err := project.MarshalYAML()
	if err != nil {
		fail(err)
	}
	os.Stdout.Write(out)
	fmt.Fprintf(os.Stderr, "%s is valid: %d services\n", file, len(project.Services))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "invalid:", err)
	os.Exit(1)
}
