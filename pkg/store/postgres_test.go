package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// testPostgresDB opens RCP_TEST_POSTGRES_DSN (storetest cannot be imported
// from package store: it imports store).
func testPostgresDB(t *testing.T) *sql.DB {
	t.Helper()
	dsn := os.Getenv("RCP_TEST_POSTGRES_DSN")
	if dsn == "" {
		if os.Getenv("RCP_REQUIRE_POSTGRES") == "1" {
			t.Fatal("RCP_TEST_POSTGRES_DSN is not set but RCP_REQUIRE_POSTGRES=1")
		}
		t.Skip("PostgreSQL tests skipped: RCP_TEST_POSTGRES_DSN is not set (run: scripts/with-postgres.sh go test ./...)")
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// TestMigrationLockIsTransactionScoped: the migration lock belongs to the
// migration transaction, so it is released by commit or rollback and no
// connection can go back to the pool still holding it (a session lock
// needed an explicit unlock that could fail).
func TestMigrationLockIsTransactionScoped(t *testing.T) {
	db := testPostgresDB(t)
	ctx := context.Background()
	for _, fail := range []bool{false, true} {
		boom := errors.New("migration failed")
		var sessionUnlocked, held bool
		err := migratePostgres(ctx, db, func(tx *sql.Tx) error {
			if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory'
				AND pid = pg_backend_pid() AND granted AND ((classid::bigint << 32) | objid::bigint) = $1)`, migrationLockID).Scan(&held); err != nil {
				return err
			}
			// pg_advisory_unlock releases only session-level locks: false
			// means the lock held here is the transaction's.
			if err := tx.QueryRowContext(ctx, `SELECT pg_advisory_unlock($1)`, migrationLockID).Scan(&sessionUnlocked); err != nil {
				return err
			}
			if fail {
				return boom
			}
			return nil
		})
		if fail && !errors.Is(err, boom) || !fail && err != nil {
			t.Fatalf("fail=%v: %v", fail, err)
		}
		if !held {
			t.Fatalf("fail=%v: migration ran without the advisory lock", fail)
		}
		if sessionUnlocked {
			t.Fatalf("fail=%v: migration lock is a session lock", fail)
		}
		// Released at commit/rollback: another session takes it at once.
		conn, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var got bool
		if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock($1)`, migrationLockID).Scan(&got); err != nil || !got {
			t.Fatalf("fail=%v: lock still held after the migration: %v %v", fail, got, err)
		}
		_, _ = conn.ExecContext(ctx, `SELECT pg_advisory_unlock($1)`, migrationLockID)
		_ = conn.Close()
	}
}

// testSchemaDSN creates a schema dropped at the end of the test and returns
// a DSN whose search_path points at it.
func testSchemaDSN(t *testing.T, db *sql.DB) string {
	t.Helper()
	schema := fmt.Sprintf("rcp_t_open_%d", time.Now().UnixNano())
	if _, err := db.Exec(`CREATE SCHEMA ` + schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = db.Exec(`DROP SCHEMA ` + schema + ` CASCADE`) })
	u, err := url.Parse(os.Getenv("RCP_TEST_POSTGRES_DSN"))
	if err != nil || u.Scheme == "" {
		t.Skip("RCP_TEST_POSTGRES_DSN is not a URL")
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// holdMigrationLock takes the migration lock on its own session, as a
// replica stuck in a migration would, until the returned func is called.
func holdMigrationLock(t *testing.T, db *sql.DB) (release func()) {
	t.Helper()
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(context.Background(), `SELECT pg_advisory_lock($1)`, migrationLockID); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	release = func() {
		once.Do(func() {
			_, _ = conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock($1)`, migrationLockID)
			_ = conn.Close()
		})
	}
	t.Cleanup(release)
	return release
}

// TestOpenDoesNotBlockOtherKeys: while one location is connecting and
// migrating (here: waiting for the migration lock), opening another location
// and closing another handle go ahead; a second Open of the same location
// waits for the first and shares its handle.
func TestOpenDoesNotBlockOtherKeys(t *testing.T) {
	db := testPostgresDB(t)
	dsn := testSchemaDSN(t, db)
	other, err := Open(context.Background(), Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	release := holdMigrationLock(t, db)

	type result struct {
		s   Store
		err error
	}
	pg1, pg2 := make(chan result, 1), make(chan result, 1)
	go func() { s, err := Open(context.Background(), Config{PostgresDSN: dsn}); pg1 <- result{s, err} }()
	waitFor(t, "the postgres open to wait for the migration lock", func() bool {
		var n int
		_ = db.QueryRow(`SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`).Scan(&n)
		return n > 0
	})
	go func() { s, err := Open(context.Background(), Config{PostgresDSN: dsn}); pg2 <- result{s, err} }()

	done := make(chan error, 1)
	go func() {
		s, err := Open(context.Background(), Config{DataDir: t.TempDir()})
		if err == nil {
			err = s.Close()
		}
		if err == nil {
			err = other.Close()
		}
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		release()
		<-done
		t.Fatal("Open/Close of other locations blocked while a postgres open was in progress")
	}
	select {
	case r := <-pg2:
		t.Fatalf("second open of the same DSN did not wait for the first: %v", r.err)
	default:
	}
	release()
	r1, r2 := <-pg1, <-pg2
	if r1.err != nil || r2.err != nil {
		t.Fatalf("postgres opens: %v / %v", r1.err, r2.err)
	}
	if r1.s.(*ref).Store != r2.s.(*ref).Store {
		t.Fatal("concurrent opens of one DSN made two handles")
	}
	_ = r1.s.Close()
	if err := r2.s.HealthCheck(context.Background()); err != nil {
		t.Fatalf("closed under the second reference: %v", err)
	}
	_ = r2.s.Close()
	if n := openHandles(); n != 0 {
		t.Fatalf("handles left open: %d", n)
	}
}

// TestMigrationLockWaitIsBounded: a migration lock that is never released
// (a stuck replica) fails the open after migrationLockWait instead of
// hanging it forever.
func TestMigrationLockWaitIsBounded(t *testing.T) {
	db := testPostgresDB(t)
	dsn := testSchemaDSN(t, db)
	holdMigrationLock(t, db)
	old := migrationLockWait
	migrationLockWait = 300 * time.Millisecond
	defer func() { migrationLockWait = old }()
	done := make(chan error, 1)
	go func() {
		s, err := OpenPostgres(context.Background(), dsn)
		if err == nil {
			_ = s.Close()
		}
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "migration lock") {
			t.Fatalf("want a migration lock timeout, got %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("migration lock wait not bounded")
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}
