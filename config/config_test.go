package config

import (
	"flag"
	"path/filepath"
	"testing"
)

func TestEnvThenFlags(t *testing.T) {
	t.Setenv("ANXIN_ADDR", ":9090")
	t.Setenv("ANXIN_TEMPORAL_PORT", "17233")
	t.Setenv("ANXIN_DATA_DIR", "rel/data")
	t.Setenv("ANXIN_TRUSTED_PROXIES", " 10.0.0.5, fd00::/8 ,")
	c := FromEnv()
	if c.Addr != ":9090" || c.TemporalPort != 17233 || len(c.TrustedProxies) != 2 || c.TrustedProxies[1] != "fd00::/8" {
		t.Fatalf("env not read: %+v", c)
	}
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	c.Flags(fs, "addr", "data-dir", "temporal-port", "log-level")
	if err := fs.Parse([]string{"--addr", "127.0.0.1:1", "--log-level", "debug"}); err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:1" {
		t.Fatalf("flag did not override env: %q", c.Addr)
	}
	if !filepath.IsAbs(c.DataDir) || filepath.Base(c.DataDir) != "data" {
		t.Fatalf("data dir not made absolute: %q", c.DataDir)
	}
}

func TestValidateRefusesBadValues(t *testing.T) {
	for name, mut := range map[string]func(*Config){
		"EmptyDatabaseURL":   func(c *Config) { c.DatabaseURL = "" },
		"PortOutOfRange":     func(c *Config) { c.TemporalPort = 70000 },
		"UnknownLogLevel":    func(c *Config) { c.LogLevel = "loud" },
		"BadTrustedProxy":    func(c *Config) { c.TrustedProxies = []string{"10.0.0.0/33"} },
		"UnknownSMSProvider": func(c *Config) { c.SMSProvider = "pigeon" },
		"HTTPSMSWithoutURL":  func(c *Config) { c.SMSProvider = "http" },
		"HTTPSMSBadURL":      func(c *Config) { c.SMSProvider, c.SMSURL = "http", "ftp://sms.example" },
		"PortNotANumber": func(c *Config) {
			t.Setenv("ANXIN_TEMPORAL_PORT", "seven")
			*c = FromEnv()
		},
	} {
		t.Run(name, func(t *testing.T) {
			c := FromEnv()
			mut(&c)
			if err := c.Validate(); err == nil {
				t.Fatal("expected an error")
			}
		})
	}
}

func TestSMSConfig(t *testing.T) {
	c := FromEnv()
	if c.SMSProvider != "outbox" {
		t.Fatalf("default provider %q", c.SMSProvider)
	}
	t.Setenv("ANXIN_SMS_PROVIDER", "http")
	t.Setenv("ANXIN_SMS_URL", "https://sms.example/send")
	t.Setenv("ANXIN_SMS_TOKEN", "t0k")
	c = FromEnv()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.SMSProvider != "http" || c.SMSURL != "https://sms.example/send" || c.SMSToken != "t0k" {
		t.Fatalf("%+v", c)
	}
}
