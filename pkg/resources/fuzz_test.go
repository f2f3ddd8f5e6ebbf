package resources

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/resource/httpadapter"

	"github.com/rcp/reliability/pkg/incidents"
	"github.com/rcp/reliability/pkg/store/storetest"
)

// FuzzCallResource sends arbitrary method, role, org, path and body through
// the resource handler as Grafana would. Whatever comes in: no 500, a JSON
// body with a message on every error, no answer over MaxResponseBytes, no
// write below Editor, and org 1's incident never shows in another org.
func FuzzCallResource(f *testing.F) {
	svc := incidents.NewService(storetest.SQLite().Open(f))
	h := httpadapter.New(New(svc, nil).Routes())
	ctx := context.Background()
	inc, err := svc.Create(ctx, incidents.Actor{OrgID: 1, Login: "seed"}, mustDecodeCreate(f))
	if err != nil {
		f.Fatal(err)
	}
	id := inc.ID
	for _, s := range []struct {
		method, role string
		org          int64
		path, body   string
	}{
		{"GET", "Viewer", 1, "incidents?limit=3&total=true", ""},
		{"POST", "Editor", 1, "incidents", createBody},
		{"GET", "Viewer", 2, "incidents/" + id, ""},
		{"PATCH", "Editor", 1, "incidents/" + id, `{"status":"investigating","version":1}`},
		{"PATCH", "Viewer", 1, "incidents/" + id, `{"title":"x"}`},
		{"POST", "Editor", 1, "incidents/" + id + "/events", `{"message":"note"}`},
		{"GET", "Viewer", 1, "incidents/" + id + "/events?order=desc&limit=2", ""},
		{"DELETE", "Editor", 1, "incidents/" + id, ""},
		{"GET", "Admin", 1, "incidents/x/../" + id, ""},
		{"POST", "Editor", 1, "incidents", `{"service":"s","title":"t","severity":"low","timeRange":{"from":"2025-01-01T00:00:00Z","to":"2025-01-01T00:00:00Z"},"links":[{"title":"l","url":"/\\evil.com"}]}`},
	} {
		f.Add(s.method, s.role, s.org, s.path, []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, method, role string, org int64, path string, body []byte) {
		url := "/" + path
		// The SDK's adapter rebuilds the request from Path (prefixing "/"
		// only when missing), so "//host"-shaped paths fail there, before
		// our handler: check both forms.
		adapted := path
		if !strings.HasPrefix(adapted, "/") {
			adapted = "/" + adapted
		}
		if _, err := http.NewRequest(method, url, nil); err != nil {
			t.Skip("not an HTTP request Grafana could forward")
		}
		if _, err := http.NewRequest(method, adapted, nil); err != nil {
			t.Skip("refused by the SDK's httpadapter before it reaches the handler")
		}
		if method == "DELETE" && strings.Contains(path, id) {
			t.Skip("keeps the seed incident for the org check")
		}
		pc := backend.PluginContext{OrgID: org, PluginID: "rcp-reliability-app", User: &backend.User{Login: "fuzz", Role: role}}
		s := &sender{}
		if err := h.CallResource(ctx, &backend.CallResourceRequest{PluginContext: pc, Method: method, Path: path, URL: url, Body: body}, s); err != nil {
			t.Fatalf("CallResource: %v", err)
		}
		r := s.resp
		if r.Status >= 500 || len(r.Body) > MaxResponseBytes {
			t.Fatalf("%s %s as %s/%d: %d (%d bytes) %.300s", method, path, role, org, r.Status, len(r.Body), r.Body)
		}
		if r.Status == http.StatusNoContent {
			return
		}
		var out map[string]any
		if err := json.Unmarshal(r.Body, &out); err != nil {
			t.Fatalf("%s %s: non-JSON %d body %.300q", method, path, r.Status, r.Body)
		}
		if r.Status >= 400 {
			if msg, _ := out["error"].(string); msg == "" {
				t.Fatalf("%s %s: %d without a message", method, path, r.Status)
			}
		}
		if r.Status/100 == 2 && method != "GET" && role != "Editor" && role != "Admin" {
			t.Fatalf("%s %s succeeded for role %q", method, path, role)
		}
		if org != 1 && strings.Contains(string(r.Body), `"id":"`+id+`"`) {
			t.Fatalf("org %d saw org 1's incident: %.300s", org, r.Body)
		}
	})
}

func mustDecodeCreate(f *testing.F) *incidents.ValidCreate {
	v, err := incidents.DecodeCreate([]byte(createBody))
	if err != nil {
		f.Fatal(err)
	}
	return v
}
