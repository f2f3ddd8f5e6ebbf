package incidents

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rcp/reliability/pkg/store"
)

// A snapshot in the shape the frontend saves (ServiceAnalysis), trimmed to what the export reads
// plus a field it ignores.
const savedAnalysis = `{
  "version": 1, "service": "checkout", "datasources": {"tempoUid": "tempo-1"},
  "metrics": {"status": "ok", "value": {
    "signals": {"ignored": true},
    "traffic": {"requestRate": 12.5, "errorRate": 1.25, "errorRatio": 0.1, "p95Seconds": 0.42, "noTraffic": false},
    "slo": {"objectivePercent": 99.9, "periodDays": 30,
      "windows": [{"window": "5m", "burnRate": 100}, {"window": "1h", "burnRate": 50}, {"window": "3d", "burnRate": null}],
      "rules": [{"severity": "page", "factor": 14.4, "long": "1h", "short": "5m", "firing": true},
                {"severity": "ticket", "factor": 1, "long": "3d", "short": "6h", "firing": false}],
      "budget": {"remaining": 0.25}, "exhaustion": {"state": "exhausting", "seconds": 5400}}}},
  "logs": {"status": "ok", "value": {"totalErrorLines": 200,
    "dominant": {"template": "payment <*> failed: upstream timeout", "route": "/pay", "status": "503", "count": 150, "share": 0.75}}},
  "confidence": {"status": "ok", "value": {"score": 82, "level": "high",
    "dominant": {"template": "payment <*> failed: upstream timeout", "route": "/pay", "status": "503"},
    "reasons": ["75 % of error lines share one pattern"]}},
  "blastRadius": {"status": "error", "message": "Tempo: connection refused"},
  "traces": {"status": "ok", "value": [
    {"traceId": "abc123", "status": "found", "summary": {"rootService": "frontend", "rootSpan": "GET /pay", "durationMs": 1200, "errorSpanCount": 2}},
    {"traceId": "def456", "status": "not-found"}]}
}`

func incident(analysis string) *store.Incident {
	from := time.Date(2025, 1, 1, 10, 0, 0, 0, time.UTC)
	return &store.Incident{
		ID: "01ARZ3NDEKTSV4RRFFQ69G5FAV", OrgID: 1, Service: "checkout", Title: "Checkout *down* | 503s",
		Severity: "critical", Status: "investigating", Notes: "rolled back\n# not a heading",
		TimeRange: store.TimeRange{From: from, To: from.Add(time.Hour)}, Analysis: []byte(analysis),
		Links:     []store.Link{{Title: "Runbook", URL: "https://wiki.example.com/runbook"}, {Title: "Dashboard", URL: "/d/abc"}},
		CreatedBy: "alice", CreatedAt: from.Add(2 * time.Hour),
		Events: []store.Event{{Time: from.Add(2 * time.Hour), User: "alice", Kind: "created", Message: "created incident"}},
	}
}

func TestMarkdownHandOff(t *testing.T) {
	md := Markdown(incident(savedAnalysis), "https://grafana.example.com/")
	for _, want := range []string{
		"# Checkout \\*down\\* \\| 503s\n",
		"| Severity | critical |",
		"| Status | investigating |",
		"| Time range | 2025-01-01T10:00:00Z – 2025-01-01T11:00:00Z |",
		"[Open the incident](https://grafana.example.com/a/rcp-reliability-app/incidents/01ARZ3NDEKTSV4RRFFQ69G5FAV?from=1735725600000&to=1735729200000)",
		"> rolled back\n> \\# not a heading",
		"| Request rate | 12.5 req/s |",
		"| Error ratio | 10 % |",
		"| Latency p95 | 420 ms |",
		"| Burn rate 1h | 50× |",
		"| Burn rate 3d | – |",
		"| Error budget left | 25 % |",
		"| Time to exhaustion | 1h30m0s |",
		"- page · 14.4× over 1h and 5m: **firing**",
		"- ticket · 1× over 3d and 6h: ok",
		"` payment <*> failed: upstream timeout `",
		"Route ` /pay `, status ` 503 `: 150 lines, 75 % of 200 error lines.",
		"Confidence 82 / 100 (high)",
		"- 75 % of error lines share one pattern",
		"## Blast radius\n\n_Unavailable when saved: Tempo: connection refused_",
		": root frontend ` GET /pay `, 1200 ms, 2 error spans",
		"schemaVersion=1): not-found",
		"- [Runbook](https://wiki.example.com/runbook)",
		"- [Dashboard](https://grafana.example.com/d/abc)",
		"- 2025-01-01T12:00:00Z · alice · created: created incident",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("missing %q in:\n%s", want, md)
		}
	}
	// The trace link opens Explore on the saved range with the snapshot's Tempo.
	i := strings.Index(md, "[` abc123 `](")
	if i < 0 {
		t.Fatalf("no trace link:\n%s", md)
	}
	link := md[i+len("[` abc123 `]("):]
	link = link[:strings.Index(link, ")")]
	u, err := url.Parse(link)
	if err != nil || u.Host != "grafana.example.com" || u.Path != "/explore" {
		t.Fatalf("trace link %q", link)
	}
	panes := u.Query().Get("panes")
	for _, want := range []string{`"datasource":"tempo-1"`, `"query":"abc123"`, `"from":"1735725600000"`} {
		if !strings.Contains(panes, want) {
			t.Errorf("panes %s lack %s", panes, want)
		}
	}
}

func TestMarkdownWithoutAnalysis(t *testing.T) {
	for _, analysis := range []string{"", "not json", `{"metrics": 3}`} {
		md := Markdown(incident(analysis), "")
		if !strings.Contains(md, "_No analysis snapshot was saved with this incident._") {
			t.Errorf("%q: %s", analysis, md)
		}
		if !strings.Contains(md, "[Open the incident](/a/rcp-reliability-app/incidents/") {
			t.Errorf("%q: without an app URL links are relative to the root: %s", analysis, md)
		}
	}
	// A snapshot with sections of unknown shape or missing values still renders.
	md := Markdown(incident(`{"metrics": {"status": "ok"}, "logs": {"status": "ok", "value": {}}}`), "")
	for _, want := range []string{"_Unavailable when saved: not saved_", "No error logs in the range."} {
		if !strings.Contains(md, want) {
			t.Errorf("missing %q in %s", want, md)
		}
	}
}

func TestCodeSpanOutlastsBackticks(t *testing.T) {
	if got := code("a `b` c"); got != "`` a `b` c ``" {
		t.Errorf("got %q", got)
	}
}
