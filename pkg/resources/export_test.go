package resources

import (
	"fmt"
	"strings"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/config"

	"github.com/rcp/reliability/pkg/incidents"
)

// export calls GET path and returns the status, content type and body as text.
func (c *client) export(pc backend.PluginContext, method, path string) (int, string, string) {
	c.t.Helper()
	resp := c.raw(pc, method, path, "")
	ct := ""
	if v := resp.Headers["Content-Type"]; len(v) > 0 {
		ct = v[0]
	}
	return resp.Status, ct, string(resp.Body)
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
		code, ct, body := c.export(withAppURL(user(role, 1), "https://grafana.example.com/sub/"), "GET", path)
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
		code, ct, body := c.export(tc.pc, "GET", tc.path)
		if code != tc.code || ct != "application/json" || !strings.Contains(body, `"error"`) {
			t.Errorf("%s: %d %q %s", tc.name, code, ct, body)
		}
	}
	if code, _, _ := c.export(user("Admin", 1), "POST", path); code != 405 {
		t.Errorf("POST: %d", code)
	}
}

func TestExportMarkdownLinksAreAbsoluteBelowTheAppURL(t *testing.T) {
	c := newClient(t)
	id := c.create(1)
	_, _, body := c.export(withAppURL(user("Viewer", 1), "https://grafana.example.com/sub/"), "GET", "/incidents/"+id+"/export.md")
	// 2025-01-01T10:00:00Z and 11:00 in epoch milliseconds: the saved range.
	wantIncident := "(https://grafana.example.com/sub/a/rcp-reliability-app/incidents/" + id + "?from=1735725600000&to=1735729200000)"
	wantServices := "(https://grafana.example.com/sub/a/rcp-reliability-app/services?from=1735725600000&service=checkout&to=1735729200000)"
	for _, want := range []string{wantIncident, wantServices, "- [d](https://grafana.example.com/sub/d/x)", "## Timeline", "editor-user · created: "} {
		if !strings.Contains(body, want) {
			t.Errorf("export lacks %q:\n%s", want, body)
		}
	}
}

func TestExportMarkdownHoldsTheWholeTimeline(t *testing.T) {
	c := newClient(t)
	id := c.create(1)
	// More notes than one timeline page: the export reads every page.
	for i := 0; i < incidents.MaxEventLimit+5; i++ {
		if code, body := c.call(user("Editor", 1), "POST", "/incidents/"+id+"/events", fmt.Sprintf(`{"message":"note %d"}`, i)); code != 201 {
			t.Fatalf("note %d: %d %v", i, code, body)
		}
	}
	_, _, body := c.export(user("Viewer", 1), "GET", "/incidents/"+id+"/export.md")
	timeline := body[strings.Index(body, "## Timeline"):]
	if n := strings.Count(timeline, "\n- "); n != incidents.MaxEventLimit+6 {
		t.Fatalf("%d timeline entries, want %d (created + notes)", n, incidents.MaxEventLimit+6)
	}
	if !strings.Contains(timeline, fmt.Sprintf("note %d\n", incidents.MaxEventLimit+4)) {
		t.Fatalf("last note missing:\n%s", timeline)
	}
}
