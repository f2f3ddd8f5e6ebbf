package incidents

import (
	"encoding/json"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/rcp/reliability/pkg/store"
)

// PluginPath is where Grafana serves the app's pages, below its app URL.
const PluginPath = "/a/rcp-reliability-app"

// The parts of a snapshot (the frontend's ServiceAnalysis) the hand-off
// names. Anything else in the snapshot is ignored; anything missing or of
// another shape is left out of the export rather than failing it.
type snapshot struct {
	Datasources struct {
		TempoUID string `json:"tempoUid"`
	} `json:"datasources"`
	Metrics     section[metricsPart]    `json:"metrics"`
	Logs        section[logsPart]       `json:"logs"`
	Confidence  section[confidencePart] `json:"confidence"`
	BlastRadius section[blastPart]      `json:"blastRadius"`
	Traces      section[[]traceLookup]  `json:"traces"`
}

type section[T any] struct {
	Status  string `json:"status"`
	Value   *T     `json:"value"`
	Message string `json:"message"`
}

type metricsPart struct {
	Traffic struct {
		RequestRate float64  `json:"requestRate"`
		ErrorRate   float64  `json:"errorRate"`
		ErrorRatio  *float64 `json:"errorRatio"`
		P95Seconds  *float64 `json:"p95Seconds"`
		NoTraffic   bool     `json:"noTraffic"`
	} `json:"traffic"`
	SLO struct {
		ObjectivePercent float64 `json:"objectivePercent"`
		PeriodDays       float64 `json:"periodDays"`
		Windows          []struct {
			Window   string   `json:"window"`
			BurnRate *float64 `json:"burnRate"`
		} `json:"windows"`
		Rules []struct {
			Severity string  `json:"severity"`
			Factor   float64 `json:"factor"`
			Long     string  `json:"long"`
			Short    string  `json:"short"`
			Firing   bool    `json:"firing"`
		} `json:"rules"`
		Budget struct {
			Remaining float64 `json:"remaining"`
		} `json:"budget"`
		Exhaustion struct {
			State   string  `json:"state"`
			Seconds float64 `json:"seconds"`
		} `json:"exhaustion"`
	} `json:"slo"`
}

type pattern struct {
	Template string  `json:"template"`
	Route    string  `json:"route"`
	Status   string  `json:"status"`
	Count    float64 `json:"count"`
	Share    float64 `json:"share"`
}

type logsPart struct {
	Dominant        *pattern `json:"dominant"`
	TotalErrorLines float64  `json:"totalErrorLines"`
}

type confidencePart struct {
	Score    *float64 `json:"score"`
	Level    string   `json:"level"`
	Dominant *pattern `json:"dominant"`
	Reasons  []string `json:"reasons"`
}

type blastPart struct {
	Affected []struct {
		Service    string   `json:"service"`
		Role       string   `json:"role"`
		ErrorRatio *float64 `json:"errorRatio"`
	} `json:"affected"`
	ImpactPercent float64 `json:"impactPercent"`
	Class         string  `json:"class"`
}

type traceLookup struct {
	TraceID string `json:"traceId"`
	Status  string `json:"status"`
	Summary *struct {
		RootService    string  `json:"rootService"`
		RootSpan       string  `json:"rootSpan"`
		DurationMs     float64 `json:"durationMs"`
		ErrorSpanCount float64 `json:"errorSpanCount"`
	} `json:"summary"`
}

// IncidentURL is the incident page, carrying the saved time range so that
// the page's link to Services opens the same view.
func IncidentURL(appURL string, inc *store.Incident) string {
	q := rangeQuery(inc.TimeRange)
	return strings.TrimRight(appURL, "/") + PluginPath + "/incidents/" + url.PathEscape(inc.ID) + "?" + q.Encode()
}

// ServicesURL is the Services page showing the incident's service over its
// saved range (the parameters the page reads).
func ServicesURL(appURL string, inc *store.Incident) string {
	q := rangeQuery(inc.TimeRange)
	q.Set("service", inc.Service)
	return strings.TrimRight(appURL, "/") + PluginPath + "/services?" + q.Encode()
}

func rangeQuery(r store.TimeRange) url.Values {
	return url.Values{
		"from": {strconv.FormatInt(r.From.UnixMilli(), 10)},
		"to":   {strconv.FormatInt(r.To.UnixMilli(), 10)},
	}
}

// traceURL opens one trace in Explore, as the frontend's traceExploreUrl.
func traceURL(appURL, tempoUID, traceID string, r store.TimeRange) string {
	ds := map[string]string{"uid": tempoUID, "type": "tempo"}
	panes := map[string]any{"rcp": map[string]any{
		"datasource": tempoUID,
		"queries":    []any{map[string]any{"refId": "A", "datasource": ds, "queryType": "traceql", "query": traceID}},
		"range":      map[string]string{"from": strconv.FormatInt(r.From.UnixMilli(), 10), "to": strconv.FormatInt(r.To.UnixMilli(), 10)},
	}}
	b, _ := json.Marshal(panes) // maps of strings always encode
	q := url.Values{"schemaVersion": {"1"}, "panes": {string(b)}}
	return strings.TrimRight(appURL, "/") + "/explore?" + q.Encode()
}

// Markdown renders an incident for hand-off: its fields, the saved figures,
// the dominant pattern, the root cause when known, the blast radius, trace
// links and the timeline. Links are absolute below appURL.
func Markdown(inc *store.Incident, appURL string) string {
	var b strings.Builder
	w := func(parts ...string) {
		for _, p := range parts {
			b.WriteString(p)
		}
		b.WriteString("\n")
	}
	var snap snapshot
	analysisOK := len(inc.Analysis) > 0 && json.Unmarshal(inc.Analysis, &snap) == nil

	w("# ", text(inc.Title))
	w()
	w("| | |")
	w("|---|---|")
	w("| Service | ", cell(inc.Service), " |")
	w("| Severity | ", cell(inc.Severity), " |")
	w("| Status | ", cell(inc.Status), " |")
	if inc.Assignee != "" {
		w("| Assignee | ", cell(inc.Assignee), " |")
	}
	w("| Time range | ", timestamp(inc.TimeRange.From), " – ", timestamp(inc.TimeRange.To), " |")
	w("| Created | ", timestamp(inc.CreatedAt), " by ", cell(inc.CreatedBy), " |")
	w()
	w("[Open the incident](", IncidentURL(appURL, inc), ") · [Open ", text(inc.Service), " on the Services page](", ServicesURL(appURL, inc), ")")
	if inc.Notes != "" {
		w()
		w("## Notes")
		w()
		w(quote(inc.Notes))
	}
	if !analysisOK {
		w()
		w("_No analysis snapshot was saved with this incident._")
	} else {
		writeFigures(w, snap.Metrics)
		writePatterns(w, snap.Logs, snap.Confidence)
		writeBlastRadius(w, snap.BlastRadius)
		writeTraces(w, snap.Traces, appURL, snap.Datasources.TempoUID, inc.TimeRange)
	}
	if len(inc.Links) > 0 {
		w()
		w("## Links")
		w()
		for _, l := range inc.Links {
			w("- [", text(l.Title), "](", absolute(appURL, l.URL), ")")
		}
	}
	w()
	w("## Timeline")
	w()
	if len(inc.Events) == 0 {
		w("No events.")
	}
	for _, e := range inc.Events {
		w("- ", timestamp(e.Time), " · ", text(e.User), " · ", text(e.Kind), ": ", text(e.Message))
	}
	return b.String()
}

type writer func(parts ...string)

// unavailable starts a section titled title and, when the snapshot has no
// value for it, says why and reports true.
func unavailable[T any](w writer, title string, s section[T]) bool {
	w()
	w("## ", title)
	w()
	if s.Status == "ok" && s.Value != nil {
		return false
	}
	msg := s.Message
	if msg == "" {
		msg = "not saved"
	}
	w("_Unavailable when saved: ", text(msg), "_")
	return true
}

func writeFigures(w writer, m section[metricsPart]) {
	if unavailable(w, "Figures at save time", m) {
		return
	}
	t, slo := m.Value.Traffic, m.Value.SLO
	if t.NoTraffic {
		w("No traffic in the range.")
		w()
	}
	w("| Figure | Value |")
	w("|---|---|")
	w("| Request rate | ", number(t.RequestRate), " req/s |")
	w("| Error rate | ", number(t.ErrorRate), " req/s |")
	w("| Error ratio | ", percent(t.ErrorRatio), " |")
	w("| Latency p95 | ", seconds(t.P95Seconds), " |")
	w("| Objective | ", number(slo.ObjectivePercent), " % over ", number(slo.PeriodDays), " days |")
	for _, win := range slo.Windows {
		w("| Burn rate ", cell(win.Window), " | ", burn(win.BurnRate), " |")
	}
	w("| Error budget left | ", number(slo.Budget.Remaining*100), " % |")
	switch slo.Exhaustion.State {
	case "exhausting":
		w("| Time to exhaustion | ", (time.Duration(slo.Exhaustion.Seconds) * time.Second).Round(time.Minute).String(), " |")
	case "":
	default:
		w("| Time to exhaustion | ", cell(slo.Exhaustion.State), " |")
	}
	w()
	for _, r := range slo.Rules {
		state := "ok"
		if r.Firing {
			state = "**firing**"
		}
		w("- ", text(r.Severity), " · ", number(r.Factor), "× over ", text(r.Long), " and ", text(r.Short), ": ", state)
	}
}

func writePatterns(w writer, logs section[logsPart], conf section[confidencePart]) {
	if !unavailable(w, "Dominant error pattern", logs) {
		if d := logs.Value.Dominant; d == nil {
			w("No error logs in the range.")
		} else {
			w(code(d.Template))
			w()
			w("Route ", orDash(d.Route), ", status ", orDash(d.Status), ": ", number(d.Count), " lines, ", number(d.Share*100), " % of ", number(logs.Value.TotalErrorLines), " error lines.")
		}
	}
	if unavailable(w, "Root cause", conf) {
		return
	}
	c := conf.Value
	if c.Score == nil || c.Dominant == nil {
		w("Not known: no root-cause candidate.")
	} else {
		w("Confidence ", number(*c.Score), " / 100 (", text(c.Level), "): ", code(c.Dominant.Template), " on route ", orDash(c.Dominant.Route), ", status ", orDash(c.Dominant.Status), ".")
	}
	for _, r := range c.Reasons {
		w("- ", text(r))
	}
}

func writeBlastRadius(w writer, s section[blastPart]) {
	if unavailable(w, "Blast radius", s) {
		return
	}
	br := s.Value
	w("Impact ", number(br.ImpactPercent), " % of requests failing across ", strconv.Itoa(len(br.Affected)), " affected services (", text(br.Class), ").")
	if len(br.Affected) > 0 {
		w()
		w("| Service | Role | Error ratio |")
		w("|---|---|---|")
		for _, a := range br.Affected {
			w("| ", cell(a.Service), " | ", cell(a.Role), " | ", percent(a.ErrorRatio), " |")
		}
	}
}

func writeTraces(w writer, s section[[]traceLookup], appURL, tempoUID string, r store.TimeRange) {
	if unavailable(w, "Traces", s) {
		return
	}
	if len(*s.Value) == 0 {
		w("No traces named in the error logs.")
	}
	for _, t := range *s.Value {
		id := code(t.TraceID)
		if tempoUID != "" {
			id = "[" + id + "](" + traceURL(appURL, tempoUID, t.TraceID, r) + ")"
		}
		switch {
		case t.Status == "found" && t.Summary != nil:
			w("- ", id, ": root ", text(t.Summary.RootService), " ", code(t.Summary.RootSpan), ", ", number(t.Summary.DurationMs), " ms, ", number(t.Summary.ErrorSpanCount), " error spans")
		default:
			w("- ", id, ": ", text(t.Status))
		}
	}
}

// absolute makes a Grafana path absolute below appURL; full URLs stay.
func absolute(appURL, link string) string {
	if u, err := url.Parse(link); err == nil && u.IsAbs() {
		return link
	}
	return strings.TrimRight(appURL, "/") + "/" + strings.TrimLeft(link, "/")
}

func timestamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func number(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "–"
	}
	return strconv.FormatFloat(f, 'g', 4, 64)
}

func percent(f *float64) string {
	if f == nil {
		return "–"
	}
	return number(*f*100) + " %"
}

func seconds(f *float64) string {
	if f == nil {
		return "–"
	}
	return number(*f*1000) + " ms"
}

// burn: the frontend stores an unbounded burn rate (100 % objective) as null
// too, since JSON has no Infinity; both read as "–".
func burn(f *float64) string {
	if f == nil {
		return "–"
	}
	return number(*f) + "×"
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return code(s)
}

var mdSpecial = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`, "<", `\<`, ">", `\>`,
	"#", `\#`, "|", `\|`, "\r\n", " ", "\n", " ", "\r", " ",
)

// text escapes Markdown in one line of user or log text.
func text(s string) string { return mdSpecial.Replace(s) }

func cell(s string) string { return text(s) }

// code is an inline code span long enough not to be closed by the text.
func code(s string) string {
	s = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)
	fence := "`"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	return fence + " " + s + " " + fence
}

// quote is a block quote of free text, every line escaped.
func quote(s string) string {
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	for i, l := range lines {
		lines[i] = "> " + text(l)
	}
	return strings.Join(lines, "\n")
}
