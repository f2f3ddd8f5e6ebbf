package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/rcp/reliability/pkg/store"
	"github.com/rcp/reliability/pkg/store/storetest"
)

var ctx = context.Background()

var idSeq struct {
	sync.Mutex
	n int
}

// testID makes a unique 26-char id (ids are opaque to the store).
func testID() string {
	idSeq.Lock()
	defer idSeq.Unlock()
	idSeq.n++
	return fmt.Sprintf("T%025d", idSeq.n)
}

func newIncident(org int64, created time.Time) *store.Incident {
	return &store.Incident{
		ID: testID(), OrgID: org, Service: "checkout", Title: "Error rate spike", Severity: "high", Status: "open",
		TimeRange: store.TimeRange{From: created.Add(-time.Hour), To: created},
		Analysis:  json.RawMessage(`{"k":[1,2,{"z":null}],"a":"b"}`),
		Links:     []store.Link{{Title: "dash", URL: "/d/abc"}},
		CreatedBy: "alice", CreatedAt: created, UpdatedAt: created, Version: 1,
	}
}

func create(t *testing.T, s store.Store, inc *store.Incident) *store.Incident {
	t.Helper()
	ev := &store.Event{Time: inc.CreatedAt, User: inc.CreatedBy, Kind: store.EventCreated, Message: "created"}
	if err := s.CreateIncident(ctx, inc, ev); err != nil {
		t.Fatalf("create: %v", err)
	}
	if ev.ID == 0 || ev.IncidentID != inc.ID {
		t.Fatalf("event not filled in: %+v", ev)
	}
	return inc
}

// allEvents reads an incident's whole timeline, page by page, oldest first.
func allEvents(t *testing.T, s store.Store, org int64, id string) []store.Event {
	t.Helper()
	var out []store.Event
	p := store.EventPage{Limit: 7}
	for {
		page, err := s.ListEvents(ctx, org, id, p)
		if err != nil {
			t.Fatalf("list events: %v", err)
		}
		out = append(out, page.Items...)
		if page.Next == 0 {
			return out
		}
		p.After = page.Next
	}
}

// total is the count a WithTotal list returned.
func total(t *testing.T, res *store.ListResult) int64 {
	t.Helper()
	if res.Total == nil {
		t.Fatal("no total on a WithTotal list")
	}
	return *res.Total
}

// forEachBackend runs fn against a fresh store of every backend.
func forEachBackend(t *testing.T, fn func(t *testing.T, s store.Store)) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) { fn(t, b.Open(t)) })
	}
}

func TestContractCreateGet(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s store.Store) {
		now := time.Date(2025, 3, 4, 5, 6, 7, 891234567, time.UTC)
		inc := newIncident(1, now)
		inc.Title = `Robert'); DROP TABLE incidents;-- ☃ "quoted" \ back`
		inc.Service = `' OR 1=1 --`
		inc.Analysis = json.RawMessage(`{"sql":"'; DELETE FROM incidents; --","unicode":"日本","n":1.5e3}`)
		create(t, s, inc)
		got, err := s.GetIncident(ctx, 1, inc.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Title != inc.Title || got.Service != inc.Service || string(got.Analysis) != string(inc.Analysis) {
			t.Fatalf("round trip mismatch:\n got %+v\nwant %+v", got, inc)
		}
		if !got.CreatedAt.Equal(now.Truncate(time.Microsecond)) || !got.TimeRange.From.Equal(inc.TimeRange.From) {
			t.Fatalf("times: got %v / %v", got.CreatedAt, got.TimeRange)
		}
		if len(got.Links) != 1 || got.Links[0].URL != "/d/abc" || got.Version != 1 || got.Status != "open" {
			t.Fatalf("fields: %+v", got)
		}
		if s.Backend() == "" || s.Describe() == "" {
			t.Fatal("backend/describe empty")
		}
		// Duplicate id is rejected, not overwritten.
		dup := newIncident(1, now)
		dup.ID = inc.ID
		if err := s.CreateIncident(ctx, dup, nil); err == nil {
			t.Fatal("duplicate id accepted")
		}
	})
}

func TestContractOrgScoping(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s store.Store) {
		inc := create(t, s, newIncident(1, time.Now()))
		if _, err := s.GetIncident(ctx, 2, inc.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("other org get: %v", err)
		}
		res, err := s.ListIncidents(ctx, store.ListFilter{OrgID: 2, Limit: 10, WithTotal: true})
		if err != nil || len(res.Items) != 0 || total(t, res) != 0 {
			t.Fatalf("other org list: %+v %v", res, err)
		}
		other := *inc
		other.OrgID = 2
		other.Title = "hijack"
		if err := s.UpdateIncident(ctx, &other, 1, nil); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("other org update: %v", err)
		}
		if err := s.AddEvent(ctx, 2, &store.Event{IncidentID: inc.ID, Time: time.Now(), User: "x", Kind: "note", Message: "m"}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("other org event: %v", err)
		}
		if err := s.DeleteIncident(ctx, 2, inc.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("other org delete: %v", err)
		}
		if evs, err := s.ListEvents(ctx, 2, inc.ID, store.EventPage{Limit: 10}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("other org events: %v %v", evs, err)
		}
		got, err := s.GetIncident(ctx, 1, inc.ID)
		if err != nil || got.Title != inc.Title {
			t.Fatalf("own org changed: %+v %v", got, err)
		}
	})
}

func TestContractListFiltersAndPaging(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s store.Store) {
		base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
		var want []string // newest first
		for i := 0; i < 9; i++ {
			inc := newIncident(7, base.Add(time.Duration(i/2)*time.Minute)) // pairs share created_at
			inc.Service = []string{"api", "db", "web"}[i%3]
			inc.Severity = []string{"critical", "low"}[i%2]
			if i%4 == 0 {
				inc.Status = "resolved"
			}
			create(t, s, inc)
			want = append([]string{inc.ID}, want...)
		}
		// Same created_at: ties ordered by id descending; ids increase with i.
		var got []string
		f := store.ListFilter{OrgID: 7, Limit: 4, WithTotal: true}
		for page := 0; ; page++ {
			res, err := s.ListIncidents(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			if got := total(t, res); got != 9 {
				t.Fatalf("total %d", got)
			}
			for _, it := range res.Items {
				if it.Analysis != nil {
					t.Fatal("list returned analysis")
				}
				got = append(got, it.ID)
			}
			if res.Next == nil {
				break
			}
			if page > 5 {
				t.Fatal("paging does not end")
			}
			f.Cursor = res.Next
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("order/paging:\n got %v\nwant %v", got, want)
		}
		count := func(f store.ListFilter) int64 {
			f.OrgID, f.Limit, f.WithTotal = 7, 200, true
			res, err := s.ListIncidents(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			if int64(len(res.Items)) != total(t, res) {
				t.Fatalf("items %d != total %d", len(res.Items), total(t, res))
			}
			return total(t, res)
		}
		from, to := base.Add(time.Minute), base.Add(3*time.Minute)
		for name, c := range map[string]struct {
			f    store.ListFilter
			want int64
		}{
			"service":  {store.ListFilter{Service: "db"}, 3},
			"status":   {store.ListFilter{Status: "resolved"}, 3},
			"severity": {store.ListFilter{Severity: "critical"}, 5},
			"from":     {store.ListFilter{From: &from}, 7},
			"to":       {store.ListFilter{To: &to}, 6},
			"range":    {store.ListFilter{From: &from, To: &to}, 4},
			"combined": {store.ListFilter{Service: "api", Severity: "critical"}, 2},
			"nomatch":  {store.ListFilter{Service: "' OR '1'='1"}, 0},
		} {
			if got := count(c.f); got != c.want {
				t.Errorf("%s: got %d want %d", name, got, c.want)
			}
		}
	})
}

func TestContractUpdateAndEvents(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s store.Store) {
		inc := create(t, s, newIncident(1, time.Now()))
		next := *inc
		next.Status, next.Assignee, next.Notes, next.UpdatedAt = "investigating", "bob", "n", time.Now()
		evs := []*store.Event{{Time: time.Now(), User: "bob", Kind: store.EventChange, Message: "status: open → investigating"}}
		if err := s.UpdateIncident(ctx, &next, 1, evs); err != nil {
			t.Fatal(err)
		}
		if next.Version != 2 || evs[0].ID == 0 {
			t.Fatalf("version %d event %+v", next.Version, evs[0])
		}
		// Stale version: conflict, nothing written.
		stale := *inc
		stale.Title = "stale"
		if err := s.UpdateIncident(ctx, &stale, 1, []*store.Event{{Time: time.Now(), User: "x", Kind: "change", Message: "lost"}}); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("stale update: %v", err)
		}
		got, _ := s.GetIncident(ctx, 1, inc.ID)
		if got.Title == "stale" || got.Status != "investigating" || got.Assignee != "bob" || got.Version != 2 {
			t.Fatalf("after conflict: %+v", got)
		}
		missing := *inc
		missing.ID = testID()
		if err := s.UpdateIncident(ctx, &missing, 1, nil); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("missing update: %v", err)
		}
		note := &store.Event{IncidentID: inc.ID, Time: time.Now(), User: "carol", Kind: store.EventNote, Message: "looking"}
		if err := s.AddEvent(ctx, 1, note); err != nil || note.ID == 0 {
			t.Fatalf("add event: %v", err)
		}
		if err := s.AddEvent(ctx, 1, &store.Event{IncidentID: testID(), Time: time.Now(), User: "c", Kind: "note", Message: "m"}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("event on missing: %v", err)
		}
		list := allEvents(t, s, 1, inc.ID)
		if len(list) != 3 || list[0].Kind != "created" || list[1].Message != "status: open → investigating" || list[2].User != "carol" {
			t.Fatalf("events: %+v", list)
		}
		if err := s.DeleteIncident(ctx, 1, inc.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteIncident(ctx, 1, inc.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("second delete: %v", err)
		}
		if list, err := s.ListEvents(ctx, 1, inc.ID, store.EventPage{Limit: 10}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("events survive delete: %v", list)
		}
	})
}

func TestContractHealthAndSchema(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s store.Store) {
		for i := 0; i < 3; i++ {
			if err := s.HealthCheck(ctx); err != nil {
				t.Fatal(err)
			}
		}
		v, err := s.SchemaVersion(ctx)
		if err != nil || v != 2 {
			t.Fatalf("schema version %d %v", v, err)
		}
	})
}

// TestContractConcurrentWriters: 50 goroutines create and update in
// parallel; nothing is lost or duplicated and no write fails (SQLite must not
// report "database is locked").
func TestContractConcurrentWriters(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s store.Store) {
		const workers = 50
		shared := create(t, s, newIncident(3, time.Now()))
		var wg sync.WaitGroup
		errs := make(chan error, workers*10)
		ids := make(chan string, workers)
		var applied sync.Map
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				inc := newIncident(3, time.Now())
				if err := s.CreateIncident(ctx, inc, &store.Event{Time: time.Now(), User: "u", Kind: "created", Message: "c"}); err != nil {
					errs <- fmt.Errorf("create: %w", err)
					return
				}
				ids <- inc.ID
				// Read-modify-write on the shared row until it applies.
				for attempt := 0; attempt < 500; attempt++ {
					cur, err := s.GetIncident(ctx, 3, shared.ID)
					if err != nil {
						errs <- err
						return
					}
					next := *cur
					next.Notes = fmt.Sprintf("%s|%d", cur.Notes, w)
					next.UpdatedAt = time.Now()
					err = s.UpdateIncident(ctx, &next, cur.Version, []*store.Event{{Time: time.Now(), User: "u", Kind: "change", Message: fmt.Sprint(w)}})
					if errors.Is(err, store.ErrConflict) {
						continue
					}
					if err != nil {
						errs <- fmt.Errorf("update: %w", err)
						return
					}
					applied.Store(w, true)
					return
				}
				errs <- fmt.Errorf("worker %d never applied", w)
			}(w)
		}
		wg.Wait()
		close(errs)
		close(ids)
		for err := range errs {
			t.Error(err)
		}
		seen := map[string]bool{}
		for id := range ids {
			seen[id] = true
		}
		res, err := s.ListIncidents(ctx, store.ListFilter{OrgID: 3, Limit: 200, WithTotal: true})
		if err != nil {
			t.Fatal(err)
		}
		if total(t, res) != workers+1 || len(res.Items) != workers+1 {
			t.Fatalf("want %d incidents, total %d items %d", workers+1, total(t, res), len(res.Items))
		}
		final, _ := s.GetIncident(ctx, 3, shared.ID)
		if final.Version != workers+1 {
			t.Fatalf("lost update: version %d want %d", final.Version, workers+1)
		}
		evs := allEvents(t, s, 3, shared.ID)
		if len(evs) != workers+1 {
			t.Fatalf("events %d want %d", len(evs), workers+1)
		}
		for w := 0; w < workers; w++ {
			if !containsToken(final.Notes, w) {
				t.Fatalf("update of worker %d lost: %q", w, final.Notes)
			}
		}
	})
}

func containsToken(notes string, w int) bool {
	tok := fmt.Sprintf("|%d", w)
	for i := 0; i+len(tok) <= len(notes); i++ {
		if notes[i:i+len(tok)] == tok && (i+len(tok) == len(notes) || notes[i+len(tok)] == '|') {
			return true
		}
	}
	return false
}

// TestContractReopen: close the store and open the same location again
// (process restart); all acknowledged writes are there and migrations are
// not re-applied. Several concurrent openers of a fresh location must all
// succeed (replicas starting at once).
func TestContractReopen(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			loc := b.Location(t)
			var wg sync.WaitGroup
			opened := make(chan store.Store, 5)
			for i := 0; i < 5; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					opened <- b.OpenAt(t, loc)
				}()
			}
			wg.Wait()
			close(opened)
			var first store.Store
			for s := range opened {
				if first == nil {
					first = s
					continue
				}
				_ = s.Close()
			}
			var ids []string
			for i := 0; i < 20; i++ {
				ids = append(ids, create(t, first, newIncident(9, time.Now())).ID)
			}
			if err := first.Close(); err != nil {
				t.Fatal(err)
			}
			again := b.OpenAt(t, loc)
			defer again.Close()
			for _, id := range ids {
				if _, err := again.GetIncident(ctx, 9, id); err != nil {
					t.Fatalf("after reopen %s: %v", id, err)
				}
			}
			if v, _ := again.SchemaVersion(ctx); v != 2 {
				t.Fatalf("schema version %d", v)
			}
		})
	}
}
