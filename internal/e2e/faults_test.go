package e2e_test

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	toxiproxy "github.com/Shopify/toxiproxy/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
)

// The fault suite runs every part as its own OS process against a real
// Kafka broker reached through an in-process TCP proxy (toxiproxy), places
// and pays orders from 8 clients, and injects faults one at a time:
// SIGKILL of a processor instance and its restart, SIGTERM (a graceful
// leave) and restart, SIGKILL of the API with requests in flight and its
// restart, every connection to the broker cut, and latency on every
// connection. Afterwards every attempt is
// settled (retried with its Idempotency-Key) and stock is checked against
// the orders.
//
// The broker must advertise the proxy's address, so that clients dial the
// proxy for every broker connection:
//
//	KAFKA_PORT=29192 KAFKA_ADVERTISED_PORT=29194 scripts/kafka.sh start
//	STOCKFLOW_FAULTS_KAFKA=127.0.0.1:29192 STOCKFLOW_FAULTS_PROXY=127.0.0.1:29194 \
//	  go test -run FaultsOnRealKafka -v ./internal/e2e/
//
// STOCKFLOW_FAULT_ROUNDS (default 1) sets how often each fault is injected.
const (
	faultsKafkaEnv = "STOCKFLOW_FAULTS_KAFKA"
	faultsProxyEnv = "STOCKFLOW_FAULTS_PROXY"
)

// cluster is the parts of one fault run, as child processes.
type cluster struct {
	t       *testing.T
	dir     string
	brokers string
	mu      sync.Mutex
	procs   map[string]*exec.Cmd
	ports   map[string]int
	// exited lists parts that stopped without being killed by the test.
	exited []string
}

// start runs `stockflow <args…>` as the part called name, on its own data
// directory (kept across restarts) and HTTP port; its output goes to
// <dir>/<name>.log.
func (c *cluster) start(name string, args ...string) {
	c.t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	port, ok := c.ports[name]
	if !ok {
		port = freePort(c.t)
		c.ports[name] = port
	}
	log, err := os.OpenFile(filepath.Join(c.dir, name+".log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		c.t.Fatal(err)
	}
	args = append(args, "--brokers", c.brokers, "--data-dir", filepath.Join(c.dir, name),
		"--http-addr", "127.0.0.1:"+strconv.Itoa(port), "--log-level", "warn",
		"--token-key", testTokenKey, "--reconcile-interval", "2s", "--reconcile-after", "3s")
	cmd := exec.Command(stockflowBinary(c.t), args...)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	go func() {
		err := cmd.Wait()
		log.Close()
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.procs[name] == cmd {
			c.exited = append(c.exited, fmt.Sprintf("%s (%v; see %s.log)", name, err, filepath.Join(c.dir, name)))
		}
	}()
	c.procs[name] = cmd
}

func (c *cluster) kill(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if p := c.procs[name]; p != nil {
		_ = p.Process.Kill()
		delete(c.procs, name)
	}
}

// stop sends SIGTERM to the part and waits (up to 45 s) for it to exit.
func (c *cluster) stop(name string) {
	c.mu.Lock()
	p := c.procs[name]
	delete(c.procs, name)
	c.mu.Unlock()
	if p == nil {
		return
	}
	_ = p.Process.Signal(syscall.SIGTERM)
	for deadline := time.Now().Add(45 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if p.Process.Signal(syscall.Signal(0)) != nil {
			return
		}
	}
	_ = p.Process.Kill()
}

func (c *cluster) stopAll() {
	for name := range c.procs {
		c.kill(name)
	}
}

// fault is one kind of injected fault: do injects it and returns when it
// is over.
type fault struct {
	name string
	do   func()
}

// faultAftermath is how long after a fault ends the suite keeps measuring
// its effect.
const faultAftermath = 12 * time.Second

// faultStats is what the summary table shows for one kind of fault.
type faultStats struct {
	injected int
	// recovery: from the fault's end to the next 201.
	recovery []time.Duration
	// stall: the longest time without any 201, from the fault's start to
	// faultAftermath after its end.
	stall []time.Duration
}

func TestFaultsOnRealKafka(t *testing.T) {
	upstream, listen := os.Getenv(faultsKafkaEnv), os.Getenv(faultsProxyEnv)
	if upstream == "" || listen == "" {
		t.Skipf("%s and %s are not set (a real broker advertising the proxy's address; see faults_test.go)", faultsKafkaEnv, faultsProxyEnv)
	}
	rounds := 1
	if n, err := strconv.Atoi(os.Getenv("STOCKFLOW_FAULT_ROUNDS")); err == nil && n > 0 {
		rounds = n
	}
	proxy := startProxy(t, listen, upstream)
	dir := t.TempDir()
	c := &cluster{t: t, dir: dir, brokers: listen, procs: map[string]*exec.Cmd{}, ports: map[string]int{}}
	t.Cleanup(c.stopAll)
	t.Setenv("STOCKFLOW_ADMIN_EMAIL", adminEmail)
	t.Setenv("STOCKFLOW_ADMIN_PASSWORD", adminPassword)
	c.start("api", "api", "--wait-timeout", "3s", "--write-rate", "0")
	for _, name := range []string{"stock-1", "stock-2", "orders-1", "orders-2"} {
		c.start(name, "process", strings.Split(name, "-")[0])
	}
	c.start("others", "process", "catalog", "idempotency", "shops", "skus", "timer", "transfers", "users", "warehouses")
	s := &stack{t: t, base: "http://127.0.0.1:" + strconv.Itoa(c.ports["api"]), brokers: []string{listen}, halt: func(context.Context) error { return nil }}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	s.waitReady(ctx)
	s.token = s.login(adminEmail, adminPassword)
	waitStable(t, s, map[string]int{"stock": 2, "orders": 2})

	// Enough that the load never runs out: a 409 for want of stock is a
	// decided order too, but only 201s show reservations being made.
	const perProductStock = 2_000_000
	w1, w2 := s.warehouse("faults-north"), s.warehouse("faults-south")
	run := time.Now().UnixNano()
	products := []string{s.product(fmt.Sprintf("FAULT-A-%d", run)), s.product(fmt.Sprintf("FAULT-B-%d", run)), s.product(fmt.Sprintf("FAULT-C-%d", run))}
	shop := s.shop(w1, w2)
	for _, p := range products {
		s.receive(w1, p, perProductStock/2)
		s.receive(w2, p, perProductStock/2)
	}

	faults := []fault{
		{"SIGKILL processor instance + restart", func() {
			name := []string{"stock-1", "stock-2", "orders-1", "orders-2"}[rand.IntN(4)]
			c.kill(name)
			time.Sleep(3 * time.Second)
			c.start(name, "process", strings.Split(name, "-")[0])
		}},
		{"SIGTERM processor instance + restart", func() {
			name := []string{"stock-1", "stock-2", "orders-1", "orders-2"}[rand.IntN(4)]
			c.stop(name)
			c.start(name, "process", strings.Split(name, "-")[0])
		}},
		{"SIGKILL API with requests in flight + restart", func() {
			c.kill("api")
			time.Sleep(time.Second)
			c.start("api", "api", "--wait-timeout", "3s", "--write-rate", "0")
		}},
		{"all broker connections cut 8 s", func() {
			proxy.Stop()
			time.Sleep(8 * time.Second)
			if err := proxy.Start(); err != nil {
				t.Errorf("restart proxy: %v", err)
			}
		}},
		{"300 ms latency on every connection 8 s", func() {
			if _, err := proxy.Toxics.AddToxicJson(strings.NewReader(`{"name":"latency","type":"latency","stream":"downstream","attributes":{"latency":300,"jitter":50}}`)); err != nil {
				t.Errorf("add latency: %v", err)
				return
			}
			time.Sleep(8 * time.Second)
			if err := proxy.Toxics.RemoveToxic(context.Background(), "latency"); err != nil {
				t.Errorf("remove latency: %v", err)
			}
		}},
	}

	load := startLoad(s, shop, products)
	stats := map[string]*faultStats{}
	for round := range rounds {
		for _, f := range faults {
			time.Sleep(3 * time.Second)
			began := time.Now()
			f.do()
			ended := time.Now()
			// A restarted instance rejoins its group a little later: keep
			// watching for the rebalance that causes.
			time.Sleep(faultAftermath)
			st := stats[f.name]
			if st == nil {
				st = &faultStats{}
				stats[f.name] = st
			}
			st.injected++
			first := load.firstOKAfter(ended, 2*time.Minute)
			gap := load.longestGap(began, time.Now())
			st.recovery = append(st.recovery, first)
			st.stall = append(st.stall, gap)
			t.Logf("round %d: %s: next 201 %s after it ended; longest time without a 201 from its start to %s after its end: %s",
				round, f.name, first.Round(100*time.Millisecond), faultAftermath, gap.Round(100*time.Millisecond))
		}
	}
	attempts := load.stop()
	c.mu.Lock()
	if len(c.exited) > 0 {
		t.Errorf("parts exited on their own during the faults: %v", c.exited)
	}
	c.mu.Unlock()
	settle(t, s, shop, attempts)
	checkConservation(t, s, products, []string{w1, w2}, attempts, perProductStock)
	printSummary(t, faults, stats, load, t.Failed())
}

func startProxy(t *testing.T, listen, upstream string) *toxiproxy.Proxy {
	t.Helper()
	server := toxiproxy.NewServer(toxiproxy.NewMetricsContainer(prometheus.NewRegistry()), zerolog.New(io.Discard))
	proxy := toxiproxy.NewProxy(server, "kafka", listen, upstream)
	if err := proxy.Start(); err != nil {
		t.Fatalf("proxy %s -> %s: %v", listen, upstream, err)
	}
	t.Cleanup(proxy.Stop)
	return proxy
}

// load places and pays orders from 8 clients until stopped.
type load struct {
	s         *stack
	done      chan struct{}
	wg        sync.WaitGroup
	mu        sync.Mutex
	attempts  []*attempt
	oks       []time.Time // when each 201 came, under mu
	sent      atomic.Int64
	acked     atomic.Int64
	conflicts atomic.Int64
	retried   atomic.Int64
	unhandled atomic.Int64
}

func startLoad(s *stack, shop string, products []string) *load {
	l := &load{s: s, done: make(chan struct{})}
	run := time.Now().UnixNano()
	for c := range 8 {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			for i := 0; ; i++ {
				select {
				case <-l.done:
					return
				default:
				}
				a := makeAttempts(c*1_000_000+i, products, 1)[0]
				a.key = fmt.Sprintf("%d-%s", run, a.key) // unique per run: a real broker keeps earlier runs' orders
				l.mu.Lock()
				l.attempts = append(l.attempts, a)
				l.mu.Unlock()
				l.sent.Add(1)
				tryAttempt(s, shop, a)
				switch a.status {
				case http.StatusCreated:
					l.acked.Add(1)
					l.mu.Lock()
					l.oks = append(l.oks, time.Now())
					l.mu.Unlock()
				case http.StatusConflict:
					l.acked.Add(1)
					l.conflicts.Add(1)
				case 0:
					l.unhandled.Add(1)
				default:
					l.retried.Add(1)
				}
				time.Sleep(20 * time.Millisecond)
			}
		}()
	}
	return l
}

// firstOKAfter waits for the first 201 after since and returns how long
// after since it came (limit if none did).
func (l *load) firstOKAfter(since time.Time, limit time.Duration) time.Duration {
	for time.Since(since) < limit {
		l.mu.Lock()
		i := sort.Search(len(l.oks), func(i int) bool { return l.oks[i].After(since) })
		var ok time.Time
		if i < len(l.oks) {
			ok = l.oks[i]
		}
		l.mu.Unlock()
		if !ok.IsZero() {
			return ok.Sub(since)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return limit
}

// longestGap is the longest time in [from, to] without a 201.
func (l *load) longestGap(from, to time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	last, gap := from, time.Duration(0)
	for _, ok := range l.oks {
		if ok.Before(from) || ok.After(to) {
			continue
		}
		gap = max(gap, ok.Sub(last))
		last = ok
	}
	return max(gap, to.Sub(last))
}

func (l *load) stop() []*attempt {
	close(l.done)
	l.wg.Wait()
	return l.attempts
}

func printSummary(t *testing.T, faults []fault, stats map[string]*faultStats, l *load, failed bool) {
	var b strings.Builder
	fmt.Fprintf(&b, "\n%-40s %8s  %-26s %s\n", "fault", "injected", "next 201 after its end", "longest stall without a 201 (max, each)")
	for _, f := range faults {
		st := stats[f.name]
		fmt.Fprintf(&b, "%-40s %8d  %-26s %s\n", f.name, st.injected, durations(st.recovery), durations(st.stall))
	}
	fmt.Fprintf(&b, "requests: %d sent, %d decided at once (201, or 409: %d), %d answered otherwise (202/503/...), %d without an answer; all settled by retrying with their Idempotency-Key\n",
		l.sent.Load(), l.acked.Load(), l.conflicts.Load(), l.retried.Load(), l.unhandled.Load())
	verdict := "held"
	if failed {
		verdict = "FAILED (see above)"
	}
	fmt.Fprintf(&b, "invariants (no oversell; on_hand = received - paid and reserved = open holds for every product@warehouse; every 201 reserved or paid): %s\n", verdict)
	t.Log(b.String())
}

// waitStable waits until every processor group has members (members[g] of
// them where given) on several probes in a row, so setup requests do not
// land in the rebalances of instances joining.
func waitStable(t *testing.T, s *stack, members map[string]int) {
	t.Helper()
	stableFor := 0
	waitFor(t, 2*time.Minute, "every processor group stable", func() bool {
		r := s.readiness()
		ok := r.status == http.StatusOK && len(r.Groups) > 0
		for _, g := range r.Groups {
			want := max(members[g.Group], 1)
			ok = ok && g.Members == want
		}
		if ok {
			stableFor++
		} else {
			stableFor = 0
		}
		time.Sleep(time.Second)
		return stableFor >= 6
	})
}

// durations formats "max (each …)".
func durations(ds []time.Duration) string {
	var worst time.Duration
	var each []string
	for _, d := range ds {
		worst = max(worst, d)
		each = append(each, d.Round(100*time.Millisecond).String())
	}
	return fmt.Sprintf("%s (%s)", worst.Round(100*time.Millisecond), strings.Join(each, " "))
}
