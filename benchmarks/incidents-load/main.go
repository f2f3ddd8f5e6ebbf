// Command incidents-load is the incident store load benchmark: concurrent
// create and list requests through the real HTTP handler the plugin serves
// (resources.Handler.Routes behind httptest.NewServer, with a fixed plugin
// context standing in for Grafana), against SQLite or PostgreSQL.
//
//	go run ./benchmarks/incidents-load -backend sqlite -workers 16 -requests 4000
//	go run ./benchmarks/incidents-load -backend sqlite -sizes 1000,10000,100000 -writers 50 -timeout 30m
//	scripts/with-postgres.sh go run ./benchmarks/incidents-load -backend postgres
//
// It sends traffic only to its own loopback test server, is bounded in
// request count and in time (-timeout), and stops by itself.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/rcp/reliability/pkg/incidents"
	"github.com/rcp/reliability/pkg/resources"
	"github.com/rcp/reliability/pkg/store"
	"github.com/rcp/reliability/pkg/store/storetest"
)

type result struct {
	name      string
	requests  int
	errors    int64
	elapsed   time.Duration
	latencies []time.Duration
}

func (r result) pct(p float64) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	i := int(p * float64(len(r.latencies)-1))
	return r.latencies[i]
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "incidents-load: %v\n", err)
		os.Exit(1)
	}
}

func run() error {
	backendName := flag.String("backend", "sqlite", "sqlite or postgres")
	dsn := flag.String("dsn", os.Getenv(storetest.EnvPostgresDSN), "PostgreSQL DSN (default $"+storetest.EnvPostgresDSN+"); a fresh schema is created in it and dropped after")
	workers := flag.Int("workers", 16, "concurrent HTTP clients")
	requests := flag.Int("requests", 4000, "requests per phase (create, list, mixed)")
	limit := flag.Int("limit", 50, "page size for list requests")
	timeout := flag.Duration("timeout", 5*time.Minute, "hard time limit for the whole run")
	sizes := flag.String("sizes", "", "comma-separated incident counts (e.g. 1000,10000,100000): grow the store to each, then time list pages and 50-client writes")
	writers := flag.Int("writers", 50, "concurrent clients of the write phase at each size")
	flag.Parse()

	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()

	st, cleanup, err := openStore(ctx, *backendName, *dsn)
	if err != nil {
		return err
	}
	defer cleanup()

	pc := backend.PluginContext{OrgID: 1, PluginID: "rcp-reliability-app", User: &backend.User{Login: "loadtest", Role: "Editor"}}
	srv := httptest.NewServer(resources.WithPluginContext(resources.New(incidents.NewService(st), nil).Routes(), pc))
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: *workers * 2, MaxIdleConnsPerHost: *workers * 2}, Timeout: 30 * time.Second}

	body := []byte(createBody)
	create := func() (int, error) {
		resp, err := client.Post(srv.URL+"/incidents", "application/json", bytes.NewReader(body))
		return drain(resp, err)
	}
	list := func() (int, error) {
		resp, err := client.Get(fmt.Sprintf("%s/incidents?limit=%d", srv.URL, *limit))
		return drain(resp, err)
	}

	var results []result
	if *sizes != "" {
		scale, err := scalePhases(ctx, st, srv.URL, client, *sizes, *writers, *limit)
		if err != nil {
			return err
		}
		results = append(results, scale...)
	} else {
		results = append(results, basicPhases(ctx, *workers, *requests, create, list)...)
	}
	var out strings.Builder

	fmt.Fprintf(&out, "command: %s\n", strings.Join(os.Args, " "))
	fmt.Fprintf(&out, "store: %s | workers=%d requests/phase=%d list limit=%d sizes=%q writers=%d | %s %s/%s, %d CPUs\n\n",
		st.Describe(), *workers, *requests, *limit, *sizes, *writers, runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU())
	fmt.Fprintf(&out, "| phase | requests | errors | seconds | req/s | p50 ms | p99 ms |\n|---|---|---|---|---|---|---|\n")
	for _, r := range results {
		fmt.Fprintf(&out, "| %s | %d | %d | %.2f | %.0f | %.2f | %.2f |\n", r.name, r.requests, r.errors, r.elapsed.Seconds(),
			float64(r.requests)/r.elapsed.Seconds(), ms(r.pct(0.50)), ms(r.pct(0.99)))
	}
	_, _ = os.Stdout.WriteString(out.String())
	for _, r := range results {
		if r.errors > 0 {
			return fmt.Errorf("%s: %d failed requests", r.name, r.errors)
		}
	}
	return ctx.Err()
}

// basicPhases: creates, list pages, then both mixed, each over n requests.
func basicPhases(ctx context.Context, workers, n int, create, list func() (int, error)) []result {
	return []result{
		phase(ctx, "create", workers, n, func(int) (func() (int, error), int) { return create, 201 }),
		phase(ctx, "list", workers, n, func(int) (func() (int, error), int) { return list, 200 }),
		phase(ctx, "mixed 50/50", workers, n, func(i int) (func() (int, error), int) {
			if i%2 == 0 {
				return create, 201
			}
			return list, 200
		}),
	}
}

// scalePhases grows the store to each size (through the store; the seeding
// is not timed), then times 300 list pages from one
// client (first page, a later page, first page with total=true) and 2000
// writes (creates, patches, notes) from writers concurrent clients.
func scalePhases(ctx context.Context, st store.Store, base string, client *http.Client, sizes string, writers, limit int) ([]result, error) {
	var out []result
	have := 0
	for _, field := range strings.Split(sizes, ",") {
		var size int
		if _, err := fmt.Sscan(field, &size); err != nil || size < 1 {
			return nil, fmt.Errorf("bad -sizes entry %q", field)
		}
		if err := seed(ctx, st, have, size); err != nil {
			return nil, err
		}
		have = size
		get := func(path string) func() (int, error) {
			return func() (int, error) { resp, err := client.Get(base + path); return drain(resp, err) }
		}
		first := fmt.Sprintf("/incidents?limit=%d", limit)
		_, page, err := getJSON(client, base+first)
		if err != nil {
			return nil, err
		}
		later := first + "&cursor=" + page.NextCursor
		label := fmt.Sprintf("%d incidents: ", size)
		out = append(out,
			phase(ctx, label+"list first page", 1, 300, func(int) (func() (int, error), int) { return get(first), 200 }),
			phase(ctx, label+"list next page", 1, 300, func(int) (func() (int, error), int) { return get(later), 200 }),
			phase(ctx, label+"list with total", 1, 100, func(int) (func() (int, error), int) { return get(first + "&total=true"), 200 }))
		ids := make([]string, 0, len(page.Items))
		for _, it := range page.Items {
			ids = append(ids, it.ID)
		}
		out = append(out, phase(ctx, fmt.Sprintf("%swrites, %d clients", label, writers), writers, 2000, func(i int) (func() (int, error), int) {
			id := ids[i%len(ids)]
			switch i % 3 {
			case 0:
				return post(client, base+"/incidents", "POST", createBody), 201
			case 1:
				return post(client, base+"/incidents/"+id, "PATCH", fmt.Sprintf(`{"assignee":"u%d"}`, i)), 200
			default:
				return post(client, base+"/incidents/"+id+"/events", "POST", fmt.Sprintf(`{"message":"load note %d"}`, i)), 201
			}
		}))
		have += 2000 / 3
	}
	return out, nil
}

const createBody = `{"service":"checkout","title":"Load test incident","severity":"high",` +
	`"timeRange":{"from":"2025-01-01T10:00:00Z","to":"2025-01-01T11:00:00Z"},` +
	`"analysis":{"summary":"p99 latency regression","signals":[{"metric":"http_request_duration_seconds","delta":0.42}]},` +
	`"links":[{"title":"Dashboard","url":"/d/checkout?from=now-1h"}]}`

func post(client *http.Client, url, method, body string) func() (int, error) {
	return func() (int, error) {
		req, err := http.NewRequest(method, url, strings.NewReader(body))
		if err != nil {
			return 0, err
		}
		resp, err := client.Do(req)
		return drain(resp, err)
	}
}

func getJSON(client *http.Client, url string) (int, *incidents.Page, error) {
	resp, err := client.Get(url)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	var p incidents.Page
	if err := json.NewDecoder(resp.Body).Decode(&p); err != nil {
		return resp.StatusCode, nil, err
	}
	if len(p.Items) == 0 || p.NextCursor == "" {
		return resp.StatusCode, nil, errors.New("list page has no items or no next cursor")
	}
	return resp.StatusCode, &p, nil
}

// seed adds incidents have..size-1 directly through the store, 4 at a time.
func seed(ctx context.Context, st store.Store, have, size int) error {
	var next atomic.Int64
	next.Store(int64(have))
	var wg sync.WaitGroup
	var firstErr atomic.Value
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil && firstErr.Load() == nil {
				i := int(next.Add(1)) - 1
				if i >= size {
					return
				}
				at := base.Add(time.Duration(i) * time.Second)
				inc := &store.Incident{ID: incidents.NewID(at), OrgID: 1, Service: "checkout", Title: fmt.Sprintf("seeded %d", i),
					Severity: "low", Status: "open", TimeRange: store.TimeRange{From: at, To: at}, CreatedBy: "seed",
					CreatedAt: at, UpdatedAt: at, Version: 1}
				ev := &store.Event{Time: at, User: "seed", Kind: store.EventCreated, Message: "seeded"}
				err := st.CreateIncident(ctx, inc, ev)
				for tries := 0; store.IsBusy(err) && tries < 5 && ctx.Err() == nil; tries++ {
					err = st.CreateIncident(ctx, inc, ev) // a loaded machine can outwait busy_timeout
				}
				if err != nil {
					firstErr.Store(err)
				}
			}
		}()
	}
	wg.Wait()
	if err, ok := firstErr.Load().(error); ok {
		return fmt.Errorf("seed: %w", err)
	}
	return ctx.Err()
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func drain(resp *http.Response, err error) (int, error) {
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}

// phase runs n requests over w workers; pick(i) chooses request i's call and
// its expected status.
func phase(ctx context.Context, name string, w, n int, pick func(i int) (func() (int, error), int)) result {
	var next atomic.Int64
	var errs atomic.Int64
	lat := make([][]time.Duration, w)
	var wg sync.WaitGroup
	start := time.Now()
	for k := 0; k < w; k++ {
		wg.Add(1)
		go func(k int) {
			defer wg.Done()
			for ctx.Err() == nil {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				call, want := pick(i)
				t0 := time.Now()
				code, err := call()
				lat[k] = append(lat[k], time.Since(t0))
				if err != nil || code != want {
					if errs.Add(1) <= 3 {
						fmt.Fprintf(os.Stderr, "%s: status %d err %v\n", name, code, err)
					}
				}
			}
		}(k)
	}
	wg.Wait()
	r := result{name: name, elapsed: time.Since(start), errors: errs.Load()}
	for _, l := range lat {
		r.latencies = append(r.latencies, l...)
	}
	r.requests = len(r.latencies)
	slices.Sort(r.latencies)
	return r
}

func openStore(ctx context.Context, name, dsn string) (store.Store, func(), error) {
	switch name {
	case "sqlite":
		return store.OpenTempSQLite(ctx)
	case "postgres":
		if dsn == "" {
			return nil, nil, errors.New("postgres needs -dsn or $" + storetest.EnvPostgresDSN + " (run under scripts/with-postgres.sh)")
		}
		schemaDSN, drop, err := storetest.NewSchema(ctx, dsn, "rcp_load_")
		if err != nil {
			return nil, nil, err
		}
		st, err := store.OpenPostgres(ctx, schemaDSN)
		if err != nil {
			drop()
			return nil, nil, err
		}
		return st, func() { _ = st.Close(); drop() }, nil
	default:
		return nil, nil, fmt.Errorf("unknown -backend %q (sqlite or postgres)", name)
	}
}
