package e2e_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	toxiproxy "github.com/Shopify/toxiproxy/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/stockflow/stockflow/internal/chtest"
	"github.com/stockflow/stockflow/processors/stock"
	"github.com/stockflow/stockflow/topics"
)

// The fault suite runs every part as its own OS process against a real
// Kafka cluster, each broker reached through an in-process TCP proxy
// (toxiproxy): two API instances, two stock and two orders instances, the
// timer, the other processors, and the ClickHouse sink. A load of order
// clients (place, then pay, cancel or let expire) and transfer clients runs
// against both APIs, retrying with the same Idempotency-Key on the other
// instance when one fails, while the suite injects nine kinds of fault,
// first one at a time and then two at once (overlapping):
//
//   - SIGKILL of a processor instance (stock, orders, timer, the others,
//     the sink) and its restart;
//   - a stock or orders instance joining mid-load (a rebalance: a new
//     one, or the one the last leave stopped) and one leaving gracefully
//     (SIGTERM: the one the last join started, else a regular one);
//   - SIGTERM of any part, API and sink included, and its restart
//     (graceful shutdown under load);
//   - SIGKILL of an API instance with requests in flight and its restart;
//   - a broker stopped (controlled shutdown) and restarted;
//   - the partition leader of stock-commands/0 SIGKILLed and restarted;
//   - every client connection to the brokers cut;
//   - latency on every client connection.
//
// Afterwards every request is settled with its Idempotency-Key and the
// invariants are checked from the API, from the stock-movements topic and
// from ClickHouse (see checkFaultInvariants). It prints a summary table.
//
// The cluster is scripts/kafka-cluster.sh (three KRaft nodes, replication
// 3, min.insync.replicas 2); `make test-faults` sets:
//
//	STOCKFLOW_FAULTS_KAFKA      the nodes' client addresses, node 1 first
//	STOCKFLOW_FAULTS_PROXY      the addresses they advertise, where the proxies listen
//	STOCKFLOW_FAULTS_NODECTL    a command taking stop-node|kill-node|start-node N
//	STOCKFLOW_TEST_CLICKHOUSE   a ClickHouse for the sink (optional: without it no sink runs)
//	STOCKFLOW_FAULT_ROUNDS      rounds (default 1: each kind once, one at a time)
//	STOCKFLOW_FAULTS_KEEP       a directory to keep the parts' logs and state in
//	                            (a new one under it per run), for a failure's post-mortem
const (
	faultsKafkaEnv   = "STOCKFLOW_FAULTS_KAFKA"
	faultsProxyEnv   = "STOCKFLOW_FAULTS_PROXY"
	faultsNodeCtlEnv = "STOCKFLOW_FAULTS_NODECTL"
)

// Fault kinds, in the order a solo round injects them.
const (
	faultKill     = "SIGKILL processor instance + restart"
	faultJoin     = "instance joins mid-load (rebalance)"
	faultLeave    = "instance leaves gracefully (SIGTERM)"
	faultGraceful = "SIGTERM any part + restart"
	faultAPIKill  = "SIGKILL API in flight + restart"
	faultBroker   = "broker stop + restart"
	faultLeader   = "partition leader SIGKILL + restart"
	faultCut      = "all broker connections cut"
	faultLatency  = "latency on every connection"
)

// The two broker faults are far apart: a restarted node recovers while
// the faults between go on.
var faultKinds = []string{faultBroker, faultKill, faultJoin, faultLeave, faultGraceful, faultAPIKill, faultCut, faultLatency, faultLeader}

// faultPairs are the overlapping injections of overlap round r: each
// process fault with a broker or network fault. The two broker faults are
// never together (min.insync.replicas 2 of 3) and two or three injections
// apart, so that the node restarted by one has mostly recovered before
// the next begins; the process faults rotate, the join before the leave.
func faultPairs(r int) [][2]string {
	network := []string{faultBroker, faultCut, faultLatency, faultLeader, []string{faultCut, faultLatency}[r%2]}
	procs := []string{faultKill, faultJoin, faultAPIKill, faultLeave, faultGraceful}
	var out [][2]string
	for i, n := range network {
		out = append(out, [2]string{procs[(i+r)%len(procs)], n})
	}
	return out
}

// faultTiming is how long faults last and how long the suite watches after one.
type faultTiming struct {
	// outage is how long a cut or latency lasts, and how long a killed
	// part or stopped broker stays down.
	outage, down time.Duration
	// aftermath is how long after an injection ends the suite keeps
	// measuring before the next one.
	aftermath time.Duration
}

// cluster is the parts of one fault run, as child processes.
type cluster struct {
	t       *testing.T
	dir     string
	brokers string
	mu      sync.Mutex
	procs   map[string]*exec.Cmd
	args    map[string][]string
	ports   map[string]int
	// exited lists parts that stopped without being stopped by the test.
	exited []string
	// graceful counts SIGTERMs and the ones that exited 0 in time.
	terms, cleanExits int
}

// start runs `stockflow <args…>` as the part called name, on its own data
// directory (kept across restarts) and HTTP port; its output goes to
// <dir>/<name>.log. Without args it restarts name with its last ones.
func (c *cluster) start(name string, args ...string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(args) == 0 {
		args = c.args[name]
	}
	c.args[name] = args
	port, ok := c.ports[name]
	if !ok {
		p, err := pickPort()
		if err != nil {
			return err
		}
		port = p
		c.ports[name] = port
	}
	log, err := os.OpenFile(filepath.Join(c.dir, name+".log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("log of %s: %w", name, err)
	}
	full := append(append([]string{}, args...), "--brokers", c.brokers, "--data-dir", filepath.Join(c.dir, name),
		"--http-addr", "127.0.0.1:"+strconv.Itoa(port), "--log-level", "warn", "--replication", "3", "--partitions", "3",
		"--token-key", testTokenKey, "--reconcile-interval", "2s", "--reconcile-after", "3s")
	cmd := exec.Command(binary, full...)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		log.Close()
		return fmt.Errorf("start %s: %w", name, err)
	}
	go func() {
		err := cmd.Wait()
		log.Close()
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.procs[name] == cmd {
			path := filepath.Join(c.dir, name+".log")
			c.exited = append(c.exited, fmt.Sprintf("%s (%v; see %s); its log ends:\n%s", name, err, path, lastLines(path, 15)))
			delete(c.procs, name)
		}
	}()
	c.procs[name] = cmd
	return nil
}

// lastLines is the end of a part's log, for a failure message that must
// say why the part stopped after the test's directory is gone.
func lastLines(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// pickPort returns a free loopback port.
func pickPort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func (c *cluster) running(name string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.procs[name] != nil
}

// url is the base URL of name's HTTP address.
func (c *cluster) url(name string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return "http://127.0.0.1:" + strconv.Itoa(c.ports[name])
}

func (c *cluster) kill(name string) {
	c.mu.Lock()
	p := c.procs[name]
	delete(c.procs, name)
	c.mu.Unlock()
	if p != nil {
		_ = p.Process.Kill()
	}
}

// stop sends SIGTERM to the part and waits (up to 45 s) for it to exit; it
// counts the exits that were clean (status 0 in time).
func (c *cluster) stop(name string) {
	c.mu.Lock()
	p := c.procs[name]
	delete(c.procs, name)
	c.terms++
	c.mu.Unlock()
	if p == nil {
		return
	}
	_ = p.Process.Signal(syscall.SIGTERM)
	for deadline := time.Now().Add(45 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if p.ProcessState != nil || p.Process.Signal(syscall.Signal(0)) != nil {
			// Wait has returned (or is about to): ProcessState tells how.
			for end := time.Now().Add(2 * time.Second); p.ProcessState == nil && time.Now().Before(end); {
				time.Sleep(20 * time.Millisecond)
			}
			if p.ProcessState != nil && p.ProcessState.Success() {
				c.mu.Lock()
				c.cleanExits++
				c.mu.Unlock()
			}
			return
		}
	}
	_ = p.Process.Kill()
}

func (c *cluster) stopAll() {
	c.mu.Lock()
	var names []string
	for name := range c.procs {
		names = append(names, name)
	}
	c.mu.Unlock()
	for _, name := range names {
		c.kill(name)
	}
}

// waitReady polls name's /readyz until it answers 200, for up to d.
func (c *cluster) waitReady(name string, d time.Duration) error {
	for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		resp, err := http.Get(c.url(name) + "/readyz")
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
	}
	return fmt.Errorf("%s not ready within %s", name, d)
}

// brokers is the Kafka cluster and the proxies in front of its nodes.
type brokers struct {
	upstream []string
	proxies  []*toxiproxy.Proxy
	ctl      string
}

// node runs the node control command (stop-node, kill-node, start-node,
// wait-node); start-node returns once the JVM runs, without waiting for
// the node to recover its partitions.
func (b *brokers) node(verb string, n int) error {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, b.ctl, verb, strconv.Itoa(n))
	cmd.Env = append(os.Environ(), "KAFKA_START_WAIT=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s %d: %w: %s", b.ctl, verb, n, err, out)
	}
	return nil
}

// leaderOf returns the node id leading topic's partition, asked of the
// brokers directly (not through the proxies, which may be cut).
func (b *brokers) leaderOf(topic string, partition int32) (int, error) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(b.upstream...))
	if err != nil {
		return 0, fmt.Errorf("client: %w", err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	md, err := kadm.NewClient(cl).Metadata(ctx, topic)
	if err != nil {
		return 0, fmt.Errorf("metadata: %w", err)
	}
	p, ok := md.Topics[topic].Partitions[partition]
	if !ok || p.Leader < 1 {
		return 0, fmt.Errorf("no leader for %s/%d", topic, partition)
	}
	return int(p.Leader), nil
}

func (b *brokers) cut() {
	for _, p := range b.proxies {
		p.Stop()
	}
}

func (b *brokers) restore() error {
	for _, p := range b.proxies {
		if err := p.Start(); err != nil {
			return fmt.Errorf("restart proxy %s: %w", p.Listen, err)
		}
	}
	return nil
}

func (b *brokers) latency(on bool) error {
	for _, p := range b.proxies {
		var err error
		if on {
			_, err = p.Toxics.AddToxicJson(strings.NewReader(`{"name":"latency","type":"latency","stream":"downstream","attributes":{"latency":300,"jitter":50}}`))
		} else {
			err = p.Toxics.RemoveToxic(context.Background(), "latency")
		}
		if err != nil {
			return fmt.Errorf("latency %v on %s: %w", on, p.Listen, err)
		}
	}
	return nil
}

func startProxies(t *testing.T, listen, upstream []string) []*toxiproxy.Proxy {
	t.Helper()
	server := toxiproxy.NewServer(toxiproxy.NewMetricsContainer(prometheus.NewRegistry()), zerolog.New(io.Discard))
	var out []*toxiproxy.Proxy
	for i := range listen {
		proxy := toxiproxy.NewProxy(server, "kafka-"+strconv.Itoa(i+1), listen[i], upstream[i])
		if err := proxy.Start(); err != nil {
			t.Fatalf("proxy %s -> %s: %v", listen[i], upstream[i], err)
		}
		t.Cleanup(proxy.Stop)
		out = append(out, proxy)
	}
	return out
}

// faultSuite is one run: the parts, the brokers, the load and what was seen.
type faultSuite struct {
	t      *testing.T
	c      *cluster
	b      *brokers
	load   *faultLoad
	timing faultTiming
	sink   bool
	// brokerMu keeps broker faults one at a time.
	brokerMu sync.Mutex

	mu    sync.Mutex
	stats map[string]*faultStats
	// rotation counters, per kind.
	next map[string]int
	// extras are instances started by a join and not yet stopped; departed
	// are regular ones a leave stopped, for the next join to bring back.
	extras, departed []string
	joined           int
	// unavailable counts the 503 checks during cuts: seen, and passed.
	probes, probesOK int
	// readyDown counts cuts during which /readyz went 503, readyBack the
	// times each API was ready again after one.
	readyDown int
	readyBack []time.Duration
	errs      []string
}

// faultStats is what the summary table shows for one kind of fault.
type faultStats struct {
	injected, overlapped int
	// recovery: from the injection's end to the next 201.
	recovery []time.Duration
	// stall: the longest time without any 201, from the injection's start
	// to its aftermath's end.
	stall []time.Duration
}

func (f *faultSuite) errorf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errs = append(f.errs, fmt.Sprintf(format, args...))
}

// pick returns the next of options for kind, in rotation.
func (f *faultSuite) pick(kind string, options []string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	i := f.next[kind]
	f.next[kind]++
	return options[i%len(options)]
}

func (f *faultSuite) processors() []string {
	ps := []string{"stock-1", "orders-1", "stock-2", "orders-2", "timer", "others"}
	if f.sink {
		ps = append(ps, "sink")
	}
	return ps
}

// inject runs one fault of kind and returns when it is over.
func (f *faultSuite) inject(kind string) {
	c, tm := f.c, f.timing
	switch kind {
	case faultKill:
		name := f.pick(kind, f.processors())
		c.kill(name)
		time.Sleep(tm.down)
		f.restart(name)
	case faultJoin:
		// A rejoin of the instance the last leave stopped, else a new one.
		f.mu.Lock()
		var name string
		var args []string
		if len(f.departed) > 0 {
			name, f.departed = f.departed[0], f.departed[1:]
		} else {
			f.joined++
			group := []string{"stock", "orders"}[f.joined%2]
			name, args = fmt.Sprintf("%s-x%d", group, f.joined), []string{"process", group}
		}
		f.extras = append(f.extras, name)
		f.mu.Unlock()
		if err := c.start(name, args...); err != nil {
			f.errorf("join %s: %v", name, err)
			return
		}
		if err := c.waitReady(name, 90*time.Second); err != nil {
			f.errorf("join: %v", err)
		}
	case faultLeave:
		// The instance the last join started, else a regular one, which
		// the next join brings back.
		f.mu.Lock()
		var name string
		if len(f.extras) > 0 {
			name, f.extras = f.extras[0], f.extras[1:]
		}
		f.mu.Unlock()
		if name == "" {
			name = f.pick(kind, []string{"stock-1", "orders-1", "stock-2", "orders-2"})
			f.mu.Lock()
			f.departed = append(f.departed, name)
			f.mu.Unlock()
		}
		c.stop(name)
	case faultGraceful:
		name := f.pick(kind, append([]string{"api-1"}, append(f.processors(), "api-2")...))
		c.stop(name)
		f.restart(name)
	case faultAPIKill:
		name := f.pick(kind, []string{"api-1", "api-2"})
		c.kill(name)
		time.Sleep(time.Second)
		f.restart(name)
	case faultBroker, faultLeader:
		f.brokerFault(kind)
	case faultCut:
		f.cut()
	case faultLatency:
		if err := f.b.latency(true); err != nil {
			f.errorf("%v", err)
			return
		}
		time.Sleep(tm.outage)
		if err := f.b.latency(false); err != nil {
			f.errorf("%v", err)
		}
	}
}

func (f *faultSuite) restart(name string) {
	if err := f.c.start(name); err != nil {
		f.errorf("restart %s: %v", name, err)
	}
}

// waitAll waits until every node has started (a node restarted by a
// fault recovers while other faults go on).
func (b *brokers) waitAll() error {
	for n := range len(b.upstream) {
		if err := b.node("wait-node", n+1); err != nil {
			return err
		}
	}
	return nil
}

// brokerFault stops a node (in rotation) or SIGKILLs the leader of
// stock-commands/0, and starts it again after the down time; the node
// then recovers while the next faults go on. It first waits for the last
// restarted node, so that no two are down at once.
func (f *faultSuite) brokerFault(kind string) {
	f.brokerMu.Lock()
	defer f.brokerMu.Unlock()
	if err := f.b.waitAll(); err != nil {
		f.errorf("%v", err)
	}
	var n int
	verb := "stop-node"
	if kind == faultLeader {
		verb = "kill-node"
		leader, err := f.b.leaderOf(string(topics.StockCommands), 0)
		if err != nil {
			f.errorf("leader: %v", err)
			return
		}
		n = leader
	} else {
		n, _ = strconv.Atoi(f.pick(kind, []string{"1", "2", "3"}))
	}
	if err := f.b.node(verb, n); err != nil {
		f.errorf("%v", err)
	}
	time.Sleep(f.timing.down)
	if err := f.b.node("start-node", n); err != nil {
		f.errorf("%v", err)
	}
}

// cut stops every proxy for the outage and checks, meanwhile, that an API
// answers a new order with 503 + Retry-After problem+json within its wait
// timeout and that /readyz goes unready; after, that /readyz comes back
// by itself.
func (f *faultSuite) cut() {
	f.b.cut()
	began := time.Now()
	probe := f.load.probeUnavailable()
	downs := map[string]bool{}
	for time.Since(began) < f.timing.outage {
		for _, api := range []string{"api-1", "api-2"} {
			if st, err := getStatus(f.c.url(api) + "/readyz"); err == nil && st == http.StatusServiceUnavailable {
				downs[api] = true
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err := f.b.restore(); err != nil {
		f.errorf("%v", err)
	}
	restored := time.Now()
	f.mu.Lock()
	f.probes++
	if probe == "" {
		f.probesOK++
	}
	if len(downs) > 0 {
		f.readyDown++
	}
	f.mu.Unlock()
	if probe != "" {
		f.errorf("during a cut: %s", probe)
	}
	if len(downs) == 0 {
		f.errorf("/readyz of neither API went unready during a %s cut", f.timing.outage)
	}
	for _, api := range []string{"api-1", "api-2"} {
		if !f.c.running(api) {
			continue
		}
		if err := f.c.waitReady(api, 2*time.Minute); err != nil {
			f.errorf("after a cut: %v", err)
			continue
		}
		f.mu.Lock()
		f.readyBack = append(f.readyBack, time.Since(restored))
		f.mu.Unlock()
	}
}

func getStatus(url string) (int, error) {
	cl := http.Client{Timeout: 5 * time.Second}
	resp, err := cl.Get(url)
	if err != nil {
		return 0, fmt.Errorf("get %s: %w", url, err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// injection runs kinds at once (one, or two overlapping), then waits the
// aftermath, and records each kind's recovery and stall.
func (f *faultSuite) injection(label string, kinds ...string) {
	began := time.Now()
	var wg sync.WaitGroup
	for _, k := range kinds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f.inject(k)
		}()
	}
	wg.Wait()
	ended := time.Now()
	time.Sleep(f.timing.aftermath)
	first := f.load.firstOKAfter(ended, 3*time.Minute)
	gap := f.load.longestGap(began, time.Now())
	f.mu.Lock()
	for _, k := range kinds {
		st := f.stats[k]
		st.injected++
		if len(kinds) > 1 {
			st.overlapped++
		}
		st.recovery = append(st.recovery, first)
		st.stall = append(st.stall, gap)
	}
	f.mu.Unlock()
	f.t.Logf("%s: %s: lasted %s; next 201 %s after its end; longest time without a 201: %s",
		label, strings.Join(kinds, " + "), ended.Sub(began).Round(100*time.Millisecond),
		first.Round(100*time.Millisecond), gap.Round(100*time.Millisecond))
}

func TestFaultsOnRealKafka(t *testing.T) {
	upstream, listen, ctl := os.Getenv(faultsKafkaEnv), os.Getenv(faultsProxyEnv), os.Getenv(faultsNodeCtlEnv)
	if upstream == "" || listen == "" || ctl == "" {
		t.Skipf("%s, %s and %s are not set (a real cluster advertising the proxies' addresses; see faults_test.go)", faultsKafkaEnv, faultsProxyEnv, faultsNodeCtlEnv)
	}
	rounds := 1
	if n, err := strconv.Atoi(os.Getenv("STOCKFLOW_FAULT_ROUNDS")); err == nil && n > 0 {
		rounds = n
	}
	// The first round injects one fault at a time, the others two at once.
	// The short run (make test) watches each fault a little longer; the
	// long one (make chaos) injects more in the time.
	const solo = 1
	timing := faultTiming{outage: 7 * time.Second, down: 3 * time.Second, aftermath: 5 * time.Second}
	// Unpaid orders expire after the TTL, so the timer's work runs through
	// the faults too; the checks wait for the last of them.
	ttl := 25 * time.Second
	if rounds > 1 {
		timing = faultTiming{outage: 6 * time.Second, down: 2 * time.Second, aftermath: 4 * time.Second}
		ttl = 40 * time.Second
	}
	started := time.Now()
	b := &brokers{upstream: strings.Split(upstream, ","), ctl: ctl}
	b.proxies = startProxies(t, strings.Split(listen, ","), b.upstream)
	stockflowBinary(t)
	c := &cluster{t: t, dir: partsDir(t), brokers: listen, procs: map[string]*exec.Cmd{}, args: map[string][]string{}, ports: map[string]int{}}
	t.Cleanup(c.stopAll)
	t.Setenv("STOCKFLOW_ADMIN_EMAIL", adminEmail)
	t.Setenv("STOCKFLOW_ADMIN_PASSWORD", adminPassword)

	apiArgs := []string{"api", "--wait-timeout", "3s", "--write-rate", "0", "--reservation-ttl", ttl.String()}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(c.start("api-1", apiArgs...))
	for _, name := range []string{"stock-1", "stock-2", "orders-1", "orders-2"} {
		must(c.start(name, "process", strings.Split(name, "-")[0]))
	}
	must(c.start("timer", "process", "timer"))
	must(c.start("others", "process", "catalog", "idempotency", "shops", "skus", "transfers", "users", "warehouses"))
	f := &faultSuite{t: t, c: c, b: b, timing: timing, stats: map[string]*faultStats{}, next: map[string]int{}}
	for _, k := range faultKinds {
		f.stats[k] = &faultStats{}
	}
	var chConn chConnection
	if os.Getenv(chtest.EnvAddr) != "" {
		addr, db, conn := chtest.Database(t)
		chConn = conn
		must(c.start("sink", "sink", "clickhouse", "--clickhouse-addr", addr, "--clickhouse-database", db, "--clickhouse-flush-interval", "500ms"))
		f.sink = true
	} else {
		t.Logf("%s not set: no ClickHouse sink in this run", chtest.EnvAddr)
	}
	s1 := &stack{t: t, base: c.url("api-1"), brokers: b.upstream, halt: func(context.Context) error { return nil }}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	s1.waitReady(ctx)
	// The second API starts once the first has created the topics.
	must(c.start("api-2", apiArgs...))
	s1.token = s1.login(adminEmail, adminPassword)
	s2 := &stack{t: t, base: c.url("api-2"), brokers: b.upstream, halt: s1.halt, token: s1.token}
	s2.waitReady(ctx)
	waitStable(t, s1, map[string]int{"stock": 2, "orders": 2})
	t.Logf("set up in %s (3 brokers, %d parts)", time.Since(started).Round(time.Second), len(c.procs))

	// Enough that the load never runs out: a 409 for want of stock is a
	// decided order too, but only 201s show reservations being made.
	const perLevel = 1_000_000
	w1, w2 := s1.warehouse("faults-north"), s1.warehouse("faults-south")
	run := time.Now().UnixNano()
	products := []string{s1.product(fmt.Sprintf("FAULT-A-%d", run)), s1.product(fmt.Sprintf("FAULT-B-%d", run)), s1.product(fmt.Sprintf("FAULT-C-%d", run))}
	shop := s1.shop(w1, w2)
	for _, p := range products {
		s1.receive(w1, p, perLevel)
		s1.receive(w2, p, perLevel)
	}

	f.load = startFaultLoad([]*stack{s1, s2}, shop, products, []string{w1, w2})
	loadStarted := time.Now()
	for round := range rounds {
		if round < solo {
			for _, k := range faultKinds {
				time.Sleep(time.Second)
				f.injection(fmt.Sprintf("round %d", round), k)
			}
			continue
		}
		for _, pair := range faultPairs(round - solo) {
			time.Sleep(time.Second)
			f.injection(fmt.Sprintf("round %d (overlapping)", round), pair[0], pair[1])
		}
	}
	faultTime := time.Since(loadStarted)
	f.load.stop()
	if err := b.waitAll(); err != nil {
		t.Error(err)
	}
	c.mu.Lock()
	if len(c.exited) > 0 {
		t.Errorf("parts exited on their own during the faults:\n%s", strings.Join(c.exited, "\n"))
	}
	c.mu.Unlock()
	for _, e := range f.errs {
		t.Error(e)
	}
	w := world{s: s1, shop: shop, products: products, warehouses: []string{w1, w2}, perLevel: perLevel, brokers: b.upstream, ch: chConn}
	checks := checkFaultInvariants(t, w, f.load)
	printFaultSummary(t, f, checks, faultTime, time.Since(started))
}

// waitStable waits until every processor group has members (members[g] of
// them where given) on several probes in a row, so setup requests do not
// land in the rebalances of instances joining.
func waitStable(t *testing.T, s *stack, members map[string]int) {
	t.Helper()
	stableFor := 0
	waitFor(t, 3*time.Minute, "every processor group stable", func() bool {
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
		return stableFor >= 5
	})
}

// durations formats "max (each …)", or only the max and the median past
// a dozen values.
func durations(ds []time.Duration) string {
	if len(ds) == 0 {
		return "-"
	}
	var worst time.Duration
	var each []string
	sorted := append([]time.Duration{}, ds...)
	for i := range sorted {
		for j := i + 1; j < len(sorted); j++ {
			if sorted[j] < sorted[i] {
				sorted[i], sorted[j] = sorted[j], sorted[i]
			}
		}
	}
	for _, d := range ds {
		worst = max(worst, d)
		each = append(each, d.Round(100*time.Millisecond).String())
	}
	if len(ds) > 6 {
		return fmt.Sprintf("p50 %s, max %s", sorted[len(sorted)/2].Round(100*time.Millisecond), worst.Round(100*time.Millisecond))
	}
	return fmt.Sprintf("max %s (%s)", worst.Round(100*time.Millisecond), strings.Join(each, " "))
}

func printFaultSummary(t *testing.T, f *faultSuite, checks []check, faultTime, total time.Duration) {
	var b strings.Builder
	fmt.Fprintf(&b, "\nfault suite: 3 brokers (replication 3, min.insync 2), parts as processes: api ×2, stock ×2, orders ×2, timer, others, sink=%v; faults over %s, whole run %s\n",
		f.sink, faultTime.Round(time.Second), total.Round(time.Second))
	fmt.Fprintf(&b, "%-38s %8s %10s  %-28s %s\n", "fault", "injected", "overlapped", "next 201 after its end", "longest stall without a 201")
	for _, k := range faultKinds {
		st := f.stats[k]
		fmt.Fprintf(&b, "%-38s %8d %10d  %-28s %s\n", k, st.injected, st.overlapped, durations(st.recovery), durations(st.stall))
	}
	l := f.load
	fmt.Fprintf(&b, "requests: %d sent (orders %d, pays %d, cancels %d, transfers %d), %d acknowledged, %d retries (%d on the other API), %d answers 503, %d answers 202, %d without an answer\n",
		l.sent.Load(), l.places.Load(), l.pays.Load(), l.cancels.Load(), l.transfersSent.Load(), l.acked.Load(), l.retried.Load(), l.failedOver.Load(), l.unavailable.Load(), l.accepted.Load(), l.noAnswer.Load())
	f.c.mu.Lock()
	fmt.Fprintf(&b, "graceful stops: %d, exited 0 in time: %d; cuts: %d, 503 + Retry-After problem+json within the wait timeout: %d, /readyz unready during: %d, ready again after the cut: %s\n",
		f.c.terms, f.c.cleanExits, f.probes, f.probesOK, f.readyDown, durations(f.readyBack))
	f.c.mu.Unlock()
	passed := 0
	for _, c := range checks {
		mark := "ok"
		if !c.ok {
			mark = "FAILED"
		} else {
			passed++
		}
		fmt.Fprintf(&b, "  %-6s %s\n", mark, c.name)
		for _, f := range c.first {
			fmt.Fprintf(&b, "           %s\n", f)
		}
	}
	fmt.Fprintf(&b, "invariant checks passed: %d of %d\n", passed, len(checks))
	fmt.Fprintf(&b, "parts' logs: %s\n", logMarks(f.c.dir))
	t.Log(b.String())
}

// logMarks counts, over the parts' logs in dir, the warnings that explain
// a failed check (CI keeps only the summary, not the logs).
func logMarks(dir string) string {
	marks := []struct{ name, text string }{
		{"commands taken as re-sent below a level's stamp window", stock.BelowWindowLog},
		{"stock commands refused as not matching the level", "refusing a stock command"},
		{"changelog records fenced", "skipping a changelog record older"},
		{"messages dead-lettered", "dead-lettering message"},
	}
	counts := make([]int, len(marks))
	logs, _ := filepath.Glob(filepath.Join(dir, "*.log"))
	for _, name := range logs {
		data, err := os.ReadFile(name)
		if err != nil {
			continue
		}
		for i, m := range marks {
			counts[i] += strings.Count(string(data), m.text)
		}
	}
	parts := make([]string, len(marks))
	for i, m := range marks {
		parts[i] = fmt.Sprintf("%d %s", counts[i], m.name)
	}
	return strings.Join(parts, ", ")
}

// partsDir is where the parts keep their logs and state: a temporary
// directory, or one kept under STOCKFLOW_FAULTS_KEEP.
func partsDir(t *testing.T) string {
	keep := os.Getenv("STOCKFLOW_FAULTS_KEEP")
	if keep == "" {
		return t.TempDir()
	}
	if err := os.MkdirAll(keep, 0o755); err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp(keep, "faults-")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("parts' logs and state kept in %s", dir)
	return dir
}
