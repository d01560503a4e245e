// Command loadgen measures stockflow's order path: it seeds warehouses,
// products, a shop and stock through the API, then places orders from many
// concurrent clients and prints throughput and latency percentiles.
//
// Without --url it starts a whole stockflow (embedded broker, processors,
// API) in process on a temporary data directory, so `make bench` needs
// nothing else running.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"time"

	"github.com/stockflow/stockflow/internal/app"
)

type options struct {
	url        string
	orders     int
	clients    int
	products   int
	warehouses int
	stock      int
	qty        int
}

func main() {
	var o options
	flag.StringVar(&o.url, "url", "", "stockflow API base URL; empty starts one in process")
	flag.IntVar(&o.orders, "orders", 20000, "orders to place")
	flag.IntVar(&o.clients, "clients", 64, "concurrent clients")
	flag.IntVar(&o.products, "products", 100, "products to spread orders over")
	flag.IntVar(&o.warehouses, "warehouses", 2, "warehouses serving the shop")
	flag.IntVar(&o.stock, "stock", 1_000_000, "units received per product per warehouse")
	flag.IntVar(&o.qty, "qty", 1, "quantity per order line")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "Usage: loadgen [flags]\n\nPlaces orders against stockflow and prints throughput and latency percentiles.\n\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, o); err != nil {
		log.Fatalf("loadgen: %v", err)
	}
}

func run(ctx context.Context, o options) error {
	if o.url == "" {
		url, shutdown, err := startInProcess(ctx)
		if err != nil {
			return err
		}
		defer shutdown()
		o.url = url
	}
	c := newClient(o.url, o.clients)
	setup, err := seed(ctx, c, o)
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	fmt.Printf("seeded %d products x %d warehouses; placing %d orders with %d clients against %s\n",
		o.products, o.warehouses, o.orders, o.clients, o.url)
	res := placeOrders(ctx, c, setup, o)
	res.print(os.Stdout)
	return nil
}

func startInProcess(ctx context.Context) (string, func(), error) {
	dir, err := os.MkdirTemp("", "stockflow-loadgen-")
	if err != nil {
		return "", nil, err
	}
	cfg := app.Config{
		DataDir: dir, HTTPAddr: "127.0.0.1:0", EmbeddedKafkaPort: 0, Partitions: 6, Replication: 1,
		WaitTimeout: 10 * time.Second, ReservationTTL: 30 * time.Minute, ShutdownTimeout: 30 * time.Second,
		LogFormat: "text", LogLevel: "warn",
	}
	app.SetupLogging(cfg, os.Stderr)
	sys, err := app.Start(ctx, cfg, app.Parts{Embedded: true, Processors: app.ProcessorNames(), API: true})
	if err != nil {
		return "", nil, err
	}
	for !sys.Ready() {
		time.Sleep(50 * time.Millisecond)
	}
	return "http://" + sys.HTTPAddr(), func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = sys.Stop(stopCtx)
		_ = os.RemoveAll(dir)
	}, nil
}
