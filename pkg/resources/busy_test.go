package resources

import (
	"context"
	"database/sql"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend/resource/httpadapter"

	"github.com/rcp/reliability/pkg/incidents"
	"github.com/rcp/reliability/pkg/store/storetest"
)

// TestLockedStoreIs503: while another session holds the incident's row
// (PostgreSQL) or the database's write lock (SQLite), a PATCH ends with a
// 503 and Retry-After within the request deadline, not a 500 or a wait as
// long as the lock is held.
func TestLockedStoreIs503(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			loc := b.Location(t)
			st := b.OpenAt(t, loc)
			t.Cleanup(func() { _ = st.Close() })
			c := &client{t: t, h: httpadapter.New(New(incidents.NewService(st), nil).WithTimeout(time.Second).Routes())}
			id := c.create(1)

			driver, dsn, lock := "pgx", loc, `SELECT 1 FROM incidents WHERE id = $1 FOR UPDATE`
			if b.Name == "sqlite" {
				driver, dsn, lock = "sqlite", "file:"+loc+"?_txlock=immediate", `UPDATE incidents SET notes = notes WHERE id = ?`
			}
			db, err := sql.Open(driver, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			tx, err := db.BeginTx(context.Background(), nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := tx.Exec(lock, id); err != nil {
				t.Fatal(err)
			}
			// The holder lets go long after the request's deadline.
			released := time.AfterFunc(20*time.Second, func() { _ = tx.Rollback() })
			defer func() {
				if released.Stop() {
					_ = tx.Rollback()
				}
			}()
			resp := c.raw(user("Editor", 1), "PATCH", "/incidents/"+id, `{"title":"while locked"}`)
			if resp.Status != http.StatusServiceUnavailable || resp.Headers["Retry-After"] == nil || !strings.Contains(string(resp.Body), "busy") {
				t.Fatalf("PATCH on a locked store: %d %v %s", resp.Status, resp.Headers, resp.Body)
			}
		})
	}
}
