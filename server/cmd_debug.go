package server

import (
	"fmt"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"time"
	"unsafe"
)

// DEBUG and MEMORY.

// DEBUG subcommand [arg ...]; allowed as enable-debug-command says.
func cmdDebug(c *Client) {
	s := c.srv
	if !c.allowedBy(s.config().EnableDebugCommand) {
		c.writeError(errDebugNotAllowed)
		// Redis refuses DEBUG before calling it: a rejected call, not a
		// failed one. call() counts a call and a failure after we return.
		c.cmd.stats.calls.Add(-1)
		c.cmd.stats.failed.Add(-1)
		c.cmd.stats.rejected.Add(1)
		return
	}
	sub := strings.ToLower(string(c.args[1]))
	n := len(c.args)
	switch {
	case sub == "help" && n == 2:
		debugHelp(c)
	case sub == "sleep" && n >= 3:
		secs := strtod(string(c.args[2]))
		// DEBUG SLEEP stops the whole server, as Redis's single thread does.
		if !c.allLocked() {
			s.lockAll()
			defer s.unlockAll()
		}
		time.Sleep(time.Duration(secs * float64(time.Second)))
		c.writeOK()
	case sub == "set-active-expire" && n == 3:
		on := atoi(c.args[2]) != 0
		s.cfgMu.Lock()
		next := s.config().clone()
		next.ActiveExpire = on
		s.cfg.Store(next)
		s.cfgMu.Unlock()
		c.writeOK()
	case sub == "log" && n == 3:
		s.log.Warning("DEBUG LOG: %s", c.args[2])
		c.writeOK()
	case sub == "object" && n == 3:
		debugObject(c)
	case sub == "change-repl-id" && n == 2:
		id := randomHex(40)
		s.ext.replid.Store(&id)
		s.log.Notice("Changing replication IDs after receiving DEBUG change-repl-id")
		c.writeOK()
	case sub == "error" && n == 3:
		c.writeError(string(c.args[2]))
	case sub == "protocol" && n == 3:
		debugProtocol(c)
	case sub == "populate" && n >= 3 && n <= 5:
		debugPopulate(c)
	case sub == "reload":
		debugReload(c)
	case sub == "quicklist-packed-threshold" && n == 3, sub == "set-skip-checksum-validation" && n == 3,
		sub == "pause-cron" && n == 3, sub == "replybuffer" && n == 4:
		// Tuning knobs of Redis internals Shoal does not have: accepted.
		c.writeOK()
	default:
		c.writeError(fmt.Sprintf(errSubSyntax, sanitizeArg(string(c.args[1])), "DEBUG"))
	}
}

// strtod parses the longest float prefix of s, 0 when there is none, as C does.
func strtod(s string) float64 {
	s = strings.TrimLeft(s, " \t\n")
	for end := len(s); end > 0; end-- {
		if f, err := strconv.ParseFloat(s[:end], 64); err == nil {
			return f
		}
	}
	return 0
}

// atoi parses the leading integer of b, 0 when there is none, as C does.
func atoi(b []byte) int64 {
	i, neg, n := 0, false, int64(0)
	for i < len(b) && (b[i] == ' ' || b[i] == '\t') {
		i++
	}
	if i < len(b) && (b[i] == '-' || b[i] == '+') {
		neg = b[i] == '-'
		i++
	}
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		n = n*10 + int64(b[i]-'0')
	}
	if neg {
		return -n
	}
	return n
}

// debugObject is DEBUG OBJECT key: Redis's low-level description.
func debugObject(c *Client) {
	key := c.args[2]
	sh, _ := c.loc(key)
	c.rlockShard(sh)
	defer c.runlockShard(sh)
	e := c.peekLive(key)
	if e == nil {
		c.writeError(errNoSuchKey)
		return
	}
	enc := "unknown"
	var serLen int
	if e.Type == TypeString {
		enc = stringEncoding(e)
		serLen = serializedStringLen(e.Str())
	} else if v, ok := e.obj.(valueEncoder); ok {
		enc = v.Encoding()
	}
	clk := c.srv.lruClock.Load()
	c.writeStatus(fmt.Sprintf("Value at:%p refcount:1 encoding:%s serializedlength:%d lru:%d lru_seconds_idle:%d",
		unsafe.Pointer(e), enc, serLen, e.access.Load()&(1<<24-1), lruIdle(clk, e.access.Load())))
}

// serializedStringLen is the length of a string in an RDB file, without
// compression: integers in 8, 16 or 32 bits, else a length then the bytes.
func serializedStringLen(v []byte) int {
	if n, ok := parseInt(v); ok && len(v) <= 11 {
		switch {
		case n >= -1<<7 && n < 1<<7:
			return 2
		case n >= -1<<15 && n < 1<<15:
			return 3
		case n >= -1<<31 && n < 1<<31:
			return 5
		}
	}
	switch l := len(v); {
	case l < 1<<6:
		return 1 + l
	case l < 1<<14:
		return 2 + l
	case l <= 1<<32-1:
		return 5 + l
	default:
		return 9 + l
	}
}

// debugProtocol is DEBUG PROTOCOL type: a sample reply of each RESP type.
func debugProtocol(c *Client) {
	switch strings.ToLower(string(c.args[2])) {
	case "string":
		c.writeBulkString("Hello World")
	case "integer":
		c.writeInt(12345)
	case "double":
		if c.resp == 3 {
			c.writeRawString(",3.141\r\n")
		} else {
			c.writeBulkString("3.141")
		}
	case "bignum":
		if c.resp == 3 {
			c.writeRawString("(1234567999999999999999999999999999999\r\n")
		} else {
			c.writeBulkString("1234567999999999999999999999999999999")
		}
	case "null":
		c.writeNull()
	case "array":
		c.writeArray(3)
		for i := 0; i < 3; i++ {
			c.writeInt(int64(i))
		}
	case "set":
		c.writeSet(3)
		for i := 0; i < 3; i++ {
			c.writeInt(int64(i))
		}
	case "map":
		c.writeMap(3)
		for i := 0; i < 3; i++ {
			c.writeInt(int64(i))
			c.writeBool(i == 1)
		}
	case "attrib":
		if c.resp == 3 {
			c.writeRawString("|1\r\n")
			c.writeBulkString("key-popularity")
			c.writeArray(2)
			c.writeBulkString("key:123")
			c.writeInt(90)
		}
		c.writeBulkString("Some real reply following the attribute")
	case "push":
		if c.resp != 3 {
			c.writeError("ERR RESP2 is not supported by this command")
			return
		}
		c.writePush(2)
		c.writeBulkString("server-cpu-usage")
		c.writeInt(42)
		c.writeBulkString("Some real reply following the push reply")
	case "verbatim":
		c.writeVerbatim("This is a verbatim\nstring")
	case "true":
		c.writeBool(true)
	case "false":
		c.writeBool(false)
	default:
		c.writeError("ERR Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false")
	}
}

// debugPopulate is DEBUG POPULATE count [prefix] [size]: string keys
// prefix:N = value:N (padded with zero bytes or cut to size), skipping
// keys that exist.
func debugPopulate(c *Client) {
	count, ok := parseInt(c.args[2])
	if !ok || count < 0 {
		c.writeError(errPositive)
		return
	}
	prefix := "key"
	if len(c.args) >= 4 {
		prefix = string(c.args[3])
	}
	size := int64(0)
	if len(c.args) == 5 {
		if size, ok = parseInt(c.args[4]); !ok || size < 0 {
			c.writeError(errPositive)
			return
		}
	}
	for i := int64(0); i < count; i++ {
		key := []byte(prefix + ":" + strconv.FormatInt(i, 10))
		val := []byte("value:" + strconv.FormatInt(i, 10))
		if size > 0 {
			v := make([]byte, size)
			copy(v, val)
			val = v
		}
		sh, _ := c.loc(key)
		if !c.allLocked() {
			sh.mu.Lock()
		}
		if c.lookupWrite(key) == nil {
			c.setKey(key, val, false)
		}
		if !c.allLocked() {
			sh.mu.Unlock()
		}
	}
	c.writeOK()
}

// DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]: save, empty the databases, load
// the file back. DEBUG holds no lock (flagNoLock): each step takes its own.
func debugReload(c *Client) {
	save, flush, merge := true, true, false
	for _, a := range c.args[2:] {
		switch {
		case eqFold(a, "merge"):
			merge = true
		case eqFold(a, "noflush"):
			flush = false
		case eqFold(a, "nosave"):
			save = false
		default:
			c.writeError(errDebugReloadOpts)
			return
		}
	}
	s := c.srv
	if c.allLocked() {
		// Inside EXEC every shard is held: the save's walk and the load's
		// workers would wait for them forever. (Redis allows it.)
		c.writeError("ERR DEBUG RELOAD is not supported inside MULTI/EXEC")
		return
	}
	if save {
		if err := s.saveSync(); err != nil {
			c.writeError("ERR")
			return
		}
	}
	if flush {
		// Everything goes, functions included, as Redis's emptyData.
		s.lockAll()
		for _, db := range s.dbs {
			db.clear()
		}
		s.scripts.eng.FunctionFlush()
		s.unlockAll()
	}
	f, err := os.Open(s.rdbPath())
	if err == nil {
		err = s.loadRDBFrom(f, merge, 0)
		f.Close()
	}
	if err != nil {
		s.log.Warning("%v", err)
		c.writeError(errDebugReloadLoad)
		return
	}
	s.log.Warning("DB reloaded by DEBUG RELOAD")
	c.writeOK()
}

func debugHelp(c *Client) {
	c.helpReply("debug", []string{
		"CHANGE-REPL-ID",
		"    Change the replication IDs of the instance.",
		"    Dangerous: should be used only for testing the replication subsystem.",
		"ERROR <string>",
		"    Return a Redis protocol error with <string> as message. Useful for clients",
		"    unit tests to simulate Redis errors.",
		"LOG <message>",
		"    Write <message> to the server log.",
		"OBJECT <key>",
		"    Show low level info about `key` and associated value.",
		"POPULATE <count> [<prefix>] [<size>]",
		"    Create <count> string keys named key:<num>. If <prefix> is specified then",
		"    it is used instead of the 'key' prefix. These are not propagated to",
		"    replicas. Cluster slots are not respected so keys not belonging to the",
		"    current node can be created in cluster mode.",
		"PROTOCOL <type>",
		"    Reply with a test value of the specified type. <type> can be: string,",
		"    integer, double, bignum, null, array, set, map, attrib, push, verbatim,",
		"    true, false.",
		"RELOAD [option ...]",
		"    Save the RDB on disk and reload it back to memory. Valid <option> values:",
		"    * MERGE: conflicting keys will be loaded from RDB.",
		"    * NOFLUSH: the existing database will not be removed before load, but",
		"      conflicting keys will generate an exception and kill the server.",
		"    * NOSAVE: the database will be loaded from an existing RDB file.",
		"    Examples:",
		"    * DEBUG RELOAD: verify that the server is able to persist, flush and reload",
		"      the database.",
		"    * DEBUG RELOAD NOSAVE: replace the current database with the contents of an",
		"      existing RDB file.",
		"    * DEBUG RELOAD NOSAVE NOFLUSH MERGE: add the contents of an existing RDB",
		"      file to the database.",
		"SET-ACTIVE-EXPIRE <0|1>",
		"    Setting it to 0 disables expiring keys in background when they are not",
		"    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
		"    default.",
		"SLEEP <seconds>",
		"    Stop the server for <seconds>. Decimals allowed.",
	})
}

// ---- MEMORY ----

// MEMORY USAGE key [SAMPLES count]
func cmdMemoryUsage(c *Client) {
	for i := 3; i < len(c.args); i++ {
		if eqFold(c.args[i], "samples") && i+1 < len(c.args) {
			if _, ok := parseInt(c.args[i+1]); !ok {
				c.writeError(errNotInt)
				return
			}
			i++
			continue
		}
		c.writeError(errSyntax)
		return
	}
	e := c.peekLive(c.args[2])
	if e == nil {
		c.writeNull()
		return
	}
	c.writeInt(e.memUsage())
}

// peekLive returns key's entry unless absent or expired, without touching
// it or counting a hit; the caller holds the shard's lock.
func (c *Client) peekLive(key []byte) *Entry {
	sh, h := c.loc(key)
	e := sh.get(h, key)
	if e == nil || (e.exp != 0 && e.exp <= c.now) {
		return nil
	}
	return e
}

// MEMORY STATS: Redis's fields, from the Go runtime's figures.
func cmdMemoryStats(c *Client) {
	s := c.srv
	m := s.memInfo()
	var keys int64
	for _, db := range s.dbs {
		keys += int64(db.size(c.allLocked()))
	}
	perKey := int64(0)
	if keys > 0 {
		perKey = (m.used - m.startup) / keys
	}
	type kv struct {
		k string
		v any
	}
	fields := []kv{
		{"peak.allocated", m.peak},
		{"total.allocated", m.used},
		{"startup.allocated", m.startup},
		{"replication.backlog", int64(0)},
		{"clients.slaves", int64(0)},
		{"clients.normal", int64(0)},
		{"cluster.links", int64(0)},
		{"aof.buffer", int64(0)},
		{"lua.caches", int64(0)},
		{"functions.caches", int64(0)},
		{"overhead.total", m.overhead},
		{"keys.count", keys},
		{"keys.bytes-per-key", perKey},
		{"dataset.bytes", m.dataset},
		{"dataset.percentage", pct(m.dataset, m.used-m.startup)},
		{"peak.percentage", pct(m.used, m.peak)},
		{"allocator.allocated", m.used},
		{"allocator.active", m.heapActive},
		{"allocator.resident", m.rss},
		{"allocator-fragmentation.ratio", ratio(m.heapActive, m.used)},
		{"allocator-fragmentation.bytes", m.heapActive - m.used},
		{"allocator-rss.ratio", ratio(m.rss, m.heapActive)},
		{"allocator-rss.bytes", m.rss - m.heapActive},
		{"rss-overhead.ratio", 1.0},
		{"rss-overhead.bytes", int64(0)},
		{"fragmentation", ratio(m.rss, m.used)},
		{"fragmentation.bytes", m.rss - m.used},
	}
	// After functions.caches, one entry per non-empty database.
	type dbStat struct {
		id            int
		keys, expires int64
	}
	var dbs []dbStat
	for _, db := range s.dbs {
		keys, expires, _ := db.keyspaceInfo(c.now, c.allLocked())
		if keys > 0 {
			dbs = append(dbs, dbStat{db.id, keys, expires})
		}
	}
	c.writeMap(len(fields) + len(dbs))
	for i, f := range fields {
		c.writeBulkString(f.k)
		switch v := f.v.(type) {
		case int64:
			c.writeInt(v)
		case float64:
			c.writeDouble(v)
		}
		if i == 9 {
			for _, d := range dbs {
				c.writeBulkString("db." + strconv.Itoa(d.id))
				c.writeMap(3)
				c.writeBulkString("overhead.hashtable.main")
				c.writeInt(d.keys * 24)
				c.writeBulkString("overhead.hashtable.expires")
				c.writeInt(d.expires * 24)
				c.writeBulkString("overhead.hashtable.slot-to-keys")
				c.writeInt(0)
			}
		}
	}
}

// MEMORY DOCTOR: Redis's report, on the same thresholds.
func cmdMemoryDoctor(c *Client) {
	s := c.srv
	m := s.memInfo()
	var report string
	switch {
	case m.used < 5<<20:
		report = "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.\n"
	case m.peak > m.used*3/2:
		report = "Sam, I detected a few issues in this Redis instance memory implants:\n\n" +
			" * Peak memory: In the past this instance used more than 150% the memory that is currently using. The allocator is normally not able to release memory after a peak, so you can expect to see a big fragmentation ratio, however this is actually harmless and is only due to the memory peak, and if the Redis instance Resident Set Size (RSS) is currently bigger than expected, the memory will be used as soon as you fill the Redis instance with more data. If the memory peak was only occasional and you want to try to reclaim memory, please try the MEMORY PURGE command, otherwise the only other option is to shutdown and restart the instance.\n\n" +
			"I'm here to keep you safe, Sam. I want to help you.\n"
	default:
		report = "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n"
	}
	c.writeVerbatim(report)
}

func cmdMemoryMallocStats(c *Client) {
	c.writeVerbatim("Stats not supported for the current allocator")
}

// MEMORY PURGE returns freed memory to the OS, as jemalloc's purge does.
func cmdMemoryPurge(c *Client) {
	debug.FreeOSMemory()
	c.writeOK()
}

func cmdMemoryHelp(c *Client) {
	c.helpReply("memory", []string{
		"DOCTOR",
		"    Return memory problems reports.",
		"MALLOC-STATS",
		"    Return internal statistics report from the memory allocator.",
		"PURGE",
		"    Attempt to purge dirty pages for reclamation by the allocator.",
		"STATS",
		"    Return information about the memory usage of the server.",
		"USAGE <key> [SAMPLES <count>]",
		"    Return memory in bytes used by <key> and its value. Nested values are",
		"    sampled up to <count> times (default: 5, 0 means sample all).",
	})
}
