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
	Warehouses, Catalog, Shops, Stock, Orders, Users, Transfers Table
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
	// Groups, if set, counts the members of each processor's consumer
	// group; /readyz reports them, and is unready when it fails.
	Groups func(context.Context) (map[string]int, error)
	// Tokens signs and verifies access tokens.
	Tokens *auth.Tokens
	// EmailThrottle blocks an email after repeated login failures.
	EmailThrottle *auth.Throttle
	// ClientThrottle blocks a client address after repeated login failures.
	ClientThrottle *auth.Throttle
	// TrustedProxies may set X-Forwarded-For (none by default).
	TrustedProxies []netip.Prefix
	// WriteLimit rate-limits each client's writes (off when zero).
	WriteLimit WriteLimit
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
	return problemFallback(mux, api.OpenAPI())
}

// Config is the Huma configuration of the stockflow API.
func Config() huma.Config {
	cfg := huma.DefaultConfig("stockflow", Version)
	cfg.Info.Description = "Orders and multi-warehouse stock over Kafka stream processors.\n\n" +
		"Errors are application/problem+json. Limits: request bodies of 16 KiB (64 KiB for orders, else 413); " +
		"list pages of at most 500 items; a per-client rate limit on writes (429 with Retry-After). " +
		"A command answers within the wait timeout: its result, 202 with a Location when the outcome is late, " +
		"or 503 with Retry-After when it could not be queued. Idempotency-Key: the same key with the same body " +
		"returns the first result; with another body, 422 naming header.Idempotency-Key."
	// No "$schema" links in bodies: clients get plain JSON objects.
	cfg.CreateHooks = nil
	cfg.Transformers = append(cfg.Transformers, sanitizeErrors)
	cfg.Formats = map[string]huma.Format{"application/json": jsonFormat, "json": jsonFormat}
	addSecurityScheme(&cfg)
	return cfg
}

// Register adds every operation to api.
func Register(api huma.API, d Deps) {
	s := &server{Deps: d}
	api.UseMiddleware(observe, recoverPanics(api), s.limitWrites(api), s.authenticate(api), emptyQuery(api), s.withinWaitTimeout)
	s.registerHealth(api)
	s.registerUsers(api)
	s.registerWarehouses(api)
	s.registerProducts(api)
	s.registerShops(api)
	s.registerStock(api)
	s.registerOrders(api)
	s.registerTransfers(api)
	completeDocument(api)
}

type server struct {
	Deps
	recent recentOrders
}

// withinWaitTimeout gives every request one deadline, WaitTimeout from its
// start, shared by all it waits for (an Idempotency-Key claim, producing,
// the outcome), so that no answer comes later than the wait timeout.
func (s *server) withinWaitTimeout(ctx huma.Context, next func(huma.Context)) {
	if s.WaitTimeout <= 0 {
		next(ctx)
		return
	}
	bounded, cancel := context.WithTimeout(ctx.Context(), s.WaitTimeout)
	defer cancel()
	next(huma.WithContext(ctx, bounded))
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
