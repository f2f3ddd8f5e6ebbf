package resources

import (
	"context"
	"strings"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/config"
)

// raw makes a resource call and returns the status, content type and body as text.
func (c *client) raw(pc backend.PluginContext, method, path string) (int, string, string) {
	c.t.Helper()
	s := &sender{}
	err := c.h.CallResource(context.Background(), &backend.CallResourceRequest{
		PluginContext: pc, Method: method, Path: strings.TrimPrefix(path, "/"), URL: path,
	}, s)
	if err != nil {
		c.t.Fatal(err)
	}
	ct := ""
	if v := s.resp.Headers["Content-Type"]; len(v) > 0 {
		ct = v[0]
	}
	return s.resp.Status, ct, string(s.resp.Body)
}

func withAppURL(pc backend.PluginContext, u string) backend.PluginContext {
	pc.GrafanaConfig = config.NewGrafanaCfg(map[string]string{config.AppURL: u})
	return pc
}

func TestExportMarkdownRolesAndOrgs(t *testing.T) {
	c := newClient(t)
	id := c.create(1)
	path := "/incidents/" + id + "/export.md"
	for _, role := range []string{"Viewer", "Editor", "Admin"} {
		code, ct, body := c.raw(withAppURL(user(role, 1), "https://grafana.example.com/sub/"), "GET", path)
		if code != 200 || ct != "text/markdown; charset=utf-8" || !strings.HasPrefix(body, "# Latency\n") {
			t.Fatalf("%s: %d %q %q", role, code, ct, body)
		}
	}
	cases := []struct {
		name string
		pc   backend.PluginContext
		path string
		code int
	}{
		{"no user", user("", 1), path, 401},
		{"no role", user("None", 1), path, 403},
		{"another org", user("Admin", 2), path, 404},
		{"unknown id", user("Viewer", 1), "/incidents/01ARZ3NDEKTSV4RRFFQ69G5FAV/export.md", 404},
		{"malformed id", user("Viewer", 1), "/incidents/nope/export.md", 400},
	}
	for _, tc := range cases {
		code, ct, body := c.raw(tc.pc, "GET", tc.path)
		if code != tc.code || ct != "application/json" || !strings.Contains(body, `"error"`) {
			t.Errorf("%s: %d %q %s", tc.name, code, ct, body)
		}
	}
	if code, _, _ := c.raw(user("Admin", 1), "POST", path); code != 405 {
		t.Errorf("POST: %d", code)
	}
}

func TestExportMarkdownLinksAreAbsoluteBelowTheAppURL(t *testing.T) {
	c := newClient(t)
	id := c.create(1)
	_, _, body := c.raw(withAppURL(user("Viewer", 1), "https://grafana.example.com/sub/"), "GET", "/incidents/"+id+"/export.md")
	// 2025-01-01T10:00:00Z and 11:00 in epoch milliseconds: the saved range.
	wantIncident := "(https://grafana.example.com/sub/a/rcp-reliability-app/incidents/" + id + "?from=1735725600000&to=1735729200000)"
	wantServices := "(https://grafana.example.com/sub/a/rcp-reliability-app/services?from=1735725600000&service=checkout&to=1735729200000)"
	for _, want := range []string{wantIncident, wantServices, "- [d](https://grafana.example.com/sub/d/x)", "## Timeline", "editor-user · created: "} {
		if !strings.Contains(body, want) {
			t.Errorf("export lacks %q:\n%s", want, body)
		}
	}
}
