package server

import (
	"bytes"
	"fmt"
	"math"
	"math/bits"
	"os"
	"runtime"
	"runtime/metrics"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// INFO: Redis's sections, field names and field order. Sections other
// families know better (replication, persistence) can be replaced with
// SetInfoSection.

// infoSections in Redis's order; default ones are printed by plain INFO.
var infoSections = []struct {
	name, title string
	dflt        bool
}{
	{"server", "Server", true},
	{"clients", "Clients", true},
	{"memory", "Memory", true},
	{"persistence", "Persistence", true},
	{"stats", "Stats", true},
	{"replication", "Replication", true},
	{"cpu", "CPU", true},
	{"modules", "Modules", true},
	{"commandstats", "Commandstats", false},
	{"errorstats", "Errorstats", true},
	{"latencystats", "Latencystats", false},
	{"cluster", "Cluster", true},
	{"keyspace", "Keyspace", true},
}

// SetInfoSection makes INFO print fn's lines ("field:value\r\n"...) as the
// body of section (e.g. "replication"); nil restores the built-in one.
func (s *Server) SetInfoSection(section string, fn func() string) {
	if fn == nil {
		s.ext.infoHooks.Delete(section)
		return
	}
	s.ext.infoHooks.Store(section, fn)
}

// INFO [section ...]
func cmdInfo(c *Client) {
	want := map[string]bool{}
	if len(c.args) == 1 {
		want["default"] = true
	}
	for _, a := range c.args[1:] {
		want[strings.ToLower(string(a))] = true
	}
	all, everything := want["all"], want["everything"]
	var b strings.Builder
	for _, sec := range infoSections {
		// "all" and "everything" are the same here: Shoal has no modules.
		if !(all || everything || want[sec.name] || (want["default"] && sec.dflt)) {
			continue
		}
		if b.Len() > 0 {
			b.WriteString("\r\n")
		}
		b.WriteString("# " + sec.title + "\r\n")
		if fn, ok := c.srv.ext.infoHooks.Load(sec.name); ok {
			b.WriteString(fn.(func() string)())
			continue
		}
		c.srv.infoSection(&b, sec.name, c.allLocked())
	}
	c.writeVerbatim(b.String())
}

// infoSection writes the body of one built-in section.
// locked: the caller holds every shard lock (INFO inside EXEC).
func (s *Server) infoSection(b *strings.Builder, name string, locked bool) {
	f := func(k string, v any) {
		b.WriteString(k)
		b.WriteByte(':')
		fmt.Fprint(b, v)
		b.WriteString("\r\n")
	}
	cfg := s.config()
	now := time.Now()
	switch name {
	case "server":
		uptime := int64(now.Sub(s.started).Seconds())
		exe, _ := os.Executable()
		f("redis_version", redisVersion)
		f("redis_git_sha1", "00000000")
		f("redis_git_dirty", 0)
		f("redis_build_id", "5ea15ea15ea15ea1")
		f("redis_mode", "standalone")
		f("os", unameString())
		f("arch_bits", strconv.Itoa(bits.UintSize))
		f("monotonic_clock", "POSIX clock_gettime")
		f("multiplexing_api", "epoll")
		f("atomicvar_api", "c11-builtin")
		f("gcc_version", "0.0.0")
		f("process_id", s.pid)
		f("process_supervised", "no")
		f("run_id", s.runID)
		f("tcp_port", cfg.Port)
		f("server_time_usec", now.UnixMicro())
		f("uptime_in_seconds", uptime)
		f("uptime_in_days", uptime/86400)
		f("hz", cfg.Hz)
		f("configured_hz", cfg.Hz)
		f("lru_clock", s.lruClock.Load())
		f("executable", exe)
		f("config_file", cfg.ConfigFile)
		f("io_threads_active", 0)
	case "clients":
		var n, blocked, replicas int
		s.clientsMu.Lock()
		for _, c := range s.clients {
			n++
			if c.has(clientBlocked) {
				blocked++
			}
			if c.has(clientReplica) {
				replicas++
			}
		}
		s.clientsMu.Unlock()
		f("connected_clients", n-replicas)
		f("cluster_connections", 0)
		f("maxclients", cfg.MaxClients)
		f("client_recent_max_input_buffer", 0)
		f("client_recent_max_output_buffer", 0)
		f("blocked_clients", blocked)
		f("tracking_clients", 0)
		f("clients_in_timeout_table", 0)
	case "memory":
		m := s.memInfo()
		f("used_memory", m.used)
		f("used_memory_human", bytesToHuman(m.used))
		f("used_memory_rss", m.rss)
		f("used_memory_rss_human", bytesToHuman(m.rss))
		f("used_memory_peak", m.peak)
		f("used_memory_peak_human", bytesToHuman(m.peak))
		f("used_memory_peak_perc", fmt.Sprintf("%.2f%%", pct(m.used, m.peak)))
		f("used_memory_overhead", m.overhead)
		f("used_memory_startup", m.startup)
		f("used_memory_dataset", m.dataset)
		f("used_memory_dataset_perc", fmt.Sprintf("%.2f%%", pct(m.dataset, m.used-m.startup)))
		f("allocator_allocated", m.used)
		f("allocator_active", m.heapActive)
		f("allocator_resident", m.rss)
		f("total_system_memory", m.system)
		f("total_system_memory_human", bytesToHuman(m.system))
		f("used_memory_lua", 32768)
		f("used_memory_vm_eval", 32768)
		f("used_memory_lua_human", bytesToHuman(32768))
		nScripts, scriptBytes := s.scripts.eng.Stats()
		f("used_memory_scripts_eval", scriptBytes)
		f("number_of_cached_scripts", nScripts)
		nLibs, nFns := s.scripts.eng.FunctionCounts()
		f("number_of_functions", nFns)
		f("number_of_libraries", nLibs)
		f("used_memory_vm_functions", 32768)
		f("used_memory_vm_total", 65536)
		f("used_memory_vm_total_human", bytesToHuman(65536))
		f("used_memory_functions", 0)
		f("used_memory_scripts", scriptBytes)
		f("used_memory_scripts_human", bytesToHuman(scriptBytes))
		f("maxmemory", cfg.MaxMemory)
		f("maxmemory_human", bytesToHuman(cfg.MaxMemory))
		f("maxmemory_policy", policyNames[cfg.MaxMemoryPolicy])
		f("allocator_frag_ratio", fmt.Sprintf("%.2f", ratio(m.heapActive, m.used)))
		f("allocator_frag_bytes", m.heapActive-m.used)
		f("allocator_rss_ratio", fmt.Sprintf("%.2f", ratio(m.rss, m.heapActive)))
		f("allocator_rss_bytes", m.rss-m.heapActive)
		f("rss_overhead_ratio", "1.00")
		f("rss_overhead_bytes", 0)
		f("mem_fragmentation_ratio", fmt.Sprintf("%.2f", ratio(m.rss, m.used)))
		f("mem_fragmentation_bytes", m.rss-m.used)
		f("mem_not_counted_for_evict", 0)
		f("mem_replication_backlog", 0)
		f("mem_total_replication_buffers", 0)
		f("mem_clients_slaves", 0)
		f("mem_clients_normal", 0)
		f("mem_cluster_links", 0)
		f("mem_aof_buffer", s.aofBufferSize())
		f("mem_allocator", "go-"+runtime.Version())
		f("active_defrag_running", 0)
		f("lazyfree_pending_objects", 0)
		f("lazyfreed_objects", 0)
	case "persistence":
		s.persistInfo(f)
		s.aofInfo(f)
	case "stats":
		st := &s.stats
		inst := s.ext.inst()
		f("total_connections_received", st.connectionsReceived.Load())
		f("total_commands_processed", s.totalCalls())
		f("instantaneous_ops_per_sec", inst.ops)
		f("total_net_input_bytes", st.netInput.Load())
		f("total_net_output_bytes", st.netOutput.Load())
		f("total_net_repl_input_bytes", 0)
		f("total_net_repl_output_bytes", 0)
		f("instantaneous_input_kbps", fmt.Sprintf("%.2f", inst.inKbps))
		f("instantaneous_output_kbps", fmt.Sprintf("%.2f", inst.outKbps))
		f("instantaneous_input_repl_kbps", "0.00")
		f("instantaneous_output_repl_kbps", "0.00")
		f("rejected_connections", st.rejectedConns.Load())
		f("sync_full", 0)
		f("sync_partial_ok", 0)
		f("sync_partial_err", 0)
		f("expired_keys", st.expiredKeys.Load())
		f("expired_stale_perc", "0.00")
		f("expired_time_cap_reached_count", 0)
		f("expire_cycle_cpu_milliseconds", 0)
		f("evicted_keys", st.evictedKeys.Load())
		f("evicted_clients", 0)
		f("total_eviction_exceeded_time", s.ext.mem.exceededTotal(now))
		f("current_eviction_exceeded_time", s.ext.mem.exceededCurrent(now))
		f("keyspace_hits", st.keyspaceHits.Load())
		f("keyspace_misses", st.keyspaceMisses.Load())
		f("pubsub_channels", 0)
		f("pubsub_patterns", 0)
		f("pubsubshard_channels", 0)
		// A snapshot's cut stands for Redis's fork: the time every client
		// waited while it was taken.
		f("latest_fork_usec", s.persist.cutMicros.Load())
		f("total_forks", s.persist.cuts.Load())
		f("migrate_cached_sockets", 0)
		f("slave_expires_tracked_keys", 0)
		f("active_defrag_hits", 0)
		f("active_defrag_misses", 0)
		f("active_defrag_key_hits", 0)
		f("active_defrag_key_misses", 0)
		f("total_active_defrag_time", 0)
		f("current_active_defrag_time", 0)
		f("tracking_total_keys", 0)
		f("tracking_total_items", 0)
		f("tracking_total_prefixes", 0)
		f("unexpected_error_replies", 0)
		f("total_error_replies", st.totalErrorReplies.Load())
		f("dump_payload_sanitizations", 0)
		f("total_reads_processed", s.totalCalls())
		f("total_writes_processed", s.totalCalls())
		f("io_threaded_reads_processed", 0)
		f("io_threaded_writes_processed", 0)
		f("reply_buffer_shrinks", 0)
		f("reply_buffer_expands", 0)
	case "replication":
		f("role", "master")
		f("connected_slaves", 0)
		f("master_failover_state", "no-failover")
		f("master_replid", s.ext.replID())
		f("master_replid2", strings.Repeat("0", 40))
		f("master_repl_offset", 0)
		f("second_repl_offset", -1)
		f("repl_backlog_active", 0)
		backlog, _ := cfg.Get("repl-backlog-size")
		f("repl_backlog_size", backlog)
		f("repl_backlog_first_byte_offset", 0)
		f("repl_backlog_histlen", 0)
	case "cpu":
		var self, children syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &self)
		syscall.Getrusage(syscall.RUSAGE_CHILDREN, &children)
		tv := func(t syscall.Timeval) string { return fmt.Sprintf("%d.%06d", t.Sec, t.Usec) }
		f("used_cpu_sys", tv(self.Stime))
		f("used_cpu_user", tv(self.Utime))
		f("used_cpu_sys_children", tv(children.Stime))
		f("used_cpu_user_children", tv(children.Utime))
		f("used_cpu_sys_main_thread", tv(self.Stime))
		f("used_cpu_user_main_thread", tv(self.Utime))
	case "commandstats":
		for _, cmd := range s.allCommands() {
			st := &cmd.stats
			calls, usec, rej, fail := st.calls.Load(), st.usec.Load(), st.rejected.Load(), st.failed.Load()
			if calls == 0 && rej == 0 && fail == 0 {
				continue
			}
			perCall := 0.0
			if calls > 0 {
				perCall = float64(usec) / float64(calls)
			}
			f("cmdstat_"+cmd.FullName(), fmt.Sprintf("calls=%d,usec=%d,usec_per_call=%.2f,rejected_calls=%d,failed_calls=%d",
				calls, usec, perCall, rej, fail))
		}
	case "errorstats":
		s.stats.errMu.Lock()
		names := make([]string, 0, len(s.stats.errors))
		for k := range s.stats.errors {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			f("errorstat_"+k, "count="+strconv.FormatInt(s.stats.errors[k], 10))
		}
		s.stats.errMu.Unlock()
	case "latencystats":
		if !cfg.LatencyTracking {
			return
		}
		pcts, _ := cfg.Get("latency-tracking-info-percentiles")
		for _, cmd := range s.allCommands() {
			h := &cmd.stats.hist
			if cmd.stats.calls.Load() == 0 {
				continue
			}
			var parts []string
			for _, p := range strings.Fields(pcts) {
				q, err := strconv.ParseFloat(p, 64)
				if err != nil {
					continue
				}
				parts = append(parts, fmt.Sprintf("p%s=%.3f", p, h.percentile(q)))
			}
			f("latency_percentiles_usec_"+cmd.FullName(), strings.Join(parts, ","))
		}
	case "cluster":
		f("cluster_enabled", 0)
	case "keyspace":
		now := time.Now().UnixMilli()
		for _, db := range s.dbs {
			keys, expires, avgTTL := db.keyspaceInfo(now, locked)
			if keys == 0 {
				continue
			}
			f("db"+strconv.Itoa(db.id), fmt.Sprintf("keys=%d,expires=%d,avg_ttl=%d", keys, expires, avgTTL))
		}
	}
}

// keyspaceInfo counts keys and keys with a TTL, and estimates the average
// TTL from the median expiry of each shard, weighted by its volatile keys.
// locked: the caller already holds every shard's lock (inside EXEC).
func (db *DB) keyspaceInfo(now int64, locked bool) (keys, expires, avgTTL int64) {
	var weighted float64
	for i := range db.shards {
		sh := &db.shards[i]
		if !locked {
			sh.mu.RLock()
		}
		keys += int64(sh.len())
		if n := sh.exp.Len(); n > 0 {
			expires += int64(n)
			if it, ok := sh.exp.GetAt(n / 2); ok && it.at > now {
				weighted += float64(it.at-now) * float64(n)
			}
		}
		if !locked {
			sh.mu.RUnlock()
		}
	}
	if expires > 0 {
		avgTTL = int64(weighted / float64(expires))
	}
	return keys, expires, avgTTL
}

// allCommands lists every command and subcommand, sorted by full name.
func (s *Server) allCommands() []*Command {
	var out []*Command
	for _, cmd := range s.commands.sorted {
		if len(cmd.Subs) == 0 {
			out = append(out, cmd)
			continue
		}
		out = append(out, cmd)
		out = append(out, cmd.Subs...)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].FullName() < out[j].FullName() })
	return out
}

// lookupFullName finds "get" or "config|get".
func (s *Server) lookupFullName(name string) *Command {
	parent, sub, isSub := strings.Cut(strings.ToLower(name), "|")
	cmd := s.commands.byName[parent]
	if cmd == nil || !isSub {
		return cmd
	}
	return cmd.subs[sub]
}

func (s *Server) totalCalls() int64 {
	var n int64
	for _, cmd := range s.commands.sorted {
		n += cmd.stats.calls.Load()
		for _, sub := range cmd.Subs {
			n += sub.stats.calls.Load()
		}
	}
	return n
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func pct(a, b int64) float64 {
	if b <= 0 {
		return 0
	}
	return float64(a) * 100 / float64(b)
}

func ratio(a, b int64) float64 {
	if b <= 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// bytesToHuman is Redis's: 1023B, 1.00K, 1.50M, ...
func bytesToHuman(n int64) string {
	d := float64(n)
	switch {
	case n < 1024:
		return strconv.FormatInt(n, 10) + "B"
	case n < 1<<20:
		return fmt.Sprintf("%.2fK", d/(1<<10))
	case n < 1<<30:
		return fmt.Sprintf("%.2fM", d/(1<<20))
	case n < 1<<40:
		return fmt.Sprintf("%.2fG", d/(1<<30))
	case n < 1<<50:
		return fmt.Sprintf("%.2fT", d/(1<<40))
	case n < 1<<60:
		return fmt.Sprintf("%.2fP", d/(1<<50))
	}
	return strconv.FormatInt(n, 10) + "B"
}

// unameString is INFO's os field, as Redis prints uname(2).
func unameString() string {
	var u unix.Utsname
	if unix.Uname(&u) != nil {
		return runtime.GOOS
	}
	str := func(a []byte) string {
		if i := bytes.IndexByte(a, 0); i >= 0 {
			a = a[:i]
		}
		return string(a)
	}
	return str(u.Sysname[:]) + " " + str(u.Release[:]) + " " + str(u.Machine[:])
}

// ---- memory figures ----

type memFigures struct {
	used, rss, peak, startup, overhead, dataset, heapActive, system int64
}

// memInfo reads the Go runtime's view of memory: used_memory is the heap
// objects in use, as Redis's is what its allocator has handed out.
func (s *Server) memInfo() memFigures {
	samples := []metrics.Sample{
		{Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/memory/classes/heap/unused:bytes"},
		{Name: "/memory/classes/total:bytes"},
		{Name: "/memory/classes/heap/released:bytes"},
	}
	metrics.Read(samples)
	val := func(i int) int64 {
		if samples[i].Value.Kind() == metrics.KindUint64 {
			return int64(samples[i].Value.Uint64())
		}
		return 0
	}
	m := memFigures{used: val(0)}
	m.heapActive = m.used + val(1)
	m.rss = residentBytes()
	if m.rss == 0 {
		m.rss = val(2) - val(3)
	}
	m.peak = s.ext.notePeak(m.used)
	m.startup = s.ext.startupMem
	m.dataset = s.ext.mem.estimate(s)
	m.overhead = max(m.used-m.dataset, 0)
	m.system = systemMemory()
	return m
}

// residentBytes is the process's RSS from /proc (0 where unavailable).
func residentBytes() int64 {
	data, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	fields := strings.Fields(string(data))
	if len(fields) < 2 {
		return 0
	}
	pages, _ := strconv.ParseInt(fields[1], 10, 64)
	return pages * int64(os.Getpagesize())
}

// ---- per-command latency histograms (LATENCY HISTOGRAM, latencystats) ----

// latencyHist counts calls by latency in power-of-two microsecond buckets:
// bucket i holds latencies in (2^(i-1), 2^i] us, bucket 0 up to 1us.
type latencyHist struct {
	buckets [40]atomic.Int64
}

func (h *latencyHist) record(us int64) {
	i := 0
	if us > 1 {
		i = bits.Len64(uint64(us - 1))
	}
	if i >= len(h.buckets) {
		i = len(h.buckets) - 1
	}
	h.buckets[i].Add(1)
}

// cumulative returns (bucket upper bound in us, calls up to it) for every
// bucket that has calls, as Redis's reply lists them.
func (h *latencyHist) cumulative() [][2]int64 {
	var out [][2]int64
	var cum int64
	for i := range h.buckets {
		n := h.buckets[i].Load()
		if n == 0 {
			continue
		}
		cum += n
		out = append(out, [2]int64{1 << i, cum})
	}
	return out
}

// percentile estimates the q-th percentile (0-100) as its bucket's bound.
func (h *latencyHist) percentile(q float64) float64 {
	var total int64
	for i := range h.buckets {
		total += h.buckets[i].Load()
	}
	if total == 0 {
		return 0
	}
	want := int64(math.Ceil(q / 100 * float64(total)))
	var cum int64
	for i := range h.buckets {
		cum += h.buckets[i].Load()
		if cum >= want && cum > 0 {
			return float64(int64(1) << i)
		}
	}
	return float64(int64(1) << (len(h.buckets) - 1))
}

func (h *latencyHist) reset() {
	for i := range h.buckets {
		h.buckets[i].Store(0)
	}
}

// ---- instantaneous rates, sampled like Redis's trackInstantaneousMetric ----

type instRates struct {
	ops             int64
	inKbps, outKbps float64
}

type rateSampler struct {
	mu       sync.Mutex
	lastAt   time.Time
	lastOps  int64
	lastIn   int64
	lastOut  int64
	rates    instRates
	interval time.Duration
}

// inst returns the rates between the last two samples at least 100ms apart.
func (e *serverExt) inst() instRates {
	r := &e.rates
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.rates
}

// sampleRates is called by the stats goroutine every 100ms.
func (s *Server) sampleRates(now time.Time) {
	r := &s.ext.rates
	ops, in, out := s.totalCalls(), s.stats.netInput.Load(), s.stats.netOutput.Load()
	r.mu.Lock()
	if !r.lastAt.IsZero() {
		secs := now.Sub(r.lastAt).Seconds()
		if secs > 0 {
			r.rates = instRates{
				ops:     int64(float64(ops-r.lastOps) / secs),
				inKbps:  float64(in-r.lastIn) / secs / 1024,
				outKbps: float64(out-r.lastOut) / secs / 1024,
			}
		}
	}
	r.lastAt, r.lastOps, r.lastIn, r.lastOut = now, ops, in, out
	r.mu.Unlock()
}

// notePeak records used memory and returns the peak so far.
func (e *serverExt) notePeak(used int64) int64 {
	for {
		p := e.peakMem.Load()
		if used <= p {
			return p
		}
		if e.peakMem.CompareAndSwap(p, used) {
			return used
		}
	}
}

// statsReset is CONFIG RESETSTAT's part for this family.
func (e *serverExt) statsReset() {
	e.peakMem.Store(0)
}

// replID is the replication ID INFO shows (DEBUG CHANGE-REPL-ID renews it).
func (e *serverExt) replID() string {
	if p := e.replid.Load(); p != nil {
		return *p
	}
	return ""
}

// statsLoop samples rates and memory every 100ms until the server closes.
func (s *Server) statsLoop() {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-s.done:
			return
		case now := <-t.C:
			s.sampleRates(now)
			s.ext.notePeak(s.memInfoUsedOnly())
		}
	}
}

func (s *Server) memInfoUsedOnly() int64 {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(sample)
	if sample[0].Value.Kind() == metrics.KindUint64 {
		return int64(sample[0].Value.Uint64())
	}
	return 0
}
