// Package config reads Anxin's configuration: environment variables first,
// then command-line flags that override them. Every setting has one
// environment name (ANXIN_*) and one flag; README.md lists them.
package config

import (
	"flag"
	"fmt"
	"log/slog"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Config is the configuration of every subcommand (each uses a part).
type Config struct {
	DatabaseURL string // ANXIN_DATABASE_URL, --database-url
	Addr        string // ANXIN_ADDR, --addr: API listen address
	DataDir     string // ANXIN_DATA_DIR, --data-dir: embedded Temporal file, dev PII key, uploads
	PIIKey      string // ANXIN_PII_KEY: base64 of 32 bytes; required outside dev
	// TemporalAddress is the frontend of an external Temporal cluster
	// (api and worker subcommands); dev embeds its own server.
	TemporalAddress   string // ANXIN_TEMPORAL_ADDRESS, --temporal-address
	TemporalNamespace string // ANXIN_TEMPORAL_NAMESPACE, --temporal-namespace
	TemporalPort      int    // ANXIN_TEMPORAL_PORT, --temporal-port: embedded frontend port (dev)
	LogLevel          string // ANXIN_LOG_LEVEL, --log-level: debug|info|warn|error
	Dev               bool   // set by the dev subcommand
	// Sessions and sign-in (0 = the API's defaults: 12 h, 2 h, 20/min).
	SessionTTL  time.Duration // ANXIN_SESSION_TTL, e.g. 12h: absolute life of a session
	SessionIdle time.Duration // ANXIN_SESSION_IDLE, e.g. 2h: ends a session unused that long
	LoginRate   int           // ANXIN_LOGIN_RATE: sign-in attempts per client IP and minute
	// TrustedProxies are the load balancers in front of the API (addresses
	// or CIDR prefixes): requests from them are counted and logged under
	// the client address they forward in X-Forwarded-For.
	TrustedProxies []string // ANXIN_TRUSTED_PROXIES, comma-separated
	// System log retention: whole months kept before they are exported to
	// AuditArchiveDir and dropped (at least MinAuditRetentionMonths).
	AuditRetentionMonths int    // ANXIN_AUDIT_RETENTION_MONTHS, --audit-retention-months
	AuditArchiveDir      string // ANXIN_AUDIT_ARCHIVE_DIR, --audit-archive-dir: default <data-dir>/audit-archive
	// MetricsToken, when set, is required by /metrics as a bearer token.
	MetricsToken string // ANXIN_METRICS_TOKEN
	// Side is which accounts an `anxin api` process admits: all,
	// government (city and towns) or enterprise (enterprises, project
	// staff, workers). SPEC R1: the two sides deploy apart.
	Side string // ANXIN_API_SIDE, --side
	// SMS of notifications (sent by the worker): the provider — outbox
	// (dev and tests: messages are marked sent in sms_outbox, nothing
	// leaves) or http (POST JSON {phone, text} to SMSURL with SMSToken as
	// a bearer token).
	SMSProvider string // ANXIN_SMS_PROVIDER: outbox (default) or http
	SMSURL      string // ANXIN_SMS_URL: the http provider's endpoint
	SMSToken    string // ANXIN_SMS_TOKEN: the http provider's bearer token
}

// Defaults for one machine.
const (
	DefaultDatabaseURL  = "postgres://postgres@127.0.0.1:5432/anxin?sslmode=disable"
	DefaultAddr         = ":8080"
	DefaultDataDir      = ".data"
	DefaultTemporal     = "127.0.0.1:7233"
	DefaultNamespace    = "default"
	DefaultTemporalPort = 7233
	// DefaultAuditRetentionMonths and MinAuditRetentionMonths bound the
	// system log's retention (SPEC R7: at least six months).
	DefaultAuditRetentionMonths = 12
	MinAuditRetentionMonths     = 6
)

// FromEnv returns the configuration from the environment, with defaults.
func FromEnv() Config {
	c := Config{
		DatabaseURL:       env("ANXIN_DATABASE_URL", DefaultDatabaseURL),
		Addr:              env("ANXIN_ADDR", DefaultAddr),
		DataDir:           env("ANXIN_DATA_DIR", DefaultDataDir),
		PIIKey:            os.Getenv("ANXIN_PII_KEY"),
		TemporalAddress:   env("ANXIN_TEMPORAL_ADDRESS", DefaultTemporal),
		TemporalNamespace: env("ANXIN_TEMPORAL_NAMESPACE", DefaultNamespace),
		LogLevel:          env("ANXIN_LOG_LEVEL", "info"),
		TemporalPort:      DefaultTemporalPort,
	}
	if p := os.Getenv("ANXIN_TEMPORAL_PORT"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil {
			n = -1 // refused by Validate
		}
		c.TemporalPort = n
	}
	c.AuditRetentionMonths = DefaultAuditRetentionMonths
	if v := os.Getenv("ANXIN_AUDIT_RETENTION_MONTHS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			n = -1 // refused by Validate
		}
		c.AuditRetentionMonths = n
	}
	c.AuditArchiveDir = os.Getenv("ANXIN_AUDIT_ARCHIVE_DIR")
	c.MetricsToken = os.Getenv("ANXIN_METRICS_TOKEN")
	c.Side = env("ANXIN_API_SIDE", "all")
	c.SMSProvider = env("ANXIN_SMS_PROVIDER", "outbox")
	c.SMSURL = os.Getenv("ANXIN_SMS_URL")
	c.SMSToken = os.Getenv("ANXIN_SMS_TOKEN")
	c.SessionTTL = envDuration("ANXIN_SESSION_TTL")
	c.SessionIdle = envDuration("ANXIN_SESSION_IDLE")
	for _, p := range strings.Split(os.Getenv("ANXIN_TRUSTED_PROXIES"), ",") {
		if p = strings.TrimSpace(p); p != "" {
			c.TrustedProxies = append(c.TrustedProxies, p)
		}
	}
	if v := os.Getenv("ANXIN_LOGIN_RATE"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			n = -1 // refused by Validate
		}
		c.LoginRate = n
	}
	return c
}

// envDuration reads a Go duration (e.g. 90m); a bad one becomes -1,
// which Validate refuses.
func envDuration(name string) time.Duration {
	v := os.Getenv(name)
	if v == "" {
		return 0
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return -1
	}
	return d
}

// Flags registers the flags of the given settings on fs, defaulting to
// the values already in c (from the environment).
func (c *Config) Flags(fs *flag.FlagSet, names ...string) {
	for _, n := range names {
		switch n {
		case "database-url":
			fs.StringVar(&c.DatabaseURL, n, c.DatabaseURL, "PostgreSQL URL (env ANXIN_DATABASE_URL)")
		case "addr":
			fs.StringVar(&c.Addr, n, c.Addr, "API listen address (env ANXIN_ADDR)")
		case "data-dir":
			fs.StringVar(&c.DataDir, n, c.DataDir, "data directory (env ANXIN_DATA_DIR)")
		case "temporal-address":
			fs.StringVar(&c.TemporalAddress, n, c.TemporalAddress, "Temporal frontend host:port (env ANXIN_TEMPORAL_ADDRESS)")
		case "temporal-namespace":
			fs.StringVar(&c.TemporalNamespace, n, c.TemporalNamespace, "Temporal namespace (env ANXIN_TEMPORAL_NAMESPACE)")
		case "temporal-port":
			fs.IntVar(&c.TemporalPort, n, c.TemporalPort, "embedded Temporal frontend port (env ANXIN_TEMPORAL_PORT)")
		case "side":
			fs.StringVar(&c.Side, n, c.Side, "which accounts this API admits: all, government or enterprise (env ANXIN_API_SIDE)")
		case "log-level":
			fs.StringVar(&c.LogLevel, n, c.LogLevel, "log level: debug, info, warn, error (env ANXIN_LOG_LEVEL)")
		case "audit-retention-months":
			fs.IntVar(&c.AuditRetentionMonths, n, c.AuditRetentionMonths, "months of system log kept before archiving (env ANXIN_AUDIT_RETENTION_MONTHS, at least 6)")
		case "audit-archive-dir":
			fs.StringVar(&c.AuditArchiveDir, n, c.AuditArchiveDir, "where archived system-log months go (env ANXIN_AUDIT_ARCHIVE_DIR, default <data-dir>/audit-archive)")
		default:
			panic("config: unknown flag " + n)
		}
	}
}

// Validate checks the settings and makes DataDir absolute.
func (c *Config) Validate() error {
	if c.DatabaseURL == "" {
		return fmt.Errorf("database url is empty (ANXIN_DATABASE_URL)")
	}
	if c.TemporalPort <= 0 || c.TemporalPort > 65535 {
		return fmt.Errorf("temporal port %d out of range (ANXIN_TEMPORAL_PORT)", c.TemporalPort)
	}
	if _, err := c.Level(); err != nil {
		return err
	}
	if c.SessionTTL < 0 || c.SessionIdle < 0 {
		return fmt.Errorf("session durations must be positive Go durations such as 12h or 90m (ANXIN_SESSION_TTL, ANXIN_SESSION_IDLE)")
	}
	switch c.Side {
	case "", "all", "government", "enterprise":
	default:
		return fmt.Errorf("side %q: want all, government or enterprise (ANXIN_API_SIDE)", c.Side)
	}
	switch c.SMSProvider {
	case "", "outbox":
	case "http":
		if u, err := url.Parse(c.SMSURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("sms provider http needs ANXIN_SMS_URL, an http(s) URL (got %q)", c.SMSURL)
		}
	default:
		return fmt.Errorf("sms provider %q: want outbox or http (ANXIN_SMS_PROVIDER)", c.SMSProvider)
	}
	if c.LoginRate < 0 {
		return fmt.Errorf("login rate must be a positive number per minute (ANXIN_LOGIN_RATE)")
	}
	for _, p := range c.TrustedProxies {
		_, perr := netip.ParsePrefix(p)
		_, aerr := netip.ParseAddr(p)
		if perr != nil && aerr != nil {
			return fmt.Errorf("trusted proxy %q: want an address or a CIDR prefix (ANXIN_TRUSTED_PROXIES)", p)
		}
	}
	abs, err := filepath.Abs(c.DataDir)
	if err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	c.DataDir = abs
	if c.AuditRetentionMonths == 0 {
		c.AuditRetentionMonths = DefaultAuditRetentionMonths
	}
	if c.AuditRetentionMonths < MinAuditRetentionMonths {
		return fmt.Errorf("audit retention of %d months: the system log is kept at least %d months (ANXIN_AUDIT_RETENTION_MONTHS)",
			c.AuditRetentionMonths, MinAuditRetentionMonths)
	}
	if c.AuditArchiveDir == "" {
		c.AuditArchiveDir = filepath.Join(c.DataDir, "audit-archive")
	}
	if c.AuditArchiveDir, err = filepath.Abs(c.AuditArchiveDir); err != nil {
		return fmt.Errorf("audit archive dir: %w", err)
	}
	return nil
}

// Level parses LogLevel.
func (c *Config) Level() (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(strings.ToUpper(c.LogLevel))); err != nil {
		return 0, fmt.Errorf("log level %q: want debug, info, warn or error", c.LogLevel)
	}
	return l, nil
}

// Logger returns a text logger at the configured level.
func (c *Config) Logger() *slog.Logger {
	l, _ := c.Level()
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: l}))
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
