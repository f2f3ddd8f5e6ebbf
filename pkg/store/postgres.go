package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib" // also registers the "pgx" database/sql driver
)

// migrationLockID is the pg_advisory_xact_lock key held while migrating, so that
// several Grafana replicas starting at once apply each migration exactly once.
const migrationLockID int64 = 0x5243505f494e4344 // "RCP_INCD"

// migrationLockWait bounds the wait for the migration lock, so a replica
// stuck while holding it fails this open (retried later) instead of hanging
// it. A variable for tests.
var migrationLockWait = 60 * time.Second

var postgresMigrations = []migration{
	{Version: 1, Name: "incidents and events", SQL: []string{
		`CREATE TABLE incidents (
			org_id BIGINT NOT NULL,
			id TEXT NOT NULL,
			service TEXT NOT NULL,
			title TEXT NOT NULL,
			severity TEXT NOT NULL,
			status TEXT NOT NULL,
			assignee TEXT NOT NULL DEFAULT '',
			notes TEXT NOT NULL DEFAULT '',
			range_from BIGINT NOT NULL,
			range_to BIGINT NOT NULL,
			analysis TEXT NOT NULL,
			links TEXT NOT NULL,
			created_by TEXT NOT NULL,
			created_at BIGINT NOT NULL,
			updated_at BIGINT NOT NULL,
			version BIGINT NOT NULL DEFAULT 1,
			PRIMARY KEY (org_id, id)
		)`,
		`CREATE INDEX incidents_org_created ON incidents (org_id, created_at DESC, id DESC)`,
		`CREATE INDEX incidents_org_status ON incidents (org_id, status, created_at DESC)`,
		`CREATE INDEX incidents_org_service ON incidents (org_id, service, created_at DESC)`,
		`CREATE TABLE incident_events (
			id BIGSERIAL PRIMARY KEY,
			org_id BIGINT NOT NULL,
			incident_id TEXT NOT NULL,
			at BIGINT NOT NULL,
			user_login TEXT NOT NULL,
			kind TEXT NOT NULL,
			message TEXT NOT NULL,
			FOREIGN KEY (org_id, incident_id) REFERENCES incidents (org_id, id) ON DELETE CASCADE
		)`,
		`CREATE INDEX incident_events_incident ON incident_events (org_id, incident_id, at)`,
		`CREATE TABLE rcp_health (id TEXT PRIMARY KEY, checked_at BIGINT NOT NULL)`,
	}},
	timelineMigration("BIGINT"),
}

// postgresTimeouts are the default statement_timeout and lock_timeout (ms):
// a statement waiting on a row lock fails with 55P03 after 3 s, and none
// runs past 5 s, both inside the API's per-request deadline, so the caller
// gets a 503 with Retry-After instead of waiting.
var postgresTimeouts = map[string]string{"statement_timeout": "5000", "lock_timeout": "3000"}

// postgresConnectTimeout bounds one connection attempt (a server that
// accepts TCP and never answers) when the DSN sets no connect_timeout.
const postgresConnectTimeout = 10 * time.Second

// redactDSN names host and database of a DSN without user or password.
func redactDSN(dsn string) string {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return "postgres (unparsable DSN)"
	}
	return "postgres: " + cfg.Host + ":" + strconv.Itoa(int(cfg.Port)) + "/" + cfg.Database
}

// OpenPostgres connects with a libpq-style or URL DSN and applies migrations
// under an advisory lock. Prefer Open, which shares one handle per DSN.
func OpenPostgres(ctx context.Context, dsn string) (Store, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("invalid postgres DSN: %w", err)
	}
	// Server-side limits on every statement, as connection parameters so
	// they hold on every pooled connection; a DSN that sets them wins.
	for name, value := range postgresTimeouts {
		if _, set := cfg.RuntimeParams[name]; !set {
			cfg.RuntimeParams[name] = value
		}
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = postgresConnectTimeout
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(16)
	db.SetMaxIdleConns(16)
	s := &sqlStore{db: db, describe: redactDSN(dsn), d: dialect{
		name:        "postgres",
		placeholder: func(n int) string { return "$" + strconv.Itoa(n) },
		migrations:  postgresMigrations,
		migrate:     migratePostgres,
	}}
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("connect %s: %w", s.describe, err)
	}
	if err := s.runMigrations(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("migrate %s: %w", s.describe, err)
	}
	return s, nil
}

// migratePostgres runs the migration transaction under a transaction-level
// advisory lock: replicas starting together queue on it, and commit or
// rollback releases it, so no connection can return to the pool holding it
// (a session lock needed an explicit unlock, which could fail).
func migratePostgres(ctx context.Context, db *sql.DB, fn func(tx *sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	// The lock wait and the migrations may take longer than the
	// per-statement limits meant for requests; migrationLockWait and this
	// open's own context bound them instead.
	for _, stmt := range []string{`SET LOCAL statement_timeout = 0`, `SET LOCAL lock_timeout = 0`} {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			_ = tx.Rollback()
			return fmt.Errorf("lift timeouts for migration: %w", err)
		}
	}
	lockCtx, cancel := context.WithTimeout(ctx, migrationLockWait)
	_, err = tx.ExecContext(lockCtx, `SELECT pg_advisory_xact_lock($1)`, migrationLockID)
	timedOut := lockCtx.Err() != nil && ctx.Err() == nil
	cancel()
	if err != nil {
		_ = tx.Rollback()
		if timedOut {
			return fmt.Errorf("migration lock not acquired within %s (another replica is migrating or stuck): %w", migrationLockWait, err)
		}
		return fmt.Errorf("migration lock: %w", err)
	}
	return finishTx(tx, fn)
}
