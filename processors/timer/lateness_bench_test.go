package timer_test

import (
	"context"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/lovoo/goka"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"google.golang.org/protobuf/proto"

	"github.com/stockflow/stockflow/internal/kafka"
	"github.com/stockflow/stockflow/processors/timer"
	"github.com/stockflow/stockflow/topics"
)

// BenchmarkExpiryLateness runs the timer end to end over kfake (the timer
// processor on LevelDB, a scheduler on its view, franz-go producers and a
// consumer of order-commands): it schedules 100,000 deadlines due within
// the same minute, starting a lead time after they are sent, and reports
// lateness (when the consumer receives ExpireOrder, minus the deadline).
// STOCKFLOW_BENCH_EXPIRY_DEADLINES and STOCKFLOW_BENCH_EXPIRY_WINDOW (a Go
// duration) change the load. One run takes about the window plus 20 s.
func BenchmarkExpiryLateness(b *testing.B) {
	n := envInt("STOCKFLOW_BENCH_EXPIRY_DEADLINES", 100_000)
	window := envDuration("STOCKFLOW_BENCH_EXPIRY_WINDOW", time.Minute)
	for range b.N {
		lateness := runExpiries(b, n, window, 15*time.Second)
		slices.Sort(lateness)
		at := func(q float64) float64 {
			return float64(lateness[int(q*float64(len(lateness)-1))].Microseconds()) / 1000
		}
		b.ReportMetric(at(0.5), "p50-ms")
		b.ReportMetric(at(0.99), "p99-ms")
		b.ReportMetric(at(1), "max-ms")
		b.Logf("%d deadlines due within %v: lateness p50 %.0f ms, p99 %.0f ms, max %.0f ms", n, window, at(0.5), at(0.99), at(1))
	}
}

// runExpiries schedules n deadlines spread over window, the first lead
// from now, and returns each one's lateness.
func runExpiries(b *testing.B, n int, window, lead time.Duration) []time.Duration {
	b.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addrs := startBroker(b)
	g := kafka.Goka{Brokers: addrs, StateDir: b.TempDir(), Replication: 1, Logger: quiet{}}

	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	p, err := g.NewProcessor(timer.Graph())
	if err != nil {
		b.Fatal(err)
	}
	client, err := kafka.NewProducer(addrs, "bench-scheduler")
	if err != nil {
		b.Fatal(err)
	}
	defer client.Close()
	sch := timer.NewScheduler(client)
	view, err := sch.NewView(addrs, g.ViewOptions(topics.TimerTable, "bench")...)
	if err != nil {
		b.Fatal(err)
	}
	wg.Add(2)
	go func() { defer wg.Done(); _ = p.Run(ctx) }()
	go func() { defer wg.Done(); _ = sch.Run(ctx, view) }()

	due := make([]time.Time, n)
	lateness := make([]time.Duration, 0, n)
	got := make(chan struct{})
	consumer, err := kgo.NewClient(kgo.SeedBrokers(addrs...), kgo.ConsumeTopics(string(topics.OrderCommands)),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchMaxWait(100*time.Millisecond))
	if err != nil {
		b.Fatal(err)
	}
	defer consumer.Close()
	wg.Add(1)
	go func() {
		defer wg.Done()
		seen := make([]bool, n)
		for ctx.Err() == nil {
			fs := consumer.PollFetches(ctx)
			now := time.Now()
			fs.EachRecord(func(r *kgo.Record) {
				i, err := strconv.Atoi(string(r.Key[len("o-"):]))
				if err != nil || i >= n || seen[i] {
					return // a duplicate: the first one counts
				}
				seen[i] = true
				lateness = append(lateness, now.Sub(due[i]))
				if len(lateness) == n {
					close(got)
				}
			})
		}
	}()
	for !p.Recovered() || !view.Recovered() {
		time.Sleep(10 * time.Millisecond)
	}

	start := time.Now()
	first := start.Add(lead)
	recs := make([]*kgo.Record, 0, n)
	for i := range n {
		id := "o-" + strconv.Itoa(i)
		due[i] = first.Add(time.Duration(i) * window / time.Duration(n)).Truncate(time.Millisecond)
		v, err := proto.Marshal(timer.ScheduleCommand(id, due[i].UnixMilli()))
		if err != nil {
			b.Fatal(err)
		}
		recs = append(recs, &kgo.Record{Topic: string(topics.TimerCommands), Key: []byte(timer.Key(id)), Value: v})
	}
	if err := client.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		b.Fatal(err)
	}
	for sch.Len() < n && time.Now().Before(first) {
		time.Sleep(10 * time.Millisecond)
	}
	b.Logf("%d deadlines scheduled and known to the scheduler in %v (%d known; the first is due after %v)", n, time.Since(start).Round(time.Millisecond), sch.Len(), lead)

	select {
	case <-got:
	case <-time.After(time.Until(first.Add(window + 30*time.Second))):
		b.Fatalf("only %d of %d expiries arrived", len(lateness), n)
	}
	return lateness
}

// startBroker starts kfake with stockflow's topics (6 partitions) until
// the benchmark ends.
func startBroker(b *testing.B) []string {
	b.Helper()
	broker, err := kafka.StartEmbedded(kafka.EmbeddedConfig{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(broker.Close)
	admin, err := kgo.NewClient(kgo.SeedBrokers(broker.Addrs()...))
	if err != nil {
		b.Fatal(err)
	}
	defer admin.Close()
	if err := topics.Ensure(context.Background(), kadm.NewClient(admin), topics.Layout{Partitions: 6, Replication: 1}, topics.All()); err != nil {
		b.Fatal(err)
	}
	return broker.Addrs()
}

// quiet drops goka's log lines.
type quiet struct{}

func (quiet) Print(...any)          {}
func (quiet) Println(...any)        {}
func (quiet) Printf(string, ...any) {}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

func envDuration(name string, def time.Duration) time.Duration {
	if v, err := time.ParseDuration(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

var _ goka.Logger = quiet{}
