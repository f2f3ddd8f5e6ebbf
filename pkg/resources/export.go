package resources

import (
	"net/http"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/rcp/reliability/pkg/incidents"
	"github.com/rcp/reliability/pkg/store"
)

// exportMarkdown answers GET /incidents/{id}/export.md: the incident as
// Markdown for hand-off, with links absolute below Grafana's app URL.
func (h *Handler) exportMarkdown(w http.ResponseWriter, r *http.Request, svc *incidents.Service, a incidents.Actor) {
	inc, next, err := svc.Get(r.Context(), a, r.PathValue("id"))
	// The hand-off holds the whole timeline: the pages after the first, up
	// to the store's cap on events per incident.
	for err == nil && next != "" && len(inc.Events) > 0 {
		var page *incidents.EventsPage
		after := store.EventPage{After: inc.Events[len(inc.Events)-1].ID, Limit: incidents.MaxEventLimit}
		if page, err = svc.Events(r.Context(), a, inc.ID, after); err == nil {
			inc.Events = append(inc.Events, page.Items...)
			next = page.NextCursor
		}
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	body := incidents.Markdown(inc, appURL(r))
	w.Header().Set("Content-Type", "text/markdown; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="incident-`+inc.ID+`.md"`)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(body))
}

// appURL is the root URL Grafana sends the plugin (its root_url, GF_APP_URL).
// Without one (a Grafana too old to send it) links stay relative to "/".
func appURL(r *http.Request) string {
	cfg := backend.PluginConfigFromContext(r.Context()).GrafanaConfig
	if cfg == nil {
		cfg = backend.GrafanaConfigFromContext(r.Context())
	}
	u, err := cfg.AppURL()
	if err != nil {
		return ""
	}
	return u
}
