package store

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"
)

// TestTimelineMigrationBackfills: a schema v1 database with a timeline is
// upgraded to v2 with event_count counted from the existing events, so the
// cap holds for incidents created before it.
func TestTimelineMigrationBackfills(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), SQLiteFileName)
	if err := preparePrivateFile(path); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", sqliteDSN(path))
	if err != nil {
		t.Fatal(err)
	}
	v1 := &sqlStore{db: db, d: dialect{name: "sqlite", migrations: sqliteMigrations[:1], migrate: inTx}}
	if err := v1.runMigrations(ctx); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UnixMicro()
	if _, err := db.Exec(`INSERT INTO incidents (org_id, id, service, title, severity, status, range_from, range_to,
		analysis, links, created_by, created_at, updated_at) VALUES (1, 'OLD', 's', 't', 'low', 'open', 0, 0, '{}', '[]', 'a', ?, ?)`, now, now); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if _, err := db.Exec(`INSERT INTO incident_events (org_id, incident_id, at, user_login, kind, message) VALUES (1, 'OLD', ?, 'a', 'note', ?)`,
			now-int64(i), "old note"); err != nil {
			t.Fatal(err)
		}
	}
	_ = db.Close()

	s, err := OpenSQLite(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, _ := s.SchemaVersion(ctx); v != 2 {
		t.Fatalf("schema v%d", v)
	}
	var count int
	if err := s.(*sqlStore).db.QueryRow(`SELECT event_count FROM incidents WHERE id = 'OLD'`).Scan(&count); err != nil || count != 3 {
		t.Fatalf("event_count %d %v", count, err)
	}
	if err := s.AddEvent(ctx, 1, &Event{IncidentID: "OLD", Time: time.Now(), User: "b", Kind: EventNote, Message: "new"}); err != nil {
		t.Fatal(err)
	}
	page, err := s.ListEvents(ctx, 1, "OLD", EventPage{Limit: 10})
	if err != nil || len(page.Items) != 4 || page.Items[3].Message != "new" {
		t.Fatalf("timeline after upgrade: %+v %v", page, err)
	}
}
