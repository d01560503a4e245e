package system

import (
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/stockflow/stockflow/internal/auth"
)

// Config is every setting of a stockflow process, from flags or environment
// variables (flags win). Defaults suit `stockflow dev` on a laptop.
type Config struct {
	Brokers           []string      `name:"brokers" env:"STOCKFLOW_BROKERS" sep:"," help:"Kafka bootstrap brokers (host:port,...). Under dev, empty starts an embedded broker."`
	DataDir           string        `name:"data-dir" env:"STOCKFLOW_DATA_DIR" default:"./data" help:"Local state: table copies (LevelDB) and, under dev, the embedded broker's log."`
	HTTPAddr          string        `name:"http-addr" env:"STOCKFLOW_HTTP_ADDR" default:":8080" help:"HTTP listen address of the API and /metrics."`
	EmbeddedKafkaPort int           `name:"embedded-kafka-port" env:"STOCKFLOW_EMBEDDED_KAFKA_PORT" default:"19092" help:"Port of the embedded broker on 127.0.0.1 (dev only; 0 picks one)."`
	Partitions        int32         `name:"partitions" env:"STOCKFLOW_PARTITIONS" default:"6" help:"Partitions of every topic. Fixed once data exists."`
	Replication       int16         `name:"replication" env:"STOCKFLOW_REPLICATION" default:"1" help:"Replication factor of topics stockflow creates (3 on a production cluster)."`
	WaitTimeout       time.Duration `name:"wait-timeout" env:"STOCKFLOW_WAIT_TIMEOUT" default:"5s" help:"How long a request waits for its outcome before answering 202 Accepted."`
	ReservationTTL    time.Duration `name:"reservation-ttl" env:"STOCKFLOW_RESERVATION_TTL" default:"30m" help:"How long an unpaid order keeps its stock reserved."`
	ReconcileInterval time.Duration `name:"reconcile-interval" env:"STOCKFLOW_RECONCILE_INTERVAL" default:"1m" help:"How often the orders processor's host compares stock holds with orders and re-drives any that disagree, and the transfers processor's host re-drives transfers stuck in requested (0 disables)."`
	ReconcileAfter    time.Duration `name:"reconcile-after" env:"STOCKFLOW_RECONCILE_AFTER" default:"30s" help:"How long an order may stay pending, or closed yet holding stock, or a transfer stay requested, before it is re-driven."`
	ShutdownTimeout   time.Duration `name:"shutdown-timeout" env:"STOCKFLOW_SHUTDOWN_TIMEOUT" default:"30s" help:"How long a graceful shutdown waits for in-flight requests."`
	TokenKey          string        `name:"token-key" env:"STOCKFLOW_TOKEN_KEY" help:"Secret (>= 32 bytes) signing access tokens. Required by api; dev uses a fixed development key if empty."`
	TokenTTL          time.Duration `name:"token-ttl" env:"STOCKFLOW_TOKEN_TTL" default:"1h" help:"Lifetime of access tokens."`
	TrustedProxies    []string      `name:"trusted-proxies" env:"STOCKFLOW_TRUSTED_PROXIES" sep:"," help:"CIDRs of reverse proxies whose X-Forwarded-For names the client (for login throttling and the write rate limit). Empty trusts none."`
	HTTPReadTimeout   time.Duration `name:"http-read-timeout" env:"STOCKFLOW_HTTP_READ_TIMEOUT" default:"15s" help:"Longest time to read a request, headers and body (slow clients are cut off)."`
	HTTPWriteTimeout  time.Duration `name:"http-write-timeout" env:"STOCKFLOW_HTTP_WRITE_TIMEOUT" default:"30s" help:"Longest time to answer a request once read; must exceed --wait-timeout."`
	HTTPIdleTimeout   time.Duration `name:"http-idle-timeout" env:"STOCKFLOW_HTTP_IDLE_TIMEOUT" default:"2m" help:"How long an idle keep-alive connection stays open."`
	HTTPMaxHeaderSize int           `name:"http-max-header-bytes" env:"STOCKFLOW_HTTP_MAX_HEADER_BYTES" default:"16384" help:"Largest request header block in bytes; larger ones get 431."`
	WriteRate         float64       `name:"write-rate" env:"STOCKFLOW_WRITE_RATE" default:"50" help:"Writes (POST, PUT, PATCH) per second each caller (bearer token, else client address) may sustain; more get 429 with Retry-After. 0 disables."`
	WriteBurst        int           `name:"write-burst" env:"STOCKFLOW_WRITE_BURST" default:"100" help:"Writes a caller may send at once before --write-rate applies."`
	AdminEmail        string        `name:"admin-email" env:"STOCKFLOW_ADMIN_EMAIL" help:"Ensure an admin account with this email exists at start."`
	AdminPassword     string        `name:"admin-password" env:"STOCKFLOW_ADMIN_PASSWORD" help:"Password of the ensured admin account (used only when it is created)."`
	LogFormat         string        `name:"log-format" env:"STOCKFLOW_LOG_FORMAT" default:"text" enum:"text,json" help:"Log format: text or json."`
	LogLevel          string        `name:"log-level" env:"STOCKFLOW_LOG_LEVEL" default:"info" enum:"debug,info,warn,error" help:"Least severe level logged."`
	Analytics         `embed:""`
}

// DefaultConfig is the configuration every flag's default gives (the
// `default` tags above; a test keeps the two equal). Tests and the load
// generator start from it and change what they need.
func DefaultConfig() Config {
	return Config{
		DataDir: "./data", HTTPAddr: ":8080", EmbeddedKafkaPort: 19092,
		Partitions: 6, Replication: 1,
		WaitTimeout: 5 * time.Second, ReservationTTL: 30 * time.Minute,
		ReconcileInterval: time.Minute, ReconcileAfter: 30 * time.Second,
		ShutdownTimeout: 30 * time.Second, TokenTTL: time.Hour,
		HTTPReadTimeout: 15 * time.Second, HTTPWriteTimeout: 30 * time.Second, HTTPIdleTimeout: 2 * time.Minute,
		HTTPMaxHeaderSize: 16 << 10, WriteRate: 50, WriteBurst: 100,
		LogFormat: "text", LogLevel: "info",
		Analytics: Analytics{
			ClickHouseDatabase: "default", ClickHouseUser: "default",
			ClickHouseBatchSize: 100_000, ClickHouseFlushInterval: time.Second,
		},
	}
}

// Validate reports every invalid setting at once.
func (c Config) Validate() error {
	var errs []error
	check := func(bad bool, format string, args ...any) {
		if bad {
			errs = append(errs, fmt.Errorf(format, args...))
		}
	}
	check(c.DataDir == "", "--data-dir must not be empty")
	check(c.HTTPAddr == "", "--http-addr must not be empty")
	check(c.Partitions < 1 || c.Partitions > 1000, "--partitions must be between 1 and 1000, got %d", c.Partitions)
	check(c.Replication < 1, "--replication must be at least 1, got %d", c.Replication)
	check(c.WaitTimeout <= 0 || c.WaitTimeout > time.Minute, "--wait-timeout must be in (0, 1m], got %s", c.WaitTimeout)
	check(c.ReservationTTL < time.Second, "--reservation-ttl must be at least 1s, got %s", c.ReservationTTL)
	check(c.ReconcileInterval < 0, "--reconcile-interval must not be negative, got %s", c.ReconcileInterval)
	check(c.ReconcileInterval > 0 && c.ReconcileAfter <= 0, "--reconcile-after must be positive, got %s", c.ReconcileAfter)
	check(c.ShutdownTimeout <= 0, "--shutdown-timeout must be positive, got %s", c.ShutdownTimeout)
	check(c.TokenKey != "" && len(c.TokenKey) < auth.MinKeyBytes, "--token-key must be at least %d bytes, got %d", auth.MinKeyBytes, len(c.TokenKey))
	check(c.TokenTTL < time.Minute, "--token-ttl must be at least 1m, got %s", c.TokenTTL)
	check((c.AdminEmail == "") != (c.AdminPassword == ""), "--admin-email and --admin-password go together")
	check(c.AdminPassword != "" && auth.CheckPolicy(c.AdminEmail, c.AdminPassword) != nil, "--admin-password: %v", auth.CheckPolicy(c.AdminEmail, c.AdminPassword))
	check(c.EmbeddedKafkaPort < 0 || c.EmbeddedKafkaPort > 65535, "--embedded-kafka-port must be a port number, got %d", c.EmbeddedKafkaPort)
	errs = append(errs, c.validateHTTPLimits()...)
	for _, p := range c.TrustedProxies {
		_, err := netip.ParsePrefix(p)
		check(err != nil, "--trusted-proxies: %q is not a CIDR like 10.0.0.0/8", p)
	}
	for _, b := range c.Brokers {
		check(b == "", "--brokers has an empty entry")
	}
	errs = append(errs, c.Analytics.validate()...)
	return errors.Join(errs...)
}

// trustedProxies parses --trusted-proxies (validated by Validate).
func (c Config) trustedProxies() []netip.Prefix {
	var out []netip.Prefix
	for _, p := range c.TrustedProxies {
		if prefix, err := netip.ParsePrefix(p); err == nil {
			out = append(out, prefix)
		}
	}
	return out
}
