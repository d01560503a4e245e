// Command loadgen measures stockflow's order path: it seeds warehouses,
// products, a shop and stock through the API, then places orders from many
// concurrent clients and prints throughput and latency percentiles. The
// transfers scenario does the same for transfers between warehouses, the
// catalog scenario for product reads.
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
	"runtime/pprof"
	"time"

	"github.com/stockflow/stockflow/system"
)

type options struct {
	url        string
	scenario   string
	email      string
	password   string
	catalog    catalogOptions
	orders     int
	transfers  int
	clients    int
	products   int
	warehouses int
	stock      int
	qty        int
	cpuProfile string
}

func main() {
	var o options
	flag.StringVar(&o.url, "url", "", "stockflow API base URL; empty starts one in process")
	flag.StringVar(&o.scenario, "scenario", "orders", "orders (place orders), hot (a flash sale: one product, one warehouse, 20,000 units, 100,000 orders unless set), transfers (move stock between warehouses) or catalog (seed products x warehouses, time GET /products)")
	flag.StringVar(&o.email, "admin-email", "admin@example.com", "admin account to seed with (created when loadgen starts stockflow itself)")
	flag.StringVar(&o.password, "admin-password", "admin-password", "its password")
	flag.IntVar(&o.catalog.products, "catalog-products", 10_000, "catalog scenario: products to seed")
	flag.IntVar(&o.catalog.warehouses, "catalog-warehouses", 10, "catalog scenario: warehouses each product is stocked in")
	flag.IntVar(&o.catalog.reads, "catalog-reads", 2_000, "catalog scenario: GET /products requests per variant")
	flag.IntVar(&o.catalog.pageSize, "catalog-page", 50, "catalog scenario: page size")
	flag.IntVar(&o.orders, "orders", 20000, "orders to place")
	flag.IntVar(&o.transfers, "transfers", 20000, "transfers scenario: transfers to ask for")
	flag.IntVar(&o.clients, "clients", 64, "concurrent clients")
	flag.IntVar(&o.products, "products", 100, "products to spread orders over")
	flag.IntVar(&o.warehouses, "warehouses", 2, "warehouses serving the shop")
	flag.IntVar(&o.stock, "stock", 1_000_000, "units received per product per warehouse")
	flag.IntVar(&o.qty, "qty", 1, "quantity per order line (and per transfer)")
	flag.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the whole run (load generator and in-process stockflow) to this file")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "Usage: loadgen [flags]\n\nPlaces orders against stockflow and prints throughput and latency percentiles.\n\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if o.scenario == "hot" {
		hotDefaults(&o)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			log.Fatalf("loadgen: %v", err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatalf("loadgen: cpu profile: %v", err)
		}
		defer pprof.StopCPUProfile()
	}
	if err := run(ctx, o); err != nil {
		log.Fatalf("loadgen: %v", err)
	}
}

func run(ctx context.Context, o options) error {
	if o.url == "" {
		url, shutdown, err := startInProcess(ctx, o)
		if err != nil {
			return err
		}
		defer shutdown()
		o.url = url
	}
	c := newClient(o.url, o.clients)
	if err := c.login(ctx, o.email, o.password); err != nil {
		return err
	}
	switch o.scenario {
	case "catalog":
		return benchCatalog(ctx, c, o, o.catalog)
	case "transfers":
		return benchTransfers(ctx, c, o)
	}
	setup, err := seed(ctx, c, o)
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	fmt.Printf("seeded %d products x %d warehouses; placing %d orders with %d clients against %s\n",
		o.products, o.warehouses, o.orders, o.clients, o.url)
	res, err := placeOrders(ctx, c, setup, o)
	if err != nil {
		return err
	}
	res.print(stdout)
	return nil
}

var stdout = os.Stdout

// hotDefaults turns the orders scenario into a flash sale: every order is
// for the same product in the same warehouse. Flags given explicitly win.
func hotDefaults(o *options) {
	set := map[string]bool{}
	flag.Visit(func(f *flag.Flag) { set[f.Name] = true })
	defaults := map[string]func(){
		"products":   func() { o.products = 1 },
		"warehouses": func() { o.warehouses = 1 },
		"stock":      func() { o.stock = 20_000 },
		"orders":     func() { o.orders = 100_000 },
		"clients":    func() { o.clients = 64 },
	}
	for name, apply := range defaults {
		if !set[name] {
			apply()
		}
	}
}

func startInProcess(ctx context.Context, o options) (string, func(), error) {
	dir, err := os.MkdirTemp("", "stockflow-loadgen-")
	if err != nil {
		return "", nil, err
	}
	cfg := system.DefaultConfig()
	cfg.DataDir, cfg.HTTPAddr, cfg.EmbeddedKafkaPort = dir, "127.0.0.1:0", 0
	cfg.WaitTimeout, cfg.LogLevel, cfg.TokenTTL = 10*time.Second, "warn", 24*time.Hour
	cfg.AdminEmail, cfg.AdminPassword = o.email, o.password
	cfg.WriteRate = 0 // every client shares one address
	system.SetupLogging(cfg, os.Stderr)
	sys, err := system.Start(ctx, cfg, system.Parts{Embedded: true, Processors: system.ProcessorNames(), API: true})
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
