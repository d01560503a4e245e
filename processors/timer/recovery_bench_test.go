package timer_test

import (
	"context"
	"os"
	"runtime"
	"runtime/pprof"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"google.golang.org/protobuf/proto"

	"github.com/stockflow/stockflow/internal/kafka"
	"github.com/stockflow/stockflow/processors/timer"
	pb "github.com/stockflow/stockflow/schemas/stockflowv1"
	"github.com/stockflow/stockflow/topics"
)

// BenchmarkSchedulerRecovery measures a scheduler starting over a timer
// table of 1,000,000 pending deadlines on kfake (its view reads the whole
// table), then idling: it reports the start-up time, the memory held, and
// the CPU the process spends per second once running.
// STOCKFLOW_BENCH_RECOVERY_DEADLINES changes the count.
func BenchmarkSchedulerRecovery(b *testing.B) {
	n := envInt("STOCKFLOW_BENCH_RECOVERY_DEADLINES", 1_000_000)
	addrs := startBroker(b)
	client, err := kafka.NewProducer(addrs, "bench-table", kgo.ProducerLinger(5*time.Millisecond))
	if err != nil {
		b.Fatal(err)
	}
	defer client.Close()
	base := time.Now().Add(time.Hour)
	const chunk = 50_000
	for from := 0; from < n; from += chunk {
		recs := make([]*kgo.Record, 0, chunk)
		for i := from; i < min(n, from+chunk); i++ {
			id := orderID(i)
			v, _ := proto.Marshal(&pb.TimerDeadline{OrderId: id, DueUnixMs: base.Add(time.Duration(i) * time.Millisecond).UnixMilli()})
			recs = append(recs, &kgo.Record{Topic: string(topics.TimerTable), Key: []byte(id), Value: v})
		}
		if err := client.ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
			b.Fatal(err)
		}
	}
	g := kafka.Goka{Brokers: addrs, Replication: 1, Logger: quiet{}}
	for range b.N {
		before := heapInUse()
		ctx, cancel := context.WithCancel(context.Background())
		sch := timer.NewScheduler(client)
		view, err := sch.NewView(addrs, g.ViewOptions(topics.TimerTable, "bench")...)
		if err != nil {
			b.Fatal(err)
		}
		done := make(chan error, 1)
		start := time.Now()
		go func() { done <- sch.Run(ctx, view) }()
		for !view.Recovered() || sch.Len() < n {
			time.Sleep(10 * time.Millisecond)
		}
		took := time.Since(start)
		held := heapInUse() - before
		time.Sleep(2 * time.Second) // let start-up's garbage be collected
		if f, err := os.Create(os.Getenv("STOCKFLOW_BENCH_IDLE_PROFILE")); err == nil {
			_ = pprof.StartCPUProfile(f)
			defer pprof.StopCPUProfile()
		}
		cpu0, wall0 := cpuTime(), time.Now()
		time.Sleep(5 * time.Second)
		idle := float64(cpuTime()-cpu0) / float64(time.Since(wall0))
		b.ReportMetric(took.Seconds(), "startup-s")
		b.ReportMetric(float64(held)/(1<<20), "heap-MiB")
		b.ReportMetric(idle*1000, "idle-CPU-ms/s")
		b.Logf("%d deadlines: view recovered in %v, %d MiB held, %.1f ms CPU per second idle (whole process, kfake included)", n, took.Round(time.Millisecond), held>>20, idle*1000)
		cancel()
		if err := <-done; err != nil {
			b.Fatal(err)
		}
		runtime.KeepAlive(sch)
	}
}

// cpuTime is the CPU this process has used (user + system).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
