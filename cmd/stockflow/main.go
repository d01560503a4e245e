// Command stockflow runs the stockflow order and stock system: everything
// in one process for development (dev), or each part on its own (api,
// process) against a Kafka cluster.
package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/alecthomas/kong"

	"github.com/stockflow/stockflow/system"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

type cli struct {
	system.Config `embed:""`

	Dev     devCmd     `cmd:"" help:"Run everything in one process: an embedded Kafka broker (unless --brokers is set), every processor and the HTTP API."`
	API     apiCmd     `cmd:"" name:"api" help:"Run the HTTP API against --brokers."`
	Process processCmd `cmd:"" help:"Run processors against --brokers (all of them unless named)."`
	Topics  topicsCmd  `cmd:"" help:"Create missing topics on --brokers and exit."`
	Sink    sinkCmd    `cmd:"" help:"Run an analytics sink against --brokers."`
	Version versionCmd `cmd:"" help:"Print the version and exit."`
}

type devCmd struct {
	Demo bool `name:"demo" env:"STOCKFLOW_DEMO" help:"Seed demo data (2 shops, 4 warehouses, 50 products with stock); seeding again changes nothing."`
	// PprofAddr serves net/http/pprof for profiling (docs/performance.md).
	// Development only: it is never on by default and not in api/process.
	PprofAddr string `name:"pprof-addr" env:"STOCKFLOW_PPROF_ADDR" help:"Serve Go's /debug/pprof on this address (e.g. 127.0.0.1:6060) for profiling; off when empty."`
}

func (c devCmd) Run(ctx context.Context, cfg *system.Config) error {
	if c.PprofAddr != "" {
		srv := &http.Server{Addr: c.PprofAddr, Handler: pprofMux(), ReadHeaderTimeout: 5 * time.Second}
		go func() {
			if err := srv.ListenAndServe(); err != nil && err != http.ErrServerClosed {
				fmt.Fprintln(os.Stderr, "stockflow: pprof:", err)
			}
		}()
		defer srv.Close()
	}
	return system.Run(ctx, *cfg, system.Parts{Embedded: true, Processors: system.ProcessorNames(), API: true, Demo: c.Demo, Sink: cfg.ClickHouseAddr != ""})
}

type apiCmd struct{}

func (apiCmd) Run(ctx context.Context, cfg *system.Config) error {
	if err := requireBrokers(cfg); err != nil {
		return err
	}
	return system.Run(ctx, *cfg, system.Parts{API: true})
}

type processCmd struct {
	Names []string `arg:"" optional:"" help:"Processors to run: catalog, orders, shops, skus, stock, timer, users, warehouses."`
}

func (c processCmd) Run(ctx context.Context, cfg *system.Config) error {
	if err := requireBrokers(cfg); err != nil {
		return err
	}
	names := c.Names
	if len(names) == 0 {
		names = system.ProcessorNames()
	}
	return system.Run(ctx, *cfg, system.Parts{Processors: names})
}

type topicsCmd struct{}

func (topicsCmd) Run(ctx context.Context, cfg *system.Config) error {
	if err := requireBrokers(cfg); err != nil {
		return err
	}
	s, err := system.Start(ctx, *cfg, system.Parts{})
	if err != nil {
		return err
	}
	return s.Stop(ctx)
}

type versionCmd struct{}

func (versionCmd) Run() error {
	fmt.Println(version)
	return nil
}

func requireBrokers(cfg *system.Config) error {
	if len(cfg.Brokers) == 0 {
		return fmt.Errorf("--brokers (or STOCKFLOW_BROKERS) is required outside dev")
	}
	return nil
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var c cli
	k := kong.Parse(&c,
		kong.Name("stockflow"),
		kong.Description("Orders and multi-warehouse stock as Kafka stream processors. Every flag also reads the environment variable shown."),
		kong.UsageOnError(),
		kong.BindTo(ctx, (*context.Context)(nil)),
		kong.Bind(&c.Config),
	)
	system.SetupLogging(c.Config, os.Stderr)
	if err := k.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "stockflow:", err)
		os.Exit(1)
	}
}

// pprofMux serves net/http/pprof's handlers on their own mux, never on the
// API's.
func pprofMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}
