// Package plugin wires the app instance: store, incident service, HTTP
// resources and health check.
package plugin

import (
	"context"
	"errors"
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

// Store opening: each attempt gets its own deadline, detached from the
// calling request (a cancelled request must not fail the open for everyone),
// and after a failure the next attempt waits at least openRetryInterval so a
// database that is down is not hammered by every request.
const (
	openTimeout       = 30 * time.Second
	openRetryInterval = 5 * time.Second
)

var errDisposed = errors.New("app instance disposed")

// opener opens the store; store.Open in the plugin, a fake in tests.
type opener func(ctx context.Context, cfg store.Config) (store.Store, error)

// App is one app instance. Grafana rebuilds it when the app's settings
// change; the store handle underneath is shared and reference counted.
//
// The store is opened lazily: NewApp tries once, and every resource call and
// health check that finds it not open tries again (at most once per
// openRetryInterval), so a PostgreSQL that is not ready when Grafana starts,
// or a cancelled first request, does not leave the instance broken.
type App struct {
	backend.CallResourceHandler
	cfg           store.Config
	open          opener
	now           func() time.Time
	retryInterval time.Duration

	openMu sync.Mutex // serializes open attempts

	mu          sync.Mutex // guards the fields below
	svc         *incidents.Service
	lastErr     error
	lastAttempt time.Time
	disposed    bool
}

// NewApp creates an app instance. A store that cannot be opened does not
// fail the instance: resources answer 503, CheckHealth reports the error, and
// the open is retried on later calls.
func NewApp(ctx context.Context, _ backend.AppInstanceSettings) (instancemgmt.Instance, error) {
	return newAppAt(ctx, store.ConfigFromEnv(os.Getenv), store.Open, time.Now), nil
}

func newAppAt(ctx context.Context, cfg store.Config, open opener, now func() time.Time) *App {
	a := &App{cfg: cfg, open: open, now: now, retryInterval: openRetryInterval}
	a.CallResourceHandler = httpadapter.New(resources.NewLazy(func(ctx context.Context) (*incidents.Service, error) {
		return a.service(ctx)
	}).Routes())
	// Open now so that a new instance shares the handle of the instance it
	// replaces before that one is disposed; a failure is retried later.
	_, _ = a.service(ctx)
	return a
}

// service returns the incident service, opening the store if it is not
// open yet and the back-off since the last failure has passed.
func (a *App) service(ctx context.Context) (*incidents.Service, error) {
	if svc, done, err := a.current(); done {
		return svc, err
	}
	a.openMu.Lock()
	defer a.openMu.Unlock()
	// Another call may have opened it, or failed, while we waited.
	if svc, done, err := a.current(); done {
		return svc, err
	}
	a.mu.Lock()
	a.lastAttempt = a.now()
	a.mu.Unlock()

	octx, cancel := context.WithTimeout(context.WithoutCancel(ctx), openTimeout)
	defer cancel()
	st, err := a.open(octx, a.cfg)

	a.mu.Lock()
	defer a.mu.Unlock()
	if a.disposed {
		if st != nil {
			_ = st.Close()
		}
		return nil, errDisposed
	}
	if err != nil {
		a.lastErr = err
		log.DefaultLogger.Error("cannot open incident store; will retry", "error", err, "retryAfter", a.retryInterval)
		return nil, err
	}
	a.svc, a.lastErr = incidents.NewService(st), nil
	log.DefaultLogger.Info("incident store ready", "store", st.Describe())
	return a.svc, nil
}

// current reports the state without opening: done is true when the store is
// open, the instance is disposed, or the last failure is too recent to retry.
func (a *App) current() (svc *incidents.Service, done bool, err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	switch {
	case a.svc != nil:
		return a.svc, true, nil
	case a.disposed:
		return nil, true, errDisposed
	case a.lastErr != nil && a.now().Sub(a.lastAttempt) < a.retryInterval:
		return nil, true, a.lastErr
	}
	return nil, false, nil
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
	svc, err := a.service(ctx)
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
