package system

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/IBM/sarama"
	"github.com/lovoo/goka"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"golang.org/x/sync/errgroup"

	"github.com/stockflow/stockflow/api"
	"github.com/stockflow/stockflow/internal/auth"
	"github.com/stockflow/stockflow/internal/kafka"
	"github.com/stockflow/stockflow/internal/outcomes"
	"github.com/stockflow/stockflow/processors/timer"
	"github.com/stockflow/stockflow/topics"
)

// Parts says which parts one process runs.
type Parts struct {
	// Embedded starts an in-process broker when no brokers are configured.
	Embedded bool
	// Processors to run, by name (see ProcessorNames).
	Processors []string
	// API serves HTTP.
	API bool
	// Demo seeds demo data through the API once it is ready.
	Demo bool
	// Sink runs the ClickHouse analytics sink (see sink.go).
	Sink bool
}

// System is a running stockflow process.
type System struct {
	cfg      Config
	broker   *kafka.Embedded
	producer *kgo.Client
	// tickerClient produces the timer scheduler's commands (nil without the timer).
	tickerClient *kgo.Client
	// clients are other producers to close at Stop.
	clients  []*kgo.Client
	server   *http.Server
	listener net.Listener

	cancel  context.CancelFunc
	group   *errgroup.Group
	failed  context.Context
	readies []func() bool
	// groupDirs hold the local tables of the processors this process runs.
	groupDirs []string
	// views are views this process already runs, by table, for a later
	// part that reads the same table to share (see startViews).
	views map[goka.Table]api.Table
	// waiters are the API's requests waiting for outcomes; every view of
	// the orders table feeds them (outcomes.Waiters.OrderStored).
	waiters *outcomes.Waiters
	// adminReady is set once the configured admin account exists.
	adminReady atomic.Bool
	wantAdmin  bool
}

// Start brings up the parts and returns once HTTP listens (if it runs).
// Tables restore in the background; /readyz says when they are caught up.
func Start(ctx context.Context, cfg Config, parts Parts) (_ *System, err error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := checkProcessorNames(parts.Processors); err != nil {
		return nil, err
	}
	if parts.API && !parts.Embedded && cfg.TokenKey == "" {
		return nil, errors.New(missingTokenKey)
	}
	if err := checkSink(cfg, parts); err != nil {
		return nil, err
	}
	s := &System{cfg: cfg, waiters: outcomes.NewWaiters()}
	defer func() {
		if err != nil {
			_ = s.Stop(context.Background())
		}
	}()
	stateDir, err := s.startBroker(parts.Embedded)
	if err != nil {
		return nil, err
	}
	if err := s.ensureTopics(ctx); err != nil {
		return nil, err
	}
	runCtx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.group, s.failed = errgroup.WithContext(runCtx)
	g := kafka.Goka{Brokers: s.cfg.Brokers, StateDir: stateDir, Replication: int(cfg.Replication), Logger: gokaLogger(), Versions: fencedTables()}
	if err := s.startProcessors(g, parts.Processors); err != nil {
		return nil, err
	}
	if parts.Sink {
		if err := s.startSink(); err != nil {
			return nil, err
		}
	}
	if err := s.watchLag(parts); err != nil {
		return nil, err
	}
	if parts.API {
		err = s.startAPI(ctx, g, parts.Embedded, parts.Demo)
	} else if len(parts.Processors) > 0 || parts.Sink {
		err = s.serve(opsHandler(s.Ready))
	}
	if err != nil {
		return nil, err
	}
	return s, nil
}

// startBroker starts the embedded broker if asked and no brokers are set,
// and returns the directory for local table state.
func (s *System) startBroker(embedded bool) (string, error) {
	if !embedded || len(s.cfg.Brokers) > 0 {
		return s.cfg.DataDir, nil
	}
	kafkaDir, stateDir, err := kafka.PrepareDataDir(s.cfg.DataDir)
	if err != nil {
		return "", err
	}
	s.broker, err = kafka.StartEmbedded(kafka.EmbeddedConfig{Port: s.cfg.EmbeddedKafkaPort, DataDir: kafkaDir})
	if err != nil {
		return "", err
	}
	s.cfg.Brokers = s.broker.Addrs()
	slog.Info("embedded kafka broker started", "addrs", s.cfg.Brokers, "data_dir", kafkaDir)
	return stateDir, nil
}

// ensureTopics creates the topics that are missing. While no broker can be
// reached it waits, retrying with the supervisor's backoff, until ctx ends:
// a process started during a broker outage (or a network cut) comes up
// when Kafka does, as its running parts ride out one, instead of exiting.
// Any other error (a mismatched layout) fails at once.
func (s *System) ensureTopics(ctx context.Context) error {
	cl, err := kgo.NewClient(kgo.SeedBrokers(s.cfg.Brokers...))
	if err != nil {
		return fmt.Errorf("kafka admin client: %w", err)
	}
	defer cl.Close()
	layout := topics.Layout{Partitions: s.cfg.Partitions, Replication: s.cfg.Replication}
	delay := restartMin
	for tries := 1; ; tries++ {
		err := topics.Ensure(ctx, kadm.NewClient(cl), layout, topics.All())
		if err == nil {
			return nil
		}
		if !unreachable(err) || ctx.Err() != nil {
			return fmt.Errorf("ensure topics: %w", err)
		}
		wait := jitter(delay)
		slog.Warn("kafka unreachable at start; waiting for it", "error", err, "retry_in", wait.Round(time.Millisecond), "tries", tries)
		select {
		case <-ctx.Done():
			return fmt.Errorf("ensure topics: %w (gave up: %w)", err, ctx.Err())
		case <-time.After(wait):
		}
		delay = min(2*delay, restartMax)
	}
}

// unreachable reports whether err says Kafka could not be reached or is
// in transition (a refused or failed dial, a connection cut mid-request,
// a Kafka error marked retriable, such as a partition whose leader was
// just elected), as opposed to an answer that will not change by waiting.
func unreachable(err error) bool {
	var netErr net.Error
	if errors.As(err, &netErr) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || kerr.IsRetriable(err) {
		return true
	}
	// goka wraps its sarama clients' errors with %v, keeping only their
	// text ("processor orders: Error creating topic manager: Error creating
	// the kafka client: kafka: client has run out of available brokers to
	// talk to"), so the texts count too.
	text := err.Error()
	for _, e := range []error{sarama.ErrOutOfBrokers, sarama.ErrNotConnected, sarama.ErrLeaderNotAvailable,
		sarama.ErrNotLeaderForPartition, sarama.ErrRequestTimedOut, sarama.ErrOffsetNotAvailable,
		sarama.ErrOffsetsLoadInProgress, sarama.ErrNotCoordinatorForConsumer, sarama.ErrConsumerCoordinatorNotAvailable} {
		if errors.Is(err, e) || strings.Contains(text, e.Error()) {
			return true
		}
	}
	for _, s := range []string{"dial tcp ", "read tcp ", "write tcp ", "connection refused", "connection reset by peer", "broken pipe", "i/o timeout"} {
		if strings.Contains(text, s) {
			return true
		}
	}
	return false
}

func (s *System) startProcessors(g kafka.Goka, names []string) error {
	if len(names) == 0 {
		return nil
	}
	if err := os.MkdirAll(filepath.Join(g.StateDir, "processor"), 0o755); err != nil {
		return fmt.Errorf("create processor state: %w", err)
	}
	for _, name := range names {
		dir := filepath.Join(g.StateDir, "processor", name)
		if err := prepareGroupState(dir); err != nil {
			return err
		}
		s.groupDirs = append(s.groupDirs, dir)
		// Restarted with backoff when it fails (supervise.go).
		p, err := superviseProcessor(g, name, dir)
		if err != nil {
			return err
		}
		s.group.Go(func() error { return p.Run(s.failed) })
		s.readies = append(s.readies, p.Recovered)
		slog.Info("processor started", "group", name)
	}
	if slices.Contains(names, "stock") {
		if err := s.startRelay(); err != nil {
			return err
		}
	}
	if slices.Contains(names, "orders") {
		if err := s.startReconciler(g); err != nil {
			return err
		}
	}
	if slices.Contains(names, "transfers") {
		if err := s.startTransferReconciler(g); err != nil {
			return err
		}
	}
	if slices.Contains(names, "timer") {
		return s.startTicker(g)
	}
	return nil
}

// startTicker runs the timer's scheduler beside the timer processor.
func (s *System) startTicker(g kafka.Goka) error {
	var err error
	if s.tickerClient, err = kafka.NewProducer(s.cfg.Brokers, "stockflow-timer-scheduler"); err != nil {
		return err
	}
	sch := timer.NewScheduler(s.tickerClient)
	view, err := sch.NewView(g.Brokers, g.ViewOptions(topics.TimerTable, "timer-scheduler")...)
	if err != nil {
		return err
	}
	s.group.Go(func() error { return sch.Run(s.failed, view) })
	s.readies = append(s.readies, view.Recovered)
	return nil
}

func (s *System) startAPI(ctx context.Context, g kafka.Goka, dev, seedDemo bool) error {
	tokens, err := s.tokens(dev)
	if err != nil {
		return err
	}
	views, err := s.startViews(g)
	if err != nil {
		return err
	}
	tail, err := outcomes.Start(ctx, s.cfg.Brokers, s.waiters)
	if err != nil {
		return err
	}
	s.group.Go(func() error { return tail.Run(s.failed) })
	if s.producer, err = kafka.NewProducer(s.cfg.Brokers, "stockflow-api"); err != nil {
		return err
	}
	deps := api.Deps{
		Sender: kafka.Sender{Client: s.producer}, Watcher: s.waiters, Views: views,
		WaitTimeout: s.cfg.WaitTimeout, ReservationTTL: s.cfg.ReservationTTL, Ready: s.Ready,
		Tokens:         tokens,
		EmailThrottle:  auth.NewThrottle(emailFailureLimit, loginFailureWindow),
		ClientThrottle: auth.NewThrottle(clientFailureLimit, loginFailureWindow),
		TrustedProxies: s.cfg.trustedProxies(),
		WriteLimit:     s.cfg.writeLimit(),
		Groups:         kafka.NewGroupWatch(s.producer, ProcessorNames()).Members,
	}
	if s.cfg.AdminEmail != "" {
		s.wantAdmin = true
		s.group.Go(func() error { return s.ensureAdmin(deps) })
	}
	if err := s.serve(api.NewHandler(deps)); err != nil {
		return err
	}
	if seedDemo {
		s.group.Go(func() error { return s.seedDemo(tokens) })
	}
	return nil
}

func (s *System) startViews(g kafka.Goka) (api.Views, error) {
	open := func(t viewTable) (api.Table, error) {
		// The reconciler's views of the stock and orders tables, when it runs
		// in this process, serve the API too: each view is a consumer of one
		// of the two busiest changelogs, with a LevelDB copy to keep. They
		// run until the reconciler's loop returns, which is after the HTTP
		// server has stopped (Stop) or when the process is failing anyway.
		if v := s.views[t.table]; v != nil {
			return v, nil
		}
		if t.cached {
			v, err := g.NewCachedView(t.table, t.codec, "api")
			if err != nil {
				return nil, err
			}
			s.runView(v.View)
			return v, nil
		}
		v, err := s.newView(g, t.table, t.codec, "api")
		if err != nil {
			return nil, err
		}
		s.runView(v)
		return v, nil
	}
	var v api.Views
	var err error
	for _, t := range viewTables(&v) {
		if *t.dst, err = open(t); err != nil {
			return api.Views{}, err
		}
	}
	return v, nil
}

// runView runs v until the process stops and waits for it to be ready.
func (s *System) runView(v *goka.View) {
	s.group.Go(func() error { return v.Run(s.failed) })
	s.readies = append(s.readies, v.Recovered)
}

func (s *System) serve(handler http.Handler) error {
	ln, err := net.Listen("tcp", s.cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", s.cfg.HTTPAddr, err)
	}
	s.listener = ln
	s.server = s.cfg.httpServer(handler)
	s.group.Go(func() error {
		if err := s.server.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("http server: %w", err)
		}
		return nil
	})
	slog.Info("http api listening", "addr", ln.Addr().String(), "docs", "http://"+ln.Addr().String()+"/docs")
	return nil
}

// HTTPAddr is the address the API listens on ("" without API).
func (s *System) HTTPAddr() string {
	if s.listener == nil {
		return ""
	}
	return s.listener.Addr().String()
}

// Brokers are the Kafka brokers in use (the embedded one's under dev).
func (s *System) Brokers() []string { return s.cfg.Brokers }

// Ready reports whether every view and processor has restored its tables
// and the configured admin account exists.
func (s *System) Ready() bool {
	return s.tablesReady() && (!s.wantAdmin || s.adminReady.Load())
}

func (s *System) tablesReady() bool {
	for _, r := range s.readies {
		if !r() {
			return false
		}
	}
	return true
}

// Failed is closed when a part stopped on its own (an error).
func (s *System) Failed() <-chan struct{} { return s.failed.Done() }

// Stop shuts down in the order that loses nothing: stop taking requests
// and let in-flight ones finish (their outcomes still flow), then stop
// processors and views (they commit what they applied), flush the
// producer, and stop the embedded broker last. It returns the first error
// a part stopped with.
func (s *System) Stop(ctx context.Context) error {
	if s.server != nil {
		if err := s.server.Shutdown(ctx); err != nil {
			slog.Warn("http shutdown did not finish in time", "error", err)
		}
	}
	var err error
	if s.cancel != nil {
		s.cancel()
		err = s.group.Wait()
		if err == nil {
			for _, dir := range s.groupDirs {
				markCleanShutdown(dir)
			}
		}
	}
	for _, c := range append([]*kgo.Client{s.producer, s.tickerClient}, s.clients...) {
		if c != nil {
			c.Close()
		}
	}
	if s.broker != nil {
		s.broker.Close()
	}
	return err
}
