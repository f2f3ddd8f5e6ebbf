package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
)

// Environment variables Grafana passes to the plugin process. Grafana turns
// every key of the [plugin.rcp-reliability-app] section of grafana.ini into
// GF_PLUGIN_<KEY in upper case> (pluginSettingsEnvVars in Grafana's
// pkg/services/pluginsintegration/pluginconfig/envvars.go).
const (
	EnvDataDir     = "GF_PLUGIN_DATA_DIR"
	EnvPostgresDSN = "GF_PLUGIN_POSTGRES_DSN"
	// EnvGrafanaData is Grafana's own data path (set in the official images).
	EnvGrafanaData = "GF_PATHS_DATA"
	pluginDirName  = "rcp-reliability-app"
)

// Config selects the backend. A non-empty PostgresDSN wins; otherwise SQLite
// in DataDir/incidents.db.
type Config struct {
	DataDir     string
	PostgresDSN string
}

// ConfigFromEnv reads the plugin configuration from the environment.
func ConfigFromEnv(getenv func(string) string) Config {
	return Config{DataDir: getenv(EnvDataDir), PostgresDSN: getenv(EnvPostgresDSN)}
}

// ErrNoDataDir is the open error when SQLite has no directory to live in.
// There is no temp-dir fallback: a fixed path in a world-writable folder
// could be created first by another local user.
var ErrNoDataDir = errors.New("no data directory for the incident store: set [plugin.rcp-reliability-app] data_dir (" +
	EnvDataDir + "), or run under Grafana, which sets " + EnvGrafanaData + ", or set postgres_dsn")

// ResolveDataDir picks the SQLite directory: GF_PLUGIN_DATA_DIR, else
// $GF_PATHS_DATA/rcp-reliability-app, else ErrNoDataDir.
func ResolveDataDir(cfg Config, getenv func(string) string) (string, error) {
	if cfg.DataDir != "" {
		return cfg.DataDir, nil
	}
	if d := getenv(EnvGrafanaData); d != "" {
		return filepath.Join(d, pluginDirName), nil
	}
	return "", ErrNoDataDir
}

// shared is one process-wide handle per backend+location, reference counted.
// Grafana builds a new app instance when settings change and disposes the old
// one a few seconds later; both must use the same *sql.DB, and the old
// instance's Dispose must not close it under the new one.
//
// The entry is in handles while it is being opened (ready not yet closed),
// so concurrent Opens of the same location wait for that one open, while
// sharedMu is never held during an open: a slow connect or migration of one
// location does not block other locations or Close.
type shared struct {
	key   string
	ready chan struct{} // closed when the open finished; then store or err is set
	store Store
	err   error
	refs  int // references handed out or being waited for
}

var (
	sharedMu sync.Mutex
	handles  = map[string]*shared{}
)

// ref is the Store handed to callers of Open; Close drops one reference.
type ref struct {
	Store
	h    *shared
	once sync.Once
}

func (r *ref) Close() error {
	var err error
	r.once.Do(func() { err = release(r.h) })
	return err
}

// release drops one reference to h and closes its store with the last one.
func release(h *shared) error {
	sharedMu.Lock()
	h.refs--
	last := h.refs == 0 && h.store != nil
	if last && handles[h.key] == h {
		delete(handles, h.key)
	}
	sharedMu.Unlock()
	if last {
		return h.store.Close()
	}
	return nil
}

// Open returns a reference to the shared store for cfg, opening and migrating
// it on first use. Close the returned Store to release the reference.
// Concurrent calls for one location share a single open; if it fails, all of
// them get its error and the next call tries again.
func Open(ctx context.Context, cfg Config) (Store, error) {
	var key string
	var open func(context.Context) (Store, error)
	if cfg.PostgresDSN != "" {
		dsn := cfg.PostgresDSN
		key = "postgres:" + dsn
		open = func(ctx context.Context) (Store, error) { return OpenPostgres(ctx, dsn) }
	} else {
		dir, err := ResolveDataDir(cfg, os.Getenv)
		if err != nil {
			return nil, err
		}
		path := filepath.Join(dir, SQLiteFileName)
		if abs, err := filepath.Abs(path); err == nil {
			path = abs
		}
		key = "sqlite:" + path
		open = func(ctx context.Context) (Store, error) { return OpenSQLite(ctx, path) }
	}
	sharedMu.Lock()
	h, inFlight := handles[key]
	if !inFlight {
		h = &shared{key: key, ready: make(chan struct{})}
		handles[key] = h
	}
	h.refs++
	sharedMu.Unlock()

	if !inFlight {
		s, err := open(ctx)
		sharedMu.Lock()
		h.store, h.err = s, err
		if err != nil {
			delete(handles, key)
		}
		close(h.ready)
		sharedMu.Unlock()
		if err != nil {
			return nil, err
		}
		return &ref{Store: s, h: h}, nil
	}
	select {
	case <-h.ready:
	case <-ctx.Done():
		_ = release(h)
		return nil, ctx.Err()
	}
	if h.err != nil {
		return nil, h.err
	}
	return &ref{Store: h.store, h: h}, nil
}

// openHandles reports how many shared handles are open (for tests).
func openHandles() int {
	sharedMu.Lock()
	defer sharedMu.Unlock()
	return len(handles)
}
