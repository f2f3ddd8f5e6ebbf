package incidents

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

const validBody = `{"service":"checkout","title":"Error spike","severity":"critical",
 "timeRange":{"from":"2025-01-01T10:00:00Z","to":"2025-01-01T11:00:00.5+01:00"},
 "analysis":{"summary":"x","panels":[1,2]},"links":[{"title":"Dash","url":"/d/abc?from=now-1h"},{"title":"Runbook","url":"https://runbooks.example/checkout"}]}`

func TestDecodeCreateValid(t *testing.T) {
	v, err := DecodeCreate([]byte(validBody))
	if err != nil {
		t.Fatal(err)
	}
	if v.Service != "checkout" || v.Severity != "critical" || len(v.Links) != 2 || string(v.Analysis) != `{"summary":"x","panels":[1,2]}` {
		t.Fatalf("%+v", v)
	}
	if v.To.Hour() != 10 || v.To.Nanosecond() != 5e8 {
		t.Fatalf("to not normalized to UTC: %v", v.To)
	}
	min, err := DecodeCreate([]byte(`{"service":"s","title":"t","severity":"low","timeRange":{"from":"2025-01-01T00:00:00Z","to":"2025-01-01T00:00:00Z"}}`))
	if err != nil || string(min.Analysis) != "{}" || min.Links == nil {
		t.Fatalf("minimal: %+v %v", min, err)
	}
	// The extremes of the accepted range (UTC years 1 and 9999).
	edge, err := DecodeCreate([]byte(`{"service":"s","title":"t","severity":"low","timeRange":{"from":"0001-01-01T01:00:00+01:00","to":"9999-12-31T23:59:59.999999999Z"}}`))
	if err != nil || edge.From.Year() != 1 || edge.To.Year() != 9999 {
		t.Fatalf("edge years: %+v %v", edge, err)
	}
}

// mutate replaces one top-level field of validBody (nil deletes it).
func mutate(field string, value any) string {
	var m map[string]any
	_ = json.Unmarshal([]byte(validBody), &m)
	if value == nil {
		delete(m, field)
	} else {
		m[field] = value
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func TestDecodeCreateInvalid(t *testing.T) {
	cases := []struct {
		name, body, field string
		tooLarge          bool
	}{
		{"empty", ``, "", false},
		{"whitespace", "  \n ", "", false},
		{"not json", `hello`, "", false},
		{"array", `[]`, "", false},
		{"null", `null`, "", false},
		{"truncated", `{"service":"x"`, "", false},
		{"syntax", `{"service":"x",}`, "", false},
		{"trailing", validBody + `{}`, "", false},
		{"invalid utf8", "{\"service\":\"\xff\"}", "", false},
		{"unknown field", mutate("priority", "p1"), "priority", false},
		{"unknown nested", mutate("timeRange", map[string]any{"from": "2025-01-01T00:00:00Z", "to": "2025-01-01T00:00:00Z", "tz": "x"}), "tz", false},
		{"unknown link field", mutate("links", []any{map[string]any{"title": "a", "url": "/a", "x": 1}}), "x", false},
		{"service type", mutate("service", 5), "service", false},
		{"title type", mutate("title", true), "title", false},
		{"links type", mutate("links", "x"), "links", false},
		{"timeRange type", mutate("timeRange", "last 1h"), "timeRange", false},
		{"missing service", mutate("service", nil), "service", false},
		{"blank title", mutate("title", "   "), "title", false},
		{"title too long", mutate("title", strings.Repeat("é", MaxTitleLen+1)), "title", false},
		{"title control", mutate("title", "a\u0000b"), "title", false},
		{"title newline", mutate("title", "a\nb"), "title", false},
		{"service too long", mutate("service", strings.Repeat("s", MaxServiceLen+1)), "service", false},
		{"severity missing", mutate("severity", nil), "severity", false},
		{"severity bad", mutate("severity", "sev1"), "severity", false},
		{"severity case", mutate("severity", "Critical"), "severity", false},
		{"timeRange missing", mutate("timeRange", nil), "timeRange", false},
		{"from missing", mutate("timeRange", map[string]any{"to": "2025-01-01T00:00:00Z"}), "timeRange.from", false},
		{"from bad", mutate("timeRange", map[string]any{"from": "now-1h", "to": "2025-01-01T00:00:00Z"}), "timeRange.from", false},
		{"to bad", mutate("timeRange", map[string]any{"from": "2025-01-01T00:00:00Z", "to": 17}), "timeRange.to", false},
		{"from after to", mutate("timeRange", map[string]any{"from": "2025-01-02T00:00:00Z", "to": "2025-01-01T00:00:00Z"}), "timeRange", false},
		// Year -1 in UTC: time.Time cannot be marshalled back to JSON.
		{"from before year 1 in UTC", mutate("timeRange", map[string]any{"from": "0000-01-01T00:00:00+01:00", "to": "2025-01-01T00:00:00Z"}), "timeRange.from", false},
		{"from year 0", mutate("timeRange", map[string]any{"from": "0000-06-01T00:00:00Z", "to": "2025-01-01T00:00:00Z"}), "timeRange.from", false},
		{"to year 10000 in UTC", mutate("timeRange", map[string]any{"from": "2025-01-01T00:00:00Z", "to": "9999-12-31T23:00:00-02:00"}), "timeRange.to", false},
		{"analysis array", mutate("analysis", []any{1}), "analysis", false},
		{"analysis string", mutate("analysis", "x"), "analysis", false},
		{"link js", mutate("links", []any{map[string]any{"title": "a", "url": "javascript:alert(1)"}}), "links[0].url", false},
		{"link protocol-relative", mutate("links", []any{map[string]any{"title": "a", "url": "//evil.example"}}), "links[0].url", false},
		{"link no host", mutate("links", []any{map[string]any{"title": "a", "url": "https://"}}), "links[0].url", false},
		{"link blank title", mutate("links", []any{map[string]any{"title": "", "url": "/a"}}), "links[0].title", false},
		{"link second", mutate("links", []any{map[string]any{"title": "a", "url": "/a"}, map[string]any{"title": "b", "url": "ftp://x"}}), "links[1].url", false},
		{"too many links", mutate("links", make([]any, MaxLinks+1)), "links", false},
		{"too large", `{"title":"` + strings.Repeat("a", MaxBodyBytes) + `"}`, "", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := DecodeCreate([]byte(c.body))
			if c.tooLarge {
				var tl *TooLargeError
				if !errors.As(err, &tl) {
					t.Fatalf("want TooLargeError, got %v", err)
				}
				return
			}
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("want ValidationError, got %v", err)
			}
			if ve.Field != c.field {
				t.Fatalf("field %q want %q (%v)", ve.Field, c.field, err)
			}
			if ve.Message == "" {
				t.Fatal("empty message")
			}
		})
	}
}

func TestDecodePatchAndEvent(t *testing.T) {
	good := []string{`{"title":"x"}`, `{"status":"resolved","version":3}`, `{"assignee":""}`, `{"notes":"multi\nline"}`, `{"severity":"low","title":" t "}`}
	for _, b := range good {
		if _, err := DecodePatch([]byte(b)); err != nil {
			t.Errorf("%s: %v", b, err)
		}
	}
	bad := map[string]string{
		`{}`:                          "",
		`{"title":null}`:              "",
		`{"status":"closed"}`:         "status",
		`{"status":1}`:                "status",
		`{"severity":"urgent"}`:       "severity",
		`{"title":""}`:                "title",
		`{"assignee":"a\u0007"}`:      "assignee",
		`{"id":"x"}`:                  "id",
		`{"createdAt":"x"}`:           "createdAt",
		`{"title":"x","version":0}`:   "version",
		`{"title":"x","version":"1"}`: "version",
	}
	for b, field := range bad {
		_, err := DecodePatch([]byte(b))
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Field != field {
			t.Errorf("%s: want field %q, got %v", b, field, err)
		}
	}
	if _, err := DecodePatch([]byte(`{"notes":"` + strings.Repeat("n", MaxNotesLen+1) + `"}`)); err == nil {
		t.Error("long notes accepted")
	}
	if ev, err := DecodeEvent([]byte(`{"message":"  checking logs  "}`)); err != nil || ev.Message != "checking logs" {
		t.Errorf("event: %+v %v", ev, err)
	}
	for _, b := range []string{`{}`, `{"message":""}`, `{"message":5}`, `{"message":"x","kind":"y"}`, `{"message":"` + strings.Repeat("m", MaxMessageLen+1) + `"}`} {
		if _, err := DecodeEvent([]byte(b)); err == nil {
			t.Errorf("%.40s accepted", b)
		}
	}
}

func TestIDs(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		id := NewID(validCreate().To)
		if !ValidID(id) || seen[id] {
			t.Fatalf("bad or duplicate id %q", id)
		}
		seen[id] = true
	}
	for _, id := range []string{"", "abc", strings.Repeat("Z", 26), "01ARZ3NDEKTSV4RRFFQ69G5FAv", "01ARZ3NDEKTSV4RRFFQ69G5FA", "01ARZ3NDEKTSV4RRFFQ69G5FAI", "../../etc/passwd"} {
		if ValidID(id) {
			t.Errorf("%q accepted", id)
		}
	}
	if !ValidID("01ARZ3NDEKTSV4RRFFQ69G5FAV") {
		t.Error("canonical ULID rejected")
	}
	// The ULID spec's example: the first 10 characters encode the milliseconds.
	if got := NewID(time.UnixMilli(1469918176385))[:10]; got != "01ARYZ6S41" {
		t.Errorf("timestamp part %q, want 01ARYZ6S41", got)
	}
	if a, b := NewID(time.UnixMilli(1000)), NewID(time.UnixMilli(1001)); a >= b {
		t.Errorf("ids do not sort by time: %s >= %s", a, b)
	}
}

// checkCreateInvariants is what every accepted create body guarantees.
func checkCreateInvariants(t *testing.T, v *ValidCreate) {
	t.Helper()
	if n := utf8.RuneCountInString(v.Title); n < 1 || n > MaxTitleLen {
		t.Fatalf("title length %d", n)
	}
	if n := utf8.RuneCountInString(v.Service); n < 1 || n > MaxServiceLen {
		t.Fatalf("service length %d", n)
	}
	if err := checkEnum("severity", v.Severity, Severities); err != nil {
		t.Fatal(err)
	}
	if v.From.After(v.To) {
		t.Fatal("from after to")
	}
	// Accepted times must survive the response encoding.
	if _, err := json.Marshal(v.From); err != nil {
		t.Fatalf("from does not marshal: %v", err)
	}
	if _, err := json.Marshal(v.To); err != nil {
		t.Fatalf("to does not marshal: %v", err)
	}
	var obj map[string]any
	if err := json.Unmarshal(v.Analysis, &obj); err != nil || obj == nil {
		t.Fatalf("analysis not an object: %s", v.Analysis)
	}
	if len(v.Links) > MaxLinks {
		t.Fatal("too many links")
	}
}

// requireClientError fails unless a decode error is one the resources map to
// a 4xx (validation or size); any other type would become a 500.
func requireClientError(t *testing.T, err error) {
	t.Helper()
	var ve *ValidationError
	var tl *TooLargeError
	if !errors.As(err, &ve) && !errors.As(err, &tl) {
		t.Fatalf("unexpected error type %T: %v", err, err)
	}
}

func FuzzDecodeCreateIncident(f *testing.F) {
	for _, s := range []string{validBody, `{}`, ``, `null`, `[]`, `{"service":"s","title":"t","severity":"low","timeRange":{"from":"2025-01-01T00:00:00Z","to":"2025-01-01T00:00:00Z"}}`,
		mutate("analysis", map[string]any{"a": []any{map[string]any{"b": nil}}}), mutate("title", "'; DROP TABLE incidents; --"),
		mutate("links", []any{map[string]any{"title": "a", "url": "javascript:x"}}), `{"service":"\u0000"}`,
		mutate("timeRange", map[string]any{"from": "0000-01-01T00:00:00+01:00", "to": "0001-01-01T00:00:00Z"}), "{\"title\":\"\xff\"}"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		v, err := DecodeCreate(body)
		if err != nil {
			requireClientError(t, err)
			return
		}
		checkCreateInvariants(t, v)
		// Accepted bodies are valid JSON objects.
		if !json.Valid(body) || bytes.TrimSpace(body)[0] != '{' {
			t.Fatalf("accepted non-object %q", body)
		}
	})
}

func FuzzDecodePatchIncident(f *testing.F) {
	for _, s := range []string{`{"title":"x"}`, `{"status":"resolved","version":3}`, `{}`, `{"notes":null}`, `{"assignee":"a","severity":"high"}`, `{"version":-1,"title":"x"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := DecodePatch(body)
		if err != nil {
			requireClientError(t, err)
			return
		}
		if p.Title == nil && p.Severity == nil && p.Status == nil && p.Assignee == nil && p.Notes == nil {
			t.Fatal("empty patch accepted")
		}
		if p.Status != nil && checkEnum("status", *p.Status, Statuses) != nil {
			t.Fatalf("bad status %q", *p.Status)
		}
		if p.Severity != nil && checkEnum("severity", *p.Severity, Severities) != nil {
			t.Fatalf("bad severity %q", *p.Severity)
		}
		if p.Title != nil && (*p.Title == "" || utf8.RuneCountInString(*p.Title) > MaxTitleLen) {
			t.Fatalf("bad title %q", *p.Title)
		}
		if p.Version != nil && *p.Version < 1 {
			t.Fatal("bad version")
		}
	})
}

func FuzzDecodeEvent(f *testing.F) {
	for _, s := range []string{`{"message":"hi"}`, `{"message":""}`, `{"message":"a\nb"}`, `{"message":1}`, `x`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		ev, err := DecodeEvent(body)
		if err != nil {
			requireClientError(t, err)
			return
		}
		if n := utf8.RuneCountInString(ev.Message); n < 1 || n > MaxMessageLen || strings.TrimSpace(ev.Message) != ev.Message {
			t.Fatalf("bad message %q", ev.Message)
		}
	})
}
