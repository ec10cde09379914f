package server

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Config is the server's configuration. A Config in use is never modified:
// CONFIG SET builds a new one and swaps it in, so readers need no lock.
type Config struct {
	Port             int
	Bind             []string
	ProtectedMode    bool
	RequirePass      string
	MaxClients       int
	Timeout          int // seconds idle before a client is closed, 0 = never
	TCPKeepAlive     int
	Databases        int
	LogLevel         int
	LogFile          string
	MaxMemory        int64
	MaxMemoryPolicy  int
	MaxMemorySamples int
	// Encoding thresholds of the collection types (OBJECT ENCODING).
	ListMaxListpackSize    int
	HashMaxListpackEntries int64
	HashMaxListpackValue   int64
	SetMaxIntsetEntries    int64
	ZSetMaxListpackEntries int64
	ZSetMaxListpackValue   int64
	HLLSparseMaxBytes      int64 // past it a sparse HyperLogLog turns dense
	NotifyFlags            int   // notify-keyspace-events parsed (notify.go)
	TrackingMaxKeys        int64 // tracking-table-max-keys (0: no bound)
	// client-output-buffer-limit, by class (bufClassNormal, ...).
	BufLimits              [3]BufLimit
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
	BusyReplyThreshold     int64 // ms a script runs before others get BUSY
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
		ListMaxListpackSize:    -2,
		HashMaxListpackEntries: 512,
		HashMaxListpackValue:   64,
		SetMaxIntsetEntries:    512,
		ZSetMaxListpackEntries: 128,
		ZSetMaxListpackValue:   64,
		HLLSparseMaxBytes:      3000,
		TrackingMaxKeys:        1000000,
		BufLimits: [3]BufLimit{
			bufClassReplica: {Hard: 256 << 20, Soft: 64 << 20, SoftSecs: 60},
			bufClassPubSub:  {Hard: 32 << 20, Soft: 8 << 20, SoftSecs: 60},
		},
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
		BusyReplyThreshold:     5000,
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

// alias gives a directive its old name (Redis 7.0 keeps the ziplist names).
func alias(old string, d directive) directive {
	d.alias = old
	return d
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
			c.BufLimits = parseBufferLimits(merged)
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

// BufLimit is one class's client-output-buffer-limit: a client is
// disconnected when its pending output reaches Hard bytes, or stays at or
// above Soft bytes for SoftSecs seconds. Zero disables a limit.
type BufLimit struct {
	Hard, Soft, SoftSecs int64
}

// Client classes of client-output-buffer-limit, in its order.
const (
	bufClassNormal = iota
	bufClassReplica
	bufClassPubSub
)

// parseBufferLimits reads the normalized directive value (mergeBufferLimits'
// output: "normal h s secs slave h s secs pubsub h s secs").
func parseBufferLimits(v string) [3]BufLimit {
	var out [3]BufLimit
	w := strings.Fields(v)
	for i := 0; i+3 < len(w); i += 4 {
		class := map[string]int{"normal": bufClassNormal, "slave": bufClassReplica, "pubsub": bufClassPubSub}[w[i]]
		h, _ := strconv.ParseInt(w[i+1], 10, 64)
		s, _ := strconv.ParseInt(w[i+2], 10, 64)
		secs, _ := strconv.ParseInt(w[i+3], 10, 64)
		out[class] = BufLimit{Hard: h, Soft: s, SoftSecs: secs}
	}
	return out
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
		alias("list-max-ziplist-size", intDir("list-max-listpack-size", math.MinInt32, math.MaxInt32, func(c *Config) *int { return &c.ListMaxListpackSize })),
		alias("hash-max-ziplist-entries", int64Dir("hash-max-listpack-entries", 0, math.MaxInt64, false, func(c *Config) *int64 { return &c.HashMaxListpackEntries })),
		alias("hash-max-ziplist-value", int64Dir("hash-max-listpack-value", 0, math.MaxInt64, true, func(c *Config) *int64 { return &c.HashMaxListpackValue })),
		int64Dir("set-max-intset-entries", 0, math.MaxInt64, false, func(c *Config) *int64 { return &c.SetMaxIntsetEntries }),
		alias("zset-max-ziplist-entries", int64Dir("zset-max-listpack-entries", 0, math.MaxInt64, false, func(c *Config) *int64 { return &c.ZSetMaxListpackEntries })),
		alias("zset-max-ziplist-value", int64Dir("zset-max-listpack-value", 0, math.MaxInt64, true, func(c *Config) *int64 { return &c.ZSetMaxListpackValue })),
		int64Dir("tracking-table-max-keys", 0, math.MaxInt64, false, func(c *Config) *int64 { return &c.TrackingMaxKeys }),
		int64Dir("hll-sparse-max-bytes", 0, math.MaxInt64, true, func(c *Config) *int64 { return &c.HLLSparseMaxBytes }),
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
		alias("lua-time-limit", int64Dir("busy-reply-threshold", 0, math.MaxInt64, false, func(c *Config) *int64 { return &c.BusyReplyThreshold })),
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
				c.NotifyFlags = notifyFlags(s)
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
