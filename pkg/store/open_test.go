package store

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestConfigFromEnvAndDataDir(t *testing.T) {
	env := map[string]string{EnvDataDir: "/var/lib/grafana/plugin-data", EnvPostgresDSN: "postgres://x/y"}
	get := func(k string) string { return env[k] }
	cfg := ConfigFromEnv(get)
	if cfg.DataDir != "/var/lib/grafana/plugin-data" || cfg.PostgresDSN != "postgres://x/y" {
		t.Fatalf("cfg %+v", cfg)
	}
	if got, err := ResolveDataDir(cfg, get); got != cfg.DataDir || err != nil {
		t.Fatalf("explicit data dir: %s %v", got, err)
	}
	env = map[string]string{EnvGrafanaData: "/var/lib/grafana"}
	if got, err := ResolveDataDir(ConfigFromEnv(get), get); got != filepath.Join("/var/lib/grafana", "rcp-reliability-app") || err != nil {
		t.Fatalf("GF_PATHS_DATA fallback: %s %v", got, err)
	}
	// No predictable path in a world-writable temp dir: no data dir, no store.
	env = map[string]string{}
	if got, err := ResolveDataDir(ConfigFromEnv(get), get); err == nil || !strings.Contains(err.Error(), "data_dir") {
		t.Fatalf("without a data dir: %q %v", got, err)
	}
}

// TestDatabaseFilesArePrivate: the database and its WAL are 0600 and the
// directory 0700, also for a file an older version created 0644.
func TestDatabaseFilesArePrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	path := filepath.Join(dir, SQLiteFileName)
	s, err := OpenSQLite(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.HealthCheck(context.Background()); err != nil {
		t.Fatal(err)
	}
	check := func() {
		t.Helper()
		for _, p := range []string{path, path + "-wal", path + "-shm"} {
			if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o600 {
				t.Fatalf("%s: %v %v", p, fi.Mode(), err)
			}
		}
		if fi, _ := os.Stat(dir); fi.Mode().Perm() != 0o700 {
			t.Fatalf("dir %v", fi.Mode())
		}
	}
	check()
	_ = s.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		_ = os.Chmod(p, 0o644)
	}
	if s, err = OpenSQLite(context.Background(), path); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	check()
}

func TestRedactDSN(t *testing.T) {
	got := redactDSN("postgres://user:s3cret@db.example:5433/rcp?sslmode=disable")
	if strings.Contains(got, "s3cret") || strings.Contains(got, "user") || !strings.Contains(got, "db.example:5433/rcp") {
		t.Fatalf("redacted: %s", got)
	}
}

// TestSharedHandle: opening the same location twice shares one handle;
// closing one reference keeps it open for the other (app instance replaced
// on settings change), and closing the last reference closes it.
func TestSharedHandle(t *testing.T) {
	dir := t.TempDir()
	cfg := Config{DataDir: dir}
	a, err := Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if a.(*ref).Store != b.(*ref).Store {
		t.Fatal("second Open did not reuse the handle")
	}
	if openHandles() != 1 {
		t.Fatalf("handles %d", openHandles())
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	_ = a.Close() // double close must not drop b's reference
	if err := b.HealthCheck(context.Background()); err != nil {
		t.Fatalf("store closed under the other instance: %v", err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if openHandles() != 0 {
		t.Fatalf("handles left open: %d", openHandles())
	}
	if _, err := os.Stat(filepath.Join(dir, SQLiteFileName)); err != nil {
		t.Fatalf("db file: %v", err)
	}
}

func TestOpenErrors(t *testing.T) {
	if _, err := Open(context.Background(), Config{PostgresDSN: "postgres://u@127.0.0.1:1/db?connect_timeout=1"}); err == nil {
		t.Fatal("unreachable postgres opened")
	}
	if _, err := Open(context.Background(), Config{PostgresDSN: "::not a dsn"}); err == nil {
		t.Fatal("bad DSN opened")
	}
	f := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(f, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(context.Background(), Config{DataDir: filepath.Join(f, "sub")}); err == nil {
		t.Fatal("data dir under a file opened")
	}
	if openHandles() != 0 {
		t.Fatal("failed open left a handle")
	}
}

const helperEnv = "RCP_STORE_KILL_HELPER_DB"

// TestKilledWriterHelper is the child process of TestSQLiteSurvivesKill: it
// writes incidents forever, printing "ack <id>" after each commit.
func TestKilledWriterHelper(t *testing.T) {
	path := os.Getenv(helperEnv)
	if path == "" {
		t.Skip("helper process for TestSQLiteSurvivesKill")
	}
	s, err := OpenSQLite(context.Background(), path)
	if err != nil {
		_, _ = os.Stderr.WriteString(err.Error())
		os.Exit(3)
	}
	out := bufio.NewWriter(os.Stdout)
	for i := 0; ; i++ {
		now := time.Now()
		inc := &Incident{ID: fmt.Sprintf("K%025d", i), OrgID: 1, Service: "s", Title: "t", Severity: "low", Status: "open",
			TimeRange: TimeRange{From: now, To: now}, Analysis: json.RawMessage(`{}`), CreatedBy: "k", CreatedAt: now, UpdatedAt: now, Version: 1}
		if err := s.CreateIncident(context.Background(), inc, &Event{Time: now, User: "k", Kind: EventCreated, Message: "c"}); err != nil {
			_, _ = os.Stderr.WriteString(err.Error())
			os.Exit(4)
		}
		_, _ = out.WriteString("ack " + inc.ID + "\n")
		_ = out.Flush()
	}
}

// TestSQLiteSurvivesKill runs a writer in a real subprocess, SIGKILLs it
// mid-stream, reopens the file and checks every acknowledged incident.
func TestSQLiteSurvivesKill(t *testing.T) {
	if os.Getenv(helperEnv) != "" {
		t.Skip("inside helper")
	}
	path := filepath.Join(t.TempDir(), SQLiteFileName)
	cmd := exec.Command(os.Args[0], "-test.run=^TestKilledWriterHelper$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperEnv+"="+path)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var acked []string
	sc := bufio.NewScanner(stdout)
	for sc.Scan() && len(acked) < 200 {
		if id, ok := strings.CutPrefix(sc.Text(), "ack "); ok {
			acked = append(acked, id)
		}
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	if len(acked) < 200 {
		t.Fatalf("child acked only %d writes; stderr: %s", len(acked), stderr.String())
	}
	s, err := OpenSQLite(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, id := range acked {
		if _, err := s.GetIncident(context.Background(), 1, id); err != nil {
			t.Fatalf("acknowledged incident %s lost after kill: %v", id, err)
		}
		evs, err := s.ListEvents(context.Background(), 1, id, EventPage{Limit: 10})
		if err != nil || len(evs.Items) != 1 {
			t.Fatalf("event of %s: %v %v", id, evs, err)
		}
	}
	if err := s.HealthCheck(context.Background()); err != nil {
		t.Fatalf("store not writable after crash recovery: %v", err)
	}
}
