// Command pluginhost is test infrastructure: it runs the plugin's backend binary the way
// Grafana's server does (hashicorp/go-plugin over gRPC with the SDK's handshake) and turns
// loopback HTTP from the stand-in Grafana server (tests/host/serve.py) into CallResource and
// CheckHealth calls carrying a PluginContext.
//
// The caller describes the request's Grafana context in the X-Rcp-Plugin-Context header (JSON,
// see callContext): Grafana derives it from the session and the org's plugin settings; here the
// Python server does and this host only turns it into the protobuf PluginContext.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend/grpcplugin"
	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"
	"github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"
)

// maxResponseBytes is Grafana's limit on a plugin's resource response (its gRPC max message
// size, 16 MiB); a bigger answer is refused rather than passed on.
const maxResponseBytes = 16 * 1024 * 1024

// contextHeader carries the request's Grafana context from serve.py.
const contextHeader = "X-Rcp-Plugin-Context"

// forwardedHeaders are the request headers Grafana passes to a plugin resource call; cookies and
// the Authorization header are not among them.
var forwardedHeaders = []string{"Accept", "Accept-Encoding", "Accept-Language", "Content-Type", "Content-Length", "User-Agent", "X-Grafana-Org-Id"}

type callContext struct {
	OrgID int64 `json:"orgId"`
	User  *struct {
		Login string `json:"login"`
		Name  string `json:"name"`
		Email string `json:"email"`
		Role  string `json:"role"`
	} `json:"user"`
	JSONData       json.RawMessage   `json:"jsonData"`
	SecureJSONData map[string]string `json:"secureJsonData"`
	LastUpdatedMS  int64             `json:"lastUpdatedMS"`
}

type host struct {
	binary   string
	env      []string
	appURL   string
	pluginID string
	version  string

	mu       sync.Mutex
	client   *goplugin.Client
	resource grpcplugin.ResourceClient
	diag     grpcplugin.DiagnosticsClient
}

// clients returns the running plugin's clients, (re)starting the process when it is not running:
// Grafana restarts a plugin that exited.
func (h *host) clients() (grpcplugin.ResourceClient, grpcplugin.DiagnosticsClient, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.client != nil && !h.client.Exited() {
		return h.resource, h.diag, nil
	}
	if h.client != nil {
		log.Printf("plugin exited; restarting %s", h.binary)
		h.client.Kill()
	}
	cmd := exec.Command(h.binary)
	cmd.Env = append(os.Environ(), h.env...)
	client := goplugin.NewClient(&goplugin.ClientConfig{
		HandshakeConfig: goplugin.HandshakeConfig{
			ProtocolVersion:  grpcplugin.ProtocolVersion,
			MagicCookieKey:   grpcplugin.MagicCookieKey,
			MagicCookieValue: grpcplugin.MagicCookieValue,
		},
		VersionedPlugins: map[int]goplugin.PluginSet{grpcplugin.ProtocolVersion: {
			"diagnostics": &grpcplugin.DiagnosticsGRPCPlugin{},
			"resource":    &grpcplugin.ResourceGRPCPlugin{},
		}},
		Cmd:              cmd,
		AllowedProtocols: []goplugin.Protocol{goplugin.ProtocolGRPC},
		// Managed: CleanupClients stops the plugin when the host stops.
		Managed: true,
		Logger:  hclog.New(&hclog.LoggerOptions{Name: "plugin", Level: hclog.Info, Output: os.Stderr}),
	})
	rpc, err := client.Client()
	if err != nil {
		client.Kill()
		return nil, nil, fmt.Errorf("start plugin: %w", err)
	}
	res, err := rpc.Dispense("resource")
	if err != nil {
		client.Kill()
		return nil, nil, fmt.Errorf("dispense resource: %w", err)
	}
	diag, err := rpc.Dispense("diagnostics")
	if err != nil {
		client.Kill()
		return nil, nil, fmt.Errorf("dispense diagnostics: %w", err)
	}
	h.client, h.resource, h.diag = client, res.(grpcplugin.ResourceClient), diag.(grpcplugin.DiagnosticsClient)
	return h.resource, h.diag, nil
}

func (h *host) pluginContext(r *http.Request) (*pluginv2.PluginContext, error) {
	var c callContext
	if raw := r.Header.Get(contextHeader); raw != "" {
		if err := json.Unmarshal([]byte(raw), &c); err != nil {
			return nil, fmt.Errorf("bad %s header: %w", contextHeader, err)
		}
	}
	pc := &pluginv2.PluginContext{
		OrgId:         c.OrgID,
		PluginId:      h.pluginID,
		PluginVersion: h.version,
		GrafanaConfig: map[string]string{"GF_APP_URL": h.appURL},
		AppInstanceSettings: &pluginv2.AppInstanceSettings{
			JsonData:                c.JSONData,
			DecryptedSecureJsonData: c.SecureJSONData,
			LastUpdatedMS:           c.LastUpdatedMS,
		},
	}
	if len(pc.AppInstanceSettings.JsonData) == 0 {
		pc.AppInstanceSettings.JsonData = []byte("{}")
	}
	if c.User != nil {
		pc.User = &pluginv2.User{Login: c.User.Login, Name: c.User.Name, Email: c.User.Email, Role: c.User.Role}
	}
	return pc, nil
}

func writeJSONError(w http.ResponseWriter, code int, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]string{"message": message})
}

func (h *host) serveResource(w http.ResponseWriter, r *http.Request) {
	pc, err := h.pluginContext(r)
	if err != nil {
		writeJSONError(w, http.StatusBadRequest, err.Error())
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxResponseBytes+1))
	if err != nil {
		writeJSONError(w, http.StatusBadRequest, "read body: "+err.Error())
		return
	}
	headers := map[string]*pluginv2.StringList{}
	for _, name := range forwardedHeaders {
		if values := r.Header.Values(name); len(values) > 0 {
			headers[name] = &pluginv2.StringList{Values: values}
		}
	}
	path := strings.TrimPrefix(r.URL.Path, "/resources/")
	url := path
	if r.URL.RawQuery != "" {
		url += "?" + r.URL.RawQuery
	}
	req := &pluginv2.CallResourceRequest{PluginContext: pc, Path: path, Method: r.Method, Url: url, Headers: headers, Body: body}

	resource, _, err := h.clients()
	if err != nil {
		writeJSONError(w, http.StatusBadGateway, err.Error())
		return
	}
	stream, err := resource.CallResource(r.Context(), req)
	if err != nil {
		writeJSONError(w, http.StatusBadGateway, "plugin unavailable: "+err.Error())
		return
	}
	// Collect the whole answer first: the status and headers come with the first message, and an
	// answer over the limit must be refused before anything is written.
	var first *pluginv2.CallResourceResponse
	var out []byte
	for {
		msg, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			writeJSONError(w, http.StatusBadGateway, "plugin call failed: "+err.Error())
			return
		}
		if first == nil {
			first = msg
		}
		out = append(out, msg.Body...)
		if len(out) > maxResponseBytes {
			writeJSONError(w, http.StatusBadGateway, fmt.Sprintf("plugin response exceeds %d bytes", maxResponseBytes))
			return
		}
	}
	if first == nil {
		writeJSONError(w, http.StatusBadGateway, "plugin sent no response")
		return
	}
	for name, values := range first.Headers {
		for _, v := range values.Values {
			w.Header().Add(name, v)
		}
	}
	code := int(first.Code)
	if code == 0 {
		code = http.StatusOK
	}
	w.WriteHeader(code)
	_, _ = w.Write(out)
}

// serveHealth answers as Grafana's /api/plugins/<id>/health does: the status name and message.
func (h *host) serveHealth(w http.ResponseWriter, r *http.Request) {
	pc, err := h.pluginContext(r)
	if err != nil {
		writeJSONError(w, http.StatusBadRequest, err.Error())
		return
	}
	_, diag, err := h.clients()
	if err != nil {
		writeJSONError(w, http.StatusServiceUnavailable, err.Error())
		return
	}
	res, err := diag.CheckHealth(r.Context(), &pluginv2.CheckHealthRequest{PluginContext: pc})
	if err != nil {
		writeJSONError(w, http.StatusServiceUnavailable, "health check failed: "+err.Error())
		return
	}
	code := http.StatusOK
	if res.Status != pluginv2.CheckHealthResponse_OK {
		code = http.StatusBadRequest
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"status":      res.Status.String(),
		"message":     res.Message,
		"jsonDetails": json.RawMessage(orEmptyObject(res.JsonDetails)),
	})
}

func orEmptyObject(b []byte) []byte {
	if len(b) == 0 {
		return []byte("{}")
	}
	return b
}

type settingsFlag []string

func (s *settingsFlag) String() string     { return strings.Join(*s, ",") }
func (s *settingsFlag) Set(v string) error { *s = append(*s, v); return nil }

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "loopback address to serve on")
	binary := flag.String("binary", "", "the plugin's backend executable")
	pluginID := flag.String("plugin-id", "rcp-reliability-app", "plugin id")
	pluginVersion := flag.String("plugin-version", "", "plugin version sent in the plugin context")
	grafanaVersion := flag.String("grafana-version", "11.6.0", "GF_VERSION given to the plugin")
	appURL := flag.String("app-url", "http://127.0.0.1:3000/", "GF_APP_URL given to the plugin")
	var settings settingsFlag
	flag.Var(&settings, "setting", "key=value of the [plugin.<id>] section, passed as GF_PLUGIN_<KEY> (repeatable)")
	flag.Parse()
	if *binary == "" {
		log.Fatal("-binary is required")
	}
	env := []string{"GF_VERSION=" + *grafanaVersion, "GF_EDITION=Open Source", "GF_APP_URL=" + *appURL}
	for _, kv := range settings {
		key, value, ok := strings.Cut(kv, "=")
		if !ok {
			log.Fatalf("bad -setting %q: want key=value", kv)
		}
		env = append(env, "GF_PLUGIN_"+strings.ToUpper(key)+"="+value)
	}
	h := &host{binary: *binary, env: env, appURL: *appURL, pluginID: *pluginID, version: *pluginVersion}
	if _, _, err := h.clients(); err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/resources/", h.serveResource)
	mux.HandleFunc("/health", h.serveHealth)
	mux.HandleFunc("/ready", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatal(err)
	}
	// The address line tells serve.py where to connect when it asked for port 0.
	log.Printf("pluginhost listening on %s", ln.Addr())
	server := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	// Stop the plugin process with the host, as Grafana does on shutdown.
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, os.Interrupt)
	go func() {
		<-stop
		_ = server.Shutdown(context.Background())
	}()
	err = server.Serve(ln)
	goplugin.CleanupClients()
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
}
