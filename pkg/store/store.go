// Package store persists incidents and their timeline events.
//
// All backends (SQLite, PostgreSQL) implement the single Store interface and
// share the SQL in sqlstore.go; only connection setup, migrations and locking
// differ. This package is the only one in the plugin that touches the file
// system (the plugin validator requires that).
package store

import (
	"context"
	"encoding/json"
	"errors"
	"time"
)

// Sentinel errors returned by every Store implementation.
var (
	// ErrNotFound means no incident with that id exists in that org.
	ErrNotFound = errors.New("not found")
	// ErrConflict means the row changed since it was read (optimistic concurrency).
	ErrConflict = errors.New("version conflict")
	// ErrTimelineFull means the write would take the incident's timeline
	// past MaxEventsPerIncident; nothing was written.
	ErrTimelineFull = errors.New("timeline full")
)

// MaxEventsPerIncident caps an incident's timeline (creation, changes and
// notes together), so that no incident grows without bound.
const MaxEventsPerIncident = 1000

// TimeRange is the incident's time window (the snapshot's dashboard range).
type TimeRange struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// Link is a titled URL attached to an incident.
type Link struct {
	Title string `json:"title"`
	URL   string `json:"url"`
}

// Incident is one persisted incident. Its JSON form is the API representation.
type Incident struct {
	ID        string          `json:"id"`
	OrgID     int64           `json:"orgId"`
	Service   string          `json:"service"`
	Title     string          `json:"title"`
	Severity  string          `json:"severity"`
	Status    string          `json:"status"`
	Assignee  string          `json:"assignee"`
	Notes     string          `json:"notes"`
	TimeRange TimeRange       `json:"timeRange"`
	Analysis  json.RawMessage `json:"analysis,omitempty"`
	Links     []Link          `json:"links"`
	CreatedBy string          `json:"createdBy"`
	CreatedAt time.Time       `json:"createdAt"`
	UpdatedAt time.Time       `json:"updatedAt"`
	Version   int64           `json:"version"`
	Events    []Event         `json:"events,omitempty"`
}

// Event kinds.
const (
	EventCreated = "created"
	EventChange  = "change"
	EventNote    = "note"
)

// Event is one timeline entry of an incident.
type Event struct {
	ID         int64     `json:"id"`
	IncidentID string    `json:"incidentId"`
	Time       time.Time `json:"time"`
	User       string    `json:"user"`
	Kind       string    `json:"kind"`
	Message    string    `json:"message"`
}

// ListFilter selects incidents of one org. Empty fields do not filter.
// From/To filter on the creation time: From <= createdAt < To.
type ListFilter struct {
	OrgID    int64
	Service  string
	Status   string
	Severity string
	From     *time.Time
	To       *time.Time
	// Limit is the page size; 0 or less means DefaultListLimit.
	Limit int
	// WithTotal also counts all matches (in the same statement as the page,
	// so both come from one snapshot); it costs a scan of the matches.
	WithTotal bool
	// Cursor is the position after which to continue (exclusive), from a
	// previous page's NextCursor. Nil starts at the newest incident.
	Cursor *Cursor
}

// DefaultListLimit is the page size when a ListFilter sets none.
const DefaultListLimit = 50

// Cursor is a keyset pagination position: newest first, ties broken by id.
type Cursor struct {
	CreatedAt time.Time
	ID        string
}

// EventPage selects one page of an incident's timeline. Events are in
// commit order: their ids increase in the order their writes committed.
type EventPage struct {
	// After is the cursor: the id of the last event of the previous page
	// (exclusive); 0 starts at the oldest (or, with Desc, the newest) event.
	After int64
	// Desc pages newest first.
	Desc bool
	// Limit is the page size (required, > 0).
	Limit int
}

// EventList is one page of events; Next is the cursor of the next page, 0 on
// the last one.
type EventList struct {
	Items []Event
	Next  int64
}

// ListResult is one page of incidents (without analysis and events).
type ListResult struct {
	Items []Incident
	// Total is set when the filter asked WithTotal.
	Total *int64
	Next  *Cursor
}

// Store is the persistence interface shared by all backends.
type Store interface {
	// Backend names the backend ("sqlite" or "postgres").
	Backend() string
	// Describe says where the data lives, without secrets.
	Describe() string
	// CreateIncident inserts inc (ID, CreatedAt etc. already set) and its
	// creation event in one transaction. The event's ID is filled in.
	CreateIncident(ctx context.Context, inc *Incident, ev *Event) error
	// GetIncident returns the incident with its analysis (no events).
	GetIncident(ctx context.Context, orgID int64, id string) (*Incident, error)
	// ListIncidents returns a page of incidents without their analysis,
	// newest first.
	ListIncidents(ctx context.Context, f ListFilter) (*ListResult, error)
	// UpdateIncident writes the mutable fields of inc if the stored version is
	// still expectedVersion, sets inc.Version to expectedVersion+1, and appends
	// events, all in one transaction. ErrConflict if the version moved on,
	// ErrNotFound if the incident is gone, ErrTimelineFull if the events do
	// not fit. The stored updated_at never goes down: inc.UpdatedAt and the
	// events' Time become the later of inc.UpdatedAt and the stored value.
	UpdateIncident(ctx context.Context, inc *Incident, expectedVersion int64, events []*Event) error
	// AddEvent appends a timeline event and moves updated_at up to its time
	// (as UpdateIncident does); ErrNotFound if no such incident,
	// ErrTimelineFull if the timeline is full.
	AddEvent(ctx context.Context, orgID int64, ev *Event) error
	// ListEvents returns one page of an incident's timeline in commit order
	// (ErrNotFound if no such incident).
	ListEvents(ctx context.Context, orgID int64, incidentID string, p EventPage) (*EventList, error)
	// DeleteIncident removes an incident and its events.
	DeleteIncident(ctx context.Context, orgID int64, id string) error
	// HealthCheck proves the store is reachable and writable.
	HealthCheck(ctx context.Context) error
	// SchemaVersion is the highest applied migration.
	SchemaVersion(ctx context.Context) (int, error)
	// Close releases the store (for shared handles: one reference).
	Close() error
}
