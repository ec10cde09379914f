package server

import (
	"errors"
	"fmt"
	"math"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/shoaldb/shoal/datatypes"
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
	EnableDebugCommand     string // "no", "yes" or "local"
	EnableProtectedConfigs string // "no", "yes" or "local"
	ConfigFile             string // absolute path of the file loaded, "" if none
	LatencyTracking        bool   // per-command latency histograms

	// other holds directives Shoal accepts and reports but does not act on,
	// by canonical name.
	other map[string]string
}

// Eviction policies.
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

// policyOrder is the order Redis lists the policies in its error message.
var policyOrder = []int{policyVolatileLRU, policyVolatileLFU, policyVolatileRandom, policyVolatileTTL, policyAllKeysLRU, policyAllKeysLFU, policyAllKeysRandom, policyNoEviction}

var logLevelNames = []string{"debug", "verbose", "notice", "warning"}

// DefaultConfig is the configuration redis-server has with no config file
// (its built-in defaults), except that it binds to loopback only.
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
		EnableDebugCommand:     "no",
		EnableProtectedConfigs: "no",
		LatencyTracking:        true,
	}
	if wd, err := os.Getwd(); err == nil {
		c.Dir = wd
	}
	c.other = map[string]string{}
	for _, p := range passiveDirectives() {
		c.other[p.name] = p.def
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

// Get returns the value of any directive as CONFIG GET shows it.
func (c *Config) Get(name string) (string, bool) {
	d := lookupDirective(configTable(), name)
	if d == nil {
		return "", false
	}
	return d.get(c), true
}

// dirFlags qualify a directive.
type dirFlags uint8

const (
	dirImmutable dirFlags = 1 << iota // only from the config file / command line
	dirProtected                      // CONFIG SET needs enable-protected-configs
	dirMulti                          // several words in a config file (save, bind)
	dirSensitive                      // its value is redacted from SLOWLOG / MONITOR
)

// directive is one configuration parameter: how to read and write it.
type directive struct {
	name  string
	alias string
	flags dirFlags
	get   func(*Config) string
	set   func(*Config, []string) error // args after the name
}

// Value kinds of the passive directives.
const (
	kString = iota
	kBool
	kInt
	kMem
	kEnum
)

// passive is a directive Shoal stores and reports without acting on it.
type passive struct {
	name, alias string
	kind        int
	flags       dirFlags
	lo, hi      int64
	enum        string // choices, in Redis's order, ", "-separated
	def         string
}

func rangeErr(lo, hi int64) error {
	return fmt.Errorf("argument must be between %d and %d inclusive", lo, hi)
}

// parseConfigNumber parses an integer (memory: with units) within [lo, hi].
func parseConfigNumber(s string, memory bool, lo, hi int64) (int64, error) {
	n, err := parseConfigInt(s, memory)
	if err != nil {
		return 0, err
	}
	if n < lo || n > hi {
		return 0, rangeErr(lo, hi)
	}
	return n, nil
}

func intDir(name string, lo, hi int64, p func(*Config) *int) directive {
	return directive{name: name,
		get: func(c *Config) string { return strconv.Itoa(*p(c)) },
		set: func(c *Config, v []string) error {
			n, err := parseConfigNumber(v[0], false, lo, hi)
			if err != nil {
				return err
			}
			*p(c) = int(n)
			return nil
		}}
}

func int64Dir(name string, lo, hi int64, memory bool, p func(*Config) *int64) directive {
	return directive{name: name,
		get: func(c *Config) string { return strconv.FormatInt(*p(c), 10) },
		set: func(c *Config, v []string) error {
			n, err := parseConfigNumber(v[0], memory, lo, hi)
			if err != nil {
				return err
			}
			*p(c) = n
			return nil
		}}
}

func parseYesNo(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "yes":
		return true, nil
	case "no":
		return false, nil
	}
	return false, errors.New("argument must be 'yes' or 'no'")
}

func boolDir(name string, p func(*Config) *bool) directive {
	return directive{name: name,
		get: func(c *Config) string { return yesNo(*p(c)) },
		set: func(c *Config, v []string) error {
			b, err := parseYesNo(v[0])
			if err != nil {
				return err
			}
			*p(c) = b
			return nil
		}}
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func stringDir(name string, p func(*Config) *string) directive {
	return directive{name: name,
		get: func(c *Config) string { return *p(c) },
		set: func(c *Config, v []string) error { *p(c) = v[0]; return nil }}
}

// enumErr is Redis's message for a bad enum value; choices in its order.
func enumErr(choices []string) error {
	return errors.New("argument(s) must be one of the following: " + strings.Join(choices, ", "))
}

// enumDir is an enum stored as an index into names; order is the order of
// the choices in Redis's error message.
func enumDir(name string, names []string, order []int, p func(*Config) *int) directive {
	msg := make([]string, len(order))
	for i, o := range order {
		msg[i] = names[o]
	}
	return directive{name: name,
		get: func(c *Config) string { return names[*p(c)] },
		set: func(c *Config, v []string) error {
			for i, n := range names {
				if strings.EqualFold(n, v[0]) {
					*p(c) = i
					return nil
				}
			}
			return enumErr(msg)
		}}
}

func enumDirString(name string, choices []string, p func(*Config) *string) directive {
	return directive{name: name,
		get: func(c *Config) string { return *p(c) },
		set: func(c *Config, v []string) error {
			for _, n := range choices {
				if strings.EqualFold(n, v[0]) {
					*p(c) = n
					return nil
				}
			}
			return enumErr(choices)
		}}
}

func passiveDir(p passive) directive {
	d := directive{name: p.name, alias: p.alias, flags: p.flags,
		get: func(c *Config) string { return c.other[p.name] }}
	d.set = func(c *Config, v []string) error {
		val := strings.Join(v, " ")
		switch p.name {
		case "client-output-buffer-limit":
			merged, err := mergeBufferLimits(c.other[p.name], val)
			if err != nil {
				return err
			}
			c.other[p.name] = merged
			return nil
		case "oom-score-adj-values":
			w := strings.Fields(val)
			if len(w) != 3 {
				return errors.New("wrong number of arguments")
			}
			for _, x := range w {
				if n, ok := parseInt([]byte(x)); !ok || n < -2000 || n > 2000 {
					return errors.New("Invalid oom-score-adj-values, elements must be between -2000 and 2000.")
				}
			}
			c.other[p.name] = strings.Join(w, " ")
			return nil
		case "cluster-announce-hostname":
			for i := 0; i < len(val); i++ {
				ch := val[i]
				if !(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '-' || ch == '.') {
					return errors.New("Hostnames may only contain alphanumeric characters, hyphens or dots")
				}
			}
		case "maxmemory-clients":
			if strings.HasSuffix(val, "%") {
				n, ok := parseInt([]byte(val[:len(val)-1]))
				if !ok || n < 0 || n > 100 {
					return errors.New("argument must be a memory or percent value")
				}
				c.other[p.name] = val
				return nil
			}
			n, ok := memToBytes(val)
			if !ok {
				return errors.New("argument must be a memory or percent value")
			}
			c.other[p.name] = strconv.FormatUint(uint64(n), 10)
			return nil
		case "latency-tracking-info-percentiles":
			var out []string
			for _, w := range strings.Fields(val) {
				f, err := strconv.ParseFloat(w, 64)
				if err != nil {
					return errors.New("Invalid latency-tracking-info-percentiles parameters")
				}
				if f < 0 || f > 100 {
					return errors.New("latency-tracking-info-percentiles parameters should sit between [0.0,100.0]")
				}
				out = append(out, strconv.FormatFloat(f, 'f', -1, 64))
			}
			c.other[p.name] = strings.Join(out, " ")
			return nil
		}
		switch p.kind {
		case kBool:
			b, err := parseYesNo(val)
			if err != nil {
				return err
			}
			val = yesNo(b)
		case kInt, kMem:
			n, err := parseConfigNumber(val, p.kind == kMem, p.lo, p.hi)
			if err != nil {
				return err
			}
			val = strconv.FormatInt(n, 10)
		case kEnum:
			choices := strings.Split(p.enum, ", ")
			found := false
			for _, ch := range choices {
				if strings.EqualFold(ch, val) {
					val, found = ch, true
					break
				}
			}
			if !found {
				return enumErr(choices)
			}
		}
		c.other[p.name] = val
		return nil
	}
	return d
}

// mergeBufferLimits applies "class hard soft seconds ..." to the current
// client-output-buffer-limit value, as Redis does.
func mergeBufferLimits(cur, val string) (string, error) {
	words := strings.Fields(val)
	if len(words)%4 != 0 {
		return "", errors.New("Wrong number of arguments in buffer limit configuration.")
	}
	classes := []string{"normal", "slave", "pubsub"}
	limits := map[string][3]string{}
	cw := strings.Fields(cur)
	for i := 0; i+3 < len(cw); i += 4 {
		limits[cw[i]] = [3]string{cw[i+1], cw[i+2], cw[i+3]}
	}
	for i := 0; i < len(words); i += 4 {
		class := strings.ToLower(words[i])
		if class == "replica" {
			class = "slave"
		}
		if class != "normal" && class != "slave" && class != "pubsub" {
			return "", errors.New("Invalid client class specified in buffer limit configuration.")
		}
		hard, ok1 := memToBytes(words[i+1])
		soft, ok2 := memToBytes(words[i+2])
		secs, ok3 := parseInt([]byte(words[i+3]))
		if !ok1 || !ok2 || !ok3 || secs < 0 {
			return "", errors.New("Error in hard, soft or soft_seconds setting in buffer limit configuration.")
		}
		limits[class] = [3]string{strconv.FormatInt(hard, 10), strconv.FormatInt(soft, 10), strconv.FormatInt(secs, 10)}
	}
	var out []string
	for _, cl := range classes {
		l := limits[cl]
		out = append(out, cl, l[0], l[1], l[2])
	}
	return strings.Join(out, " "), nil
}

// configTable is the table of every directive, active ones first.
func configTable() []directive {
	imm := func(d directive) directive { d.flags |= dirImmutable; return d }
	prot := func(d directive) directive { d.flags |= dirProtected; return d }
	ds := []directive{
		intDir("port", 0, 65535, func(c *Config) *int { return &c.Port }),
		{name: "bind", flags: dirMulti,
			get: func(c *Config) string { return strings.Join(c.Bind, " ") },
			set: func(c *Config, v []string) error {
				words := strings.Fields(strings.Join(v, " "))
				if len(words) == 0 {
					words = []string{"*", "-::*"}
				}
				c.Bind = words
				return nil
			}},
		boolDir("protected-mode", func(c *Config) *bool { return &c.ProtectedMode }),
		{name: "requirepass", flags: dirSensitive,
			get: func(c *Config) string { return c.RequirePass },
			set: func(c *Config, v []string) error { c.RequirePass = v[0]; return nil }},
		intDir("maxclients", 1, math.MaxUint32, func(c *Config) *int { return &c.MaxClients }),
		intDir("timeout", 0, math.MaxInt32, func(c *Config) *int { return &c.Timeout }),
		intDir("tcp-keepalive", 0, math.MaxInt32, func(c *Config) *int { return &c.TCPKeepAlive }),
		imm(intDir("databases", 1, math.MaxInt32, func(c *Config) *int { return &c.Databases })),
		enumDir("loglevel", logLevelNames, []int{0, 1, 2, 3}, func(c *Config) *int { return &c.LogLevel }),
		imm(stringDir("logfile", func(c *Config) *string { return &c.LogFile })),
		int64Dir("maxmemory", 0, math.MaxInt64, true, func(c *Config) *int64 { return &c.MaxMemory }),
		enumDir("maxmemory-policy", policyNames, policyOrder, func(c *Config) *int { return &c.MaxMemoryPolicy }),
		intDir("maxmemory-samples", 1, math.MaxInt32, func(c *Config) *int { return &c.MaxMemorySamples }),
		int64Dir("proto-max-bulk-len", 1024*1024, math.MaxInt64, true, func(c *Config) *int64 { return &c.ProtoMaxBulkLen }),
		int64Dir("client-query-buffer-limit", 1024*1024, math.MaxInt64, true, func(c *Config) *int64 { return &c.ClientQueryBufferLimit }),
		{name: "hz",
			get: func(c *Config) string { return strconv.Itoa(c.Hz) },
			set: func(c *Config, v []string) error {
				n, err := parseConfigNumber(v[0], false, 0, math.MaxInt32)
				if err != nil {
					return err
				}
				// Redis clamps the frequency to [1, 500].
				c.Hz = int(min(max(n, 1), 500))
				return nil
			}},
		// Redis chdir()s to dir; Shoal keeps the absolute path instead (the
		// process's directory is shared by in-process servers) and files are
		// made relative to it.
		prot(directive{name: "dir",
			get: func(c *Config) string { return c.Dir },
			set: func(c *Config, v []string) error {
				abs, err := filepath.Abs(v[0])
				if err != nil {
					return err
				}
				if st, err := os.Stat(abs); err != nil {
					return errors.New(errnoText(err))
				} else if !st.IsDir() {
					return errors.New("Not a directory")
				}
				c.Dir = abs
				return nil
			}}),
		prot(stringDir("dbfilename", func(c *Config) *string { return &c.DBFilename })),
		{name: "save", flags: dirMulti,
			get: func(c *Config) string { return c.Save },
			set: func(c *Config, v []string) error { return setSave(c, v) }},
		boolDir("appendonly", func(c *Config) *bool { return &c.AppendOnly }),
		enumDirString("appendfsync", []string{"everysec", "always", "no"}, func(c *Config) *string { return &c.AppendFsync }),
		imm(stringDir("appendfilename", func(c *Config) *string { return &c.AppendFilename })),
		int64Dir("slowlog-log-slower-than", -1, math.MaxInt64, false, func(c *Config) *int64 { return &c.SlowlogSlowerThan }),
		intDir("slowlog-max-len", 0, math.MaxInt64, func(c *Config) *int { return &c.SlowlogMaxLen }),
		int64Dir("latency-monitor-threshold", 0, math.MaxInt64, false, func(c *Config) *int64 { return &c.LatencyThreshold }),
		{name: "notify-keyspace-events",
			get: func(c *Config) string { return c.NotifyKeyspaceEvents },
			set: func(c *Config, v []string) error {
				s, ok := normalizeKeyspaceEvents(v[0])
				if !ok {
					return errors.New("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.")
				}
				c.NotifyKeyspaceEvents = s
				return nil
			}},
		intDir("lfu-log-factor", 0, math.MaxInt32, func(c *Config) *int { return &c.LFULogFactor }),
		intDir("lfu-decay-time", 0, math.MaxInt32, func(c *Config) *int { return &c.LFUDecayTime }),
		imm(boolDir("daemonize", func(c *Config) *bool { return &c.Daemonize })),
		imm(stringDir("pidfile", func(c *Config) *string { return &c.PidFile })),
		imm(enumDirString("enable-debug-command", []string{"no", "yes", "local"}, func(c *Config) *string { return &c.EnableDebugCommand })),
		boolDir("latency-tracking", func(c *Config) *bool { return &c.LatencyTracking }),
		imm(enumDirString("enable-protected-configs", []string{"no", "yes", "local"}, func(c *Config) *string { return &c.EnableProtectedConfigs })),
	}
	for _, p := range passiveDirectives() {
		ds = append(ds, passiveDir(p))
	}
	return ds
}

// lookupDirective finds a directive by name or alias, case-insensitively.
func lookupDirective(table []directive, name string) *directive {
	for i := range table {
		if strings.EqualFold(table[i].name, name) || (table[i].alias != "" && strings.EqualFold(table[i].alias, name)) {
			return &table[i]
		}
	}
	return nil
}

// setSave parses "seconds changes [seconds changes ...]"; "" disables saving.
func setSave(c *Config, v []string) error {
	words := strings.Fields(strings.Join(v, " "))
	if len(words)%2 != 0 {
		return errors.New("Invalid save parameters")
	}
	for _, w := range words {
		if n, err := strconv.ParseInt(w, 10, 64); err != nil || n < 0 {
			return errors.New("Invalid save parameters")
		}
	}
	c.Save = strings.Join(words, " ")
	return nil
}

// normalizeKeyspaceEvents validates notify-keyspace-events flags and
// returns them in Redis's canonical order, as CONFIG GET shows them.
func normalizeKeyspaceEvents(s string) (string, bool) {
	const classes = "g$lshzxeKEtmdn"
	var set [256]bool
	all := false
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch == 'A':
			all = true
		case strings.IndexByte(classes, ch) >= 0:
			set[ch] = true
		default:
			return "", false
		}
	}
	var b strings.Builder
	if all || (set['g'] && set['$'] && set['l'] && set['s'] && set['h'] && set['z'] && set['x'] && set['e'] && set['t'] && set['d']) {
		// "A" stands for g$lshzxetd; like Redis, an "n" is then not shown.
		b.WriteByte('A')
	} else {
		for _, ch := range "g$lshzxetdn" {
			if set[ch] {
				b.WriteRune(ch)
			}
		}
	}
	for _, ch := range "KEm" {
		if set[ch] {
			b.WriteRune(ch)
		}
	}
	return b.String(), true
}

// passiveDirectives are accepted, validated, stored and reported by CONFIG
// GET with redis-server's built-in defaults, but do not change Shoal's
// behaviour. Ranges and choices are Redis 7.0's.
func passiveDirectives() []passive {
	return []passive{
		{"acl-pubsub-default", "", kEnum, 0, 0, 0, "allchannels, resetchannels", "resetchannels"},
		{"aclfile", "", kString, dirImmutable, 0, 0, "", ""},
		{"acllog-max-len", "", kInt, 0, 0, 9223372036854775807, "", "128"},
		{"active-defrag-cycle-max", "", kInt, 0, 1, 99, "", "25"},
		{"active-defrag-cycle-min", "", kInt, 0, 1, 99, "", "1"},
		{"active-defrag-ignore-bytes", "", kMem, 0, 1, 9223372036854775807, "", "104857600"},
		{"active-defrag-max-scan-fields", "", kInt, 0, 1, 9223372036854775807, "", "1000"},
		{"active-defrag-threshold-lower", "", kInt, 0, 0, 1000, "", "10"},
		{"active-defrag-threshold-upper", "", kInt, 0, 0, 1000, "", "100"},
		{"active-expire-effort", "", kInt, 0, 1, 10, "", "1"},
		{"activedefrag", "", kBool, 0, 0, 0, "", "no"},
		{"activerehashing", "", kBool, 0, 0, 0, "", "yes"},
		{"always-show-logo", "", kString, dirImmutable, 0, 0, "", "no"},
		{"aof-disable-auto-gc", "", kBool, 0, 0, 0, "", "no"},
		{"aof-load-truncated", "", kBool, 0, 0, 0, "", "yes"},
		{"aof-rewrite-incremental-fsync", "", kBool, 0, 0, 0, "", "yes"},
		{"aof-timestamp-enabled", "", kBool, 0, 0, 0, "", "no"},
		{"aof-use-rdb-preamble", "", kBool, 0, 0, 0, "", "yes"},
		{"aof_rewrite_cpulist", "", kString, dirImmutable, 0, 0, "", ""},
		{"appenddirname", "", kString, dirImmutable, 0, 0, "", "appendonlydir"},
		{"auto-aof-rewrite-min-size", "", kMem, 0, 0, 9223372036854775807, "", "67108864"},
		{"auto-aof-rewrite-percentage", "", kInt, 0, 0, 2147483647, "", "100"},
		{"bgsave_cpulist", "", kString, dirImmutable, 0, 0, "", ""},
		{"bind-source-addr", "", kString, 0, 0, 0, "", ""},
		{"bio_cpulist", "", kString, dirImmutable, 0, 0, "", ""},
		{"busy-reply-threshold", "", kInt, 0, 0, 9223372036854775807, "", "5000"},
		{"client-output-buffer-limit", "", kString, dirMulti, 0, 0, "", "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"},
		{"cluster-allow-pubsubshard-when-down", "", kBool, 0, 0, 0, "", "yes"},
		{"cluster-allow-reads-when-down", "", kBool, 0, 0, 0, "", "no"},
		{"cluster-allow-replica-migration", "", kBool, 0, 0, 0, "", "yes"},
		{"cluster-announce-bus-port", "", kInt, 0, 0, 65535, "", "0"},
		{"cluster-announce-hostname", "", kString, 0, 0, 0, "", ""},
		{"cluster-announce-ip", "", kString, 0, 0, 0, "", ""},
		{"cluster-announce-port", "", kInt, 0, 0, 65535, "", "0"},
		{"cluster-announce-tls-port", "", kInt, 0, 0, 65535, "", "0"},
		{"cluster-config-file", "", kString, dirImmutable, 0, 0, "", "nodes.conf"},
		{"cluster-enabled", "", kString, dirImmutable, 0, 0, "", "no"},
		{"cluster-link-sendbuf-limit", "", kMem, 0, 0, 9223372036854775807, "", "0"},
		{"cluster-migration-barrier", "", kInt, 0, 0, 2147483647, "", "1"},
		{"cluster-node-timeout", "", kInt, 0, 0, 9223372036854775807, "", "15000"},
		{"cluster-port", "", kString, dirImmutable, 0, 0, "", "0"},
		{"cluster-preferred-endpoint-type", "", kEnum, 0, 0, 0, "ip, hostname, unknown-endpoint", "ip"},
		{"cluster-replica-no-failover", "cluster-slave-no-failover", kBool, 0, 0, 0, "", "no"},
		{"cluster-replica-validity-factor", "cluster-slave-validity-factor", kInt, 0, 0, 2147483647, "", "10"},
		{"cluster-require-full-coverage", "", kBool, 0, 0, 0, "", "yes"},
		{"crash-log-enabled", "", kBool, 0, 0, 0, "", "yes"},
		{"crash-memcheck-enabled", "", kBool, 0, 0, 0, "", "yes"},
		{"disable-thp", "", kString, dirImmutable, 0, 0, "", "yes"},
		{"dynamic-hz", "", kBool, 0, 0, 0, "", "yes"},
		{"enable-module-command", "", kString, dirImmutable, 0, 0, "", "no"},
		{"hash-max-listpack-entries", "hash-max-ziplist-entries", kInt, 0, 0, 9223372036854775807, "", "512"},
		{"hash-max-listpack-value", "hash-max-ziplist-value", kMem, 0, 0, 9223372036854775807, "", "64"},
		{"hll-sparse-max-bytes", "", kMem, 0, 0, 9223372036854775807, "", "3000"},
		{"ignore-warnings", "", kString, 0, 0, 0, "", ""},
		{"io-threads", "", kString, dirImmutable, 0, 0, "", "1"},
		{"io-threads-do-reads", "", kString, dirImmutable, 0, 0, "", "no"},
		{"jemalloc-bg-thread", "", kBool, 0, 0, 0, "", "yes"},
		{"latency-tracking-info-percentiles", "", kString, dirMulti, 0, 0, "", "50 99 99.9"},
		{"lazyfree-lazy-eviction", "", kBool, 0, 0, 0, "", "no"},
		{"lazyfree-lazy-expire", "", kBool, 0, 0, 0, "", "no"},
		{"lazyfree-lazy-server-del", "", kBool, 0, 0, 0, "", "no"},
		{"lazyfree-lazy-user-del", "", kBool, 0, 0, 0, "", "no"},
		{"lazyfree-lazy-user-flush", "", kBool, 0, 0, 0, "", "no"},
		{"list-compress-depth", "", kInt, 0, 0, 2147483647, "", "0"},
		{"list-max-listpack-size", "list-max-ziplist-size", kInt, 0, -2147483648, 2147483647, "", "-2"},
		{"lua-time-limit", "", kInt, 0, 0, 9223372036854775807, "", "5000"},
		{"masterauth", "", kString, dirSensitive, 0, 0, "", ""},
		{"masteruser", "", kString, 0, 0, 0, "", ""},
		{"maxmemory-clients", "", kMem, 0, 0, 9223372036854775807, "", "0"},
		{"maxmemory-eviction-tenacity", "", kInt, 0, 0, 100, "", "10"},
		{"min-replicas-max-lag", "min-slaves-max-lag", kInt, 0, 0, 2147483647, "", "10"},
		{"min-replicas-to-write", "min-slaves-to-write", kInt, 0, 0, 2147483647, "", "0"},
		{"no-appendfsync-on-rewrite", "", kBool, 0, 0, 0, "", "no"},
		{"oom-score-adj", "", kEnum, 0, 0, 0, "no, yes, relative, absolute", "no"},
		{"oom-score-adj-values", "", kString, dirMulti, 0, 0, "", "0 200 800"},
		{"proc-title-template", "", kString, 0, 0, 0, "", "{title} {listen-addr} {server-mode}"},
		{"propagation-error-behavior", "", kEnum, 0, 0, 0, "ignore, panic, panic-on-replicas", "ignore"},
		{"rdb-del-sync-files", "", kBool, 0, 0, 0, "", "no"},
		{"rdb-save-incremental-fsync", "", kBool, 0, 0, 0, "", "yes"},
		{"rdbchecksum", "", kString, dirImmutable, 0, 0, "", "yes"},
		{"rdbcompression", "", kBool, 0, 0, 0, "", "yes"},
		{"repl-backlog-size", "", kMem, 0, 1, 9223372036854775807, "", "1048576"},
		{"repl-backlog-ttl", "", kInt, 0, 0, 9223372036854775807, "", "3600"},
		{"repl-disable-tcp-nodelay", "", kBool, 0, 0, 0, "", "no"},
		{"repl-diskless-load", "", kEnum, 0, 0, 0, "disabled, on-empty-db, swapdb", "disabled"},
		{"repl-diskless-sync", "", kBool, 0, 0, 0, "", "yes"},
		{"repl-diskless-sync-delay", "", kInt, 0, 0, 2147483647, "", "5"},
		{"repl-diskless-sync-max-replicas", "", kInt, 0, 0, 2147483647, "", "0"},
		{"repl-ping-replica-period", "repl-ping-slave-period", kInt, 0, 1, 2147483647, "", "10"},
		{"repl-timeout", "", kInt, 0, 1, 2147483647, "", "60"},
		{"replica-announce-ip", "slave-announce-ip", kString, 0, 0, 0, "", ""},
		{"replica-announce-port", "slave-announce-port", kInt, 0, 0, 65535, "", "0"},
		{"replica-announced", "", kBool, 0, 0, 0, "", "yes"},
		{"replica-ignore-disk-write-errors", "", kBool, 0, 0, 0, "", "no"},
		{"replica-ignore-maxmemory", "slave-ignore-maxmemory", kBool, 0, 0, 0, "", "yes"},
		{"replica-lazy-flush", "slave-lazy-flush", kBool, 0, 0, 0, "", "no"},
		{"replica-priority", "slave-priority", kInt, 0, 0, 2147483647, "", "100"},
		{"replica-read-only", "slave-read-only", kBool, 0, 0, 0, "", "yes"},
		{"replica-serve-stale-data", "slave-serve-stale-data", kBool, 0, 0, 0, "", "yes"},
		{"replicaof", "slaveof", kString, dirImmutable, 0, 0, "", ""},
		{"sanitize-dump-payload", "", kEnum, 0, 0, 0, "no, yes, clients", "no"},
		{"server_cpulist", "", kString, dirImmutable, 0, 0, "", ""},
		{"set-max-intset-entries", "", kInt, 0, 0, 9223372036854775807, "", "512"},
		{"set-proc-title", "", kString, dirImmutable, 0, 0, "", "yes"},
		{"shutdown-on-sigint", "", kEnum, 0, 0, 0, "default, save, nosave, now, force", "default"},
		{"shutdown-on-sigterm", "", kEnum, 0, 0, 0, "default, save, nosave, now, force", "default"},
		{"shutdown-timeout", "", kInt, 0, 0, 2147483647, "", "10"},
		{"socket-mark-id", "", kString, dirImmutable, 0, 0, "", "0"},
		{"stop-writes-on-bgsave-error", "", kBool, 0, 0, 0, "", "yes"},
		{"stream-node-max-bytes", "", kMem, 0, 0, 9223372036854775807, "", "4096"},
		{"stream-node-max-entries", "", kInt, 0, 0, 9223372036854775807, "", "100"},
		{"supervised", "", kString, dirImmutable, 0, 0, "", "no"},
		{"syslog-enabled", "", kString, dirImmutable, 0, 0, "", "no"},
		{"syslog-facility", "", kString, dirImmutable, 0, 0, "", "local0"},
		{"syslog-ident", "", kString, dirImmutable, 0, 0, "", "redis"},
		{"tcp-backlog", "", kString, dirImmutable, 0, 0, "", "511"},
		{"tls-auth-clients", "", kEnum, 0, 0, 0, "no, yes, optional", "yes"},
		{"tls-ca-cert-dir", "", kString, 0, 0, 0, "", ""},
		{"tls-ca-cert-file", "", kString, 0, 0, 0, "", ""},
		{"tls-cert-file", "", kString, 0, 0, 0, "", ""},
		{"tls-ciphers", "", kString, 0, 0, 0, "", ""},
		{"tls-ciphersuites", "", kString, 0, 0, 0, "", ""},
		{"tls-client-cert-file", "", kString, 0, 0, 0, "", ""},
		{"tls-client-key-file", "", kString, 0, 0, 0, "", ""},
		{"tls-client-key-file-pass", "", kString, dirSensitive, 0, 0, "", ""},
		{"tls-cluster", "", kBool, 0, 0, 0, "", "no"},
		{"tls-dh-params-file", "", kString, 0, 0, 0, "", ""},
		{"tls-key-file", "", kString, 0, 0, 0, "", ""},
		{"tls-key-file-pass", "", kString, dirSensitive, 0, 0, "", ""},
		{"tls-port", "", kInt, 0, 0, 65535, "", "0"},
		{"tls-prefer-server-ciphers", "", kBool, 0, 0, 0, "", "no"},
		{"tls-protocols", "", kString, 0, 0, 0, "", ""},
		{"tls-replication", "", kBool, 0, 0, 0, "", "no"},
		{"tls-session-cache-size", "", kInt, 0, 0, 2147483647, "", "20480"},
		{"tls-session-cache-timeout", "", kInt, 0, 0, 2147483647, "", "300"},
		{"tls-session-caching", "", kBool, 0, 0, 0, "", "yes"},
		{"tracking-table-max-keys", "", kInt, 0, 0, 9223372036854775807, "", "1000000"},
		{"unixsocket", "", kString, dirImmutable, 0, 0, "", ""},
		{"unixsocketperm", "", kString, dirImmutable, 0, 0, "", "0"},
		{"zset-max-listpack-entries", "zset-max-ziplist-entries", kInt, 0, 0, 9223372036854775807, "", "128"},
		{"zset-max-listpack-value", "zset-max-ziplist-value", kMem, 0, 0, 9223372036854775807, "", "64"},
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
	n, ok := parseInt([]byte(s))
	if !ok {
		return 0, errors.New("argument couldn't be parsed into an integer")
	}
	return n, nil
}

// memToBytes parses a memory value as Redis's memtoull does: digits (none
// reads as 0) and an optional unit b, k, kb, m, mb, g, gb (k=1000,
// kb=1024, ...). Like Redis, an overflow wraps instead of failing, which
// the range check then rejects.
func memToBytes(s string) (int64, bool) {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	var mul uint64
	switch strings.ToLower(s[i:]) {
	case "", "b":
		mul = 1
	case "k":
		mul = 1000
	case "kb":
		mul = 1024
	case "m":
		mul = 1000 * 1000
	case "mb":
		mul = 1024 * 1024
	case "g":
		mul = 1000 * 1000 * 1000
	case "gb":
		mul = 1024 * 1024 * 1024
	default:
		return 0, false
	}
	if i >= 128 {
		return 0, false
	}
	var n uint64
	for _, ch := range s[:i] {
		d := uint64(ch - '0')
		if n > (math.MaxUint64-d)/10 {
			n = math.MaxUint64 // strtoull saturates
			break
		}
		n = n*10 + d
	}
	return int64(n * mul), true
}

// LoadConfig builds a configuration from redis.conf-style text (a config
// file's content followed by the command line's --directive pairs, as
// redis-server joins them). Errors name the line as Redis does.
func LoadConfig(text string) (*Config, error) {
	cfg := DefaultConfig()
	if err := cfg.load(configTable(), text, map[*directive]bool{}, 0); err != nil {
		return nil, err
	}
	return cfg, nil
}

// load applies config text; include lines load their file the same way
// (its errors then name its own lines, as Redis's do).
func (cfg *Config) load(table []directive, text string, seen map[*directive]bool, depth int) error {
	for i, raw := range strings.Split(text, "\n") {
		line := strings.TrimSpace(raw)
		if line == "" || line[0] == '#' {
			continue
		}
		words, ok := splitArgs([]byte(line), nil)
		if !ok {
			return configError(i+1, line, "Unbalanced quotes in configuration line")
		}
		if len(words) == 0 {
			continue
		}
		name := strings.ToLower(string(words[0]))
		vals := make([]string, len(words)-1)
		for j, w := range words[1:] {
			vals[j] = string(w)
		}
		switch name {
		case "include":
			if len(vals) != 1 {
				return configError(i+1, line, "Bad directive or wrong number of arguments")
			}
			data, err := os.ReadFile(vals[0])
			if err != nil || depth > 16 {
				return fmt.Errorf("Fatal error, can't open config file '%s': %s", vals[0], errnoText(err))
			}
			if err := cfg.load(table, string(data), seen, depth+1); err != nil {
				return err
			}
			continue
		case "rename-command", "user", "loadmodule":
			continue // ACL users, modules and renames are not supported: accepted
		}
		d := lookupDirective(table, name)
		if d == nil {
			return configError(i+1, line, "Bad directive or wrong number of arguments")
		}
		if len(vals) == 0 || (d.flags&dirMulti == 0 && len(vals) != 1) {
			return configError(i+1, line, "wrong number of arguments")
		}
		// Repeated "save" lines add up ("save 900 1" then "save 300 10");
		// the first one replaces the default, and save "" clears them.
		if d.name == "save" && seen[d] && !(len(vals) == 1 && vals[0] == "") {
			if prev := d.get(cfg); prev != "" {
				vals = append(strings.Fields(prev), vals...)
			}
		}
		seen[d] = true
		if err := d.set(cfg, vals); err != nil {
			return configError(i+1, line, err.Error())
		}
	}
	return nil
}

// errnoText is strerror's wording for the usual file errors.
func errnoText(err error) string {
	switch {
	case err == nil:
		return "Too many levels of symbolic links"
	case os.IsNotExist(err):
		return "No such file or directory"
	case os.IsPermission(err):
		return "Permission denied"
	}
	return err.Error()
}

func configError(line int, text, msg string) error {
	return fmt.Errorf("\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line %d\n>>> '%s'\n%s", line, text, msg)
}

// ---- CONFIG GET / SET / RESETSTAT / REWRITE / HELP ----

// CONFIG GET parameter [parameter ...]
func cmdConfigGet(c *Client) {
	cfg := c.srv.config()
	table := configTable()
	type pair struct{ name, val string }
	var out []pair
	matched := map[string]bool{} // canonical names already in the reply
	for _, a := range c.args[2:] {
		pat := string(a)
		if !strings.ContainsAny(pat, "[*?") {
			if d := lookupDirective(table, pat); d != nil && !matched[d.name] {
				matched[d.name] = true
				out = append(out, pair{pat, d.get(cfg)})
			}
			continue
		}
		for i := range table {
			d := &table[i]
			for _, n := range []string{d.name, d.alias} {
				if n == "" || matched[n] {
					continue
				}
				if datatypes.GlobMatch(a, []byte(n), true) {
					matched[n] = true
					out = append(out, pair{n, d.get(cfg)})
				}
			}
		}
	}
	c.writeMap(len(out))
	for _, p := range out {
		c.writeBulkString(p.name)
		c.writeBulkString(p.val)
	}
}

// CONFIG SET parameter value [parameter value ...]: all or nothing.
func cmdConfigSet(c *Client) {
	if len(c.args)%2 != 0 {
		c.writeError(errSyntax)
		return
	}
	s := c.srv
	table := configTable()
	var unknown, errArg string
	var setErr error
	var picked []*directive
	for i := 2; i < len(c.args); i += 2 {
		name := string(c.args[i])
		d := lookupDirective(table, name)
		if d == nil {
			// Only the first problem is reported, whichever kind it is.
			if unknown == "" && setErr == nil {
				unknown = name
			}
			continue
		}
		if unknown != "" || setErr != nil {
			continue
		}
		switch {
		case d.flags&dirImmutable != 0:
			setErr, errArg = errors.New("can't set immutable config"), name
		case d.flags&dirProtected != 0 && !c.allowedBy(s.config().EnableProtectedConfigs):
			setErr, errArg = errors.New("can't set protected config"), name
		}
		for _, p := range picked {
			if p == d && setErr == nil {
				setErr, errArg = errors.New("duplicate parameter"), name
			}
		}
		picked = append(picked, d)
	}
	if unknown != "" {
		c.writeError(fmt.Sprintf(errConfigUnknown, sanitizeArg(unknown)))
		return
	}
	if setErr != nil {
		c.writeError(fmt.Sprintf(errConfigSetFailed, sanitizeArg(errArg), setErr.Error()))
		return
	}
	// Apply every value to a copy; swap it in only if all are valid.
	s.cfgMu.Lock()
	defer s.cfgMu.Unlock()
	old := s.config()
	next := old.clone()
	for i, d := range picked {
		if err := d.set(next, []string{string(c.args[3+2*i])}); err != nil {
			name := d.name
			if d.alias != "" && strings.EqualFold(d.alias, string(c.args[2+2*i])) {
				name = d.alias
			}
			c.writeError(fmt.Sprintf(errConfigSetFailed, name, err.Error()))
			return
		}
	}
	if next.Port != old.Port || strings.Join(next.Bind, " ") != strings.Join(old.Bind, " ") {
		if err := s.rebind(next); err != nil {
			c.writeError(fmt.Sprintf(errConfigSetFailed, "bind", "Failed to bind to specified addresses."))
			return
		}
	}
	s.cfg.Store(next)
	s.configChanged(old, next)
	c.writeOK()
}

// allowedBy applies an enable-*-command / enable-protected-configs value:
// "yes", or "local" from a loopback connection.
func (c *Client) allowedBy(setting string) bool {
	switch setting {
	case "yes":
		return true
	case "local":
		return c.conn == nil || isLoopbackPeer(c.conn.RemoteAddr())
	}
	return false
}

// sanitizeArg is how Redis quotes a user's name in an error (no newlines).
func sanitizeArg(s string) string {
	return string(appendSanitized(nil, []byte(s), len(s)))
}

// configChanged makes changes that need more than a new Config take effect.
func (s *Server) configChanged(old, next *Config) {
	if next.MaxMemory > 0 && (next.MaxMemory < old.MaxMemory || old.MaxMemory == 0) {
		// Redis evicts at once when the limit drops below what is used.
		s.ext.mem.invalidate()
		if next.MaxMemoryPolicy != policyNoEviction {
			s.evictIfNeeded(next)
		}
	}
	if next.SlowlogMaxLen < old.SlowlogMaxLen {
		s.ext.slowlog.trim(next.SlowlogMaxLen)
	}
}

// rebind is CONFIG SET port/bind: listen on the new addresses first and
// close the old listeners only once all of them succeed.
func (s *Server) rebind(next *Config) error {
	var lns []net.Listener
	for _, addr := range next.Bind {
		optional := strings.HasPrefix(addr, "-")
		addr = strings.TrimPrefix(addr, "-")
		if addr == "*" {
			addr = "0.0.0.0"
		}
		ln, err := net.Listen("tcp", net.JoinHostPort(addr, strconv.Itoa(next.Port)))
		if err != nil {
			if optional {
				continue
			}
			for _, l := range lns {
				l.Close()
			}
			return err
		}
		lns = append(lns, ln)
	}
	if len(lns) == 0 {
		return errors.New("no address")
	}
	old := s.listeners
	s.listeners = lns
	for _, ln := range lns {
		s.wg.Add(1)
		go s.acceptLoop(ln)
	}
	for _, ln := range old {
		ln.Close()
	}
	return nil
}

func cmdConfigResetStat(c *Client) {
	s := c.srv
	s.stats.reset()
	for _, cmd := range s.commands.sorted {
		cmd.stats.reset()
		for _, sub := range cmd.Subs {
			sub.stats.reset()
		}
	}
	s.ext.statsReset() // not the slowlog nor the latency monitor, as in Redis
	c.writeOK()
}

func (st *cmdStats) reset() {
	st.calls.Store(0)
	st.usec.Store(0)
	st.rejected.Store(0)
	st.failed.Store(0)
}

func cmdConfigHelp(c *Client) {
	c.helpReply("config", []string{
		"GET <pattern>",
		"    Return parameters matching the glob-like <pattern> and their values.",
		"SET <directive> <value>",
		"    Set the configuration <directive> to <value>.",
		"RESETSTAT",
		"    Reset statistics reported by the INFO command.",
		"REWRITE",
		"    Rewrite the configuration file.",
	})
}

// CONFIG REWRITE: the config file with every directive that differs from
// its default set to its current value, comments and order kept.
func cmdConfigRewrite(c *Client) {
	s := c.srv
	cfg := s.config()
	if cfg.ConfigFile == "" {
		c.writeError(errNoConfigFile)
		return
	}
	if err := rewriteConfigFile(cfg); err != nil {
		s.log.Warning("CONFIG REWRITE failed: %v", err)
		c.writeError("ERR Rewriting config file: " + err.Error())
		return
	}
	s.log.Notice("CONFIG REWRITE executed with success.")
	c.writeOK()
}

func rewriteConfigFile(cfg *Config) error {
	data, err := os.ReadFile(cfg.ConfigFile)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	table := configTable()
	def := DefaultConfig()
	done := map[string]bool{}
	var out []string
	for _, line := range strings.Split(strings.TrimRight(string(data), "\n"), "\n") {
		trimmed := strings.TrimSpace(line)
		words, ok := splitArgs([]byte(trimmed), nil)
		if trimmed == "" || trimmed[0] == '#' || !ok || len(words) == 0 {
			if !strings.HasPrefix(trimmed, "# Generated by CONFIG REWRITE") {
				out = append(out, line)
			}
			continue
		}
		d := lookupDirective(table, string(words[0]))
		if d == nil {
			out = append(out, line)
			continue
		}
		if done[d.name] {
			continue // later lines of a repeated directive are folded in
		}
		done[d.name] = true
		out = append(out, rewriteLines(d, cfg)...)
	}
	var added []string
	for i := range table {
		d := &table[i]
		if done[d.name] || d.get(cfg) == d.get(def) {
			continue
		}
		added = append(added, rewriteLines(d, cfg)...)
	}
	if len(added) > 0 {
		out = append(out, "# Generated by CONFIG REWRITE")
		out = append(out, added...)
	}
	tmp := filepath.Join(filepath.Dir(cfg.ConfigFile), ".shoal-rewrite.tmp")
	if err := os.WriteFile(tmp, []byte(strings.Join(out, "\n")+"\n"), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, cfg.ConfigFile)
}

// rewriteLines renders a directive's current value as config file lines.
func rewriteLines(d *directive, cfg *Config) []string {
	v := d.get(cfg)
	if d.name == "save" && v != "" {
		w := strings.Fields(v)
		var lines []string
		for i := 0; i+1 < len(w); i += 2 {
			lines = append(lines, "save "+w[i]+" "+w[i+1])
		}
		return lines
	}
	if d.flags&dirMulti != 0 && v != "" {
		return []string{d.name + " " + v}
	}
	if v != "" && !strings.ContainsAny(v, " \t\r\n\"'\\") {
		return []string{d.name + " " + v}
	}
	return []string{d.name + " " + string(appendRepr(nil, []byte(v)))}
}
