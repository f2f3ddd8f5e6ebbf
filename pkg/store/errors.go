package store

import (
	"context"
	"errors"
	"net"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// PostgreSQL error codes of a store that is busy or slow rather than broken.
var transientPostgresCodes = map[string]bool{
	"55P03": true, // lock_not_available: lock_timeout expired
	"57014": true, // query_canceled: statement_timeout expired (or a cancelled request)
	"40001": true, // serialization_failure
	"40P01": true, // deadlock_detected
	"53300": true, // too_many_connections
	"57P03": true, // cannot_connect_now (starting up or shutting down)
}

// IsBusy reports whether err means the store is busy, locked, slow or
// unreachable for now (a retry later may succeed) rather than that the
// request or the data is wrong: SQLite busy/locked, PostgreSQL lock or
// statement timeouts and connection failures, and an expired deadline.
func IsBusy(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return true
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		code := se.Code() & 0xff
		return code == sqlite3.SQLITE_BUSY || code == sqlite3.SQLITE_LOCKED
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return transientPostgresCodes[pe.Code]
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	return errors.As(err, &ce) || errors.As(err, &ne)
}
