package system

import (
	"context"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kerr"
)

// A process started while no broker answers waits for Kafka (until its
// context ends) instead of exiting at once.
func TestStartWaitsWhileKafkaIsUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now: every dial is refused
	cfg := DefaultConfig()
	cfg.Brokers, cfg.DataDir, cfg.HTTPAddr = []string{addr}, t.TempDir(), "127.0.0.1:0"
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	began := time.Now()
	s, err := Start(ctx, cfg, Parts{Processors: []string{"users"}})
	if err == nil {
		_ = s.Stop(context.Background())
		t.Fatal("started without Kafka")
	}
	if took := time.Since(began); took < 1500*time.Millisecond {
		t.Fatalf("gave up after %s (%v); want it to wait until its context ends", took, err)
	}
}

func TestUnreachable(t *testing.T) {
	_, dialErr := net.Dial("tcp", "127.0.0.1:1")
	for _, c := range []struct {
		err  error
		want bool
	}{
		{fmt.Errorf("list topics: unable to dial: %w", dialErr), true},
		// After a leader election (seen when an API started as the fault suite killed a leader).
		{fmt.Errorf("list outcome end offsets: %w", kerr.OffsetNotAvailable), true},
		{fmt.Errorf("processor: %w", sarama.ErrLeaderNotAvailable), true},
		{fmt.Errorf("topic %q has %d partitions, want %d", "x", 3, 6), false},
	} {
		if got := unreachable(c.err); got != c.want {
			t.Errorf("unreachable(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}
