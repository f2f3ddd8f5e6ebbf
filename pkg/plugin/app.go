// Package plugin wires the app instance: store, incident service, HTTP
// resources and health check.
package plugin

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/instancemgmt"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"
	"github.com/grafana/grafana-plugin-sdk-go/backend/resource/httpadapter"

	"github.com/rcp/reliability/pkg/health"
	"github.com/rcp/reliability/pkg/incidents"
	"github.com/rcp/reliability/pkg/resources"
	"github.com/rcp/reliability/pkg/store"
)

var (
	_ backend.CallResourceHandler   = (*App)(nil)
	_ instancemgmt.InstanceDisposer = (*App)(nil)
	_ backend.CheckHealthHandler    = (*App)(nil)
)

// Store opening: one attempt at a time, in the background with its own
// deadline, detached from any request (a cancelled request must not fail
// the open for everyone). Callers wait for it only as long as their own
// context allows. After a failure the next attempt starts no sooner than
// openRetryInterval after the failed one ended, so a database that is down
// is not hammered by every request.
const (
	openTimeout       = 30 * time.Second
	openRetryInterval = 5 * time.Second
	// healthWait bounds how long a health check waits for an open in
	// progress (Grafana may send it without a deadline).
	healthWait = 10 * time.Second
)

var errDisposed = errors.New("app instance disposed")

// opener opens the store; store.Open in the plugin, a fake in tests.
type opener func(ctx context.Context, cfg store.Config) (store.Store, error)

// App is one app instance. Grafana rebuilds it when the app's settings
// change; the store handle underneath is shared and reference counted.
//
// The store is opened lazily: NewApp starts an attempt without waiting for
// it, and every resource call and health check that finds the store not
// open waits for the attempt in progress (as long as its context allows) or
// starts one once the back-off since the last failure has passed.
type App struct {
	backend.CallResourceHandler
	cfg           store.Config
	open          opener
	now           func() time.Time
	retryInterval time.Duration

	mu       sync.Mutex // guards the fields below
	svc      *incidents.Service
	opening  chan struct{} // non-nil while an attempt runs; closed when it ends
	lastErr  error
	lastEnd  time.Time // when the last failed attempt ended
	disposed bool
}

// NewApp creates an app instance. It never waits for the store: a store that
// cannot be opened does not fail the instance; resources answer 503,
// CheckHealth reports the error, and the open is retried on later calls.
func NewApp(ctx context.Context, _ backend.AppInstanceSettings) (instancemgmt.Instance, error) {
	return newAppAt(ctx, store.ConfigFromEnv(os.Getenv), store.Open, time.Now), nil
}

func newAppAt(_ context.Context, cfg store.Config, open opener, now func() time.Time) *App {
	a := &App{cfg: cfg, open: open, now: now, retryInterval: openRetryInterval}
	a.CallResourceHandler = httpadapter.New(resources.NewLazy(a.service).Routes())
	// Start opening now so that a new instance shares the handle of the
	// instance it replaces before that one is disposed.
	a.mu.Lock()
	a.startOpen()
	a.mu.Unlock()
	return a
}

// startOpen starts an attempt in the background; a.mu must be held and no
// attempt be running.
func (a *App) startOpen() {
	done := make(chan struct{})
	a.opening = done
	go func() {
		octx, cancel := context.WithTimeout(context.Background(), openTimeout)
		st, err := a.open(octx, a.cfg)
		cancel()
		a.mu.Lock()
		defer a.mu.Unlock()
		defer close(done)
		a.opening = nil
		switch {
		case a.disposed:
			if st != nil {
				_ = st.Close()
			}
		case err != nil:
			a.lastErr, a.lastEnd = err, a.now()
			log.DefaultLogger.Error("cannot open incident store; will retry", "error", err, "retryAfter", a.retryInterval)
		default:
			a.svc, a.lastErr = incidents.NewService(st), nil
			log.DefaultLogger.Info("incident store ready", "store", st.Describe())
		}
	}()
}

// service returns the incident service: at once if the store is open or the
// last failure is too recent to retry; otherwise it waits for the attempt
// in progress (starting one if none runs) until that ends or ctx does.
func (a *App) service(ctx context.Context) (*incidents.Service, error) {
	a.mu.Lock()
	switch {
	case a.svc != nil:
		defer a.mu.Unlock()
		return a.svc, nil
	case a.disposed:
		a.mu.Unlock()
		return nil, errDisposed
	case a.opening == nil && a.lastErr != nil && a.now().Sub(a.lastEnd) < a.retryInterval:
		defer a.mu.Unlock()
		return nil, a.lastErr
	case a.opening == nil:
		a.startOpen()
	}
	opening := a.opening
	a.mu.Unlock()
	select {
	case <-opening:
	case <-ctx.Done():
		return nil, fmt.Errorf("incident store still opening: %w", ctx.Err())
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	switch {
	case a.svc != nil:
		return a.svc, nil
	case a.disposed:
		return nil, errDisposed
	}
	return nil, a.lastErr
}

// Dispose releases this instance's reference to the shared store. An open in
// progress closes its store when it finishes.
func (a *App) Dispose() {
	a.mu.Lock()
	svc := a.svc
	a.disposed, a.svc = true, nil
	a.mu.Unlock()
	if svc != nil {
		if err := svc.Store().Close(); err != nil {
			log.DefaultLogger.Warn("closing incident store", "error", err)
		}
	}
}

// CheckHealth reports whether the incident store is reachable and writable.
// Grafana serves the health endpoint to any signed-in user, so only Admins
// get the details (backend location, the open error with its user, host,
// database or path); others get the status and a fixed message.
func (a *App) CheckHealth(ctx context.Context, req *backend.CheckHealthRequest) (*backend.CheckHealthResult, error) {
	var st store.Store
	wctx, cancel := context.WithTimeout(ctx, healthWait)
	defer cancel()
	svc, err := a.service(wctx)
	if svc != nil {
		st = svc.Store()
	}
	res := health.Check(ctx, st, err)
	if u := req.PluginContext.User; u == nil || u.Role != "Admin" {
		if res.Status == backend.HealthStatusOk {
			res.Message = "incident store OK"
		} else {
			res.Message = resources.StoreUnavailableMessage
		}
	}
	return res, nil
}
