package system

import (
	"fmt"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/stockflow/stockflow/internal/metrics"
	"github.com/stockflow/stockflow/sinks/clickhouse"
)

// watchLag reports the lag of the consumer groups this process runs (its
// processors and the sink) on /metrics, until the process stops.
func (s *System) watchLag(parts Parts) error {
	groups := append([]string(nil), parts.Processors...)
	if parts.Sink {
		groups = append(groups, clickhouse.Group)
	}
	if len(groups) == 0 {
		return nil
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(s.cfg.Brokers...))
	if err != nil {
		return fmt.Errorf("kafka lag client: %w", err)
	}
	s.clients = append(s.clients, cl)
	stop := metrics.WatchGroupLag(kadm.NewClient(cl), groups)
	s.group.Go(func() error {
		<-s.failed.Done()
		stop()
		return nil
	})
	return nil
}
