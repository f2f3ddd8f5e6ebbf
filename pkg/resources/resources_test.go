package resources

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/resource/httpadapter"

	"github.com/rcp/reliability/pkg/incidents"
	"github.com/rcp/reliability/pkg/store/storetest"
)

type sender struct{ resp *backend.CallResourceResponse }

func (s *sender) Send(r *backend.CallResourceResponse) error { s.resp = r; return nil }

type client struct {
	t *testing.T
	h backend.CallResourceHandler
}

func newClient(t *testing.T) *client {
	svc := incidents.NewService(storetest.SQLite().Open(t))
	return &client{t: t, h: httpadapter.New(New(svc, nil).Routes())}
}

func user(role string, org int64) backend.PluginContext {
	pc := backend.PluginContext{OrgID: org, PluginID: "rcp-reliability-app"}
	if role != "" {
		pc.User = &backend.User{Login: strings.ToLower(role) + "-user", Role: role}
	}
	return pc
}

// call goes through httpadapter exactly like a Grafana resource call.
func (c *client) call(pc backend.PluginContext, method, path, body string) (int, map[string]any) {
	c.t.Helper()
	resp := c.raw(pc, method, path, body)
	var out map[string]any
	if len(resp.Body) > 0 {
		if err := json.Unmarshal(resp.Body, &out); err != nil {
			c.t.Fatalf("%s %s: non-JSON body %q", method, path, resp.Body)
		}
		if ct := resp.Headers["Content-Type"]; len(ct) == 0 || ct[0] != "application/json" {
			c.t.Fatalf("content type %v", ct)
		}
	}
	if resp.Status >= 400 {
		if msg, _ := out["error"].(string); msg == "" {
			c.t.Fatalf("%s %s: %d without error message: %s", method, path, resp.Status, resp.Body)
		}
	}
	return resp.Status, out
}

const createBody = `{"service":"checkout","title":"Latency","severity":"high","timeRange":{"from":"2025-01-01T10:00:00Z","to":"2025-01-01T11:00:00Z"},"analysis":{"p99":1.2},"links":[{"title":"d","url":"/d/x"}]}`

func (c *client) create(org int64) string {
	c.t.Helper()
	code, body := c.call(user("Editor", org), "POST", "/incidents", createBody)
	if code != 201 {
		c.t.Fatalf("create: %d %v", code, body)
	}
	return body["id"].(string)
}

// TestRoleOrgMatrix: Viewer/Editor/Admin/no user × own org/other org × every
// endpoint.
func TestRoleOrgMatrix(t *testing.T) {
	c := newClient(t)
	type endpoint struct {
		name, method, path, body string
		minRole                  string // Viewer, Editor, Admin
		okCode                   int
		usesID                   bool
	}
	endpoints := []endpoint{
		{"list", "GET", "/incidents", "", "Viewer", 200, false},
		{"create", "POST", "/incidents", createBody, "Editor", 201, false},
		{"get", "GET", "/incidents/%s", "", "Viewer", 200, true},
		{"patch", "PATCH", "/incidents/%s", `{"notes":"n"}`, "Editor", 200, true},
		{"event", "POST", "/incidents/%s/events", `{"message":"m"}`, "Editor", 201, true},
		{"delete", "DELETE", "/incidents/%s", "", "Admin", 204, true},
	}
	rank := map[string]int{"": 0, "None": 0, "Viewer": 1, "Editor": 2, "Admin": 3}
	for _, ep := range endpoints {
		for _, role := range []string{"", "None", "Viewer", "Editor", "Admin"} {
			for _, orgCase := range []string{"own", "other"} {
				name := fmt.Sprintf("%s/%s/%s", ep.name, map[string]string{"": "nouser"}[role]+role, orgCase)
				t.Run(name, func(t *testing.T) {
					id := c.create(1) // incident lives in org 1
					callerOrg := int64(1)
					if orgCase == "other" {
						callerOrg = 2
					}
					path := ep.path
					if ep.usesID {
						path = fmt.Sprintf(ep.path, id)
					}
					code, body := c.call(user(role, callerOrg), ep.method, path, ep.body)
					var want int
					switch {
					case role == "":
						want = 401
					case rank[role] < rank[ep.minRole]:
						want = 403
					case ep.usesID && orgCase == "other":
						want = 404 // never 403: other orgs' incidents do not exist
					default:
						want = ep.okCode
					}
					if code != want {
						t.Fatalf("got %d want %d: %v", code, want, body)
					}
					// The incident in org 1 is untouched by anything org 2 did.
					if orgCase == "other" && ep.usesID {
						code, got := c.call(user("Viewer", 1), "GET", "/incidents/"+id, "")
						if code != 200 || got["notes"] != "" || len(got["events"].([]any)) != 1 {
							t.Fatalf("other org changed incident: %d %v", code, got)
						}
					}
					if ep.name == "list" && want == 200 {
						items := body["items"].([]any)
						for _, it := range items {
							if it.(map[string]any)["orgId"].(float64) != float64(callerOrg) {
								t.Fatal("list leaked another org")
							}
						}
					}
				})
			}
		}
	}
	if code, _ := c.call(backend.PluginContext{User: &backend.User{Login: "x", Role: "Admin"}}, "GET", "/incidents", ""); code != 401 {
		t.Fatalf("no org: %d", code)
	}
}

func TestHTTPValidationAndShapes(t *testing.T) {
	c := newClient(t)
	ed := user("Editor", 1)
	id := c.create(1)
	big := `{"service":"s","title":"t","severity":"low","timeRange":{"from":"2025-01-01T10:00:00Z","to":"2025-01-01T11:00:00Z"},"analysis":{"blob":"` + strings.Repeat("x", 1<<20) + `"}}`
	cases := []struct {
		name, method, path, body string
		code                     int
		field                    string
	}{
		{"empty body", "POST", "/incidents", "", 400, ""},
		{"invalid json", "POST", "/incidents", "{", 400, ""},
		{"unknown field", "POST", "/incidents", `{"service":"s","owner":"x"}`, 400, "owner"},
		{"wrong type", "POST", "/incidents", `{"service":["s"]}`, 400, "service"},
		{"bad severity", "POST", "/incidents", strings.Replace(createBody, `"high"`, `"urgent"`, 1), 400, "severity"},
		{"title too long", "POST", "/incidents", strings.Replace(createBody, `"Latency"`, `"`+strings.Repeat("t", 201)+`"`, 1), 400, "title"},
		{"oversized", "POST", "/incidents", big, 413, ""},
		{"oversized patch", "PATCH", "/incidents/" + id, `{"notes":"` + strings.Repeat("n", 1<<20) + `"}`, 413, ""},
		{"unknown id", "GET", "/incidents/01ARZ3NDEKTSV4RRFFQ69G5FAV", "", 404, "id"},
		{"bad id", "GET", "/incidents/not-an-id", "", 400, "id"},
		{"bad id patch", "PATCH", "/incidents/1%27%20OR%201=1", `{"title":"x"}`, 400, "id"},
		{"unknown id patch", "PATCH", "/incidents/01ARZ3NDEKTSV4RRFFQ69G5FAV", `{"title":"x"}`, 404, "id"},
		{"unknown id event", "POST", "/incidents/01ARZ3NDEKTSV4RRFFQ69G5FAV/events", `{"message":"x"}`, 404, "id"},
		{"empty patch", "PATCH", "/incidents/" + id, `{}`, 400, ""},
		{"bad status", "PATCH", "/incidents/" + id, `{"status":"done"}`, 400, "status"},
		{"empty event", "POST", "/incidents/" + id + "/events", `{"message":"  "}`, 400, "message"},
		{"bad limit", "GET", "/incidents?limit=500", "", 400, "limit"},
		{"bad filter", "GET", "/incidents?status=closed", "", 400, "status"},
		{"bad from", "GET", "/incidents?from=yesterday", "", 400, "from"},
		{"method", "PUT", "/incidents", "", 405, ""},
		{"method id", "POST", "/incidents/" + id, "", 405, ""},
		{"unknown route", "GET", "/nope", "", 404, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, body := c.call(user("Admin", 1), tc.method, tc.path, tc.body)
			if code != tc.code {
				t.Fatalf("got %d want %d: %v", code, tc.code, body)
			}
			if f, _ := body["field"].(string); f != tc.field {
				t.Fatalf("field %q want %q: %v", f, tc.field, body)
			}
		})
	}
	// Nothing half-written by the failed creates.
	_, list := c.call(ed, "GET", "/incidents?total=true", "")
	if list["total"].(float64) != 1 {
		t.Fatalf("failed requests wrote rows: %v", list["total"])
	}

	// Invalid transition: 409 with from/to/allowed.
	code, body := c.call(ed, "PATCH", "/incidents/"+id, `{"status":"resolved"}`)
	if code != 200 || body["status"] != "resolved" {
		t.Fatalf("resolve: %d %v", code, body)
	}
	code, body = c.call(ed, "PATCH", "/incidents/"+id, `{"status":"mitigated"}`)
	if code != 409 || body["from"] != "resolved" || body["to"] != "mitigated" || fmt.Sprint(body["allowed"]) != "[open]" || body["field"] != "status" {
		t.Fatalf("invalid transition: %d %v", code, body)
	}
	code, body = c.call(ed, "PATCH", "/incidents/"+id, `{"status":"open","version":1}`)
	if code != 409 || body["field"] != "version" || body["currentVersion"].(float64) != 2 {
		t.Fatalf("stale version: %d %v", code, body)
	}

	// SQL injection strings are stored verbatim.
	inj := `Robert'); DROP TABLE incidents;--`
	code, body = c.call(ed, "POST", "/incidents", strings.Replace(createBody, `"Latency"`, fmt.Sprintf("%q", inj), 1))
	if code != 201 || body["title"] != inj {
		t.Fatalf("injection create: %d %v", code, body)
	}
	newID := body["id"].(string)
	code, body = c.call(ed, "GET", "/incidents?total=true&service="+`%27%20OR%20%271%27%3D%271`, "")
	if code != 200 || body["total"].(float64) != 0 {
		t.Fatalf("injection filter: %d %v", code, body)
	}

	// Shapes: create returns the full incident with its first event.
	code, body = c.call(ed, "GET", "/incidents/"+newID, "")
	if code != 200 {
		t.Fatal(code)
	}
	for _, k := range []string{"id", "orgId", "service", "title", "severity", "status", "assignee", "notes", "timeRange", "analysis", "links", "createdBy", "createdAt", "updatedAt", "version", "events"} {
		if _, ok := body[k]; !ok {
			t.Errorf("incident lacks %q: %v", k, body)
		}
	}
	ev := body["events"].([]any)[0].(map[string]any)
	for _, k := range []string{"id", "incidentId", "time", "user", "kind", "message"} {
		if _, ok := ev[k]; !ok {
			t.Errorf("event lacks %q: %v", k, ev)
		}
	}
	if ev["user"] != "editor-user" || ev["kind"] != "created" {
		t.Fatalf("event %v", ev)
	}
	if body["analysis"].(map[string]any)["p99"].(float64) != 1.2 {
		t.Fatalf("analysis %v", body["analysis"])
	}
	code, body = c.call(ed, "POST", "/incidents/"+newID+"/events", `{"message":"rolled back"}`)
	if code != 201 || body["kind"] != "note" || body["message"] != "rolled back" || body["incidentId"] != newID {
		t.Fatalf("note: %d %v", code, body)
	}
}

func TestHTTPListPaging(t *testing.T) {
	c := newClient(t)
	v := user("Viewer", 1)
	for i := 0; i < 7; i++ {
		c.create(1)
	}
	seen := map[string]bool{}
	path := "/incidents?total=true&limit=3"
	for pages := 0; ; pages++ {
		code, body := c.call(v, "GET", path, "")
		if code != 200 || body["total"].(float64) != 7 {
			t.Fatalf("%d %v", code, body)
		}
		for _, it := range body["items"].([]any) {
			m := it.(map[string]any)
			if _, has := m["analysis"]; has {
				t.Fatal("list items carry analysis")
			}
			id := m["id"].(string)
			if seen[id] {
				t.Fatalf("duplicate %s", id)
			}
			seen[id] = true
		}
		next, _ := body["nextCursor"].(string)
		if next == "" {
			break
		}
		path = "/incidents?total=true&limit=3&cursor=" + next
	}
	if len(seen) != 7 {
		t.Fatalf("saw %d", len(seen))
	}
}

// TestOutOfRangeTimestamp: a time that is valid RFC 3339 but outside UTC
// years 1–9999 cannot be encoded in a response; it is a 400 and nothing is
// stored (before, it was stored and broke every list page containing it).
func TestOutOfRangeTimestamp(t *testing.T) {
	c := newClient(t)
	ed := user("Editor", 1)
	for _, tc := range []struct{ from, to, field string }{
		{"0000-01-01T00:00:00+01:00", "2025-01-01T00:00:00Z", "timeRange.from"},
		{"2025-01-01T00:00:00Z", "9999-12-31T23:00:00-02:00", "timeRange.to"},
	} {
		body := strings.Replace(createBody, `"from":"2025-01-01T10:00:00Z","to":"2025-01-01T11:00:00Z"`,
			`"from":"`+tc.from+`","to":"`+tc.to+`"`, 1)
		code, out := c.call(ed, "POST", "/incidents", body)
		if code != 400 || out["field"] != tc.field {
			t.Fatalf("%s..%s: %d %v", tc.from, tc.to, code, out)
		}
	}
	code, out := c.call(ed, "GET", "/incidents?from=0000-01-01T00:00:00%2B01:00", "")
	if code != 400 || out["field"] != "from" {
		t.Fatalf("list filter: %d %v", code, out)
	}
	code, out = c.call(ed, "GET", "/incidents?total=true", "")
	if code != 200 || out["total"].(float64) != 0 {
		t.Fatalf("list after rejected creates: %d %v", code, out)
	}
}

// TestWriteJSONEncodeFailure: a value that cannot be encoded gives a generic
// 500 JSON error, not a success status with an empty body.
func TestWriteJSONEncodeFailure(t *testing.T) {
	rec := httptest.NewRecorder()
	writeJSON(rec, http.StatusCreated, map[string]any{"t": time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC)})
	if rec.Code != http.StatusInternalServerError {
		t.Fatalf("status %d, body %q", rec.Code, rec.Body.String())
	}
	var out ErrorBody
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || out.Error == "" || strings.Contains(out.Error, "year") {
		t.Fatalf("body %q (%v)", rec.Body.String(), err)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Fatalf("content type %q", ct)
	}
	rec = httptest.NewRecorder()
	writeJSON(rec, http.StatusCreated, map[string]int{"a": 1})
	if rec.Code != http.StatusCreated || strings.TrimSpace(rec.Body.String()) != `{"a":1}` {
		t.Fatalf("ok case: %d %q", rec.Code, rec.Body.String())
	}
}

// TestStoreUnavailable: the 503 body is the same fixed message whatever the
// open error was; the detail (user, host, database, file paths) is only
// logged and shown in the health check, which only Admins can run.
func TestStoreUnavailable(t *testing.T) {
	secret := errors.New(`connect postgres: failed to connect to user=rcp_admin database=rcp_prod host=db.internal: open /var/lib/grafana/secret/incidents.db`)
	h := httpadapter.New(New(nil, secret).Routes())
	s := &sender{}
	_ = h.CallResource(context.Background(), &backend.CallResourceRequest{PluginContext: user("Viewer", 1), Method: "GET", Path: "incidents", URL: "/incidents"}, s)
	if s.resp.Status != http.StatusServiceUnavailable {
		t.Fatalf("%d %s", s.resp.Status, s.resp.Body)
	}
	var out map[string]any
	if err := json.Unmarshal(s.resp.Body, &out); err != nil {
		t.Fatalf("body %q: %v", s.resp.Body, err)
	}
	want := map[string]any{"error": "incident store unavailable; an Admin can see why in the plugin's health check"}
	if fmt.Sprint(out) != fmt.Sprint(want) {
		t.Fatalf("body %s, want %v", s.resp.Body, want)
	}
	for _, leak := range []string{"rcp_admin", "rcp_prod", "db.internal", "/var/lib"} {
		if strings.Contains(string(s.resp.Body), leak) {
			t.Fatalf("503 body leaks %q: %s", leak, s.resp.Body)
		}
	}
}

func TestIncidentCarriesAllowedTransitions(t *testing.T) {
	c := newClient(t)
	ed := user("Editor", 1)
	id := c.create(1)
	allowed := func(body map[string]any) []any {
		t.Helper()
		list, ok := body["allowedTransitions"].([]any)
		if !ok {
			t.Fatalf("no allowedTransitions in %v", body)
		}
		return list
	}
	_, got := c.call(ed, "GET", "/incidents/"+id, "")
	if a := allowed(got); len(a) != 3 || a[0] != "investigating" {
		t.Fatalf("open incident: allowed %v", a)
	}
	_, patched := c.call(ed, "PATCH", "/incidents/"+id, `{"status":"resolved"}`)
	if a := allowed(patched); len(a) != 1 || a[0] != "open" {
		t.Fatalf("resolved incident: allowed %v", a)
	}
}
