package api_test

import (
	"context"
	"errors"
	"net/http"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2/humatest"
	"github.com/lovoo/goka"
	"google.golang.org/protobuf/proto"

	"github.com/stockflow/stockflow/api"
	"github.com/stockflow/stockflow/internal/auth"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
)

// fakeTable is an in-memory, ordered api.Table.
type fakeTable struct {
	mu   sync.Mutex
	rows map[string]any
}

func newTable() *fakeTable { return &fakeTable{rows: map[string]any{}} }

func (t *fakeTable) put(key string, v any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.rows[key] = v
}

// row reads a value (nil when absent), as a processor reads its table.
func (t *fakeTable) row(key string) any {
	v, _ := t.Get(key)
	return v
}

func (t *fakeTable) Get(key string) (any, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.rows[key], nil
}

func (t *fakeTable) IteratorWithRange(start, limit string) (goka.Iterator, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	it := &fakeIterator{i: -1}
	for k := range t.rows {
		if k >= start && (limit == "" || k < limit) {
			it.keys = append(it.keys, k)
		}
	}
	sort.Strings(it.keys)
	for _, k := range it.keys {
		it.vals = append(it.vals, t.rows[k])
	}
	return it, nil
}

type fakeIterator struct {
	keys []string
	vals []any
	i    int
}

func (it *fakeIterator) Next() bool          { it.i++; return it.i < len(it.keys) }
func (it *fakeIterator) Err() error          { return nil }
func (it *fakeIterator) Key() string         { return it.keys[it.i] }
func (it *fakeIterator) Value() (any, error) { return it.vals[it.i], nil }
func (it *fakeIterator) Release()            {}
func (it *fakeIterator) Seek(key string) bool {
	for i, k := range it.keys {
		if k >= key {
			it.i = i
			return true
		}
	}
	return false
}

// fakeBus is the Sender and the Watcher: a command sent is recorded and
// answered by respond (if set), as a processor would through outcomes.
type fakeBus struct {
	mu       sync.Mutex
	watchers map[string]chan *pb.Outcome
	sent     []proto.Message
	// respond answers a command; nil (or a nil outcome) leaves it pending.
	respond func(topic goka.Stream, key string, msg proto.Message) *pb.Outcome
	// fail makes Send fail, as a broker outage would.
	fail error
}

func (b *fakeBus) Watch(id string) (<-chan *pb.Outcome, func()) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.watchers == nil {
		b.watchers = map[string]chan *pb.Outcome{}
	}
	ch := make(chan *pb.Outcome, 4)
	b.watchers[id] = ch
	return ch, func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		delete(b.watchers, id)
	}
}

func (b *fakeBus) Send(ctx context.Context, topic goka.Stream, key string, msg proto.Message) error {
	b.mu.Lock()
	if b.fail != nil {
		b.mu.Unlock()
		return b.fail
	}
	b.sent = append(b.sent, msg)
	respond := b.respond
	b.mu.Unlock()
	if respond == nil {
		return nil
	}
	o := respond(topic, key, msg)
	if o == nil {
		return nil
	}
	c, ok := msg.(interface{ GetCorrelationId() string })
	if !ok {
		return errors.New("command without correlation id")
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if ch := b.watchers[c.GetCorrelationId()]; ch != nil {
		ch <- o
	}
	return nil
}

func (b *fakeBus) count() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.sent)
}

// fixture is the API over fakes, with an admin and a customer token.
type fixture struct {
	api      humatest.TestAPI
	bus      *fakeBus
	views    api.Views
	tables   map[string]*fakeTable
	admin    string
	customer string
}

const testKey = "api-test-signing-key-0123456789abcdef"

// newFixture registers the API over empty fake tables. Change deps with options.
func newFixture(t *testing.T, options ...func(*api.Deps)) *fixture {
	t.Helper()
	tokens, err := auth.NewTokens([]byte(testKey), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{bus: &fakeBus{}, tables: map[string]*fakeTable{}}
	for _, n := range []string{"warehouses", "catalog", "shops", "stock", "orders", "users"} {
		f.tables[n] = newTable()
	}
	f.views = api.Views{
		Warehouses: f.tables["warehouses"], Catalog: f.tables["catalog"], Shops: f.tables["shops"],
		Stock: f.tables["stock"], Orders: f.tables["orders"], Users: f.tables["users"],
	}
	d := api.Deps{
		Sender: f.bus, Watcher: f.bus, Views: f.views,
		// Generous: a request's bcrypt hash shares this deadline, and with
		// -race on a busy two-core machine it can take seconds. The fake
		// bus answers at once, so no test waits it out.
		WaitTimeout: 15 * time.Second, ReservationTTL: time.Minute, Ready: func() bool { return true },
		Tokens:        tokens,
		EmailThrottle: auth.NewThrottle(5, time.Minute), ClientThrottle: auth.NewThrottle(50, time.Minute),
	}
	for _, o := range options {
		o(&d)
	}
	_, f.api = humatest.New(t, api.Config())
	api.Register(f.api, d)
	f.admin = "Bearer " + issue(t, tokens, auth.Principal{UserID: "admin-1", Email: "admin@example.com", Admin: true})
	f.customer = "Bearer " + issue(t, tokens, auth.Principal{UserID: "user-1", Email: "ana@example.com"})
	return f
}

func issue(t *testing.T, tokens *auth.Tokens, p auth.Principal) string {
	t.Helper()
	s, err := tokens.Issue(p)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// do sends a request; args are headers as "Name: value" strings and an
// optional body (an io.Reader as is, anything else as JSON).
func (f *fixture) do(method, path string, args ...any) *http.Response {
	return f.api.Do(method, path, args...).Result()
}

// seed puts a warehouse, a product, a shop serving the warehouse and some stock in the views.
func (f *fixture) seed() (warehouse, product, shop string) {
	warehouse, product, shop = "w1", "p1", "s1"
	f.tables["warehouses"].put(warehouse, &pb.Warehouse{Id: warehouse, Name: "north", Status: pb.WarehouseStatus_WAREHOUSE_STATUS_ACTIVE, Version: 1})
	f.tables["catalog"].put(product, &pb.Product{Id: product, Sku: "TEE", Name: "Tee", PriceMinor: 1500, Currency: "IDR", Version: 1})
	f.tables["shops"].put(shop, &pb.Shop{Id: shop, Name: "shop", WarehouseIds: []string{warehouse}, Version: 1})
	f.tables["stock"].put(product+"@"+warehouse, &pb.StockLevel{ProductId: product, WarehouseId: warehouse, OnHand: 5, Version: 1})
	return warehouse, product, shop
}

// authorization is the Authorization header line for a bearer value.
func authorization(bearer string) string { return "Authorization: " + bearer }
