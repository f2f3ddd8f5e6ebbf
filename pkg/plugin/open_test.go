package plugin

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/rcp/reliability/pkg/store"
)

// fakeClock is a clock the test moves by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// callCtx is call with the caller's own context.
func callCtx(t *testing.T, ctx context.Context, a *App, method, path string) *backend.CallResourceResponse {
	t.Helper()
	s := &sender{}
	pc := backend.PluginContext{OrgID: 1, User: &backend.User{Login: "admin", Role: "Admin"}}
	if err := a.CallResource(ctx, &backend.CallResourceRequest{PluginContext: pc, Method: method, Path: path, URL: "/" + path}, s); err != nil {
		t.Fatal(err)
	}
	return s.resp
}

// TestStoreOpenHangs: against a database that never answers, NewApp returns
// at once, callers leave when their own context ends (503), all of them
// share one attempt, and the back-off runs from the end of the failed
// attempt, not its start.
func TestStoreOpenHangs(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	release := make(chan error)
	entered := make(chan struct{}, 10)
	var attempts atomic.Int32
	open := func(ctx context.Context, cfg store.Config) (store.Store, error) {
		attempts.Add(1)
		entered <- struct{}{}
		if err := <-release; err != nil {
			return nil, err
		}
		return store.Open(ctx, cfg)
	}
	created := make(chan *App)
	go func() { created <- newAppAt(context.Background(), store.Config{DataDir: t.TempDir()}, open, clock.now) }()
	<-entered
	var a *App
	select {
	case a = <-created:
	case <-time.After(10 * time.Second):
		t.Fatal("NewApp blocked on the store open")
	}
	defer a.Dispose()

	var wg sync.WaitGroup
	for i := 0; i < 5; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			if r := callCtx(t, ctx, a, "GET", "incidents"); r.Status != 503 || r.Headers["Retry-After"] == nil {
				t.Errorf("while the open hangs: %d %v %s", r.Status, r.Headers, r.Body)
			}
		}()
	}
	wg.Wait()
	if n := attempts.Load(); n != 1 {
		t.Fatalf("%d open attempts in flight, want 1", n)
	}
	// The attempt takes 20 s, then fails.
	clock.add(20 * time.Second)
	release <- errors.New("connect postgres: timeout")
	if r := callCtx(t, context.Background(), a, "GET", "incidents"); r.Status != 503 {
		t.Fatalf("after the failed attempt: %d %s", r.Status, r.Body)
	}
	clock.add(openRetryInterval - time.Second)
	if r := callCtx(t, context.Background(), a, "GET", "incidents"); r.Status != 503 {
		t.Fatalf("within the back-off: %d %s", r.Status, r.Body)
	}
	if n := attempts.Load(); n != 1 {
		t.Fatalf("retried %d times within the back-off counted from the end of the attempt", n-1)
	}
	clock.add(time.Second)
	go func() { <-entered; release <- nil }()
	if r := callCtx(t, context.Background(), a, "GET", "incidents"); r.Status != 200 {
		t.Fatalf("after the back-off: %d %s", r.Status, r.Body)
	}
	if n := attempts.Load(); n != 2 {
		t.Fatalf("attempts %d, want 2", n)
	}
}
