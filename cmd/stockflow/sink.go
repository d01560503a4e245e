package main

import (
	"context"

	"github.com/stockflow/stockflow/system"
)

type sinkCmd struct {
	ClickHouse sinkClickHouseCmd `cmd:"" name:"clickhouse" help:"Consume stock-movements into ClickHouse (--clickhouse-addr), migrating its schema first."`
}

type sinkClickHouseCmd struct{}

func (sinkClickHouseCmd) Run(ctx context.Context, cfg *system.Config) error {
	if err := requireBrokers(cfg); err != nil {
		return err
	}
	return system.Run(ctx, *cfg, system.Parts{Sink: true})
}
