package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// migration is one versioned schema step. Versions start at 1 and are applied
// in order; each is recorded in schema_migrations.
type migration struct {
	Version int
	Name    string
	SQL     []string
}

// timelineMigration is schema v2 for both backends (they differ only in the
// integer type): event_count enforces MaxEventsPerIncident inside the UPDATE
// that locks the incident row, and the timeline is paged by event id.
func timelineMigration(intType string) migration {
	return migration{Version: 2, Name: "bounded, commit-ordered timeline", SQL: []string{
		`ALTER TABLE incidents ADD COLUMN event_count ` + intType + ` NOT NULL DEFAULT 0`,
		`UPDATE incidents SET event_count = (SELECT COUNT(*) FROM incident_events e
			WHERE e.org_id = incidents.org_id AND e.incident_id = incidents.id)`,
		`DROP INDEX incident_events_incident`,
		`CREATE INDEX incident_events_page ON incident_events (org_id, incident_id, id)`,
	}}
}

// dialect holds what differs between SQL backends.
type dialect struct {
	name        string
	placeholder func(n int) string
	migrations  []migration
	// lock serializes migrations across processes (advisory lock for
	// Postgres, BEGIN IMMEDIATE for SQLite) and runs fn in a transaction.
	migrate func(ctx context.Context, db *sql.DB, fn func(tx *sql.Tx) error) error
}

// sqlStore implements Store with portable SQL ('?' placeholders are rebound
// per dialect). Every query is parameterized.
type sqlStore struct {
	db       *sql.DB
	d        dialect
	describe string
}

func (s *sqlStore) rebind(q string) string {
	if s.d.placeholder == nil {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString(s.d.placeholder(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func (s *sqlStore) Backend() string  { return s.d.name }
func (s *sqlStore) Describe() string { return s.describe }
func (s *sqlStore) Close() error     { return s.db.Close() }

const migrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version INTEGER PRIMARY KEY,
	name TEXT NOT NULL,
	applied_at BIGINT NOT NULL
)`

// runMigrations applies pending migrations under the dialect's lock.
func (s *sqlStore) runMigrations(ctx context.Context) error {
	return s.d.migrate(ctx, s.db, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, migrationsTable); err != nil {
			return fmt.Errorf("create schema_migrations: %w", err)
		}
		var current int
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
			return fmt.Errorf("read schema version: %w", err)
		}
		for _, m := range s.d.migrations {
			if m.Version <= current {
				continue
			}
			for _, stmt := range m.SQL {
				if _, err := tx.ExecContext(ctx, stmt); err != nil {
					return fmt.Errorf("migration %d (%s): %w", m.Version, m.Name, err)
				}
			}
			if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`),
				m.Version, m.Name, time.Now().UnixMicro()); err != nil {
				return fmt.Errorf("record migration %d: %w", m.Version, err)
			}
		}
		return nil
	})
}

func (s *sqlStore) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v)
	return v, err
}

func (s *sqlStore) HealthCheck(ctx context.Context) error {
	_, err := s.db.ExecContext(ctx, s.rebind(`INSERT INTO rcp_health (id, checked_at) VALUES (?, ?)
		ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at`), "health", time.Now().UnixMicro())
	return err
}

func micros(t time.Time) int64 { return t.UnixMicro() }
func fromMicros(v int64) time.Time {
	return time.UnixMicro(v).UTC()
}

// normalize truncates times to what the store keeps (microseconds, UTC).
func normalize(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

func (s *sqlStore) withTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return inTx(ctx, s.db, fn)
}

// inTx runs fn in a new transaction of db.
func inTx(ctx context.Context, db *sql.DB, fn func(tx *sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	return finishTx(tx, fn)
}

// finishTx runs fn in tx, then commits, or rolls back if fn failed.
func finishTx(tx *sql.Tx, fn func(tx *sql.Tx) error) error {
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

func (s *sqlStore) insertEvent(ctx context.Context, tx *sql.Tx, orgID int64, ev *Event) error {
	ev.Time = normalize(ev.Time)
	return tx.QueryRowContext(ctx, s.rebind(`INSERT INTO incident_events (org_id, incident_id, at, user_login, kind, message)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`),
		orgID, ev.IncidentID, micros(ev.Time), ev.User, ev.Kind, ev.Message).Scan(&ev.ID)
}

func (s *sqlStore) CreateIncident(ctx context.Context, inc *Incident, ev *Event) error {
	inc.CreatedAt = normalize(inc.CreatedAt)
	inc.UpdatedAt = normalize(inc.UpdatedAt)
	inc.TimeRange.From = normalize(inc.TimeRange.From)
	inc.TimeRange.To = normalize(inc.TimeRange.To)
	if inc.Links == nil {
		inc.Links = []Link{}
	}
	if len(inc.Analysis) == 0 {
		inc.Analysis = json.RawMessage(`{}`)
	}
	links, err := json.Marshal(inc.Links)
	if err != nil {
		return err
	}
	eventCount := 0
	if ev != nil {
		eventCount = 1
	}
	return s.withTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO incidents
			(org_id, id, service, title, severity, status, assignee, notes, range_from, range_to,
			 analysis, links, created_by, created_at, updated_at, version, event_count)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			inc.OrgID, inc.ID, inc.Service, inc.Title, inc.Severity, inc.Status, inc.Assignee, inc.Notes,
			micros(inc.TimeRange.From), micros(inc.TimeRange.To), string(inc.Analysis), string(links),
			inc.CreatedBy, micros(inc.CreatedAt), micros(inc.UpdatedAt), inc.Version, eventCount)
		if err != nil {
			return fmt.Errorf("insert incident: %w", err)
		}
		if ev != nil {
			ev.IncidentID = inc.ID
			if err := s.insertEvent(ctx, tx, inc.OrgID, ev); err != nil {
				return fmt.Errorf("insert event: %w", err)
			}
		}
		return nil
	})
}

const incidentCols = `org_id, id, service, title, severity, status, assignee, notes, range_from, range_to,
	links, created_by, created_at, updated_at, version`

type rowScanner interface{ Scan(dest ...any) error }

// scanIncident reads incidentCols, then the extra columns into extra.
func scanIncident(r rowScanner, analysis *string, extra ...any) (*Incident, error) {
	var inc Incident
	var from, to, created, updated int64
	var links string
	dest := []any{&inc.OrgID, &inc.ID, &inc.Service, &inc.Title, &inc.Severity, &inc.Status, &inc.Assignee, &inc.Notes,
		&from, &to, &links, &inc.CreatedBy, &created, &updated, &inc.Version}
	if analysis != nil {
		dest = append(dest, analysis)
	}
	if err := r.Scan(append(dest, extra...)...); err != nil {
		return nil, err
	}
	inc.TimeRange = TimeRange{From: fromMicros(from), To: fromMicros(to)}
	inc.CreatedAt = fromMicros(created)
	inc.UpdatedAt = fromMicros(updated)
	if err := json.Unmarshal([]byte(links), &inc.Links); err != nil {
		return nil, fmt.Errorf("decode links: %w", err)
	}
	if inc.Links == nil {
		inc.Links = []Link{}
	}
	if analysis != nil {
		inc.Analysis = json.RawMessage(*analysis)
	}
	return &inc, nil
}

func (s *sqlStore) GetIncident(ctx context.Context, orgID int64, id string) (*Incident, error) {
	var analysis string
	row := s.db.QueryRowContext(ctx, s.rebind(`SELECT `+incidentCols+`, analysis FROM incidents WHERE org_id = ? AND id = ?`), orgID, id)
	inc, err := scanIncident(row, &analysis)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return inc, err
}

func (s *sqlStore) ListIncidents(ctx context.Context, f ListFilter) (*ListResult, error) {
	where := []string{"org_id = ?"}
	args := []any{f.OrgID}
	if f.Service != "" {
		where = append(where, "service = ?")
		args = append(args, f.Service)
	}
	if f.Status != "" {
		where = append(where, "status = ?")
		args = append(args, f.Status)
	}
	if f.Severity != "" {
		where = append(where, "severity = ?")
		args = append(args, f.Severity)
	}
	if f.From != nil {
		where = append(where, "created_at >= ?")
		args = append(args, micros(*f.From))
	}
	if f.To != nil {
		where = append(where, "created_at < ?")
		args = append(args, micros(*f.To))
	}
	countQ := `SELECT COUNT(*) FROM incidents WHERE ` + strings.Join(where, " AND ")
	countArgs := args
	cols := incidentCols
	var pageArgs []any
	if f.WithTotal {
		// The count is a subquery of the page's own statement, so both see
		// the same snapshot.
		cols += `, (` + countQ + `)`
		pageArgs = append(pageArgs, countArgs...)
	}
	if f.Cursor != nil {
		c := micros(f.Cursor.CreatedAt)
		where = append(where, "(created_at < ? OR (created_at = ? AND id < ?))")
		args = append(args, c, c, f.Cursor.ID)
	}
	pageArgs = append(pageArgs, args...)
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultListLimit
	}
	q := `SELECT ` + cols + ` FROM incidents WHERE ` + strings.Join(where, " AND ") +
		` ORDER BY created_at DESC, id DESC LIMIT ` + strconv.Itoa(limit+1)
	rows, err := s.db.QueryContext(ctx, s.rebind(q), pageArgs...)
	if err != nil {
		return nil, fmt.Errorf("list incidents: %w", err)
	}
	defer rows.Close()
	res := &ListResult{Items: []Incident{}}
	var total int64
	var extra []any
	if f.WithTotal {
		extra = []any{&total}
	}
	for rows.Next() {
		inc, err := scanIncident(rows, nil, extra...)
		if err != nil {
			return nil, err
		}
		res.Items = append(res.Items, *inc)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if f.WithTotal {
		if len(res.Items) == 0 {
			// No row carried the count (a page past the end).
			if err := s.db.QueryRowContext(ctx, s.rebind(countQ), countArgs...).Scan(&total); err != nil {
				return nil, fmt.Errorf("count incidents: %w", err)
			}
		}
		res.Total = &total
	}
	if len(res.Items) > limit {
		res.Items = res.Items[:limit]
		last := res.Items[limit-1]
		res.Next = &Cursor{CreatedAt: last.CreatedAt, ID: last.ID}
	}
	return res, nil
}

// laterOf is the SQL for "updated_at, but never below ?": the stored time
// never goes down, whatever clock the writer read before it got the lock.
const laterOf = `CASE WHEN updated_at > ? THEN updated_at ELSE ? END`

// appendEvents inserts events after the statement that locked the incident
// row (the UPDATE), so on every backend an event's id order is the order in
// which writes to that incident committed; at is the incident's new
// updated_at, so times never go backwards along the timeline.
func (s *sqlStore) appendEvents(ctx context.Context, tx *sql.Tx, orgID int64, incidentID string, at time.Time, events []*Event) error {
	for _, ev := range events {
		ev.IncidentID, ev.Time = incidentID, at
		if err := s.insertEvent(ctx, tx, orgID, ev); err != nil {
			return fmt.Errorf("insert event: %w", err)
		}
	}
	return nil
}

// whyNotUpdated tells, after an UPDATE matched no row, which condition failed.
func (s *sqlStore) whyNotUpdated(ctx context.Context, tx *sql.Tx, orgID int64, id string, expectedVersion int64) error {
	var version int64
	err := tx.QueryRowContext(ctx, s.rebind(`SELECT version FROM incidents WHERE org_id = ? AND id = ?`), orgID, id).Scan(&version)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return ErrNotFound
	case err != nil:
		return err
	case expectedVersion > 0 && version != expectedVersion:
		return ErrConflict
	default:
		return ErrTimelineFull
	}
}

func (s *sqlStore) UpdateIncident(ctx context.Context, inc *Incident, expectedVersion int64, events []*Event) error {
	candidate := micros(normalize(inc.UpdatedAt))
	var at int64
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, s.rebind(`UPDATE incidents SET title = ?, severity = ?, status = ?, assignee = ?, notes = ?,
			updated_at = `+laterOf+`, version = version + 1, event_count = event_count + ?
			WHERE org_id = ? AND id = ? AND version = ? AND event_count + ? <= ? RETURNING updated_at`),
			inc.Title, inc.Severity, inc.Status, inc.Assignee, inc.Notes, candidate, candidate, len(events),
			inc.OrgID, inc.ID, expectedVersion, len(events), MaxEventsPerIncident).Scan(&at)
		if errors.Is(err, sql.ErrNoRows) {
			return s.whyNotUpdated(ctx, tx, inc.OrgID, inc.ID, expectedVersion)
		}
		if err != nil {
			return fmt.Errorf("update incident: %w", err)
		}
		return s.appendEvents(ctx, tx, inc.OrgID, inc.ID, fromMicros(at), events)
	})
	if err == nil {
		inc.Version = expectedVersion + 1
		inc.UpdatedAt = fromMicros(at)
	}
	return err
}

func (s *sqlStore) AddEvent(ctx context.Context, orgID int64, ev *Event) error {
	candidate := micros(normalize(ev.Time))
	return s.withTx(ctx, func(tx *sql.Tx) error {
		// Touching the row checks that it exists in this org, that the
		// timeline has room, and locks it against concurrent writers.
		var at int64
		err := tx.QueryRowContext(ctx, s.rebind(`UPDATE incidents SET updated_at = `+laterOf+`, event_count = event_count + 1
			WHERE org_id = ? AND id = ? AND event_count < ? RETURNING updated_at`),
			candidate, candidate, orgID, ev.IncidentID, MaxEventsPerIncident).Scan(&at)
		if errors.Is(err, sql.ErrNoRows) {
			return s.whyNotUpdated(ctx, tx, orgID, ev.IncidentID, 0)
		}
		if err != nil {
			return err
		}
		return s.appendEvents(ctx, tx, orgID, ev.IncidentID, fromMicros(at), []*Event{ev})
	})
}

func (s *sqlStore) ListEvents(ctx context.Context, orgID int64, incidentID string, p EventPage) (*EventList, error) {
	var one int
	err := s.db.QueryRowContext(ctx, s.rebind(`SELECT 1 FROM incidents WHERE org_id = ? AND id = ?`), orgID, incidentID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	cmp, order := "id > ?", "ASC"
	if p.Desc {
		cmp, order = "id < ?", "DESC"
	}
	after := p.After
	if p.Desc && after == 0 {
		after = math.MaxInt64
	}
	rows, err := s.db.QueryContext(ctx, s.rebind(`SELECT id, incident_id, at, user_login, kind, message FROM incident_events
		WHERE org_id = ? AND incident_id = ? AND `+cmp+` ORDER BY id `+order+` LIMIT `+strconv.Itoa(p.Limit+1)),
		orgID, incidentID, after)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := &EventList{Items: []Event{}}
	for rows.Next() {
		var ev Event
		var at int64
		if err := rows.Scan(&ev.ID, &ev.IncidentID, &at, &ev.User, &ev.Kind, &ev.Message); err != nil {
			return nil, err
		}
		ev.Time = fromMicros(at)
		out.Items = append(out.Items, ev)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out.Items) > p.Limit {
		out.Items = out.Items[:p.Limit]
		out.Next = out.Items[p.Limit-1].ID
	}
	return out, nil
}

// DeleteIncident removes the incident; its events go with it (ON DELETE
// CASCADE in both schemas, foreign keys are on for every SQLite connection).
func (s *sqlStore) DeleteIncident(ctx context.Context, orgID int64, id string) error {
	r, err := s.db.ExecContext(ctx, s.rebind(`DELETE FROM incidents WHERE org_id = ? AND id = ?`), orgID, id)
	if err != nil {
		return err
	}
	n, err := r.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}
