package store

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"testing"
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
