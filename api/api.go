package api

import (
	"context"
	"net/http"
	"net/netip"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"github.com/lovoo/goka"
	"google.golang.org/protobuf/proto"

	"github.com/stockflow/stockflow/internal/auth"
	"github.com/stockflow/stockflow/internal/metrics"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
)

// Sender produces a command to Kafka and returns once it is acknowledged.
type Sender interface {
	Send(ctx context.Context, topic goka.Stream, key string, msg proto.Message) error
}

// Watcher delivers outcomes by correlation id. Watch before sending.
type Watcher interface {
	Watch(id string) (outcomes <-chan *pb.Outcome, stop func())
}

// Table is a readable, ordered table (a goka view).
type Table interface {
	Get(key string) (any, error)
	IteratorWithRange(start, limit string) (goka.Iterator, error)
}

// Views are the tables the API reads.
type Views struct {
	Warehouses, Catalog, Shops, Stock, Orders, Users Table
}

// Deps are the API's collaborators and settings.
type Deps struct {
	Sender  Sender
	Watcher Watcher
	Views   Views
	// WaitTimeout bounds how long a request waits for its outcome before
	// answering 202 Accepted.
	WaitTimeout time.Duration
	// ReservationTTL is how long an order's stock stays reserved unpaid.
	ReservationTTL time.Duration
	// Ready reports whether views are caught up and processors running.
	Ready func() bool
	// Dependencies, when set, reports Kafka and the processors' consumer
	// groups for /readyz (dependencies.go).
	Dependencies func() *Dependencies
	// Tokens signs and verifies access tokens.
	Tokens *auth.Tokens
	// EmailThrottle blocks an email after repeated login failures.
	EmailThrottle *auth.Throttle
	// ClientThrottle blocks a client address after repeated login failures.
	ClientThrottle *auth.Throttle
	// TrustedProxies may set X-Forwarded-For (none by default).
	TrustedProxies []netip.Prefix
}

// Version is the API version in the OpenAPI document.
const Version = "1.0.0"

// NewHandler returns the whole HTTP surface: the Huma operations, their
// OpenAPI document (/openapi.json, /docs), /healthz, /readyz and /metrics.
func NewHandler(d Deps) http.Handler {
	mux := http.NewServeMux()
	api := humago.New(mux, Config())
	Register(api, d)
	mux.Handle("GET /metrics", metrics.Handler())
	return mux
}

// Config is the Huma configuration of the stockflow API.
func Config() huma.Config {
	cfg := huma.DefaultConfig("stockflow", Version)
	cfg.Info.Description = "Orders and multi-warehouse stock over Kafka stream processors."
	// No "$schema" links in bodies: clients get plain JSON objects.
	cfg.CreateHooks = nil
	addSecurityScheme(&cfg)
	return cfg
}

// Register adds every operation to api.
func Register(api huma.API, d Deps) {
	s := &server{Deps: d}
	api.UseMiddleware(observe, s.authenticate(api))
	s.registerHealth(api)
	s.registerUsers(api)
	s.registerWarehouses(api)
	s.registerProducts(api)
	s.registerShops(api)
	s.registerStock(api)
	s.registerOrders(api)
}

type server struct {
	Deps
	recent recentOrders
}

// observe records the latency of every operation.
func observe(ctx huma.Context, next func(huma.Context)) {
	start := time.Now()
	next(ctx)
	op := "unknown"
	if o := ctx.Operation(); o != nil {
		op = o.OperationID
	}
	metrics.HTTPDuration.WithLabelValues(op, strconv.Itoa(ctx.Status())).Observe(time.Since(start).Seconds())
}
