// Package resources serves the plugin's HTTP resource API
// (/api/plugins/rcp-reliability-app/resources/incidents...). Grafana strips
// the prefix, so routes here start at /incidents.
package resources

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"time"

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
	timeout time.Duration
}

// RequestTimeout is each call's deadline, covering the wait for the store to
// open and every store operation. The stores' own limits (SQLite
// busy_timeout, PostgreSQL lock_timeout and statement_timeout) are shorter,
// so a call waiting on a lock ends with a 503 and Retry-After.
const RequestTimeout = 10 * time.Second

// retryAfterSeconds is the Retry-After of every 503.
const retryAfterSeconds = "2"

// New returns a Handler on a fixed service. If the store failed to open,
// pass svc nil and the error: every call then answers 503 with a fixed
// message and logs the error.
func New(svc *incidents.Service, initErr error) *Handler {
	return NewLazy(func(context.Context) (*incidents.Service, error) { return svc, initErr })
}

// NewLazy returns a Handler that asks get for the service on each call; a
// nil service or an error is a 503.
func NewLazy(get ServiceGetter) *Handler {
	return &Handler{service: get, logger: log.DefaultLogger.With("component", "incidents-api"), timeout: RequestTimeout}
}

// WithTimeout sets the per-request deadline (tests use a short one).
func (h *Handler) WithTimeout(d time.Duration) *Handler {
	h.timeout = d
	return h
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
	mux.HandleFunc("GET /incidents/{id}/events", h.auth(roleViewer, h.listEvents))
	mux.HandleFunc("GET /incidents/{id}/export.md", h.auth(roleViewer, h.exportMarkdown))
	mux.HandleFunc("/incidents", methodNotAllowed("GET, POST"))
	mux.HandleFunc("/incidents/{id}", methodNotAllowed("GET, PATCH, DELETE"))
	mux.HandleFunc("/incidents/{id}/events", methodNotAllowed("GET, POST"))
	mux.HandleFunc("/incidents/{id}/export.md", methodNotAllowed("GET"))
	mux.HandleFunc("/", notFound)
	return canonicalOnly(mux)
}

func notFound(w http.ResponseWriter, r *http.Request) {
	writeError(w, http.StatusNotFound, "no such resource: "+r.Method+" "+r.URL.Path, "")
}

// canonicalOnly answers a JSON 404 for paths ServeMux would redirect to
// their clean form ("/a/../b", "//a", "/a/"): its 307 has an HTML body and a
// Location outside the plugin's resource prefix.
func canonicalOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := r.URL.Path; p == "" || path.Clean(p) != p {
			notFound(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// StoreBusyMessage is the 503 for a store that is busy, locked or did not
// answer within the request's deadline.
const StoreBusyMessage = "incident store busy or not answering in time; retry shortly (reload first: a write that timed out may have been saved)"

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

// MaxResponseBytes bounds every response body. Grafana refuses plugin
// responses over 16 MiB; the request and page limits keep the largest
// possible answer (a 1 MiB analysis plus a full timeline page of the longest
// notes) near 5 MiB, and this check turns anything larger into a logged 500
// instead of an answer Grafana drops.
const MaxResponseBytes = 8 << 20

// writeJSON encodes v before writing the status, so that a value that cannot
// be encoded (or is too large) becomes a logged 500 instead of a success
// with an empty or dropped body. HTML escaping is off: the body is JSON for
// fetch, never HTML, and escaping would sextuple each '<', '>' and '&'.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	err := enc.Encode(v)
	if err == nil && buf.Len() > MaxResponseBytes {
		err = fmt.Errorf("response of %d bytes exceeds %d", buf.Len(), MaxResponseBytes)
	}
	if err != nil {
		log.DefaultLogger.Error("cannot encode JSON response", "status", status, "error", err)
		status = http.StatusInternalServerError
		w.Header().Del("Location")
		buf.Reset()
		buf.WriteString(internalErrorBody)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
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
		ctx, cancel := context.WithTimeout(r.Context(), h.timeout)
		defer cancel()
		r = r.WithContext(ctx)
		svc, err := h.service(ctx)
		if svc == nil || err != nil {
			// The open error names users, hosts, databases or file paths:
			// log it, and leave it to the health check.
			h.logger.Warn("incident store unavailable", "method", r.Method, "path", r.URL.Path, "error", err)
			w.Header().Set("Retry-After", retryAfterSeconds)
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
	var tf *incidents.TimelineFullError
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
	case errors.As(err, &tf):
		writeError(w, http.StatusConflict, tf.Error(), "events")
	case store.IsBusy(err):
		h.logger.Warn("incident store busy", "method", r.Method, "path", r.URL.Path, "error", err)
		w.Header().Set("Retry-After", retryAfterSeconds)
		writeError(w, http.StatusServiceUnavailable, StoreBusyMessage, "")
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
// and the transition table stays in one place. Events are always present:
// the first timeline page on GET, the events the write added on POST/PATCH.
type incidentView struct {
	*store.Incident
	Events             []store.Event `json:"events"`
	EventsNextCursor   string        `json:"eventsNextCursor,omitempty"`
	AllowedTransitions []string      `json:"allowedTransitions"`
}

func withTransitions(inc *store.Incident) incidentView {
	events := inc.Events
	if events == nil {
		events = []store.Event{}
	}
	return incidentView{Incident: inc, Events: events, AllowedTransitions: incidents.AllowedFrom(inc.Status)}
}

func (h *Handler) get(w http.ResponseWriter, r *http.Request, svc *incidents.Service, a incidents.Actor) {
	inc, next, err := svc.Get(r.Context(), a, r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	view := withTransitions(inc)
	view.EventsNextCursor = next
	writeJSON(w, http.StatusOK, view)
}

func (h *Handler) listEvents(w http.ResponseWriter, r *http.Request, svc *incidents.Service, a incidents.Actor) {
	p, err := incidents.ParseEventQuery(r.URL.Query())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	page, err := svc.Events(r.Context(), a, r.PathValue("id"), p)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, page)
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
