package plugin

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

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
	if r.Status != 200 || strings.Count(string(r.Body), `"createdBy"`) != 1 {
		t.Fatalf("after dispose of old instance: %d %s", r.Status, r.Body)
	}
	h, err := a2.CheckHealth(context.Background(), adminHealth)
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
	h, _ := a.CheckHealth(context.Background(), adminHealth)
	if h.Status != backend.HealthStatusError || !strings.Contains(h.Message, "postgres") {
		t.Fatalf("health %+v", h)
	}
	if r := call(t, a, "GET", "incidents", ""); r.Status != 503 {
		t.Fatalf("resources with broken store: %d %s", r.Status, r.Body)
	}
}

// TestOpenWithCancelledRequestContext: the store is opened under the first
// call's context; a call that is cancelled (the user navigated away) must not
// leave the instance without a store.
func TestOpenWithCancelledRequestContext(t *testing.T) {
	t.Setenv(store.EnvDataDir, t.TempDir())
	t.Setenv(store.EnvPostgresDSN, "")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	inst, err := NewApp(ctx, backend.AppInstanceSettings{})
	if err != nil {
		t.Fatal(err)
	}
	a := inst.(*App)
	defer a.Dispose()
	if r := call(t, a, "GET", "incidents", ""); r.Status != 200 {
		t.Fatalf("after a cancelled first context: %d %s", r.Status, r.Body)
	}
}

// TestStoreOpenRetries: a store that fails to open (PostgreSQL not ready yet
// when Grafana starts) is opened on a later call of the same instance, with
// at most one attempt per retry interval in between.
func TestStoreOpenRetries(t *testing.T) {
	dir := t.TempDir()
	var attempts int
	var sawDeadline, sawCancelled bool
	open := func(ctx context.Context, cfg store.Config) (store.Store, error) {
		attempts++
		_, sawDeadline = ctx.Deadline()
		sawCancelled = ctx.Err() != nil
		if attempts == 1 {
			return nil, errors.New("connect postgres: connection refused")
		}
		return store.Open(ctx, cfg)
	}
	clock := time.Unix(1_700_000_000, 0)
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // the first request is already gone: the open must not care
	a := newAppAt(ctx, store.Config{DataDir: dir}, open, func() time.Time { return clock })
	defer a.Dispose()
	if r := call(t, a, "GET", "incidents", ""); r.Status != 503 {
		t.Fatalf("while failing: %d %s", r.Status, r.Body)
	}
	if attempts != 1 || !sawDeadline || sawCancelled {
		t.Fatalf("first open: attempts %d, deadline %v, cancelled %v", attempts, sawDeadline, sawCancelled)
	}
	h, _ := a.CheckHealth(context.Background(), adminHealth)
	if h.Status != backend.HealthStatusError || !strings.Contains(h.Message, "connection refused") {
		t.Fatalf("health while failing: %+v", h)
	}
	if attempts != 1 {
		t.Fatalf("retried within the back-off: %d attempts", attempts)
	}
	clock = clock.Add(openRetryInterval)
	if r := call(t, a, "GET", "incidents", ""); r.Status != 200 {
		t.Fatalf("after the back-off: %d %s", r.Status, r.Body)
	}
	if attempts != 2 {
		t.Fatalf("attempts %d, want 2", attempts)
	}
	h, _ = a.CheckHealth(context.Background(), adminHealth)
	if h.Status != backend.HealthStatusOk {
		t.Fatalf("health after reopen: %+v", h)
	}
	if attempts != 2 {
		t.Fatalf("opened again although open: %d attempts", attempts)
	}
}

// adminHealth is a health check as an Admin runs it from the app's config page.
var adminHealth = &backend.CheckHealthRequest{PluginContext: backend.PluginContext{OrgID: 1, User: &backend.User{Login: "admin", Role: "Admin"}}}

// TestHealthDetailOnlyForAdmins: Grafana serves /api/plugins/{id}/health to
// any signed-in user, so the reason (user, host, database, path) is only in
// the message for Admins.
func TestHealthDetailOnlyForAdmins(t *testing.T) {
	t.Setenv(store.EnvPostgresDSN, "postgres://nobody@127.0.0.1:1/secretdb?connect_timeout=1")
	inst, _ := NewApp(context.Background(), backend.AppInstanceSettings{})
	a := inst.(*App)
	defer a.Dispose()
	for _, role := range []string{"", "Viewer", "Editor"} {
		req := &backend.CheckHealthRequest{PluginContext: backend.PluginContext{OrgID: 1}}
		if role != "" {
			req.PluginContext.User = &backend.User{Login: "u", Role: role}
		}
		h, _ := a.CheckHealth(context.Background(), req)
		if h.Status != backend.HealthStatusError || strings.Contains(h.Message, "nobody") || strings.Contains(h.Message, "secretdb") || strings.Contains(h.Message, "127.0.0.1") {
			t.Fatalf("%q: %+v", role, h)
		}
	}
	h, _ := a.CheckHealth(context.Background(), adminHealth)
	if h.Status != backend.HealthStatusError || !strings.Contains(h.Message, "secretdb") {
		t.Fatalf("admin: %+v", h)
	}
}
