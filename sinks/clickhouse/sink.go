package clickhouse

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/stockflow/stockflow/internal/kafka"
	"github.com/stockflow/stockflow/internal/metrics"
	"github.com/stockflow/stockflow/schemas"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
	"github.com/stockflow/stockflow/topics"
)

// Group is the Kafka consumer group of the ClickHouse sink.
const Group = "clickhouse-sink"

// Config configures a Sink. Zero values take the documented defaults.
type Config struct {
	// Brokers are the Kafka bootstrap brokers. Required.
	Brokers []string
	// Addr is ClickHouse's native-protocol address, host:port. Required.
	Addr string
	// Database holds the tables (default "default"); it must exist.
	Database string
	// Username and Password authenticate (default user "default", no password).
	Username, Password string
	// Group is the consumer group (default Group).
	Group string
	// BatchSize caps the movements of one insert (default 100,000).
	BatchSize int
	// FlushInterval caps how long a movement waits for its batch to fill
	// (default 1s): the sink's contribution to freshness.
	FlushInterval time.Duration
	// MaxBackoff caps the wait between retries while ClickHouse is down
	// (default 10s; retries start at 100ms and double).
	MaxBackoff time.Duration
}

func (c Config) withDefaults() Config {
	if c.Database == "" {
		c.Database = "default"
	}
	if c.Username == "" {
		c.Username = "default"
	}
	if c.Group == "" {
		c.Group = Group
	}
	if c.BatchSize <= 0 {
		c.BatchSize = 100_000
	}
	if c.FlushInterval <= 0 {
		c.FlushInterval = time.Second
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = 10 * time.Second
	}
	return c
}

// Validate reports every missing setting at once.
func (c Config) Validate() error {
	var errs []error
	if len(c.Brokers) == 0 {
		errs = append(errs, errors.New("clickhouse sink: no Kafka brokers"))
	}
	if c.Addr == "" {
		errs = append(errs, errors.New("clickhouse sink: no ClickHouse address (--clickhouse-addr)"))
	}
	return errors.Join(errs...)
}

// Sink consumes stock-movements and stores them in ClickHouse in batches,
// committing a batch's offsets only once it is stored. A batch seen again
// after a crash is not counted twice: versions already stored are skipped
// (see stored) and the table deduplicates by movement as a second line.
type Sink struct {
	cfg    Config
	client *kgo.Client
	conn   driver.Conn
	stored *stored
	lag    map[int32]int64
	// dirty holds levels whose aggregates may disagree with the raw table
	// (see repair.go): those of a failed insert, of movements already
	// stored (a redelivery after an insert that may have stopped half-way)
	// and of the first batch after a start. They are repaired once the
	// batch is stored.
	dirty map[[2]string]bool
	// started is set once a batch is stored.
	started bool
	// reassigned is set by the group when partitions move: another
	// instance may have stored (or half-stored) their movements since, so
	// the version cache is dropped and the next batch repaired.
	reassigned atomic.Bool
	// afterInsert, when set (tests), runs after a batch is stored and
	// before its offsets are committed; an error stops Run there.
	afterInsert func() error
}

// New connects lazily: nothing is contacted until Run.
func New(cfg Config) (*Sink, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	conn, err := Open(cfg)
	if err != nil {
		return nil, err
	}
	s := &Sink{cfg: cfg, conn: conn, stored: newStored(conn), lag: map[int32]int64{}, dirty: map[[2]string]bool{}}
	moved := func(context.Context, *kgo.Client, map[string][]int32) { s.reassigned.Store(true) }
	client, err := kafka.NewProducer(cfg.Brokers, "stockflow-clickhouse-sink",
		kgo.OnPartitionsAssigned(moved), kgo.OnPartitionsRevoked(moved), kgo.OnPartitionsLost(moved),
		kgo.ConsumerGroup(cfg.Group),
		kgo.ConsumeTopics(string(topics.StockMovements)),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.DisableAutoCommit(),
		kgo.BlockRebalanceOnPoll(),
		kgo.FetchMaxWait(500*time.Millisecond),
		kgo.FetchMaxPartitionBytes(8<<20),
	)
	if err != nil {
		_ = conn.Close()
		return nil, err
	}
	s.client = client
	return s, nil
}

// Open returns a native-protocol connection to the configured ClickHouse.
func Open(cfg Config) (driver.Conn, error) {
	cfg = cfg.withDefaults()
	conn, err := ch.Open(&ch.Options{
		Protocol:    ch.Native,
		Addr:        []string{cfg.Addr},
		Auth:        ch.Auth{Database: cfg.Database, Username: cfg.Username, Password: cfg.Password},
		DialTimeout: 5 * time.Second,
		ReadTimeout: time.Minute,
	})
	if err != nil {
		return nil, fmt.Errorf("clickhouse %s: %w", cfg.Addr, err)
	}
	return conn, nil
}

// Run migrates the schema, then consumes until ctx ends. While ClickHouse
// is unreachable it retries with backoff and consumes nothing more, so it
// resumes where it stopped. It returns nil when ctx ends; a batch read but
// not yet stored is then read again by the next run.
func (s *Sink) Run(ctx context.Context) error {
	defer s.conn.Close()
	defer func() {
		// Closing leaves the group, which waits for rebalances to be allowed.
		s.client.AllowRebalance()
		s.client.Close()
	}()
	if err := s.retry(ctx, "migrate", func() error {
		res, err := Migrate(ctx, s.conn, 0)
		if err == nil {
			slog.Info("clickhouse schema ready", "server", res.Server, "applied", res.Applied, "skipped", res.Skipped)
		}
		return err
	}); err != nil {
		return nil
	}
	var batch []*kgo.Record
	var first time.Time
	for {
		pollCtx, cancel := ctx, context.CancelFunc(func() {})
		if len(batch) > 0 {
			pollCtx, cancel = context.WithDeadline(ctx, first.Add(s.cfg.FlushInterval))
		}
		fetches := s.client.PollRecords(pollCtx, s.cfg.BatchSize-len(batch))
		cancel()
		if ctx.Err() != nil || s.client.Context().Err() != nil {
			return nil
		}
		fetches.EachError(func(topic string, p int32, err error) {
			if !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
				slog.Warn("clickhouse sink fetch failed", "topic", topic, "partition", p, "error", err)
			}
		})
		s.trackLag(fetches)
		if recs := fetches.Records(); len(recs) > 0 {
			if len(batch) == 0 {
				first = time.Now()
			}
			batch = append(batch, recs...)
		}
		if len(batch) > 0 && (len(batch) >= s.cfg.BatchSize || time.Since(first) >= s.cfg.FlushInterval) {
			if err := s.flush(ctx, batch); err != nil {
				if ctx.Err() != nil {
					return nil
				}
				return err
			}
			batch = batch[:0]
		}
		if len(batch) == 0 {
			s.client.AllowRebalance()
		}
	}
}

// flush stores a batch (dead-lettering what cannot be decoded), then commits its offsets.
func (s *Sink) flush(ctx context.Context, recs []*kgo.Record) error {
	start := time.Now()
	rows := make([]Row, 0, len(recs))
	for _, r := range recs {
		row, err := Decode(string(r.Key), r.Value)
		if err != nil {
			failures.WithLabelValues("poison").Inc()
			metrics.ProcessorMessages.WithLabelValues(s.cfg.Group, r.Topic, "dead_letter").Inc()
			if err := s.retry(ctx, "dead_letter", func() error { return s.deadLetter(ctx, r, err) }); err != nil {
				return err
			}
			continue
		}
		rows = append(rows, row)
	}
	if err := s.retry(ctx, "insert", func() error { return s.store(ctx, rows) }); err != nil {
		return err
	}
	if s.afterInsert != nil {
		if err := s.afterInsert(); err != nil {
			return err
		}
	}
	// Commit even when ctx just ended: the batch is stored.
	commitCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := s.client.CommitRecords(commitCtx, recs...); err != nil {
		// Not fatal: the next batch's commit covers these offsets, and a
		// redelivery is skipped as already stored.
		failures.WithLabelValues("commit").Inc()
		slog.Warn("clickhouse sink: commit failed", "error", err)
	}
	batchDuration.Observe(time.Since(start).Seconds())
	return nil
}

// Decode turns a stock-movements record into its row: it fails on bytes
// that are not a StockMovement, on a movement ToRow refuses, and on a key
// other than the movement's "<product>@<warehouse>" (its ordering, which
// deduplication relies on, would not hold).
func Decode(key string, value []byte) (Row, error) {
	m, err := schemas.StockMovementCodec.Unmarshal(value)
	if err != nil {
		return Row{}, err
	}
	row, err := ToRow(m)
	if err != nil {
		return Row{}, err
	}
	if row.key() != key {
		return Row{}, fmt.Errorf("%w: movement of %s on key %q", ErrBadMovement, row.key(), key)
	}
	return row, nil
}

// store inserts the rows not already stored.
func (s *Sink) store(ctx context.Context, rows []Row) error {
	if s.reassigned.Swap(false) {
		s.stored = newStored(s.conn)
		s.started = false
	}
	if !s.started {
		s.markDirty(rows)
	}
	if len(s.dirty) > 0 {
		if err := s.settle(ctx); err != nil {
			return err
		}
	}
	fresh, err := s.stored.fresh(ctx, rows)
	if err != nil {
		failures.WithLabelValues("dedup").Inc()
		return err
	}
	if dups := len(rows) - len(fresh); dups > 0 {
		duplicatesSkipped.Add(float64(dups))
		s.markDirty(rows)
	}
	if len(fresh) > 0 {
		// Not cancelled by shutdown: an insert stopped half-way may leave
		// the raw table written and a view not.
		insertCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
		err := Insert(insertCtx, s.conn, fresh)
		cancel()
		if err != nil {
			// It may have landed, in part: look the levels up again
			// before retrying, and repair their aggregates after.
			s.stored.forget(rows)
			s.markDirty(rows)
			failures.WithLabelValues("insert").Inc()
			return err
		}
		s.stored.commit(fresh)
	}
	s.started = true
	if len(s.dirty) > 0 {
		if err := s.repair(ctx, s.dirty); err != nil {
			failures.WithLabelValues("repair").Inc()
			return err
		}
		slog.Info("clickhouse sink: repaired the aggregates of levels a batch may have half-stored", "levels", len(s.dirty))
		clear(s.dirty)
	}
	if len(fresh) == 0 {
		return nil
	}
	rowsWritten.Add(float64(len(fresh)))
	var newest int64
	for _, r := range fresh {
		newest = max(newest, r.AtUnixMs)
	}
	lagSeconds.Set(time.Since(time.UnixMilli(newest)).Seconds())
	return nil
}

func (s *Sink) markDirty(rows []Row) {
	for _, r := range rows {
		s.dirty[[2]string{r.ProductID, r.WarehouseID}] = true
	}
}

// Insert writes rows to stock_movements in one native-protocol batch,
// column by column (several times faster than appending row by row).
func Insert(ctx context.Context, conn driver.Conn, rows []Row) error {
	b, err := conn.PrepareBatch(ctx, "INSERT INTO stock_movements ("+Columns+")")
	if err != nil {
		return fmt.Errorf("prepare insert: %w", err)
	}
	for i, col := range columnsOf(rows) {
		if err := b.Column(i).Append(col); err != nil {
			_ = b.Abort()
			return fmt.Errorf("append column %d: %w", i, err)
		}
	}
	if err := b.Send(); err != nil {
		return fmt.Errorf("insert %d movements: %w", len(rows), err)
	}
	return nil
}

func (s *Sink) deadLetter(ctx context.Context, r *kgo.Record, cause error) error {
	slog.Warn("clickhouse sink: dead-lettering movement", "topic", r.Topic, "partition", r.Partition, "offset", r.Offset, "key", string(r.Key), "error", cause)
	value, err := schemas.DeadLetterCodec.Encode(&pb.DeadLetter{
		SourceTopic: r.Topic, Partition: r.Partition, Offset: r.Offset, Key: string(r.Key),
		Value: r.Value, Group: s.cfg.Group, Error: cause.Error(), AtUnixMs: time.Now().UnixMilli(),
	})
	if err != nil {
		return fmt.Errorf("encode dead letter: %w", err)
	}
	rec := &kgo.Record{Topic: string(topics.DeadLetters), Key: r.Key, Value: value}
	if err := s.client.ProduceSync(ctx, rec).FirstErr(); err != nil {
		failures.WithLabelValues("dead_letter").Inc()
		return fmt.Errorf("produce dead letter: %w", err)
	}
	return nil
}

// retry runs fn until it succeeds or ctx ends, backing off from 100ms to MaxBackoff.
func (s *Sink) retry(ctx context.Context, what string, fn func() error) error {
	wait := 100 * time.Millisecond
	for attempt := 1; ; attempt++ {
		err := fn()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		slog.Warn("clickhouse sink: retrying", "stage", what, "attempt", attempt, "in", wait, "error", err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, s.cfg.MaxBackoff)
	}
}

// trackLag sets the lag gauge from the fetched partitions' high watermarks.
func (s *Sink) trackLag(fetches kgo.Fetches) {
	fetches.EachPartition(func(p kgo.FetchTopicPartition) {
		if n := len(p.Records); n > 0 {
			s.lag[p.Partition] = p.HighWatermark - p.Records[n-1].Offset - 1
		}
	})
	var sum int64
	for _, l := range s.lag {
		sum += l
	}
	lagRecords.Set(float64(sum))
}
