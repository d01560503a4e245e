package system

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/stockflow/stockflow/sinks/clickhouse"
)

// Analytics configures the ClickHouse sink (`stockflow sink clickhouse`,
// and `stockflow dev` when an address is set).
type Analytics struct {
	ClickHouseAddr          string        `name:"clickhouse-addr" env:"STOCKFLOW_CLICKHOUSE_ADDR" help:"ClickHouse native-protocol address (host:port) for the analytics sink. Under dev, set it to run the sink."`
	ClickHouseDatabase      string        `name:"clickhouse-database" env:"STOCKFLOW_CLICKHOUSE_DATABASE" default:"default" help:"ClickHouse database of the analytics tables (must exist)."`
	ClickHouseUser          string        `name:"clickhouse-user" env:"STOCKFLOW_CLICKHOUSE_USER" default:"default" help:"ClickHouse user."`
	ClickHousePassword      string        `name:"clickhouse-password" env:"STOCKFLOW_CLICKHOUSE_PASSWORD" help:"ClickHouse password (empty: none)."`
	ClickHouseBatchSize     int           `name:"clickhouse-batch-size" env:"STOCKFLOW_CLICKHOUSE_BATCH_SIZE" default:"100000" help:"Most movements per ClickHouse insert."`
	ClickHouseFlushInterval time.Duration `name:"clickhouse-flush-interval" env:"STOCKFLOW_CLICKHOUSE_FLUSH_INTERVAL" default:"1s" help:"Longest a movement waits for its batch to fill before it is inserted."`
}

// validate reports the analytics settings' problems.
func (a Analytics) validate() []error {
	var errs []error
	if a.ClickHouseBatchSize < 0 {
		errs = append(errs, fmt.Errorf("--clickhouse-batch-size must not be negative, got %d", a.ClickHouseBatchSize))
	}
	if a.ClickHouseFlushInterval < 0 {
		errs = append(errs, fmt.Errorf("--clickhouse-flush-interval must not be negative, got %s", a.ClickHouseFlushInterval))
	}
	return errs
}

func (a Analytics) sinkConfig(brokers []string) clickhouse.Config {
	return clickhouse.Config{
		Brokers: brokers, Addr: a.ClickHouseAddr, Database: a.ClickHouseDatabase,
		Username: a.ClickHouseUser, Password: a.ClickHousePassword,
		BatchSize: a.ClickHouseBatchSize, FlushInterval: a.ClickHouseFlushInterval,
	}
}

// checkSink refuses a sink without a ClickHouse address before anything is dialled.
func checkSink(cfg Config, parts Parts) error {
	if parts.Sink && cfg.ClickHouseAddr == "" {
		return errors.New("the clickhouse sink needs --clickhouse-addr (or STOCKFLOW_CLICKHOUSE_ADDR)")
	}
	return nil
}

// startSink runs the ClickHouse sink beside the other parts. It never
// holds up readiness: the order path does not wait on analytics.
func (s *System) startSink() error {
	sink, err := clickhouse.New(s.cfg.sinkConfig(s.cfg.Brokers))
	if err != nil {
		return fmt.Errorf("clickhouse sink: %w", err)
	}
	s.group.Go(func() error {
		if err := sink.Run(s.failed); err != nil {
			return fmt.Errorf("clickhouse sink: %w", err)
		}
		return nil
	})
	slog.Info("clickhouse sink started", "addr", s.cfg.ClickHouseAddr, "database", s.cfg.ClickHouseDatabase)
	return nil
}
