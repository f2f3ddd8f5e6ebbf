// Package health implements the plugin's CheckHealth: the incident store must
// be reachable and writable.
package health

import (
	"context"
	"fmt"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/rcp/reliability/pkg/store"
)

// Check upserts the store's health row and reports the backend and schema
// version. st may be nil when opening failed with openErr.
func Check(ctx context.Context, st store.Store, openErr error) *backend.CheckHealthResult {
	if st == nil {
		msg := "incident store is not open"
		if openErr != nil {
			msg = "incident store failed to open: " + openErr.Error()
		}
		return &backend.CheckHealthResult{Status: backend.HealthStatusError, Message: msg}
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := st.HealthCheck(ctx); err != nil {
		return &backend.CheckHealthResult{Status: backend.HealthStatusError,
			Message: fmt.Sprintf("incident store (%s) is not writable: %v", st.Describe(), err)}
	}
	v, err := st.SchemaVersion(ctx)
	if err != nil {
		return &backend.CheckHealthResult{Status: backend.HealthStatusError,
			Message: fmt.Sprintf("incident store (%s): cannot read schema version: %v", st.Describe(), err)}
	}
	return &backend.CheckHealthResult{Status: backend.HealthStatusOk,
		Message: fmt.Sprintf("incident store OK (%s, schema v%d, writable)", st.Describe(), v)}
}
