// Package plugin wires the app instance: store, incident service, HTTP
// resources and health check.
package plugin

import (
	"context"
	"os"

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

// App is one app instance. Grafana rebuilds it when the app's settings
// change; the store handle underneath is shared and reference counted.
type App struct {
	backend.CallResourceHandler
	store    store.Store
	storeErr error
}

// NewApp creates an app instance. A store that cannot be opened does not
// fail the instance: resources answer 503 and CheckHealth reports the error.
func NewApp(ctx context.Context, _ backend.AppInstanceSettings) (instancemgmt.Instance, error) {
	return newApp(ctx, store.ConfigFromEnv(os.Getenv)), nil
}

func newApp(ctx context.Context, cfg store.Config) *App {
	a := &App{}
	st, err := store.Open(ctx, cfg)
	var svc *incidents.Service
	if err != nil {
		log.DefaultLogger.Error("cannot open incident store", "error", err)
		a.storeErr = err
	} else {
		a.store = st
		svc = incidents.NewService(st)
		log.DefaultLogger.Info("incident store ready", "store", st.Describe())
	}
	a.CallResourceHandler = httpadapter.New(resources.New(svc, err).Routes())
	return a
}

// Dispose releases this instance's reference to the shared store.
func (a *App) Dispose() {
	if a.store != nil {
		if err := a.store.Close(); err != nil {
			log.DefaultLogger.Warn("closing incident store", "error", err)
		}
	}
}

// CheckHealth reports whether the incident store is reachable and writable.
func (a *App) CheckHealth(ctx context.Context, _ *backend.CheckHealthRequest) (*backend.CheckHealthResult, error) {
	return health.Check(ctx, a.store, a.storeErr), nil
}
