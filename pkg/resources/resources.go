// Package resources serves the plugin's HTTP resource API
// (/api/plugins/rcp-reliability-app/resources/incidents...). Grafana strips
// the prefix, so routes here start at /incidents.
package resources

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"

	"github.com/rcp/reliability/pkg/incidents"
	"github.com/rcp/reliability/pkg/store"
)

// ServiceGetter returns the service, or why it is not available (the store
// could not be opened). It is called on every authorized request, so the
// plugin can open the store lazily and retry after a failure.
type ServiceGetter func(ctx context.Context) (*incidents.Service, error)

// Handler serves the incident API on top of an incidents.Service.
type Handler struct {
	service ServiceGetter
	logger  log.Logger
}

// New returns a Handler on a fixed service. If the store failed to open,
// pass svc nil and the error: every call then answers 503 with a fixed
// message and logs the error.
func New(svc *incidents.Service, initErr error) *Handler {
	return NewLazy(func(context.Context) (*incidents.Service, error) { return svc, initErr })
}

// NewLazy returns a Handler that asks get for the service on each call; a
// nil service or an error is a 503.
func NewLazy(get ServiceGetter) *Handler {
	return &Handler{service: get, logger: log.DefaultLogger.With("component", "incidents-api")}
}

// Routes returns the mux the plugin serves (also used by tests and the load
// benchmark).
func (h *Handler) Routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /incidents", h.auth(roleViewer, h.list))
	mux.HandleFunc("POST /incidents", h.auth(roleEditor, h.create))
	mux.HandleFunc("GET /incidents/{id}", h.auth(roleViewer, h.get))
	mux.HandleFunc("PATCH /incidents/{id}", h.auth(roleEditor, h.patch))
	mux.HandleFunc("DELETE /incidents/{id}", h.auth(roleAdmin, h.delete))
	mux.HandleFunc("POST /incidents/{id}/events", h.auth(roleEditor, h.addEvent))
	mux.HandleFunc("GET /incidents/{id}/export.md", h.auth(roleViewer, h.exportMarkdown))
	mux.HandleFunc("/incidents", methodNotAllowed("GET, POST"))
	mux.HandleFunc("/incidents/{id}", methodNotAllowed("GET, PATCH, DELETE"))
	mux.HandleFunc("/incidents/{id}/events", methodNotAllowed("POST"))
	mux.HandleFunc("/incidents/{id}/export.md", methodNotAllowed("GET"))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "no such resource: "+r.Method+" "+r.URL.Path, "")
	})
	return mux
}

// StoreUnavailableMessage is the whole 503 body's error: any Viewer sees it,
// so it carries no detail of why the store could not be opened.
const StoreUnavailableMessage = "incident store unavailable; an Admin can see why in the plugin's health check"

// ErrorBody is the shape of every error response.
type ErrorBody struct {
	Error string `json:"error"`
	Field string `json:"field,omitempty"`
	// Set on 409 for an invalid status transition.
	From    string   `json:"from,omitempty"`
	To      string   `json:"to,omitempty"`
	Allowed []string `json:"allowed,omitempty"`
	// Set on 409 for a stale version.
	CurrentVersion int64 `json:"currentVersion,omitempty"`
}

// internalErrorBody is sent when a response cannot be encoded.
const internalErrorBody = `{"error":"internal error while encoding the response"}` + "\n"

// writeJSON encodes v before writing the status, so that a value that cannot
// be encoded becomes a logged 500 instead of a success with an empty body.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(v); err != nil {
		log.DefaultLogger.Error("cannot encode JSON response", "status", status, "error", err)
		status = http.StatusInternalServerError
		w.Header().Del("Location")
		buf.Reset()
		buf.WriteString(internalErrorBody)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func writeError(w http.ResponseWriter, status int, msg, field string) {
	writeJSON(w, status, ErrorBody{Error: msg, Field: field})
}

func methodNotAllowed(allow string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		writeError(w, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed; allowed: "+allow, "")
	}
}

// role levels: a role may do everything the lower levels may.
type role int

const (
	roleNone role = iota
	roleViewer
	roleEditor
	roleAdmin
)

func parseRole(s string) role {
	switch s {
	case "Admin":
		return roleAdmin
	case "Editor":
		return roleEditor
	case "Viewer":
		return roleViewer
	default:
		return roleNone
	}
}

var roleNames = map[role]string{roleViewer: "Viewer", roleEditor: "Editor", roleAdmin: "Admin"}

type handlerFunc func(w http.ResponseWriter, r *http.Request, svc *incidents.Service, a incidents.Actor)

// auth enforces identity and role from the plugin context Grafana sends with
// each resource call (Grafana itself does not check roles for app resources)
// and scopes the call to the caller's org.
func (h *Handler) auth(min role, next handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		pc := backend.PluginConfigFromContext(r.Context())
		if pc.User == nil || pc.OrgID <= 0 {
			writeError(w, http.StatusUnauthorized, "authentication required: no Grafana user or org on this request", "")
			return
		}
		if got := parseRole(pc.User.Role); got < min {
			writeError(w, http.StatusForbidden, "role "+quoteRole(pc.User.Role)+" may not do this; requires "+roleNames[min]+" or higher", "")
			return
		}
		svc, err := h.service(r.Context())
		if svc == nil || err != nil {
			// The open error names users, hosts, databases or file paths:
			// log it, and leave it to the health check.
			h.logger.Warn("incident store unavailable", "method", r.Method, "path", r.URL.Path, "error", err)
			writeError(w, http.StatusServiceUnavailable, StoreUnavailableMessage, "")
			return
		}
		login := pc.User.Login
		if login == "" {
			login = pc.User.Email
		}
		if login == "" {
			login = "unknown"
		}
		next(w, r, svc, incidents.Actor{OrgID: pc.OrgID, Login: login})
	}
}

func quoteRole(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// readBody reads at most MaxBodyBytes; more is a TooLargeError (413).
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, incidents.MaxBodyBytes))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, &incidents.TooLargeError{Limit: incidents.MaxBodyBytes}
	}
	if err != nil {
		return nil, &incidents.ValidationError{Message: "could not read request body"}
	}
	return body, nil
}

// fail maps service errors to status codes.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	var ve *incidents.ValidationError
	var tl *incidents.TooLargeError
	var te *incidents.TransitionError
	var ce *incidents.ConflictError
	switch {
	case errors.As(err, &ve):
		writeError(w, http.StatusBadRequest, ve.Error(), ve.Field)
	case errors.As(err, &tl):
		writeError(w, http.StatusRequestEntityTooLarge, tl.Error(), "")
	case errors.Is(err, incidents.ErrNotFound):
		writeError(w, http.StatusNotFound, "incident not found", "id")
	case errors.As(err, &te):
		writeJSON(w, http.StatusConflict, ErrorBody{Error: te.Error(), Field: "status", From: te.From, To: te.To, Allowed: te.Allowed})
	case errors.As(err, &ce):
		writeJSON(w, http.StatusConflict, ErrorBody{Error: ce.Error(), Field: "version", CurrentVersion: ce.Current})
	default:
		h.logger.Error("incident request failed", "method", r.Method, "path", r.URL.Path, "error", err)
		writeError(w, http.StatusInternalServerError, "internal error while handling the incident request", "")
	}
}

func (h *Handler) list(w http.ResponseWriter, r *http.Request, svc *incidents.Service, a incidents.Actor) {
	f, err := incidents.ParseListQuery(a.OrgID, r.URL.Query())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	page, err := svc.List(r.Context(), f)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, page)
}

func (h *Handler) create(w http.ResponseWriter, r *http.Request, svc *incidents.Service, a incidents.Actor) {
	body, err := readBody(w, r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v, err := incidents.DecodeCreate(body)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	inc, err := svc.Create(r.Context(), a, v)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Location", "incidents/"+inc.ID)
	writeJSON(w, http.StatusCreated, withTransitions(inc))
}

// incidentView is an incident as the API returns it one at a time: with the
// statuses it may move to next, so clients offer only the allowed actions
// and the transition table stays in one place.
type incidentView struct {
	*store.Incident
	AllowedTransitions []string `json:"allowedTransitions"`
}

func withTransitions(inc *store.Incident) incidentView {
	return incidentView{Incident: inc, AllowedTransitions: incidents.AllowedFrom(inc.Status)}
}

func (h *Handler) get(w http.ResponseWriter, r *http.Request, svc *incidents.Service, a incidents.Actor) {
	inc, err := svc.Get(r.Context(), a, r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, withTransitions(inc))
}

func (h *Handler) patch(w http.ResponseWriter, r *http.Request, svc *incidents.Service, a incidents.Actor) {
	body, err := readBody(w, r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	req, err := incidents.DecodePatch(body)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	inc, err := svc.Patch(r.Context(), a, r.PathValue("id"), req)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, withTransitions(inc))
}

func (h *Handler) addEvent(w http.ResponseWriter, r *http.Request, svc *incidents.Service, a incidents.Actor) {
	body, err := readBody(w, r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	req, err := incidents.DecodeEvent(body)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ev, err := svc.AddNote(r.Context(), a, r.PathValue("id"), req)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, ev)
}

func (h *Handler) delete(w http.ResponseWriter, r *http.Request, svc *incidents.Service, a incidents.Actor) {
	if err := svc.Delete(r.Context(), a, r.PathValue("id")); err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// WithPluginContext serves h with a fixed plugin context, as Grafana's
// resource call would carry. For tests and the load benchmark only: in the
// plugin, httpadapter sets the real context per call.
func WithPluginContext(h http.Handler, pc backend.PluginContext) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := backend.WithPluginContext(r.Context(), pc)
		ctx = backend.WithUser(ctx, pc.User)
		h.ServeHTTP(w, r.WithContext(ctx))
	})
}
