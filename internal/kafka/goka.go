package kafka

import (
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"github.com/IBM/sarama"
	"github.com/lovoo/goka"
	"github.com/rcrowley/go-metrics"
)

// Goka holds what every goka processor and view of one process shares.
type Goka struct {
	Brokers []string
	// StateDir holds LevelDB copies of the tables (processor/<group>, view/<table>).
	StateDir string
	// Replication of topics goka creates (its default of 2 fails on one broker).
	Replication int
	// Logger receives goka's own log lines.
	Logger goka.Logger
	// Versions fences the tables it names against late writes of replaced
	// instances (see Versions); other tables apply their changelog as is.
	Versions Versions
}

// Consumer group timing of every goka processor (see SaramaConfig).
const (
	// SessionTimeout is how long the coordinator waits for a silent member
	// (a crashed instance) before it moves its partitions. It must stay
	// well above goka's fixed 5 s pause between consumer-group sessions:
	// a member sends no heartbeats during that pause, and the coordinator
	// expires a member that has not rejoined within the session timeout of
	// its last heartbeat, which starts another rebalance for everyone (a
	// storm on a loaded machine). 6 s, Kafka's minimum, left 1 s of margin;
	// 8 s leaves 3 s.
	SessionTimeout = 8 * time.Second
	// HeartbeatInterval is how often members tell the coordinator they
	// live, and so how soon they learn of a rebalance; a third of
	// SessionTimeout or less.
	HeartbeatInterval = time.Second
)

// SaramaConfig is goka's default configuration with the settings that
// matter for stockflow (see docs/architecture.md, "Kafka settings").
func SaramaConfig() *sarama.Config {
	cfg := goka.DefaultConfig()
	cfg.Version = sarama.V2_8_0_0
	// A new group must read commands produced before it first joined.
	cfg.Consumer.Offsets.Initial = sarama.OffsetOldest
	// goka's 100 ms default adds 100 ms to every emit; 1 ms keeps request to
	// reply under a few milliseconds without hurting throughput.
	cfg.Producer.Flush.Frequency = time.Millisecond
	cfg.Producer.RequiredAcks = sarama.WaitForAll
	// A crashed instance's partitions wait for the coordinator to expire
	// its session, then for goka's fixed 5 s pause before the survivors
	// rejoin. sarama's 10 s session with 3 s heartbeats made that ~16 s;
	// see SessionTimeout for why it is 8 s and not less
	// (docs/operations.md, "Rebalances").
	cfg.Consumer.Group.Session.Timeout = SessionTimeout
	cfg.Consumer.Group.Heartbeat.Interval = HeartbeatInterval
	cfg.Producer.Compression = sarama.CompressionNone
	// Writes to one partition land in the order they were sent, without
	// duplicates: the stock level recognises a saga's re-sent command by
	// its stamp only if a saga partition's commands arrive in order.
	cfg.Producer.Idempotent = true
	cfg.Net.MaxOpenRequests = 1
	// Keep retrying through a broker outage instead of failing the write
	// (and with it the processor) after a few hundred milliseconds.
	cfg.Producer.Retry.Max = 1 << 20
	cfg.Producer.Retry.Backoff = 250 * time.Millisecond
	return cfg
}

func (g Goka) topicManagerConfig() *goka.TopicManagerConfig {
	tm := goka.NewTopicManagerConfig()
	tm.Table.Replication = g.Replication
	tm.Stream.Replication = g.Replication
	// Streams are created up front by package topics with their own
	// retention; this only applies if goka creates one itself.
	tm.Stream.Retention = 7 * 24 * time.Hour
	return tm
}

// sarama records go-metrics histograms and meters for every request and
// message (~3% of the flash sale's CPU); nothing reads them (stockflow's
// metrics are Prometheus'), so they are made no-ops. The flag is read when
// a metric is created, i.e. when a sarama client connects.
func init() { metrics.UseNilMetrics = true }

// useSaramaConfig installs SaramaConfig as goka's global configuration.
// goka's default builders copy the global configuration for every client
// they create; its "WithConfig" builders instead share and mutate one
// *sarama.Config across clients, which is a data race.
var useSaramaConfig = sync.OnceFunc(func() { goka.ReplaceGlobalConfig(SaramaConfig()) })

// ProcessorOptions configures a goka processor for this cluster.
func (g Goka) ProcessorOptions(group goka.Group) []goka.ProcessorOption {
	useSaramaConfig()
	commits := &commitsAfterWrites{}
	opts := []goka.ProcessorOption{
		goka.WithTopicManagerBuilder(goka.TopicManagerBuilderWithTopicManagerConfig(g.topicManagerConfig())),
		goka.WithStorageBuilder(bufferedStorageBuilder(filepath.Join(g.StateDir, "processor", string(group)))),
		goka.WithProducerBuilder(commits.build),
		goka.WithContextWrapper(commits.wrap),
		goka.WithUpdateCallback(fencedUpdate(g.Versions)),
	}
	if g.Logger != nil {
		opts = append(opts, goka.WithLogger(g.Logger))
	}
	return opts
}

// ViewOptions configures a goka view. name separates the local copies of
// several views of one table in one process (for example "api" and
// "reconciler").
func (g Goka) ViewOptions(table goka.Table, name string) []goka.ViewOption {
	useSaramaConfig()
	opts := []goka.ViewOption{
		goka.WithViewTopicManagerBuilder(goka.TopicManagerBuilderWithTopicManagerConfig(g.topicManagerConfig())),
		goka.WithViewStorageBuilder(bufferedStorageBuilder(filepath.Join(g.StateDir, "view", name, string(table)))),
		goka.WithViewAutoReconnect(),
		goka.WithViewBackoffBuilder(viewBackoff),
		goka.WithViewCallback(fencedUpdate(g.Versions)),
	}
	if g.Logger != nil {
		opts = append(opts, goka.WithViewLogger(g.Logger))
	}
	return opts
}

// viewBackoff paces a view partition's reconnects after it lost its
// brokers. goka's default waits 10 s, then 20 s, … up to 2 minutes, with
// the view answering what it held all along: after a broker outage the
// API served levels and orders tens of seconds old (seen in the fault
// suite). Half a second more per try, at most 5 s, follows the brokers'
// return within seconds.
func viewBackoff() (goka.Backoff, error) {
	return goka.NewSimpleBackoff(500*time.Millisecond, 5*time.Second), nil
}

// NewView creates a view of table.
func (g Goka) NewView(table goka.Table, codec goka.Codec, name string) (*goka.View, error) {
	v, err := goka.NewView(g.Brokers, table, codec, g.ViewOptions(table, name)...)
	if err != nil {
		return nil, fmt.Errorf("view %s: %w", table, err)
	}
	return v, nil
}

// NewObservedView creates a view of table that calls stored with every
// value it stores, after storing it (on the view's partition goroutine:
// stored must be quick).
func (g Goka) NewObservedView(table goka.Table, codec goka.Codec, name string, stored func(key string, value []byte)) (*goka.View, error) {
	opts := append(g.ViewOptions(table, name), goka.WithViewCallback(observedUpdate(g.Versions, stored)))
	v, err := goka.NewView(g.Brokers, table, codec, opts...)
	if err != nil {
		return nil, fmt.Errorf("view %s: %w", table, err)
	}
	return v, nil
}

// NewProcessor creates a goka processor for graph.
func (g Goka) NewProcessor(graph *goka.GroupGraph) (*goka.Processor, error) {
	p, err := goka.NewProcessor(g.Brokers, graph, g.ProcessorOptions(graph.Group())...)
	if err != nil {
		return nil, fmt.Errorf("processor %s: %w", graph.Group(), err)
	}
	return p, nil
}
