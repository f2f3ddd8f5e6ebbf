package resources

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/rcp/reliability/pkg/store"
)

// raw sends a resource call and returns the whole response (headers, body).
func (c *client) raw(pc backend.PluginContext, method, path, body string) *backend.CallResourceResponse {
	c.t.Helper()
	s := &sender{}
	err := c.h.CallResource(context.Background(), &backend.CallResourceRequest{
		PluginContext: pc, Method: method, Path: strings.TrimPrefix(strings.SplitN(path, "?", 2)[0], "/"), URL: path, Body: []byte(body),
	}, s)
	if err != nil {
		c.t.Fatal(err)
	}
	return s.resp
}

// TestPatchAndNoteReturnOnlyNewEvents: the answer to a write carries the
// events that write added, not the whole timeline (which is paged).
func TestPatchAndNoteReturnOnlyNewEvents(t *testing.T) {
	c := newClient(t)
	ed := user("Editor", 1)
	id := c.create(1)
	for i := 0; i < 3; i++ {
		if code, body := c.call(ed, "POST", "/incidents/"+id+"/events", fmt.Sprintf(`{"message":"note %d"}`, i)); code != 201 {
			t.Fatalf("note: %d %v", code, body)
		}
	}
	code, body := c.call(ed, "PATCH", "/incidents/"+id, `{"status":"investigating","assignee":"bob"}`)
	if code != 200 {
		t.Fatalf("patch: %d %v", code, body)
	}
	evs, _ := body["events"].([]any)
	if len(evs) != 2 || evs[0].(map[string]any)["message"] != "status: open → investigating" {
		t.Fatalf("patch answered events %v, want only its 2 changes", evs)
	}
	// A no-op PATCH adds nothing and answers no events.
	code, body = c.call(ed, "PATCH", "/incidents/"+id, `{"status":"investigating"}`)
	if evs, _ := body["events"].([]any); code != 200 || len(evs) != 0 {
		t.Fatalf("no-op patch: %d events %v", code, evs)
	}
}

// TestTimelinePaging: GET /incidents/{id}/events pages the timeline in both
// directions with a cursor; GET /incidents/{id} carries the first page.
func TestTimelinePaging(t *testing.T) {
	c := newClient(t)
	ed := user("Editor", 1)
	id := c.create(1)
	for i := 0; i < 6; i++ {
		c.call(ed, "POST", "/incidents/"+id+"/events", fmt.Sprintf(`{"message":"note %d"}`, i))
	}
	collect := func(order string) []string {
		var got []string
		cursor := ""
		for pages := 0; pages < 10; pages++ {
			path := "/incidents/" + id + "/events?limit=3&order=" + order
			if cursor != "" {
				path += "&cursor=" + cursor
			}
			code, body := c.call(user("Viewer", 1), "GET", path, "")
			if code != 200 {
				t.Fatalf("%s: %d %v", path, code, body)
			}
			items := body["items"].([]any)
			if len(items) > 3 {
				t.Fatalf("page of %d over the limit", len(items))
			}
			for _, it := range items {
				got = append(got, it.(map[string]any)["message"].(string))
			}
			cursor, _ = body["nextCursor"].(string)
			if cursor == "" {
				return got
			}
		}
		t.Fatal("paging did not end")
		return nil
	}
	asc := collect("asc")
	if len(asc) != 7 || !strings.HasPrefix(asc[0], "created") || asc[6] != "note 5" {
		t.Fatalf("oldest first: %q", asc)
	}
	desc := collect("desc")
	if len(desc) != 7 || desc[0] != "note 5" || !strings.HasPrefix(desc[6], "created") {
		t.Fatalf("newest first: %q", desc)
	}
	// Other orgs see no timeline; bad parameters are 400s.
	if code, _ := c.call(user("Viewer", 2), "GET", "/incidents/"+id+"/events", ""); code != 404 {
		t.Fatalf("other org: %d", code)
	}
	for _, q := range []string{"limit=0", "limit=201", "order=sideways", "cursor=abc"} {
		if code, body := c.call(ed, "GET", "/incidents/"+id+"/events?"+q, ""); code != 400 {
			t.Fatalf("%s: %d %v", q, code, body)
		}
	}
	_, got := c.call(ed, "GET", "/incidents/"+id+"/events?limit=2", "")
	if got["nextCursor"] == nil {
		t.Fatalf("no nextCursor on a partial page: %v", got)
	}
}

// TestTimelineCapAndResponseSize: an Editor filling the timeline gets a 409
// naming the limit once it is full, and the incident stays readable: every
// answer stays under the response limit the backend checks.
func TestTimelineCapAndResponseSize(t *testing.T) {
	c := newClient(t)
	ed := user("Editor", 1)
	id := c.create(1)
	// U+2028 is 3 bytes that JSON writes as 6: the costliest character.
	msg := "x" + strings.Repeat("\u2028", 4998) + "x"
	body := `{"message":"` + msg + `"}`
	for i := 1; i < store.MaxEventsPerIncident; i++ {
		if code, out := c.call(ed, "POST", "/incidents/"+id+"/events", body); code != 201 {
			t.Fatalf("note %d: %d %.300v", i, code, out)
		}
	}
	code, out := c.call(ed, "POST", "/incidents/"+id+"/events", body)
	if code != http.StatusConflict || out["field"] != "events" || !strings.Contains(out["error"].(string), fmt.Sprintf("%d events", store.MaxEventsPerIncident)) {
		t.Fatalf("note over the cap: %d %.300v", code, out)
	}
	code, out = c.call(ed, "PATCH", "/incidents/"+id, `{"title":"changed"}`)
	if code != http.StatusConflict || out["field"] != "events" {
		t.Fatalf("patch over the cap: %d %v", code, out)
	}
	for _, path := range []string{"/incidents/" + id, "/incidents/" + id + "/events?limit=100&order=desc"} {
		resp := c.raw(user("Viewer", 1), "GET", path, "")
		if resp.Status != 200 || len(resp.Body) > MaxResponseBytes {
			t.Fatalf("%s: %d, %d bytes", path, resp.Status, len(resp.Body))
		}
	}
}

// TestNonCanonicalPathsAreJSON404: ServeMux would redirect these (307, HTML
// body, Location outside the plugin's prefix).
func TestNonCanonicalPathsAreJSON404(t *testing.T) {
	c := newClient(t)
	id := c.create(1)
	for _, p := range []string{"/incidents/x/../" + id, "//incidents//" + id, "/incidents/./" + id, "/incidents/" + id + "/", "/incidents/"} {
		resp := c.raw(user("Admin", 1), "GET", p, "")
		if resp.Status != 404 || resp.Headers["Location"] != nil || !strings.HasPrefix(string(resp.Body), `{"error"`) {
			t.Fatalf("%s: %d %v %s", p, resp.Status, resp.Headers, resp.Body)
		}
	}
}

// TestOpenRedirectLinks: links browsers read as another host are refused.
func TestOpenRedirectLinks(t *testing.T) {
	c := newClient(t)
	for _, u := range []string{`/\\evil.com`, `/\\/evil.com`, `\\\\evil.com`, `/\\\\evil.com/x`} {
		b := strings.Replace(createBody, `"url":"/d/x"`, `"url":"`+u+`"`, 1)
		if code, out := c.call(user("Editor", 1), "POST", "/incidents", b); code != 400 || out["field"] != "links[0].url" {
			t.Fatalf("%s: %d %v", u, code, out)
		}
	}
}

// TestStrictJSONKeys: keys match exactly once and in their own case.
func TestStrictJSONKeys(t *testing.T) {
	c := newClient(t)
	id := c.create(1)
	for _, b := range []string{`{"Title":"x"}`, `{"TITLE":"x"}`, `{"title":"a","title":"b"}`, `{"status":"resolved","status":"open"}`} {
		if code, out := c.call(user("Editor", 1), "PATCH", "/incidents/"+id, b); code != 400 {
			t.Fatalf("%s: %d %v", b, code, out)
		}
	}
	dupNested := strings.Replace(createBody, `"from":"2025-01-01T10:00:00Z"`, `"from":"2025-01-01T10:00:00Z","from":"2024-01-01T10:00:00Z"`, 1)
	caseNested := strings.Replace(createBody, `"title":"d"`, `"Title":"d"`, 1)
	for _, b := range []string{dupNested, caseNested} {
		if code, out := c.call(user("Editor", 1), "POST", "/incidents", b); code != 400 {
			t.Fatalf("%s: %d %v", b, code, out)
		}
	}
}

// TestTitleCharacters: a real U+FFFD is text; bidi overrides are refused.
func TestTitleCharacters(t *testing.T) {
	c := newClient(t)
	id := c.create(1)
	if code, out := c.call(user("Editor", 1), "PATCH", "/incidents/"+id, `{"title":"bad byte \ufffd shown"}`); code != 200 {
		t.Fatalf("U+FFFD: %d %v", code, out)
	}
	for _, r := range []string{`\u202e`, `\u202a`, `\u2066`, `\u2069`} {
		if code, out := c.call(user("Editor", 1), "PATCH", "/incidents/"+id, `{"title":"evil `+r+`gpj.exe"}`); code != 400 || out["field"] != "title" {
			t.Fatalf("%s: %d %v", r, code, out)
		}
	}
}

// TestTimelineCommitOrder: writers racing on one incident leave a timeline
// whose order (by the commit-ordered id) has non-decreasing times, and the
// incident's updatedAt is not older than its newest event.
func TestTimelineCommitOrder(t *testing.T) {
	c := newClient(t)
	ed := user("Editor", 1)
	id := c.create(1)
	var wg sync.WaitGroup
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 8; i++ {
				if i%2 == 0 {
					c.call(ed, "POST", "/incidents/"+id+"/events", fmt.Sprintf(`{"message":"w%d n%d"}`, w, i))
				} else {
					c.call(ed, "PATCH", "/incidents/"+id, fmt.Sprintf(`{"assignee":"w%d-%d"}`, w, i))
				}
			}
		}(w)
	}
	wg.Wait()
	_, inc := c.call(ed, "GET", "/incidents/"+id, "")
	var last time.Time
	var lastID float64
	n := 0
	cursor := ""
	for {
		path := "/incidents/" + id + "/events?limit=100"
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		code, page := c.call(ed, "GET", path, "")
		if code != 200 {
			t.Fatalf("%s: %d %v", path, code, page)
		}
		for _, it := range page["items"].([]any) {
			e := it.(map[string]any)
			at, _ := time.Parse(time.RFC3339Nano, e["time"].(string))
			if e["id"].(float64) <= lastID || at.Before(last) {
				t.Fatalf("event %v out of commit order after id %v at %v", e, lastID, last)
			}
			last, lastID = at, e["id"].(float64)
			n++
		}
		if cursor, _ = page["nextCursor"].(string); cursor == "" {
			break
		}
	}
	updated, _ := time.Parse(time.RFC3339Nano, inc["updatedAt"].(string))
	if n != 1+16*8 || updated.Before(last) {
		t.Fatalf("%d events; updatedAt %v before newest event %v", n, updated, last)
	}
}
