package incidents

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rcp/reliability/pkg/store"
)

// Actor is who performs a call: the org it is scoped to and the user login
// recorded in timeline events.
type Actor struct {
	OrgID int64
	Login string
}

// Service applies the incident rules on top of a store.Store.
type Service struct {
	store store.Store
	now   func() time.Time
}

// NewService returns a Service on s.
func NewService(s store.Store) *Service {
	return &Service{store: s, now: func() time.Time { return time.Now().UTC() }}
}

// Store returns the underlying store.
func (s *Service) Store() store.Store { return s.store }

func mapStoreErr(err error) error {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return ErrNotFound
	case errors.Is(err, store.ErrTimelineFull):
		return &TimelineFullError{Limit: store.MaxEventsPerIncident}
	}
	return err
}

func checkID(id string) error {
	if !ValidID(id) {
		return invalid("id", "malformed incident id %q: expected a 26-character ULID", truncate(id, 64))
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// Create stores a new incident (status open) and its "created" event.
func (s *Service) Create(ctx context.Context, a Actor, v *ValidCreate) (*store.Incident, error) {
	now := s.now()
	inc := &store.Incident{
		ID: NewID(now), OrgID: a.OrgID, Service: v.Service, Title: v.Title, Severity: v.Severity,
		Status: StatusOpen, TimeRange: store.TimeRange{From: v.From, To: v.To}, Analysis: v.Analysis,
		Links: v.Links, CreatedBy: a.Login, CreatedAt: now, UpdatedAt: now, Version: 1,
	}
	ev := &store.Event{Time: now, User: a.Login, Kind: store.EventCreated,
		Message: fmt.Sprintf("created incident %q (service %s, severity %s, status open)", v.Title, v.Service, v.Severity)}
	if err := s.store.CreateIncident(ctx, inc, ev); err != nil {
		return nil, err
	}
	inc.Events = []store.Event{*ev}
	return inc, nil
}

// Get returns an incident with its analysis and the first page of its
// timeline (oldest first); eventsNext is the cursor of the next page, "" if
// the timeline is complete.
func (s *Service) Get(ctx context.Context, a Actor, id string) (inc *store.Incident, eventsNext string, err error) {
	if err := checkID(id); err != nil {
		return nil, "", err
	}
	inc, err = s.store.GetIncident(ctx, a.OrgID, id)
	if err != nil {
		return nil, "", mapStoreErr(err)
	}
	page, err := s.Events(ctx, a, id, store.EventPage{Limit: DefaultEventLimit})
	if err != nil {
		return nil, "", err
	}
	inc.Events = page.Items
	return inc, page.NextCursor, nil
}

// EventsPage is one page of GET /incidents/{id}/events.
type EventsPage struct {
	Items      []store.Event `json:"items"`
	NextCursor string        `json:"nextCursor,omitempty"`
}

// Timeline page sizes: the largest page, with every message at its longest
// and most expensive to encode, stays far under the response limit.
const (
	DefaultEventLimit = 100
	MaxEventLimit     = 100
)

// ParseEventQuery validates the GET /incidents/{id}/events query string.
func ParseEventQuery(q url.Values) (store.EventPage, error) {
	p := store.EventPage{Limit: DefaultEventLimit}
	if err := checkQueryKeys(q, "limit", "order", "cursor"); err != nil {
		return p, err
	}
	switch v := q.Get("order"); v {
	case "", "asc":
	case "desc":
		p.Desc = true
	default:
		return p, invalid("order", "must be asc (oldest first) or desc (newest first) (got %q)", truncate(v, 32))
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxEventLimit {
			return p, invalid("limit", "must be an integer between 1 and %d (got %q)", MaxEventLimit, truncate(v, 32))
		}
		p.Limit = n
	}
	if v := q.Get("cursor"); v != "" {
		raw, err := base64.RawURLEncoding.DecodeString(v)
		id, perr := strconv.ParseInt(strings.TrimPrefix(string(raw), "e"), 10, 64)
		if err != nil || perr != nil || !strings.HasPrefix(string(raw), "e") || id <= 0 {
			return p, invalid("cursor", "malformed cursor; pass nextCursor from the previous page unchanged")
		}
		p.After = id
	}
	return p, nil
}

func encodeEventCursor(id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("e" + strconv.FormatInt(id, 10)))
}

// Events returns one page of an incident's timeline in commit order.
func (s *Service) Events(ctx context.Context, a Actor, id string, p store.EventPage) (*EventsPage, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	list, err := s.store.ListEvents(ctx, a.OrgID, id, p)
	if err != nil {
		return nil, mapStoreErr(err)
	}
	out := &EventsPage{Items: list.Items}
	if list.Next != 0 {
		out.NextCursor = encodeEventCursor(list.Next)
	}
	return out, nil
}

// Page is one page of GET /incidents.
type Page struct {
	Items []store.Incident `json:"items"`
	// Total is there when the query asked total=true.
	Total      *int64 `json:"total,omitempty"`
	NextCursor string `json:"nextCursor,omitempty"`
}

// List limits.
const (
	DefaultLimit = store.DefaultListLimit
	MaxLimit     = 200
)

// ParseListQuery validates the GET /incidents query string.
func ParseListQuery(orgID int64, q url.Values) (store.ListFilter, error) {
	f := store.ListFilter{OrgID: orgID, Limit: DefaultLimit}
	if err := checkQueryKeys(q, "service", "status", "severity", "from", "to", "limit", "cursor", "total"); err != nil {
		return f, err
	}
	switch v := q.Get("total"); v {
	case "", "false":
	case "true":
		f.WithTotal = true
	default:
		return f, invalid("total", "must be true or false (got %q)", truncate(v, 32))
	}
	f.Service = strings.TrimSpace(q.Get("service"))
	if len(f.Service) > MaxServiceLen*4 {
		return f, invalid("service", "too long")
	}
	if v := q.Get("status"); v != "" {
		if err := checkEnum("status", v, Statuses); err != nil {
			return f, err
		}
		f.Status = v
	}
	if v := q.Get("severity"); v != "" {
		if err := checkEnum("severity", v, Severities); err != nil {
			return f, err
		}
		f.Severity = v
	}
	for _, k := range []string{"from", "to"} {
		if v := q.Get(k); v != "" {
			t, err := parseTime(k, v)
			if err != nil {
				return f, err
			}
			if k == "from" {
				f.From = &t
			} else {
				f.To = &t
			}
		}
	}
	if f.From != nil && f.To != nil && f.From.After(*f.To) {
		return f, invalid("from", "must not be after to")
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxLimit {
			return f, invalid("limit", "must be an integer between 1 and %d (got %q)", MaxLimit, truncate(v, 32))
		}
		f.Limit = n
	}
	if v := q.Get("cursor"); v != "" {
		c, err := DecodeCursor(v)
		if err != nil {
			return f, err
		}
		f.Cursor = c
	}
	return f, nil
}

// EncodeCursor makes the opaque nextCursor string.
func EncodeCursor(c *store.Cursor) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(c.CreatedAt.UnixMicro(), 10) + "." + c.ID))
}

// DecodeCursor parses a cursor made by EncodeCursor.
func DecodeCursor(s string) (*store.Cursor, error) {
	bad := invalid("cursor", "malformed cursor; pass nextCursor from the previous page unchanged")
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, bad
	}
	ts, id, ok := strings.Cut(string(raw), ".")
	if !ok || !ValidID(id) {
		return nil, bad
	}
	us, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return nil, bad
	}
	return &store.Cursor{CreatedAt: time.UnixMicro(us).UTC(), ID: id}, nil
}

// List returns one page of incidents (without analysis and events), newest
// first.
func (s *Service) List(ctx context.Context, f store.ListFilter) (*Page, error) {
	res, err := s.store.ListIncidents(ctx, f)
	if err != nil {
		return nil, err
	}
	p := &Page{Items: res.Items, Total: res.Total}
	if res.Next != nil {
		p.NextCursor = EncodeCursor(res.Next)
	}
	return p, nil
}

// maxPatchAttempts bounds retries when a concurrent writer wins the race.
const maxPatchAttempts = 20

func describe(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// checkQueryKeys refuses parameters other than known, and any given twice.
func checkQueryKeys(q url.Values, known ...string) error {
	for k, vs := range q {
		if !slices.Contains(known, k) {
			return invalid(truncate(k, 64), "unknown query parameter; known: %s", strings.Join(known, ", "))
		}
		if len(vs) > 1 {
			return invalid(k, "given %d times; give it once", len(vs))
		}
	}
	return nil
}

// Patch applies changes with optimistic concurrency: it reads the incident,
// checks the lifecycle against what it read, and writes only if the version
// is unchanged. If another writer got in first it re-reads and re-checks, so
// a transition is never applied to a state it was not validated against.
// With req.Version set, a stale version is a 409 instead of a retry.
// The returned incident's Events are only those this call added.
func (s *Service) Patch(ctx context.Context, a Actor, id string, req *PatchRequest) (*store.Incident, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	for attempt := 0; attempt < maxPatchAttempts; attempt++ {
		cur, err := s.store.GetIncident(ctx, a.OrgID, id)
		if err != nil {
			return nil, mapStoreErr(err)
		}
		if req.Version != nil && *req.Version != cur.Version {
			return nil, &ConflictError{Expected: *req.Version, Current: cur.Version}
		}
		next := *cur
		now := s.now()
		var events []*store.Event
		change := func(msg string) {
			events = append(events, &store.Event{Time: now, User: a.Login, Kind: store.EventChange, Message: msg})
		}
		if req.Status != nil && *req.Status != cur.Status {
			if !CanTransition(cur.Status, *req.Status) {
				return nil, &TransitionError{From: cur.Status, To: *req.Status, Allowed: AllowedFrom(cur.Status)}
			}
			next.Status = *req.Status
			change(fmt.Sprintf("status: %s → %s", cur.Status, next.Status))
		}
		if req.Severity != nil && *req.Severity != cur.Severity {
			next.Severity = *req.Severity
			change(fmt.Sprintf("severity: %s → %s", cur.Severity, next.Severity))
		}
		if req.Title != nil && *req.Title != cur.Title {
			next.Title = *req.Title
			change(fmt.Sprintf("title: %q → %q", cur.Title, next.Title))
		}
		if req.Assignee != nil && *req.Assignee != cur.Assignee {
			next.Assignee = *req.Assignee
			change(fmt.Sprintf("assignee: %s → %s", describe(cur.Assignee), describe(next.Assignee)))
		}
		if req.Notes != nil && *req.Notes != cur.Notes {
			next.Notes = *req.Notes
			change(fmt.Sprintf("notes updated (%d → %d characters)", len([]rune(cur.Notes)), len([]rune(next.Notes))))
		}
		if len(events) > 0 {
			next.UpdatedAt = now
			err = s.store.UpdateIncident(ctx, &next, cur.Version, events)
			if errors.Is(err, store.ErrConflict) {
				if req.Version != nil {
					// Report the version a client has to reload: re-read it
					// (several writers may have got in, or it may be gone).
					fresh, err := s.store.GetIncident(ctx, a.OrgID, id)
					if err != nil {
						return nil, mapStoreErr(err)
					}
					return nil, &ConflictError{Expected: *req.Version, Current: fresh.Version}
				}
				// Someone else won: back off a little (jittered), re-read, re-check.
				select {
				case <-ctx.Done():
					return nil, ctx.Err()
				case <-time.After(time.Duration(1+mrand.IntN(2+attempt)) * time.Millisecond):
				}
				continue
			}
			if err != nil {
				return nil, mapStoreErr(err)
			}
		}
		next.Events = make([]store.Event, 0, len(events))
		for _, ev := range events {
			next.Events = append(next.Events, *ev)
		}
		return &next, nil
	}
	return nil, &ConflictError{}
}

// AddNote appends a note to the incident's timeline.
func (s *Service) AddNote(ctx context.Context, a Actor, id string, req *EventRequest) (*store.Event, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	ev := &store.Event{IncidentID: id, Time: s.now(), User: a.Login, Kind: store.EventNote, Message: req.Message}
	if err := s.store.AddEvent(ctx, a.OrgID, ev); err != nil {
		return nil, mapStoreErr(err)
	}
	return ev, nil
}

// Delete removes an incident and its timeline.
func (s *Service) Delete(ctx context.Context, a Actor, id string) error {
	if err := checkID(id); err != nil {
		return err
	}
	return mapStoreErr(s.store.DeleteIncident(ctx, a.OrgID, id))
}
