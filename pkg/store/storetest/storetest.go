// Package storetest opens isolated stores of every backend for tests: SQLite
// in a temp dir, PostgreSQL in a fresh schema of the database named by
// RCP_TEST_POSTGRES_DSN (see scripts/with-postgres.sh).
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rcp/reliability/pkg/store"
)

// Env vars read by the tests.
const (
	EnvPostgresDSN     = "RCP_TEST_POSTGRES_DSN"
	EnvRequirePostgres = "RCP_REQUIRE_POSTGRES"
)

// Backend opens fresh, isolated stores of one kind.
type Backend struct {
	Name string
	// Location returns a new isolated location (SQLite file path or
	// Postgres DSN) that Open can open several times (restart tests).
	Location func(t testing.TB) string
	// OpenAt opens the store at a location.
	OpenAt func(t testing.TB, loc string) store.Store
}

// Open returns a store at a fresh location, closed when the test ends.
func (b Backend) Open(t testing.TB) store.Store {
	t.Helper()
	s := b.OpenAt(t, b.Location(t))
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// Backends lists SQLite and PostgreSQL.
func Backends() []Backend { return []Backend{SQLite(), Postgres()} }

// SQLite is the SQLite backend.
func SQLite() Backend {
	return Backend{
		Name:     "sqlite",
		Location: func(t testing.TB) string { return filepath.Join(t.TempDir(), store.SQLiteFileName) },
		OpenAt: func(t testing.TB, loc string) store.Store {
			t.Helper()
			s, err := store.OpenSQLite(context.Background(), loc)
			if err != nil {
				t.Fatalf("open sqlite: %v", err)
			}
			return s
		},
	}
}

// Postgres is the PostgreSQL backend; its Location skips the test (or fails
// it when RCP_REQUIRE_POSTGRES=1) if RCP_TEST_POSTGRES_DSN is unset.
func Postgres() Backend {
	return Backend{
		Name:     "postgres",
		Location: FreshPostgresDSN,
		OpenAt: func(t testing.TB, loc string) store.Store {
			t.Helper()
			s, err := store.OpenPostgres(context.Background(), loc)
			if err != nil {
				t.Fatalf("open postgres: %v", err)
			}
			return s
		},
	}
}

// PostgresDSN returns RCP_TEST_POSTGRES_DSN or skips/fails the test.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(EnvPostgresDSN)
	if dsn == "" {
		if os.Getenv(EnvRequirePostgres) == "1" {
			t.Fatalf("%s is not set but %s=1: run under scripts/with-postgres.sh", EnvPostgresDSN, EnvRequirePostgres)
		}
		t.Skipf("PostgreSQL tests skipped: %s is not set (run: scripts/with-postgres.sh go test ./...)", EnvPostgresDSN)
	}
	return dsn
}

// FreshPostgresDSN creates an empty schema, dropped when the test ends, and
// returns a DSN whose search_path points at it.
func FreshPostgresDSN(t testing.TB) string {
	t.Helper()
	schemaDSN, drop, err := NewSchema(context.Background(), PostgresDSN(t), "rcp_t_")
	if err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(drop)
	return schemaDSN
}

// NewSchema creates an empty schema named prefix + random hex in the
// database of dsn and returns a DSN whose search_path points at it, and a
// drop func that removes the schema with everything in it. No connection is
// held in between (tests run many at once against one cluster).
func NewSchema(ctx context.Context, dsn, prefix string) (schemaDSN string, drop func(), err error) {
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := prefix + hex.EncodeToString(b[:])
	if err := execOnce(ctx, dsn, `CREATE SCHEMA `+schema); err != nil {
		return "", nil, err
	}
	drop = func() { _ = execOnce(context.Background(), dsn, `DROP SCHEMA `+schema+` CASCADE`) }
	return WithSearchPath(dsn, schema), drop, nil
}

func execOnce(ctx context.Context, dsn, statement string) error {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, statement)
	return err
}

// WithSearchPath adds search_path to a URL or key=value DSN.
func WithSearchPath(dsn, schema string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err == nil {
			q := u.Query()
			q.Set("search_path", schema)
			u.RawQuery = q.Encode()
			return u.String()
		}
	}
	return dsn + " search_path=" + schema
}
