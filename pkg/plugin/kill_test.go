package plugin

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/rcp/reliability/pkg/store"
	"github.com/rcp/reliability/pkg/store/storetest"
)

// Environment of the kill test's child process.
const (
	killChildDataDir = "RCP_KILL_CHILD_DATA_DIR"
	killChildDSN     = "RCP_KILL_CHILD_DSN"
	// RCP_KILL_CYCLES sets the cycles per backend (default 2; CI runs 10).
	killCyclesEnv = "RCP_KILL_CYCLES"
)

// resourceBridge serves a.CallResource over plain HTTP with a fixed Editor
// context: the child's stand-in for Grafana's gRPC resource call.
func resourceBridge(a *App) http.Handler {
	pc := backend.PluginContext{OrgID: 1, PluginID: "rcp-reliability-app", User: &backend.User{Login: "killer", Role: "Editor"}}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s := &sender{}
		req := &backend.CallResourceRequest{PluginContext: pc, Method: r.Method, Path: strings.TrimPrefix(r.URL.Path, "/"),
			URL: r.URL.RequestURI(), Headers: r.Header, Body: body}
		if err := a.CallResource(r.Context(), req, s); err != nil || s.resp == nil {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		for k, vs := range s.resp.Headers {
			w.Header()[k] = vs
		}
		w.WriteHeader(s.resp.Status)
		_, _ = w.Write(s.resp.Body)
	})
}

// TestKillChildHelper is the child of TestKillCycles: the real app instance
// on a data dir (or DSN), served on a loopback port it announces on stdout.
func TestKillChildHelper(t *testing.T) {
	dir, dsn := os.Getenv(killChildDataDir), os.Getenv(killChildDSN)
	if dir == "" && dsn == "" {
		t.Skip("child process of TestKillCycles")
	}
	a := newAppAt(context.Background(), store.Config{DataDir: dir, PostgresDSN: dsn}, store.Open, time.Now)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = os.Stdout.WriteString("listening " + ln.Addr().String() + "\n")
	_ = http.Serve(ln, resourceBridge(a))
}

// acked is what the server acknowledged for one incident.
type acked struct {
	version int64
	events  map[int64]string // event id → message
}

type killLedger struct {
	mu        sync.Mutex
	incidents map[string]*acked
	writes    int
}

func (l *killLedger) ack(id string, version int64, events []map[string]any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	a := l.incidents[id]
	if a == nil {
		a = &acked{events: map[int64]string{}}
		l.incidents[id] = a
	}
	a.version = max(a.version, version)
	for _, e := range events {
		a.events[int64(e["id"].(float64))] = e["message"].(string)
	}
	l.writes++
}

// killClient writes creates, patches and notes on its own incidents until
// the server dies, recording each acknowledged write.
func killClient(base string, l *killLedger, w int, stop <-chan struct{}) {
	client := &http.Client{Timeout: 5 * time.Second}
	send := func(method, path, body string) (map[string]any, bool) {
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		resp, err := client.Do(req)
		if err != nil {
			return nil, false
		}
		defer resp.Body.Close()
		var out map[string]any
		if resp.StatusCode/100 != 2 || json.NewDecoder(resp.Body).Decode(&out) != nil {
			return nil, false
		}
		return out, true
	}
	events := func(v any) []map[string]any {
		var out []map[string]any
		list, _ := v.([]any)
		for _, e := range list {
			out = append(out, e.(map[string]any))
		}
		return out
	}
	var mine []string
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		default:
		}
		switch {
		case len(mine) == 0 || i%5 == 0:
			out, ok := send("POST", "/incidents", fmt.Sprintf(`{"service":"kill","title":"w%d i%d","severity":"low","timeRange":{"from":"2025-01-01T00:00:00Z","to":"2025-01-01T01:00:00Z"}}`, w, i))
			if ok {
				id := out["id"].(string)
				mine = append(mine, id)
				l.ack(id, int64(out["version"].(float64)), events(out["events"]))
			}
		case i%2 == 0:
			id := mine[rand.IntN(len(mine))]
			if out, ok := send("PATCH", "/incidents/"+id, fmt.Sprintf(`{"notes":"w%d i%d"}`, w, i)); ok {
				l.ack(id, int64(out["version"].(float64)), events(out["events"]))
			}
		default:
			id := mine[rand.IntN(len(mine))]
			if out, ok := send("POST", "/incidents/"+id+"/events", fmt.Sprintf(`{"message":"w%d i%d"}`, w, i)); ok {
				l.ack(id, 0, []map[string]any{out})
			}
		}
	}
}

// TestKillCycles: a child process serves the real app on a data dir (or
// PostgreSQL); 20 clients write; the child is SIGKILLed at a random moment
// and restarted, and every acknowledged write and event must be in the
// store after each kill.
func TestKillCycles(t *testing.T) {
	if os.Getenv(killChildDataDir) != "" || os.Getenv(killChildDSN) != "" {
		t.Skip("inside the child")
	}
	cycles := 2
	if v := os.Getenv(killCyclesEnv); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("%s=%q", killCyclesEnv, v)
		}
		cycles = n
	}
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			loc := b.Location(t)
			env := killChildDSN + "=" + loc
			if b.Name == "sqlite" {
				env = killChildDataDir + "=" + strings.TrimSuffix(loc, "/"+store.SQLiteFileName)
			}
			l := &killLedger{incidents: map[string]*acked{}}
			for c := 0; c < cycles; c++ {
				killCycle(t, env, l, time.Duration(150+rand.IntN(600))*time.Millisecond)
				verifyKill(t, b.OpenAt(t, loc), l)
			}
			n := 0
			for _, a := range l.incidents {
				n += len(a.events)
			}
			t.Logf("kill test %s: %d cycles, %d acknowledged writes, %d incidents and %d events intact", b.Name, cycles, l.writes, len(l.incidents), n)
		})
	}
}

// killCycle starts the child, lets 20 clients write for run, then SIGKILLs it.
func killCycle(t *testing.T, env string, l *killLedger, run time.Duration) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestKillChildHelper$", "-test.count=1")
	cmd.Env = append(os.Environ(), env)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	addr := ""
	for addr == "" && sc.Scan() {
		addr, _ = strings.CutPrefix(sc.Text(), "listening ")
	}
	if addr == "" {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatalf("child did not start: %s", stderr.String())
	}
	go func() { _, _ = io.Copy(io.Discard, out) }()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 20; w++ {
		wg.Add(1)
		go func(w int) { defer wg.Done(); killClient("http://"+addr, l, w, stop) }(w)
	}
	time.Sleep(run)
	_ = cmd.Process.Kill() // SIGKILL
	_ = cmd.Wait()
	close(stop)
	wg.Wait()
}

// verifyKill checks every acknowledged incident, version and event.
func verifyKill(t *testing.T, s store.Store, l *killLedger) {
	t.Helper()
	defer s.Close()
	ctx := context.Background()
	l.mu.Lock()
	defer l.mu.Unlock()
	for id, a := range l.incidents {
		inc, err := s.GetIncident(ctx, 1, id)
		if err != nil {
			t.Fatalf("acknowledged incident %s lost: %v", id, err)
		}
		if inc.Version < a.version {
			t.Fatalf("incident %s at version %d, acknowledged %d", id, inc.Version, a.version)
		}
		found := map[int64]string{}
		for p := (store.EventPage{Limit: 100}); ; {
			page, err := s.ListEvents(ctx, 1, id, p)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range page.Items {
				found[e.ID] = e.Message
			}
			if page.Next == 0 {
				break
			}
			p.After = page.Next
		}
		for evID, msg := range a.events {
			if found[evID] != msg {
				t.Fatalf("acknowledged event %d of %s lost or changed: %q", evID, id, found[evID])
			}
		}
	}
}
