package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/stockflow/stockflow/system"
)

// stack is a running stockflow under test.
type stack struct {
	t       *testing.T
	sys     *system.System
	brokers []string
	halt    func(context.Context) error
	base    string
	dataDir string
	stopped bool
	// token is the admin's access token, sent unless a call sets Authorization.
	token string
}

func testConfig(dataDir string) system.Config {
	cfg := system.DefaultConfig()
	cfg.DataDir, cfg.HTTPAddr, cfg.EmbeddedKafkaPort = dataDir, "127.0.0.1:0", 0
	cfg.WaitTimeout, cfg.ShutdownTimeout = 10*time.Second, 10*time.Second
	cfg.LogLevel, cfg.TokenKey = "warn", testTokenKey
	cfg.WriteRate = 0 // every test client shares 127.0.0.1
	// Reconcile eagerly, so every test also proves re-driving healthy orders is harmless.
	cfg.ReconcileInterval, cfg.ReconcileAfter = 300*time.Millisecond, 100*time.Millisecond
	cfg.AdminEmail, cfg.AdminPassword = adminEmail, adminPassword
	return cfg
}

const (
	testTokenKey  = "e2e-test-signing-key-0123456789abcdef"
	adminEmail    = "admin@example.com"
	adminPassword = "admin-password-1"
)

// start runs the whole system on dataDir and waits until it is ready.
func start(t *testing.T, dataDir string) *stack {
	t.Helper()
	return startWith(t, dataDir, system.Parts{Embedded: true, Processors: system.ProcessorNames(), API: true})
}

func startWith(t *testing.T, dataDir string, parts system.Parts, options ...func(*system.Config)) *stack {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cfg := testConfig(dataDir)
	for _, o := range options {
		o(&cfg)
	}
	sys, err := system.Start(ctx, cfg, parts)
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	s := &stack{t: t, sys: sys, brokers: sys.Brokers(), halt: sys.Stop, base: "http://" + sys.HTTPAddr(), dataDir: dataDir}
	t.Cleanup(s.stop)
	s.waitReady(ctx)
	s.token = s.login(adminEmail, adminPassword)
	return s
}

// login returns an access token, failing the test if login fails.
func (s *stack) login(email, password string) string {
	s.t.Helper()
	var out struct {
		AccessToken string `json:"access_token"`
	}
	status, body := s.call(http.MethodPost, "/login", map[string]any{"email": email, "password": password}, &out, "Authorization", "")
	if status != http.StatusOK {
		s.t.Fatalf("login %s = %d %s", email, status, body)
	}
	return out.AccessToken
}

// customer registers a customer and returns its bearer header value.
func (s *stack) customer(email string) string {
	s.t.Helper()
	s.mustCall(http.StatusCreated, http.MethodPost, "/register", map[string]any{"email": email, "password": "customer-pass"}, nil)
	return "Bearer " + s.login(email, "customer-pass")
}

func (s *stack) waitReady(ctx context.Context) {
	s.t.Helper()
	for {
		if status, _, err := s.tryCall(http.MethodGet, "/readyz", nil); err == nil && status == http.StatusOK {
			return
		}
		select {
		case <-ctx.Done():
			s.t.Fatal("system not ready within a minute")
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (s *stack) stop() {
	if s.stopped {
		return
	}
	s.stopped = true
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.halt(ctx); err != nil {
		s.t.Errorf("stop: %v", err)
	}
}

// call is tryCall that fails the test on a transport error and decodes a
// 2xx response into out (if not nil).
func (s *stack) call(method, path string, body any, out any, headers ...string) (int, []byte) {
	s.t.Helper()
	status, data, err := s.tryCall(method, path, body, headers...)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	if out != nil && status < 300 {
		if err := json.Unmarshal(data, out); err != nil {
			s.t.Fatalf("%s %s: decode %s: %v", method, path, data, err)
		}
	}
	return status, data
}

// tryCall sends body ([]byte as is, anything else as JSON) with the admin
// token unless headers set Authorization, and returns a transport error
// instead of failing the test (the server may have been killed, or the
// caller may not be the test's goroutine).
func (s *stack) tryCall(method, path string, body any, headers ...string) (int, []byte, error) {
	status, data, _, err := s.tryCallHeaders(method, path, body, headers...)
	return status, data, err
}

// callClient bounds every test request: a server that never answers fails
// the call instead of hanging the test.
var callClient = &http.Client{Timeout: time.Minute}

// tryCallHeaders is tryCall that also returns the response headers.
func (s *stack) tryCallHeaders(method, path string, body any, headers ...string) (int, []byte, http.Header, error) {
	var r io.Reader
	if raw, ok := body.([]byte); ok {
		r = bytes.NewReader(raw)
	} else if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, nil, err
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.base+path, r)
	if err != nil {
		return 0, nil, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if s.token != "" {
		req.Header.Set("Authorization", "Bearer "+s.token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := callClient.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return resp.StatusCode, data, resp.Header, err
}

// mustCall fails the test unless the call answers want.
func (s *stack) mustCall(want int, method, path string, body any, out any) {
	s.t.Helper()
	if status, data := s.call(method, path, body, out); status != want {
		s.t.Fatalf("%s %s = %d %s, want %d", method, path, status, data, want)
	}
}

type idBody struct {
	ID string `json:"id"`
}

func (s *stack) warehouse(name string) string {
	var b idBody
	s.mustCall(http.StatusCreated, http.MethodPost, "/warehouses", map[string]any{"name": name}, &b)
	return b.ID
}

func (s *stack) product(sku string) string {
	var b idBody
	s.mustCall(http.StatusCreated, http.MethodPost, "/products", map[string]any{"sku": sku, "name": sku, "price_minor": 1500, "currency": "IDR"}, &b)
	return b.ID
}

func (s *stack) shop(warehouses ...string) string {
	var b idBody
	s.mustCall(http.StatusCreated, http.MethodPost, "/shops", map[string]any{"name": "shop", "warehouse_ids": warehouses}, &b)
	return b.ID
}

func (s *stack) receive(warehouse, product string, qty int) {
	s.mustCall(http.StatusOK, http.MethodPost, "/warehouses/"+warehouse+"/stock",
		map[string]any{"product_id": product, "kind": "receive", "quantity": qty, "reason": "test delivery"}, nil)
}

type order struct {
	ID          string `json:"id"`
	Status      string `json:"status"`
	Allocations []struct {
		ProductID   string `json:"product_id"`
		WarehouseID string `json:"warehouse_id"`
		Quantity    int64  `json:"quantity"`
	} `json:"allocations"`
}

type problem struct {
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Errors []struct {
		Message  string `json:"message"`
		Location string `json:"location"`
	} `json:"errors"`
}

func lines(pairs ...any) []map[string]any {
	var out []map[string]any
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, map[string]any{"product_id": pairs[i], "quantity": pairs[i+1]})
	}
	return out
}

// place places an order and returns the status and raw body.
func (s *stack) place(shop string, ls []map[string]any) (int, []byte) {
	s.t.Helper()
	return s.call(http.MethodPost, "/orders", map[string]any{"shop_id": shop, "lines": ls}, nil)
}

type level struct {
	WarehouseID string `json:"warehouse_id"`
	OnHand      int64  `json:"on_hand"`
	Reserved    int64  `json:"reserved"`
	Available   int64  `json:"available"`
}

type productBody struct {
	Availability struct {
		Available  int64   `json:"available"`
		Warehouses []level `json:"warehouses"`
	} `json:"availability"`
}

// levelOf reads product@warehouse through the API.
func (s *stack) levelOf(product, warehouse string) level {
	s.t.Helper()
	var p productBody
	s.mustCall(http.StatusOK, http.MethodGet, "/products/"+product, nil, &p)
	for _, l := range p.Availability.Warehouses {
		if l.WarehouseID == warehouse {
			return l
		}
	}
	return level{WarehouseID: warehouse}
}

// eventually retries check until it returns "" or the deadline passes.
func eventually(t *testing.T, check func() string) {
	t.Helper()
	// Generous: it only bounds how long a failing check keeps trying, and
	// a race-enabled run on a busy two-core machine is slow.
	deadline := time.Now().Add(30 * time.Second)
	for {
		msg := check()
		if msg == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal(msg)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// expectLevel waits until the API shows product@warehouse at onHand/reserved.
func (s *stack) expectLevel(product, warehouse string, onHand, reserved int64) {
	s.t.Helper()
	eventually(s.t, func() string {
		l := s.levelOf(product, warehouse)
		if l.OnHand != onHand || l.Reserved != reserved {
			return fmt.Sprintf("level %d/%d, want on_hand %d reserved %d", l.OnHand, l.Reserved, onHand, reserved)
		}
		return ""
	})
}

// endOffsets sums the end offsets of topics: it grows with every record produced.
func (s *stack) endOffsets(topics ...string) int64 {
	s.t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(s.brokers...))
	if err != nil {
		s.t.Fatalf("client: %v", err)
	}
	defer cl.Close()
	ends, err := kadm.NewClient(cl).ListEndOffsets(context.Background(), topics...)
	if err != nil {
		s.t.Fatalf("end offsets: %v", err)
	}
	var sum int64
	ends.Each(func(o kadm.ListedOffset) { sum += o.Offset })
	return sum
}
