package incidents

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/rcp/reliability/pkg/store"
	"github.com/rcp/reliability/pkg/store/storetest"
)

func ptr[T any](v T) *T { return &v }

func TestPatchRecordsEvents(t *testing.T) {
	svc := NewService(storetest.SQLite().Open(t))
	ctx := context.Background()
	a := Actor{OrgID: 1, Login: "bob"}
	inc, err := svc.Create(ctx, a, validCreate())
	if err != nil {
		t.Fatal(err)
	}
	got, err := svc.Patch(ctx, a, inc.ID, &PatchRequest{Title: ptr("new"), Severity: ptr("critical"), Assignee: ptr("carol"), Notes: ptr("n1"), Status: ptr("investigating")})
	if err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for _, e := range got.Events {
		if e.User != "bob" {
			t.Fatalf("user %q", e.User)
		}
		msgs = append(msgs, e.Message)
	}
	want := []string{
		"status: open → investigating", "severity: high → critical", `title: "t" → "new"`,
		"assignee: (none) → carol", "notes updated (0 → 2 characters)",
	}
	if strings.Join(msgs, "\n") != strings.Join(want, "\n") {
		t.Fatalf("events:\n%s", strings.Join(msgs, "\n"))
	}
	if got.Version != 2 {
		t.Fatalf("version %d", got.Version)
	}
	// Same values again: no-op, no new event, no version bump.
	again, err := svc.Patch(ctx, a, inc.ID, &PatchRequest{Title: ptr("new")})
	if err != nil || again.Version != 2 || len(again.Events) != 0 {
		t.Fatalf("no-op patch: %+v %v", again, err)
	}
	// Explicit stale version: 409.
	_, err = svc.Patch(ctx, a, inc.ID, &PatchRequest{Notes: ptr("x"), Version: ptr(int64(1))})
	var ce *ConflictError
	if !errors.As(err, &ce) || ce.Current != 2 {
		t.Fatalf("stale version: %v", err)
	}
	if _, err := svc.Patch(ctx, a, inc.ID, &PatchRequest{Notes: ptr("x"), Version: ptr(int64(2))}); err != nil {
		t.Fatalf("matching version: %v", err)
	}
	note, err := svc.AddNote(ctx, a, inc.ID, &EventRequest{Message: "hello"})
	if err != nil || note.Kind != store.EventNote || note.ID == 0 {
		t.Fatalf("note %+v %v", note, err)
	}
	// Other org sees nothing.
	other := Actor{OrgID: 2, Login: "eve"}
	if _, _, err := svc.Get(ctx, other, inc.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("other org get: %v", err)
	}
	if _, err := svc.Patch(ctx, other, inc.ID, &PatchRequest{Notes: ptr("x")}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("other org patch: %v", err)
	}
	if _, err := svc.AddNote(ctx, other, inc.ID, &EventRequest{Message: "x"}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("other org note: %v", err)
	}
	if err := svc.Delete(ctx, other, inc.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("other org delete: %v", err)
	}
	var ve *ValidationError
	if _, _, err := svc.Get(ctx, a, "nope"); !errors.As(err, &ve) || ve.Field != "id" {
		t.Fatalf("bad id: %v", err)
	}
	if err := svc.Delete(ctx, a, inc.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.Get(ctx, a, inc.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("after delete: %v", err)
	}
}

// TestConcurrentLifecycle: 50 goroutines per backend create their own
// incident and patch it, while all of them also race random status changes
// on one shared incident. Afterwards: no incident lost or duplicated, and the
// shared incident's status events form a valid chain (each from equals the
// previous to, each step allowed), so no transition was applied to a stale
// state.
func TestConcurrentLifecycle(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			svc := NewService(b.Open(t))
			ctx := context.Background()
			a := Actor{OrgID: 5, Login: "load"}
			shared, err := svc.Create(ctx, a, validCreate())
			if err != nil {
				t.Fatal(err)
			}
			const workers = 50
			var wg sync.WaitGroup
			var mu sync.Mutex
			var errs []error
			ids := map[string]bool{}
			fail := func(err error) {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
			for w := 0; w < workers; w++ {
				wg.Add(1)
				go func(w int) {
					defer wg.Done()
					v := validCreate()
					v.Title = fmt.Sprintf("incident %d", w)
					inc, err := svc.Create(ctx, a, v)
					if err != nil {
						fail(err)
						return
					}
					mu.Lock()
					ids[inc.ID] = true
					mu.Unlock()
					if _, err := svc.Patch(ctx, a, inc.ID, &PatchRequest{Status: ptr(StatusInvestigating), Assignee: ptr(fmt.Sprint("u", w))}); err != nil {
						fail(err)
					}
					for i := 0; i < 3; i++ {
						to := Statuses[rand.IntN(len(Statuses))]
						_, err := svc.Patch(ctx, a, shared.ID, &PatchRequest{Status: &to})
						var te *TransitionError
						var ce *ConflictError
						if err != nil && !errors.As(err, &te) && !errors.As(err, &ce) {
							fail(fmt.Errorf("shared patch: %w", err))
						}
					}
				}(w)
			}
			wg.Wait()
			for _, err := range errs {
				t.Error(err)
			}
			if len(ids) != workers {
				t.Fatalf("ids %d", len(ids))
			}
			f, _ := ParseListQuery(5, url.Values{"limit": {"200"}, "total": {"true"}})
			page, err := svc.List(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			if page.Total == nil || *page.Total != workers+1 || len(page.Items) != workers+1 {
				t.Fatalf("total %v items %d", page.Total, len(page.Items))
			}
			for _, it := range page.Items {
				if it.ID != shared.ID && (it.Status != StatusInvestigating || it.Version != 2) {
					t.Fatalf("own patch lost: %+v", it)
				}
			}
			got, _, err := svc.Get(ctx, a, shared.ID)
			if err != nil {
				t.Fatal(err)
			}
			var timeline []store.Event
			for p := (store.EventPage{Limit: MaxEventLimit}); ; {
				page, err := svc.Events(ctx, a, shared.ID, p)
				if err != nil {
					t.Fatal(err)
				}
				timeline = append(timeline, page.Items...)
				if page.NextCursor == "" {
					break
				}
				p, _ = ParseEventQuery(url.Values{"cursor": {page.NextCursor}})
			}
			status := StatusOpen
			changes := 0
			for _, e := range timeline[1:] {
				var from, to string
				if _, err := fmt.Sscanf(e.Message, "status: %s → %s", &from, &to); err != nil {
					t.Fatalf("event %q: %v", e.Message, err)
				}
				if from != status || !CanTransition(from, to) || from == to {
					t.Fatalf("invalid chain at %q (current %s)", e.Message, status)
				}
				status = to
				changes++
			}
			if status != got.Status || int64(changes+1) != got.Version {
				t.Fatalf("final status %s/%s, version %d, changes %d", status, got.Status, got.Version, changes)
			}
		})
	}
}

func TestParseListQuery(t *testing.T) {
	good := []url.Values{
		{}, {"limit": {"1"}}, {"limit": {"200"}}, {"status": {"open"}}, {"severity": {"low"}},
		{"from": {"2025-01-01T00:00:00Z"}, "to": {"2025-01-02T00:00:00+02:00"}}, {"service": {"x' OR 1=1"}},
	}
	for _, q := range good {
		if _, err := ParseListQuery(1, q); err != nil {
			t.Errorf("%v: %v", q, err)
		}
	}
	bad := map[string]url.Values{
		"limit":    {"limit": {"0"}},
		"limit ":   {"limit": {"201"}},
		"limit  ":  {"limit": {"ten"}},
		"status":   {"status": {"closed"}},
		"severity": {"severity": {"sev1"}},
		"from":     {"from": {"yesterday"}},
		"from ":    {"from": {"2025-01-02T00:00:00Z"}, "to": {"2025-01-01T00:00:00Z"}},
		"from  ":   {"from": {"0000-01-01T00:00:00+01:00"}},
		"to":       {"to": {"9999-12-31T23:00:00-02:00"}},
		"cursor":   {"cursor": {"!!!"}},
		"cursor ":  {"cursor": {"MTIzLm5vdGFuaWQ"}},
	}
	for field, q := range bad {
		_, err := ParseListQuery(1, q)
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Field != strings.TrimSpace(field) {
			t.Errorf("%v: want field %q, got %v", q, field, err)
		}
	}
	f, _ := ParseListQuery(1, url.Values{})
	if f.Limit != DefaultLimit {
		t.Fatalf("default limit %d", f.Limit)
	}
	c := &store.Cursor{CreatedAt: validCreate().To.Truncate(1000), ID: NewID(validCreate().To)}
	back, err := DecodeCursor(EncodeCursor(c))
	if err != nil || !back.CreatedAt.Equal(c.CreatedAt) || back.ID != c.ID {
		t.Fatalf("cursor round trip %+v %v", back, err)
	}
}

// racingStore lets other writers in between a Patch's read and its write:
// before the first UpdateIncident it runs race once.
type racingStore struct {
	store.Store
	once sync.Once
	race func()
}

func (s *racingStore) UpdateIncident(ctx context.Context, inc *store.Incident, expected int64, events []*store.Event) error {
	s.once.Do(s.race)
	return s.Store.UpdateIncident(ctx, inc, expected, events)
}

// TestStaleVersionReportsRealVersion: writer A reads version 1 and sends
// version 1; before A writes, writer B applies two changes (version 3). A's
// 409 must report 3, the version a client has to reload, not a guess of 2.
func TestStaleVersionReportsRealVersion(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			base := b.Open(t)
			ctx := context.Background()
			a := Actor{OrgID: 1, Login: "a"}
			other := NewService(base)
			inc, err := other.Create(ctx, Actor{OrgID: 1, Login: "b"}, validCreate())
			if err != nil {
				t.Fatal(err)
			}
			rs := &racingStore{Store: base, race: func() {
				for _, title := range []string{"b1", "b2"} {
					if _, err := other.Patch(ctx, Actor{OrgID: 1, Login: "b"}, inc.ID, &PatchRequest{Title: ptr(title)}); err != nil {
						t.Error(err)
					}
				}
			}}
			_, err = NewService(rs).Patch(ctx, a, inc.ID, &PatchRequest{Status: ptr("investigating"), Version: ptr(int64(1))})
			var ce *ConflictError
			if !errors.As(err, &ce) {
				t.Fatalf("want ConflictError, got %v", err)
			}
			if ce.Expected != 1 || ce.Current != 3 {
				t.Fatalf("conflict expected %d current %d, want 1 and 3", ce.Expected, ce.Current)
			}
		})
	}
}
