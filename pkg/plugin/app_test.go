package plugin

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/rcp/reliability/pkg/store"
)

type sender struct{ resp *backend.CallResourceResponse }

func (s *sender) Send(r *backend.CallResourceResponse) error { s.resp = r; return nil }

func call(t *testing.T, a *App, method, path, body string) *backend.CallResourceResponse {
	t.Helper()
	s := &sender{}
	pc := backend.PluginContext{OrgID: 1, User: &backend.User{Login: "admin", Role: "Admin"}}
	if err := a.CallResource(context.Background(), &backend.CallResourceRequest{PluginContext: pc, Method: method, Path: path, URL: "/" + path, Body: []byte(body)}, s); err != nil {
		t.Fatal(err)
	}
	return s.resp
}

// TestInstanceReplacement: a settings change creates a new instance before
// the old one is disposed; both share the store, and disposing the old one
// does not close it under the new one.
func TestInstanceReplacement(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(store.EnvDataDir, dir)
	t.Setenv(store.EnvPostgresDSN, "")
	inst1, err := NewApp(context.Background(), backend.AppInstanceSettings{})
	if err != nil {
		t.Fatal(err)
	}
	a1 := inst1.(*App)
	r := call(t, a1, "POST", "incidents", `{"service":"s","title":"t","severity":"low","timeRange":{"from":"2025-01-01T00:00:00Z","to":"2025-01-01T01:00:00Z"}}`)
	if r.Status != 201 {
		t.Fatalf("create %d %s", r.Status, r.Body)
	}
	inst2, _ := NewApp(context.Background(), backend.AppInstanceSettings{JSONData: json.RawMessage(`{"changed":true}`)})
	a2 := inst2.(*App)
	a1.Dispose()
	r = call(t, a2, "GET", "incidents", "")
	if r.Status != 200 || !strings.Contains(string(r.Body), `"total":1`) {
		t.Fatalf("after dispose of old instance: %d %s", r.Status, r.Body)
	}
	h, err := a2.CheckHealth(context.Background(), &backend.CheckHealthRequest{})
	if err != nil || h.Status != backend.HealthStatusOk || !strings.Contains(h.Message, "sqlite") || !strings.Contains(h.Message, dir) {
		t.Fatalf("health %+v %v", h, err)
	}
	a2.Dispose()
}

func TestBrokenStore(t *testing.T) {
	t.Setenv(store.EnvPostgresDSN, "postgres://nobody@127.0.0.1:1/x?connect_timeout=1")
	inst, err := NewApp(context.Background(), backend.AppInstanceSettings{})
	if err != nil {
		t.Fatalf("NewApp must not fail on a broken store: %v", err)
	}
	a := inst.(*App)
	defer a.Dispose()
	h, _ := a.CheckHealth(context.Background(), &backend.CheckHealthRequest{})
	if h.Status != backend.HealthStatusError || !strings.Contains(h.Message, "postgres") {
		t.Fatalf("health %+v", h)
	}
	if r := call(t, a, "GET", "incidents", ""); r.Status != 503 {
		t.Fatalf("resources with broken store: %d %s", r.Status, r.Body)
	}
}
