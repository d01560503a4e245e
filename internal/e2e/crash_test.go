package e2e_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"
)

// The crash tests run stockflow as a child process and SIGKILL it while
// orders and payments are in flight, then restart it on the same data
// directory and check that no stock was oversold or lost. STOCKFLOW_CHAOS_ROUNDS
// (default 2) sets how many kill/restart rounds run; `make chaos` runs more.

var (
	buildOnce sync.Once
	binary    string
	buildErr  error
)

func stockflowBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "stockflow-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binary = filepath.Join(dir, "stockflow")
		out, err := exec.Command("go", "build", "-o", binary, "github.com/stockflow/stockflow/cmd/stockflow").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binary
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// startProcess runs `stockflow dev` on dataDir in a child process, with
// extra flags if given.
func startProcess(t *testing.T, dataDir string, kafkaPort int, extra ...string) (*stack, *exec.Cmd) {
	t.Helper()
	httpPort := freePort(t)
	cmd := exec.Command(stockflowBinary(t), append([]string{"dev",
		"--data-dir", dataDir, "--http-addr", "127.0.0.1:" + strconv.Itoa(httpPort),
		"--embedded-kafka-port", strconv.Itoa(kafkaPort), "--token-key", testTokenKey,
		"--admin-email", adminEmail, "--admin-password", adminPassword, "--log-level", "warn",
		// 12 clients from one address: the write rate limit is not under test here.
		"--write-rate", "0"}, extra...)...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &stack{t: t, base: "http://127.0.0.1:" + strconv.Itoa(httpPort), dataDir: dataDir,
		brokers: []string{"127.0.0.1:" + strconv.Itoa(kafkaPort)}}
	s.halt = func(context.Context) error {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return nil
	}
	t.Cleanup(s.stop)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s.waitReady(ctx)
	s.token = s.login(adminEmail, adminPassword)
	return s, cmd
}

// attempt is one client intention: an order with an idempotency key, maybe paid.
type attempt struct {
	key     string
	product string
	qty     int
	pay     bool
	orderID string
	// status is the last HTTP status seen for the order (0 = unknown).
	status int
	paid   bool
}

func chaosRounds() int {
	if n, err := strconv.Atoi(os.Getenv("STOCKFLOW_CHAOS_ROUNDS")); err == nil && n > 0 {
		return n
	}
	return 2
}

func TestKillMidFlightNeverOversellsOrLosesStock(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test builds and kills a child process")
	}
	const perProductStock = 1000
	dir := t.TempDir()
	kafkaPort := freePort(t)
	s, cmd := startProcess(t, dir, kafkaPort)
	w1, w2 := s.warehouse("north"), s.warehouse("south")
	products := []string{s.product("A"), s.product("B"), s.product("C")}
	shop := s.shop(w1, w2)
	for _, p := range products {
		s.receive(w1, p, perProductStock/2)
		s.receive(w2, p, perProductStock/2)
	}

	var attempts []*attempt
	interrupted := 0
	for round := range chaosRounds() {
		// More attempts than can finish before the kill: it lands mid-flight.
		batch := makeAttempts(round, products, 1500)
		attempts = append(attempts, batch...)
		killAfter := time.Duration(200+rand.IntN(600)) * time.Millisecond
		runUntilKilled(s, shop, batch, cmd, killAfter)
		unanswered := 0
		for _, a := range batch {
			if a.status == 0 {
				unanswered++
			}
		}
		if unanswered > 0 {
			interrupted++
		}
		t.Logf("round %d: killed after %s; %d of %d attempts unanswered", round, killAfter, unanswered, len(batch))
		s.stopped = true
		s, cmd = startProcess(t, dir, kafkaPort)
	}
	if interrupted == 0 {
		t.Fatal("no round was killed with requests in flight; the test proved nothing")
	}
	settle(t, s, shop, attempts)
	checkConservation(t, s, products, []string{w1, w2}, attempts, perProductStock)
	checkOrderEventsAfterCrashes(t, s, attempts)
}

func makeAttempts(round int, products []string, n int) []*attempt {
	out := make([]*attempt, n)
	for i := range out {
		out[i] = &attempt{
			key:     fmt.Sprintf("r%d-%d", round, i),
			product: products[rand.IntN(len(products))],
			qty:     1 + rand.IntN(3),
			pay:     rand.IntN(3) == 0,
		}
	}
	return out
}

// runUntilKilled sends the attempts from 12 clients and SIGKILLs the
// process after d, with requests in flight.
func runUntilKilled(s *stack, shop string, batch []*attempt, cmd *exec.Cmd, d time.Duration) {
	next := make(chan *attempt)
	var wg sync.WaitGroup
	for range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for a := range next {
				tryAttempt(s, shop, a)
			}
		}()
	}
	timer := time.AfterFunc(d, func() { _ = cmd.Process.Kill() })
	defer timer.Stop()
	for _, a := range batch {
		next <- a
	}
	close(next)
	wg.Wait()
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
}

// tryAttempt places (and maybe pays) an order once; connection errors
// leave its status unknown.
func tryAttempt(s *stack, shop string, a *attempt) {
	status, body, err := s.tryCall(http.MethodPost, "/orders", map[string]any{"shop_id": shop, "lines": lines(a.product, a.qty)}, "Idempotency-Key", a.key)
	if err != nil {
		return
	}
	a.status = status
	if status == http.StatusCreated || status == http.StatusAccepted {
		a.orderID = decode[order](s.t, body).ID
	}
	if status == http.StatusCreated && a.pay {
		if st, _, err := s.tryCall(http.MethodPost, "/orders/"+a.orderID+"/pay", nil); err == nil && st == http.StatusOK {
			a.paid = true
		}
	}
}

// settle retries every attempt, from 12 clients, until its order is
// decided and, if meant to be paid, paid: retries use the same
// Idempotency-Key, so nothing doubles.
func settle(t *testing.T, s *stack, shop string, attempts []*attempt) {
	deadline := time.Now().Add(2 * time.Minute)
	next := make(chan *attempt)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failures []string
	for range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for a := range next {
				if msg := settleOne(s, shop, a, deadline); msg != "" {
					mu.Lock()
					failures = append(failures, msg)
					mu.Unlock()
				}
			}
		}()
	}
	for _, a := range attempts {
		next <- a
	}
	close(next)
	wg.Wait()
	if len(failures) > 0 {
		t.Fatalf("%d attempts did not settle, e.g. %v", len(failures), first(failures, 3))
	}
}

func settleOne(s *stack, shop string, a *attempt, deadline time.Time) string {
	for a.status != http.StatusCreated && a.status != http.StatusConflict {
		if time.Now().After(deadline) {
			return fmt.Sprintf("attempt %s still undecided (last status %d)", a.key, a.status)
		}
		tryAttempt(s, shop, a)
		if a.status != http.StatusCreated && a.status != http.StatusConflict {
			time.Sleep(50 * time.Millisecond)
		}
	}
	for a.status == http.StatusCreated && a.pay && !a.paid {
		if time.Now().After(deadline) {
			return fmt.Sprintf("order %s not paid in time", a.orderID)
		}
		st, body, err := s.tryCall(http.MethodPost, "/orders/"+a.orderID+"/pay", nil)
		switch {
		case err == nil && st == http.StatusOK:
			a.paid = true
		case err == nil && st != http.StatusAccepted:
			return fmt.Sprintf("pay %s = %d %s", a.orderID, st, body)
		default:
			time.Sleep(50 * time.Millisecond)
		}
	}
	return ""
}

// checkConservation compares every level with the orders: reserved is what
// reserved orders hold there, on_hand is what was received minus what paid
// orders took, and no product sold more than it had.
func checkConservation(t *testing.T, s *stack, products, warehouses []string, attempts []*attempt, perProduct int64) {
	held := map[string]int64{}
	shipped := map[string]int64{}
	sold := map[string]int64{}
	for _, a := range attempts {
		if a.status != http.StatusCreated {
			continue
		}
		var o order
		s.mustCall(http.StatusOK, http.MethodGet, "/orders/"+a.orderID, nil, &o)
		for _, al := range o.Allocations {
			k := al.ProductID + "@" + al.WarehouseID
			switch o.Status {
			case "reserved":
				held[k] += al.Quantity
			case "paid":
				shipped[k] += al.Quantity
			default:
				t.Errorf("order %s answered 201 but is %s", o.ID, o.Status)
			}
			sold[al.ProductID] += al.Quantity
		}
	}
	for _, p := range products {
		if sold[p] > perProduct {
			t.Errorf("product %s: sold %d of %d", p, sold[p], perProduct)
		}
		for _, w := range warehouses {
			k := p + "@" + w
			want := level{OnHand: perProduct/2 - shipped[k], Reserved: held[k]}
			eventually(t, func() string {
				got := s.levelOf(p, w)
				if got.OnHand != want.OnHand || got.Reserved != want.Reserved {
					return fmt.Sprintf("%s: level %d/%d, orders say on_hand %d reserved %d", k, got.OnHand, got.Reserved, want.OnHand, want.Reserved)
				}
				return ""
			})
		}
	}
}
