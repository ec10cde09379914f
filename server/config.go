package server

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Config is the server's configuration. A Config in use is never modified:
// CONFIG SET builds a new one and swaps it in, so readers need no lock.
type Config struct {
	Port                   int
	Bind                   []string
	ProtectedMode          bool
	RequirePass            string
	MaxClients             int
	Timeout                int // seconds idle before a client is closed, 0 = never
	TCPKeepAlive           int
	Databases              int
	LogLevel               int
	LogFile                string
	MaxMemory              int64
	MaxMemoryPolicy        int
	MaxMemorySamples       int
	ProtoMaxBulkLen        int64
	ClientQueryBufferLimit int64
	Hz                     int
	ActiveExpire           bool // DEBUG SET-ACTIVE-EXPIRE
	Dir                    string
	DBFilename             string
	Save                   string
	AppendOnly             bool
	AppendFsync            string
	AppendFilename         string
	SlowlogSlowerThan      int64
	SlowlogMaxLen          int
	LatencyThreshold       int64
	NotifyKeyspaceEvents   string
	LFULogFactor           int
	LFUDecayTime           int
	Daemonize              bool
	PidFile                string

	// other holds directives Shoal accepts and reports but does not act on.
	other map[string]string
}

// Eviction policies, in Redis's order.
const (
	policyNoEviction = iota
	policyAllKeysLRU
	policyVolatileLRU
	policyAllKeysLFU
	policyVolatileLFU
	policyAllKeysRandom
	policyVolatileRandom
	policyVolatileTTL
)

var policyNames = []string{"noeviction", "allkeys-lru", "volatile-lru", "allkeys-lfu", "volatile-lfu", "allkeys-random", "volatile-random", "volatile-ttl"}

var logLevelNames = []string{"debug", "verbose", "notice", "warning"}

// DefaultConfig is the configuration Redis's shipped redis.conf gives.
func DefaultConfig() *Config {
	c := &Config{
		Port:                   6379,
		Bind:                   []string{"127.0.0.1", "-::1"},
		ProtectedMode:          true,
		MaxClients:             10000,
		TCPKeepAlive:           300,
		Databases:              16,
		LogLevel:               logNotice,
		MaxMemoryPolicy:        policyNoEviction,
		MaxMemorySamples:       5,
		ProtoMaxBulkLen:        512 << 20,
		ClientQueryBufferLimit: 1 << 30,
		Hz:                     10,
		ActiveExpire:           true,
		Dir:                    ".",
		DBFilename:             "dump.rdb",
		Save:                   "3600 1 300 100 60 10000",
		AppendFsync:            "everysec",
		AppendFilename:         "appendonly.aof",
		SlowlogSlowerThan:      10000,
		SlowlogMaxLen:          128,
		LFULogFactor:           10,
		LFUDecayTime:           1,
	}
	c.other = map[string]string{}
	for _, d := range passiveDirectives() {
		c.other[d[0]] = d[1]
	}
	return c
}

func (c *Config) clone() *Config {
	n := *c
	n.Bind = append([]string(nil), c.Bind...)
	n.other = make(map[string]string, len(c.other))
	for k, v := range c.other {
		n.other[k] = v
	}
	return &n
}

// directive is one configuration parameter: how to read and write it.
type directive struct {
	name      string
	alias     string
	immutable bool
	get       func(*Config) string
	set       func(*Config, []string) error // args after the name
	multiArg  bool                          // takes several words (bind, save)
}

var errBadArgs = errors.New("wrong number of arguments")

func intDir(name string, lo, hi int64, p func(*Config) *int) directive {
	return directive{name: name,
		get: func(c *Config) string { return strconv.Itoa(*p(c)) },
		set: func(c *Config, v []string) error {
			n, err := parseConfigInt(v[0], false)
			if err != nil {
				return err
			}
			if n < lo || n > hi {
				return fmt.Errorf("argument must be between %d and %d inclusive", lo, hi)
			}
			*p(c) = int(n)
			return nil
		}}
}

func int64Dir(name string, lo, hi int64, memory bool, p func(*Config) *int64) directive {
	return directive{name: name,
		get: func(c *Config) string { return strconv.FormatInt(*p(c), 10) },
		set: func(c *Config, v []string) error {
			n, err := parseConfigInt(v[0], memory)
			if err != nil {
				return err
			}
			if n < lo || n > hi {
				return fmt.Errorf("argument must be between %d and %d inclusive", lo, hi)
			}
			*p(c) = n
			return nil
		}}
}

func boolDir(name string, p func(*Config) *bool) directive {
	return directive{name: name,
		get: func(c *Config) string {
			if *p(c) {
				return "yes"
			}
			return "no"
		},
		set: func(c *Config, v []string) error {
			switch strings.ToLower(v[0]) {
			case "yes":
				*p(c) = true
			case "no":
				*p(c) = false
			default:
				return errors.New("argument must be 'yes' or 'no'")
			}
			return nil
		}}
}

func stringDir(name string, p func(*Config) *string) directive {
	return directive{name: name,
		get: func(c *Config) string { return *p(c) },
		set: func(c *Config, v []string) error { *p(c) = v[0]; return nil }}
}

func enumDir(name string, names []string, p func(*Config) *int) directive {
	return directive{name: name,
		get: func(c *Config) string { return names[*p(c)] },
		set: func(c *Config, v []string) error {
			for i, n := range names {
				if strings.EqualFold(n, v[0]) {
					*p(c) = i
					return nil
				}
			}
			return errors.New("argument(s) must be one of the following: " + strings.Join(names, ", "))
		}}
}

// directives is the table of every parameter Shoal acts on.
func directives() []directive {
	imm := func(d directive) directive { d.immutable = true; return d }
	return []directive{
		intDir("port", 0, 65535, func(c *Config) *int { return &c.Port }),
		{name: "bind", multiArg: true,
			get: func(c *Config) string { return strings.Join(c.Bind, " ") },
			set: func(c *Config, v []string) error { c.Bind = append([]string(nil), v...); return nil }},
		boolDir("protected-mode", func(c *Config) *bool { return &c.ProtectedMode }),
		stringDir("requirepass", func(c *Config) *string { return &c.RequirePass }),
		intDir("maxclients", 1, math.MaxInt32, func(c *Config) *int { return &c.MaxClients }),
		intDir("timeout", 0, math.MaxInt32, func(c *Config) *int { return &c.Timeout }),
		intDir("tcp-keepalive", 0, math.MaxInt32, func(c *Config) *int { return &c.TCPKeepAlive }),
		imm(intDir("databases", 1, math.MaxInt32, func(c *Config) *int { return &c.Databases })),
		enumDir("loglevel", logLevelNames, func(c *Config) *int { return &c.LogLevel }),
		imm(stringDir("logfile", func(c *Config) *string { return &c.LogFile })),
		int64Dir("maxmemory", 0, math.MaxInt64, true, func(c *Config) *int64 { return &c.MaxMemory }),
		enumDir("maxmemory-policy", policyNames, func(c *Config) *int { return &c.MaxMemoryPolicy }),
		intDir("maxmemory-samples", 1, 64, func(c *Config) *int { return &c.MaxMemorySamples }),
		int64Dir("proto-max-bulk-len", 1024*1024, math.MaxInt64, true, func(c *Config) *int64 { return &c.ProtoMaxBulkLen }),
		int64Dir("client-query-buffer-limit", 1024*1024, math.MaxInt64, true, func(c *Config) *int64 { return &c.ClientQueryBufferLimit }),
		intDir("hz", 0, math.MaxInt32, func(c *Config) *int { return &c.Hz }),
		stringDir("dir", func(c *Config) *string { return &c.Dir }),
		stringDir("dbfilename", func(c *Config) *string { return &c.DBFilename }),
		{name: "save", multiArg: true,
			get: func(c *Config) string { return c.Save },
			set: func(c *Config, v []string) error { c.Save = strings.Join(v, " "); return nil }},
		boolDir("appendonly", func(c *Config) *bool { return &c.AppendOnly }),
		enumDirString("appendfsync", []string{"always", "everysec", "no"}, func(c *Config) *string { return &c.AppendFsync }),
		imm(stringDir("appendfilename", func(c *Config) *string { return &c.AppendFilename })),
		int64Dir("slowlog-log-slower-than", -1, math.MaxInt64, false, func(c *Config) *int64 { return &c.SlowlogSlowerThan }),
		intDir("slowlog-max-len", 0, math.MaxInt32, func(c *Config) *int { return &c.SlowlogMaxLen }),
		int64Dir("latency-monitor-threshold", 0, math.MaxInt64, false, func(c *Config) *int64 { return &c.LatencyThreshold }),
		stringDir("notify-keyspace-events", func(c *Config) *string { return &c.NotifyKeyspaceEvents }),
		intDir("lfu-log-factor", 0, math.MaxInt32, func(c *Config) *int { return &c.LFULogFactor }),
		intDir("lfu-decay-time", 0, math.MaxInt32, func(c *Config) *int { return &c.LFUDecayTime }),
		imm(boolDir("daemonize", func(c *Config) *bool { return &c.Daemonize })),
		imm(stringDir("pidfile", func(c *Config) *string { return &c.PidFile })),
	}
}

func enumDirString(name string, names []string, p func(*Config) *string) directive {
	return directive{name: name,
		get: func(c *Config) string { return *p(c) },
		set: func(c *Config, v []string) error {
			for _, n := range names {
				if strings.EqualFold(n, v[0]) {
					*p(c) = n
					return nil
				}
			}
			return errors.New("argument(s) must be one of the following: " + strings.Join(names, ", "))
		}}
}

// passiveDirectives are accepted, stored and reported by CONFIG GET with
// Redis's defaults, but do not change Shoal's behaviour (yet).
func passiveDirectives() [][2]string {
	return [][2]string{
		{"tcp-backlog", "511"},
		{"unixsocket", ""},
		{"unixsocketperm", "0"},
		{"supervised", "no"},
		{"syslog-enabled", "no"},
		{"always-show-logo", "no"},
		{"set-proc-title", "yes"},
		{"stop-writes-on-bgsave-error", "yes"},
		{"rdbcompression", "yes"},
		{"rdbchecksum", "yes"},
		{"replica-serve-stale-data", "yes"},
		{"replica-read-only", "yes"},
		{"repl-diskless-sync", "yes"},
		{"repl-diskless-sync-delay", "5"},
		{"repl-backlog-size", "1048576"},
		{"lazyfree-lazy-eviction", "no"},
		{"lazyfree-lazy-expire", "no"},
		{"lazyfree-lazy-server-del", "no"},
		{"lazyfree-lazy-user-del", "no"},
		{"lazyfree-lazy-user-flush", "no"},
		{"io-threads", "1"},
		{"io-threads-do-reads", "no"},
		{"oom-score-adj", "no"},
		{"no-appendfsync-on-rewrite", "no"},
		{"auto-aof-rewrite-percentage", "100"},
		{"auto-aof-rewrite-min-size", "67108864"},
		{"aof-load-truncated", "yes"},
		{"aof-use-rdb-preamble", "yes"},
		{"aof-timestamp-enabled", "no"},
		{"lua-time-limit", "5000"},
		{"busy-reply-threshold", "5000"},
		{"hash-max-listpack-entries", "128"},
		{"hash-max-listpack-value", "64"},
		{"list-max-listpack-size", "-2"},
		{"list-compress-depth", "0"},
		{"set-max-intset-entries", "512"},
		{"zset-max-listpack-entries", "128"},
		{"zset-max-listpack-value", "64"},
		{"hll-sparse-max-bytes", "3000"},
		{"stream-node-max-bytes", "4096"},
		{"stream-node-max-entries", "100"},
		{"activerehashing", "yes"},
		{"dynamic-hz", "yes"},
		{"aof-rewrite-incremental-fsync", "yes"},
		{"rdb-save-incremental-fsync", "yes"},
		{"jemalloc-bg-thread", "yes"},
		{"activedefrag", "no"},
		{"lazyfree-lazy-user-flush", "no"},
		{"replica-priority", "100"},
		{"maxmemory-eviction-tenacity", "10"},
		{"active-expire-effort", "1"},
		{"client-output-buffer-limit", "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"},
		{"latency-tracking", "yes"},
		{"latency-tracking-info-percentiles", "50 99 99.9"},
		{"crash-log-enabled", "yes"},
		{"crash-memcheck-enabled", "yes"},
		{"enable-protected-configs", "no"},
		{"enable-debug-command", "no"},
		{"enable-module-command", "no"},
		{"acllog-max-len", "128"},
		{"tracking-table-max-keys", "1000000"},
		{"close-on-replica-write", "yes"},
	}
}

// parseConfigInt parses an integer directive value; with memory, units such
// as 1gb, 100mb, 5k are accepted as Redis's memtoull does.
func parseConfigInt(s string, memory bool) (int64, error) {
	if memory {
		if n, ok := memToBytes(s); ok {
			return n, nil
		}
		return 0, errors.New("argument must be a memory value")
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, errors.New("argument couldn't be parsed into an integer")
	}
	return n, nil
}

// memToBytes parses "100", "1k", "1kb", "2mb", "1gb" (k=1000, kb=1024, ...).
func memToBytes(s string) (int64, bool) {
	low := strings.ToLower(s)
	mul := int64(1)
	for _, u := range []struct {
		suffix string
		mul    int64
	}{{"gb", 1 << 30}, {"mb", 1 << 20}, {"kb", 1 << 10}, {"g", 1e9}, {"m", 1e6}, {"k", 1e3}, {"b", 1}} {
		if strings.HasSuffix(low, u.suffix) {
			mul = u.mul
			low = low[:len(low)-len(u.suffix)]
			break
		}
	}
	n, err := strconv.ParseInt(low, 10, 64)
	if err != nil || n < 0 {
		return 0, false
	}
	if mul > 1 && n > math.MaxInt64/mul {
		return 0, false
	}
	return n * mul, true
}

// LoadConfig builds a configuration from redis.conf-style text (a config
// file's content followed by the command line's --directive pairs, as
// redis-server joins them). Errors name the line as Redis does.
func LoadConfig(text string) (*Config, error) {
	cfg := DefaultConfig()
	table := directives()
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		words, ok := splitArgs([]byte(line), nil)
		if !ok {
			return nil, configError(i+1, line, "Unbalanced quotes in configuration line")
		}
		if len(words) == 0 {
			continue
		}
		name := strings.ToLower(string(words[0]))
		vals := make([]string, len(words)-1)
		for j, w := range words[1:] {
			vals[j] = string(w)
		}
		if err := cfg.apply(table, name, vals); err != nil {
			return nil, configError(i+1, line, err.Error())
		}
	}
	return cfg, nil
}

func (c *Config) apply(table []directive, name string, vals []string) error {
	if name == "include" || name == "rename-command" || name == "user" || name == "loadmodule" {
		return nil
	}
	for _, d := range table {
		if d.name != name && d.alias != name {
			continue
		}
		if len(vals) == 0 || (!d.multiArg && len(vals) != 1) {
			return errors.New("wrong number of arguments")
		}
		return d.set(c, vals)
	}
	if _, ok := c.other[name]; ok {
		c.other[name] = strings.Join(vals, " ")
		return nil
	}
	return errors.New("Bad directive or wrong number of arguments")
}

func configError(line int, text, msg string) error {
	return fmt.Errorf("\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line %d\n>>> '%s'\n%s", line, text, msg)
}
