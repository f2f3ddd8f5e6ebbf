package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"modernc.org/sqlite" // pure-Go SQLite driver (cgo stays off)
	sqlite3 "modernc.org/sqlite/lib"
)

// SQLiteFileName is the database file created in the data directory.
const SQLiteFileName = "incidents.db"

var sqliteMigrations = []migration{
	{Version: 1, Name: "incidents and events", SQL: []string{
		`CREATE TABLE incidents (
			org_id INTEGER NOT NULL,
			id TEXT NOT NULL,
			service TEXT NOT NULL,
			title TEXT NOT NULL,
			severity TEXT NOT NULL,
			status TEXT NOT NULL,
			assignee TEXT NOT NULL DEFAULT '',
			notes TEXT NOT NULL DEFAULT '',
			range_from INTEGER NOT NULL,
			range_to INTEGER NOT NULL,
			analysis TEXT NOT NULL,
			links TEXT NOT NULL,
			created_by TEXT NOT NULL,
			created_at INTEGER NOT NULL,
			updated_at INTEGER NOT NULL,
			version INTEGER NOT NULL DEFAULT 1,
			PRIMARY KEY (org_id, id)
		)`,
		`CREATE INDEX incidents_org_created ON incidents (org_id, created_at DESC, id DESC)`,
		`CREATE INDEX incidents_org_status ON incidents (org_id, status, created_at DESC)`,
		`CREATE INDEX incidents_org_service ON incidents (org_id, service, created_at DESC)`,
		`CREATE TABLE incident_events (
			id INTEGER PRIMARY KEY AUTOINCREMENT,
			org_id INTEGER NOT NULL,
			incident_id TEXT NOT NULL,
			at INTEGER NOT NULL,
			user_login TEXT NOT NULL,
			kind TEXT NOT NULL,
			message TEXT NOT NULL,
			FOREIGN KEY (org_id, incident_id) REFERENCES incidents (org_id, id) ON DELETE CASCADE
		)`,
		`CREATE INDEX incident_events_incident ON incident_events (org_id, incident_id, at)`,
		`CREATE TABLE rcp_health (id TEXT PRIMARY KEY, checked_at INTEGER NOT NULL)`,
	}},
	timelineMigration("INTEGER"),
}

// sqliteDSN builds a modernc.org/sqlite DSN: WAL, busy_timeout, foreign
// keys, and BEGIN IMMEDIATE for transactions so concurrent writers queue on
// busy_timeout instead of failing with "database is locked" on lock upgrade.
func sqliteDSN(path string) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout("+strconv.Itoa(int(sqliteBusyTimeout.Milliseconds()))+")")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Set("_txlock", "immediate")
	u := url.URL{Scheme: "file", Opaque: path, RawQuery: q.Encode()}
	return u.String()
}

// OpenSQLite opens (creating if needed) the database file at path and applies
// migrations. Prefer Open, which shares one handle per path.
func OpenSQLite(ctx context.Context, path string) (Store, error) {
	if err := preparePrivateFile(path); err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite", sqliteDSN(path))
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	// WAL allows concurrent readers; writers serialize on the file lock.
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(8)
	s := &sqlStore{db: db, describe: "sqlite: " + path, d: dialect{
		name:       "sqlite",
		migrations: sqliteMigrations,
		// _txlock=immediate: the migration transaction holds the write
		// lock, so two processes opening the same file apply it once.
		migrate: inTx,
	}}
	if err := pingSQLite(ctx, db); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	if err := s.runMigrations(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("migrate sqlite %s: %w", path, err)
	}
	return s, nil
}

// preparePrivateFile creates the data directory (0700) and the database
// file (0600) before SQLite opens it; SQLite gives the -wal and -shm files
// the database file's mode. Files an older version made 0644 are narrowed;
// an existing directory is left as it is (it may be one the admin chose).
func preparePrivateFile(path string) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create data dir %s: %w", dir, err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	_ = f.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Chmod(p, 0o600); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("restrict %s: %w", p, err)
		}
	}
	return nil
}

// sqliteBusyTimeout is how long a statement waits for another writer's
// lock before failing with SQLITE_BUSY (a 503 with Retry-After); it is
// shorter than the API's per-request deadline, so a request waiting on a
// lock ends with that answer rather than with its deadline.
const sqliteBusyTimeout = 5 * time.Second

// sqliteBusyRetry bounds how long opening a file another connection is
// converting to WAL keeps retrying; it matches busy_timeout.
const sqliteBusyRetry = sqliteBusyTimeout

// pingSQLite opens the first connection, retrying while the file is busy.
// Switching a fresh file to WAL needs an exclusive lock, and SQLite answers
// SQLITE_BUSY at once, without the busy handler, when two connections race
// for it (several replicas or instances starting on a new data dir).
func pingSQLite(ctx context.Context, db *sql.DB) error {
	deadline := time.Now().Add(sqliteBusyRetry)
	wait := 5 * time.Millisecond
	for {
		err := db.PingContext(ctx)
		if err == nil || !isSQLiteBusy(err) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, 200*time.Millisecond)
	}
}

func isSQLiteBusy(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_BUSY
}

// OpenTempSQLite opens a SQLite store in a new temp directory; cleanup
// closes it and removes the directory. For benchmarks and tools.
func OpenTempSQLite(ctx context.Context) (Store, func(), error) {
	dir, err := os.MkdirTemp("", "rcp-load-")
	if err != nil {
		return nil, nil, err
	}
	st, err := OpenSQLite(ctx, filepath.Join(dir, SQLiteFileName))
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, nil, err
	}
	return st, func() { _ = st.Close(); _ = os.RemoveAll(dir) }, nil
}
