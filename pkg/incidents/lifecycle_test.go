package incidents

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/rcp/reliability/pkg/store/storetest"
)

// The documented table (docs/INCIDENTS.md). If this test fails, update the
// doc together with Transitions.
var documented = map[string][]string{
	"open":          {"investigating", "mitigated", "resolved"},
	"investigating": {"mitigated", "resolved"},
	"mitigated":     {"investigating", "resolved"},
	"resolved":      {"open"},
}

func TestTransitionTableMatchesDocs(t *testing.T) {
	if !reflect.DeepEqual(Transitions, documented) {
		t.Fatalf("Transitions %v != documented %v", Transitions, documented)
	}
}

// pathTo lists the statuses to walk from open to reach target.
func pathTo(target string) []string {
	switch target {
	case StatusInvestigating:
		return []string{StatusInvestigating}
	case StatusMitigated:
		return []string{StatusInvestigating, StatusMitigated}
	case StatusResolved:
		return []string{StatusResolved}
	}
	return nil
}

// TestLifecycleEveryPair drives a real incident (SQLite) to every status and
// tries every target status through the service.
func TestLifecycleEveryPair(t *testing.T) {
	svc := NewService(storetest.SQLite().Open(t))
	ctx := context.Background()
	a := Actor{OrgID: 1, Login: "alice"}
	for _, from := range Statuses {
		for _, to := range Statuses {
			t.Run(from+"→"+to, func(t *testing.T) {
				inc, err := svc.Create(ctx, a, validCreate())
				if err != nil {
					t.Fatal(err)
				}
				for _, st := range pathTo(from) {
					if _, err := svc.Patch(ctx, a, inc.ID, &PatchRequest{Status: &st}); err != nil {
						t.Fatalf("setup %s: %v", st, err)
					}
				}
				got, err := svc.Patch(ctx, a, inc.ID, &PatchRequest{Status: &to})
				want := CanTransition(from, to)
				if want != (err == nil) {
					t.Fatalf("%s → %s: allowed=%v err=%v", from, to, want, err)
				}
				if err != nil {
					var te *TransitionError
					if !errors.As(err, &te) || te.From != from || te.To != to || !reflect.DeepEqual(te.Allowed, documented[from]) {
						t.Fatalf("error %#v", err)
					}
					cur, _, _ := svc.Get(ctx, a, inc.ID)
					if cur.Status != from {
						t.Fatalf("status changed to %s on rejected transition", cur.Status)
					}
					return
				}
				if got.Status != to {
					t.Fatalf("status %s", got.Status)
				}
				if from != to && (len(got.Events) != 1 || got.Events[0].Message != fmt.Sprintf("status: %s → %s", from, to) || got.Events[0].User != "alice") {
					t.Fatalf("events %+v", got.Events)
				}
				if from == to && len(got.Events) != 0 {
					t.Fatalf("no-op recorded an event: %+v", got.Events)
				}
			})
		}
	}
}

func validCreate() *ValidCreate {
	now := time.Now().UTC()
	return &ValidCreate{Service: "api", Title: "t", Severity: "high", From: now.Add(-time.Hour), To: now, Analysis: []byte(`{}`)}
}
