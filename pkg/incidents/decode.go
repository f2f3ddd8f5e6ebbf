package incidents

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/rcp/reliability/pkg/store"
)

// Limits on request content. The text lengths (in characters) are mirrored by
// TEXT_LIMITS in src/data/incidents/api.ts, which caps the form fields.
const (
	MaxBodyBytes    = 1 << 20 // 1 MiB per request body (413 above)
	MaxServiceLen   = 100
	MaxTitleLen     = 200
	MaxAssigneeLen  = 100
	MaxNotesLen     = 10000
	MaxMessageLen   = 5000
	MaxLinks        = 50
	MaxLinkTitleLen = 200
	MaxURLLen       = 2048
	// Accepted timestamps: UTC years MinYear–MaxYear.
	MinYear = 1
	MaxYear = 9999
)

// CreateRequest is the body of POST /incidents.
type CreateRequest struct {
	Service   string          `json:"service"`
	Title     string          `json:"title"`
	Severity  string          `json:"severity"`
	TimeRange *TimeRangeInput `json:"timeRange"`
	Analysis  json.RawMessage `json:"analysis"`
	Links     []store.Link    `json:"links"`
}

// TimeRangeInput holds RFC 3339 timestamps.
type TimeRangeInput struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// PatchRequest is the body of PATCH /incidents/{id}. Absent or null fields
// are left unchanged. Version, if given, must equal the stored version.
type PatchRequest struct {
	Title    *string `json:"title"`
	Severity *string `json:"severity"`
	Status   *string `json:"status"`
	Assignee *string `json:"assignee"`
	Notes    *string `json:"notes"`
	Version  *int64  `json:"version"`
}

// EventRequest is the body of POST /incidents/{id}/events.
type EventRequest struct {
	Message string `json:"message"`
}

// decodeStrict decodes exactly one JSON object into dst, rejecting unknown
// fields, wrong types, trailing data, empty and non-UTF-8 bodies.
func decodeStrict(body []byte, dst any) error {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return invalid("", "request body is empty; expected a JSON object")
	}
	if int64(len(body)) > MaxBodyBytes {
		return &TooLargeError{Limit: MaxBodyBytes}
	}
	if !utf8.Valid(body) {
		return invalid("", "request body is not valid UTF-8")
	}
	if trimmed[0] != '{' {
		return invalid("", "request body must be a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return invalid("", "unexpected data after the JSON object")
	}
	// encoding/json matches keys case-insensitively and lets the last of
	// duplicate keys win; a request means exactly what it spells, once.
	return checkKeys(json.NewDecoder(bytes.NewReader(body)), reflect.TypeOf(dst).Elem(), "")
}

// checkKeys walks the (already valid) JSON value at dec: every object's keys
// must be unique, and where the value maps to a struct, spelled exactly as
// the struct's json tags. t is the Go type the value decodes into (nil:
// free-form JSON such as analysis, where only uniqueness is checked).
func checkKeys(dec *json.Decoder, t reflect.Type, path string) error {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	tok, err := dec.Token()
	if err != nil {
		return invalid(path, "invalid JSON")
	}
	switch tok {
	case json.Delim('['):
		var elem reflect.Type
		if t != nil && t.Kind() == reflect.Slice && t != rawMessageType {
			elem = t.Elem()
		}
		for i := 0; dec.More(); i++ {
			if err := checkKeys(dec, elem, path+"["+strconv.Itoa(i)+"]"); err != nil {
				return err
			}
		}
		_, _ = dec.Token()
	case json.Delim('{'):
		fields := map[string]reflect.Type{}
		isStruct := t != nil && t.Kind() == reflect.Struct
		if isStruct {
			for i := 0; i < t.NumField(); i++ {
				name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
				fields[name] = t.Field(i).Type
			}
		}
		seen := map[string]bool{}
		for dec.More() {
			keyTok, _ := dec.Token()
			key, _ := keyTok.(string)
			field := key
			if path != "" {
				field = path + "." + key
			}
			if seen[key] {
				return invalid(field, "duplicate key %q", truncate(key, 64))
			}
			seen[key] = true
			ft, known := fields[key]
			if isStruct && !known {
				return invalid(field, "unknown field %q (keys are case-sensitive)", truncate(key, 64))
			}
			if ft == rawMessageType {
				ft = nil
			}
			if err := checkKeys(dec, ft, field); err != nil {
				return err
			}
		}
		_, _ = dec.Token()
	}
	return nil
}

var rawMessageType = reflect.TypeOf(json.RawMessage(nil))

func decodeError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return invalid("", "invalid JSON at byte %d: %s", syn.Offset, syn.Error())
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = typ.Struct
		}
		return invalid(field, "wrong type: got JSON %s, want %s", typ.Value, jsonKind(typ.Type.String()))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return invalid("", "invalid JSON: unexpected end of input")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return invalid(name, "unknown field %q", name)
	default:
		return invalid("", "invalid JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
}

func jsonKind(goType string) string {
	switch {
	case strings.Contains(goType, "string"):
		return "string"
	case strings.Contains(goType, "int"), strings.Contains(goType, "float"):
		return "number"
	case strings.HasPrefix(goType, "[]"):
		return "array"
	default:
		return "object"
	}
}

// checkText validates a user-supplied string: rune length within [min, max]
// and no control characters (newlines and tabs only where multiline).
func checkText(field, s string, min, max int, multiline bool) error {
	n := utf8.RuneCountInString(s)
	if n < min {
		if min == 1 {
			return invalid(field, "is required and must not be blank")
		}
		return invalid(field, "must be at least %d characters", min)
	}
	if n > max {
		return invalid(field, "must be at most %d characters (got %d)", max, n)
	}
	// The body is valid UTF-8 (decodeStrict), so a U+FFFD here was sent as
	// that character and is accepted like any other.
	for _, r := range s {
		if isBidiControl(r) {
			return invalid(field, "must not contain bidirectional override or isolate characters (U+%04X)", r)
		}
		if multiline && (r == '\n' || r == '\t' || r == '\r') {
			continue
		}
		if unicode.IsControl(r) {
			return invalid(field, "must not contain control characters")
		}
	}
	return nil
}

// isBidiControl reports the embedding, override and isolate controls that
// make text display in another order than it is stored ("Trojan Source").
func isBidiControl(r rune) bool {
	return (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069)
}

func checkEnum(field, v string, allowed []string) error {
	if !slices.Contains(allowed, v) {
		return invalid(field, "must be one of %s (got %q)", strings.Join(allowed, ", "), v)
	}
	return nil
}

func parseTime(field, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, invalid(field, "is required (RFC 3339 timestamp)")
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, invalid(field, "must be an RFC 3339 timestamp such as 2025-01-02T15:04:05Z (got %q)", v)
	}
	t = t.UTC()
	// time.Time.MarshalJSON fails outside years 0–9999, and a zone offset
	// can move a year-0000 or year-9999 time out of that range in UTC. Such
	// a time could be stored but never returned, so reject it here.
	if y := t.Year(); y < MinYear || y > MaxYear {
		return time.Time{}, invalid(field, "must be between years %04d and %04d in UTC (got %q)", MinYear, MaxYear, v)
	}
	return t, nil
}

func checkURL(field, raw string) error {
	if err := checkText(field, raw, 1, MaxURLLen, false); err != nil {
		return err
	}
	// Browsers read a backslash as "/", so "/\\evil.com" is "//evil.com",
	// another host; no link needs one unescaped.
	if strings.Contains(raw, "\\") {
		return invalid(field, "must not contain backslashes (browsers read them as /)")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return invalid(field, "is not a valid URL")
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		if u.Host == "" {
			return invalid(field, "must have a host")
		}
	case "":
		// Relative Grafana link such as /d/abc?from=now-1h, never one with
		// a host ("//evil.com").
		if !strings.HasPrefix(raw, "/") || strings.HasPrefix(raw, "//") || u.Host != "" {
			return invalid(field, "must be an http(s) URL or a path starting with a single /")
		}
	default:
		return invalid(field, "scheme %q is not allowed; use http, https or a /path", u.Scheme)
	}
	return nil
}

// ValidCreate is a decoded and validated CreateRequest.
type ValidCreate struct {
	Service, Title, Severity string
	From, To                 time.Time
	Analysis                 json.RawMessage
	Links                    []store.Link
}

// DecodeCreate decodes and validates a POST /incidents body.
func DecodeCreate(body []byte) (*ValidCreate, error) {
	var req CreateRequest
	if err := decodeStrict(body, &req); err != nil {
		return nil, err
	}
	v := &ValidCreate{
		Service:  strings.TrimSpace(req.Service),
		Title:    strings.TrimSpace(req.Title),
		Severity: req.Severity,
	}
	if err := checkText("service", v.Service, 1, MaxServiceLen, false); err != nil {
		return nil, err
	}
	if err := checkText("title", v.Title, 1, MaxTitleLen, false); err != nil {
		return nil, err
	}
	if err := checkEnum("severity", v.Severity, Severities); err != nil {
		return nil, err
	}
	if req.TimeRange == nil {
		return nil, invalid("timeRange", "is required: {\"from\": RFC3339, \"to\": RFC3339}")
	}
	var err error
	if v.From, err = parseTime("timeRange.from", req.TimeRange.From); err != nil {
		return nil, err
	}
	if v.To, err = parseTime("timeRange.to", req.TimeRange.To); err != nil {
		return nil, err
	}
	if v.From.After(v.To) {
		return nil, invalid("timeRange", "from must not be after to")
	}
	raw := bytes.TrimSpace(req.Analysis)
	switch {
	case len(raw) == 0 || bytes.Equal(raw, []byte("null")):
		v.Analysis = json.RawMessage(`{}`)
	case raw[0] != '{':
		return nil, invalid("analysis", "must be a JSON object")
	default:
		var buf bytes.Buffer
		if err := json.Compact(&buf, raw); err != nil {
			return nil, invalid("analysis", "is not valid JSON")
		}
		v.Analysis = buf.Bytes()
	}
	if len(req.Links) > MaxLinks {
		return nil, invalid("links", "at most %d links (got %d)", MaxLinks, len(req.Links))
	}
	v.Links = make([]store.Link, 0, len(req.Links))
	for i, l := range req.Links {
		l.Title = strings.TrimSpace(l.Title)
		l.URL = strings.TrimSpace(l.URL)
		prefix := "links[" + strconv.Itoa(i) + "]"
		if err := checkText(prefix+".title", l.Title, 1, MaxLinkTitleLen, false); err != nil {
			return nil, err
		}
		if err := checkURL(prefix+".url", l.URL); err != nil {
			return nil, err
		}
		v.Links = append(v.Links, l)
	}
	return v, nil
}

// DecodePatch decodes and validates a PATCH /incidents/{id} body.
func DecodePatch(body []byte) (*PatchRequest, error) {
	var req PatchRequest
	if err := decodeStrict(body, &req); err != nil {
		return nil, err
	}
	if req.Title == nil && req.Severity == nil && req.Status == nil && req.Assignee == nil && req.Notes == nil {
		return nil, invalid("", "nothing to change: set at least one of title, severity, status, assignee, notes")
	}
	if req.Title != nil {
		t := strings.TrimSpace(*req.Title)
		req.Title = &t
		if err := checkText("title", t, 1, MaxTitleLen, false); err != nil {
			return nil, err
		}
	}
	if req.Severity != nil {
		if err := checkEnum("severity", *req.Severity, Severities); err != nil {
			return nil, err
		}
	}
	if req.Status != nil {
		if err := checkEnum("status", *req.Status, Statuses); err != nil {
			return nil, err
		}
	}
	if req.Assignee != nil {
		a := strings.TrimSpace(*req.Assignee)
		req.Assignee = &a
		if err := checkText("assignee", a, 0, MaxAssigneeLen, false); err != nil {
			return nil, err
		}
	}
	if req.Notes != nil {
		if err := checkText("notes", *req.Notes, 0, MaxNotesLen, true); err != nil {
			return nil, err
		}
	}
	if req.Version != nil && *req.Version < 1 {
		return nil, invalid("version", "must be a positive integer")
	}
	return &req, nil
}

// DecodeEvent decodes and validates a POST /incidents/{id}/events body.
func DecodeEvent(body []byte) (*EventRequest, error) {
	var req EventRequest
	if err := decodeStrict(body, &req); err != nil {
		return nil, err
	}
	req.Message = strings.TrimSpace(req.Message)
	if err := checkText("message", req.Message, 1, MaxMessageLen, true); err != nil {
		return nil, err
	}
	return &req, nil
}
