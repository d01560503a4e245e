package main

import (
	"context"

	"github.com/stockflow/stockflow/internal/app"
)

type sinkCmd struct {
	ClickHouse sinkClickHouseCmd `cmd:"" name:"clickhouse" help:"Consume stock-movements into ClickHouse (--clickhouse-addr), migrating its schema first."`
}

type sinkClickHouseCmd struct{}

func (sinkClickHouseCmd) Run(ctx context.Context, cfg *app.Config) error {
	if err := requireBrokers(cfg); err != nil {
		return err
	}
	return app.Run(ctx, *cfg, app.Parts{Sink: true})
}
