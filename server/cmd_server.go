package server

import (
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The server family: DBSIZE, FLUSHALL, FLUSHDB, SWAPDB, TIME, SHUTDOWN,
// INFO (info.go), CONFIG (config.go), SLOWLOG and LATENCY (slowlog.go),
// MONITOR (monitor.go), DEBUG and MEMORY (cmd_debug.go).

const adminFlags = flagAdmin | flagNoScript | flagLoading | flagStale

func serverCommands() []*Command {
	helpFlags := flagLoading | flagStale
	return []*Command{
		{Name: "dbsize", Arity: 1, Flags: flagReadonly | flagFast, ACL: "@keyspace", Handler: cmdDBSize,
			Tips: []string{"request_policy:all_shards", "response_policy:agg_sum"}},
		{Name: "flushall", Arity: -1, Flags: flagWrite | flagLockAll, ACL: "@keyspace @dangerous", Handler: cmdFlushAll,
			Tips: []string{"request_policy:all_shards", "response_policy:all_succeeded"}},
		{Name: "flushdb", Arity: -1, Flags: flagWrite | flagLockAll, ACL: "@keyspace @dangerous", Handler: cmdFlushDB,
			Tips: []string{"request_policy:all_shards", "response_policy:all_succeeded"}},
		{Name: "swapdb", Arity: 3, Flags: flagWrite | flagFast | flagLockAll, ACL: "@keyspace @dangerous", Handler: cmdSwapDB},
		{Name: "info", Arity: -1, Flags: flagLoading | flagStale, ACL: "@dangerous", Handler: cmdInfo,
			Tips: []string{"nondeterministic_output", "request_policy:all_shards", "response_policy:special"}},
		{Name: "time", Arity: 1, Flags: flagLoading | flagStale | flagFast, Handler: cmdTime,
			Tips: []string{"nondeterministic_output"}},
		{Name: "shutdown", Arity: -1, Flags: adminFlags | flagNoMulti | flagAllowBusy, Handler: cmdShutdown},
		{Name: "monitor", Arity: 1, Flags: adminFlags, Handler: cmdMonitor},
		// DEBUG locks what it needs itself (SLEEP stops everything).
		{Name: "debug", Arity: -2, Flags: adminFlags | flagNoLock, Handler: cmdDebug},
		{Name: "config", Arity: -2, Subs: []*Command{
			{Name: "get", Arity: -3, Flags: adminFlags, Handler: cmdConfigGet},
			{Name: "set", Arity: -4, Flags: adminFlags, Handler: cmdConfigSet,
				Tips: []string{"request_policy:all_nodes", "response_policy:all_succeeded"}},
			{Name: "resetstat", Arity: 2, Flags: adminFlags, Handler: cmdConfigResetStat},
			{Name: "rewrite", Arity: 2, Flags: adminFlags, Handler: cmdConfigRewrite},
			{Name: "help", Arity: 2, Flags: helpFlags, Handler: cmdConfigHelp},
		}},
		{Name: "slowlog", Arity: -2, Subs: []*Command{
			{Name: "get", Arity: -2, Flags: flagAdmin | flagLoading | flagStale, Handler: cmdSlowlogGet,
				Tips: []string{"request_policy:all_nodes", "nondeterministic_output"}},
			{Name: "len", Arity: 2, Flags: flagAdmin | flagLoading | flagStale, Handler: cmdSlowlogLen,
				Tips: []string{"request_policy:all_nodes", "response_policy:agg_sum", "nondeterministic_output"}},
			{Name: "reset", Arity: 2, Flags: flagAdmin | flagLoading | flagStale, Handler: cmdSlowlogReset,
				Tips: []string{"request_policy:all_nodes", "response_policy:all_succeeded"}},
			{Name: "help", Arity: 2, Flags: helpFlags, Handler: cmdSlowlogHelp},
		}},
		{Name: "latency", Arity: -2, Subs: []*Command{
			{Name: "latest", Arity: 2, Flags: adminFlags, Handler: cmdLatencyLatest,
				Tips: []string{"nondeterministic_output", "request_policy:all_nodes", "response_policy:special"}},
			{Name: "history", Arity: 3, Flags: adminFlags, Handler: cmdLatencyHistory,
				Tips: []string{"nondeterministic_output", "request_policy:all_nodes", "response_policy:special"}},
			{Name: "reset", Arity: -2, Flags: adminFlags, Handler: cmdLatencyReset,
				Tips: []string{"request_policy:all_nodes", "response_policy:all_succeeded"}},
			{Name: "doctor", Arity: 2, Flags: adminFlags, Handler: cmdLatencyDoctor,
				Tips: []string{"nondeterministic_output", "request_policy:all_nodes", "response_policy:special"}},
			{Name: "graph", Arity: 3, Flags: adminFlags, Handler: cmdLatencyGraph,
				Tips: []string{"nondeterministic_output", "request_policy:all_nodes", "response_policy:special"}},
			{Name: "histogram", Arity: -2, Flags: adminFlags, Handler: cmdLatencyHistogram,
				Tips: []string{"nondeterministic_output", "request_policy:all_nodes", "response_policy:special"}},
			{Name: "help", Arity: 2, Flags: helpFlags, Handler: cmdLatencyHelp},
		}},
		{Name: "memory", Arity: -2, Subs: []*Command{
			{Name: "usage", Arity: -3, Flags: flagReadonly, First: 2, Last: 2, Step: 1, Handler: cmdMemoryUsage},
			{Name: "stats", Arity: 2, Handler: cmdMemoryStats,
				Tips: []string{"nondeterministic_output", "request_policy:all_shards", "response_policy:special"}},
			{Name: "doctor", Arity: 2, Handler: cmdMemoryDoctor,
				Tips: []string{"nondeterministic_output", "request_policy:all_shards", "response_policy:special"}},
			{Name: "malloc-stats", Arity: 2, Handler: cmdMemoryMallocStats,
				Tips: []string{"nondeterministic_output", "request_policy:all_shards", "response_policy:special"}},
			{Name: "purge", Arity: 2, Handler: cmdMemoryPurge,
				Tips: []string{"request_policy:all_shards", "response_policy:all_succeeded"}},
			{Name: "help", Arity: 2, Flags: helpFlags, Handler: cmdMemoryHelp},
		}},
	}
}

// serverExt is the state of the server-family features.
type serverExt struct {
	slowlog  slowlog
	latency  latencyMonitor
	monMu    sync.Mutex
	monitors map[*Client]*monitorFeed
	mem      memTracker
	// shutdownAsked makes SHUTDOWN idempotent while the owner stops us.
	shutdownAsked atomic.Bool

	infoHooks  sync.Map // section name -> func() string
	rates      rateSampler
	peakMem    atomic.Int64
	startupMem int64
	replid     atomic.Pointer[string]
}

func (s *Server) initExt() {
	s.ext.monitors = make(map[*Client]*monitorFeed)
	s.ext.latency.events = make(map[string]*latencySeries)
	s.ext.mem.dbMem = make([]atomic.Int64, len(s.dbs))
	id := randomHex(40)
	s.ext.replid.Store(&id)
	s.ext.startupMem = s.memInfoUsedOnly()
	// loglevel changes by CONFIG SET take effect at once.
	s.log.level = func() int { return s.config().LogLevel }
	go s.statsLoop()
}

// afterCall runs after every executed command: MONITOR, slowlog, latency.
func (s *Server) afterCall(c *Client, cmd *Command, start time.Time, dur time.Duration) {
	if s.monitors.Load() > 0 && cmd.Flags&(flagAdmin|flagSkipMonitor) == 0 {
		s.feedMonitors(c, cmd)
	}
	cfg := s.config()
	us := dur.Microseconds()
	if cfg.LatencyTracking {
		cmd.stats.hist.record(us)
	}
	if cfg.SlowlogSlowerThan >= 0 && us >= cfg.SlowlogSlowerThan && cmd.Flags&flagSkipSlowlog == 0 {
		s.ext.slowlog.add(c, cmd, start, us, cfg.SlowlogMaxLen)
	}
	if cfg.LatencyThreshold > 0 {
		ms := dur.Milliseconds()
		if ms >= cfg.LatencyThreshold {
			event := "command"
			if cmd.Flags&flagFast != 0 {
				event = "fast-command"
			}
			s.ext.latency.add(event, start.Unix(), ms)
		}
	}
}

func cmdDBSize(c *Client) { c.writeInt(int64(c.db.size(c.allLocked()))) }

func cmdFlushAll(c *Client) {
	if !c.parseFlushMode() {
		return
	}
	for _, db := range c.srv.dbs {
		c.srv.touchFlushed(db, nil)
		db.clear()
	}
	c.srv.invalidateAll(c)
	c.srv.ext.mem.reset()
	// A BGSAVE of the old data must not land after this (Redis kills its
	// child), and with save points the file on disk is emptied at once.
	c.srv.resetRDBAfterFlush()
	c.dirty++
	c.writeOK()
}

func cmdFlushDB(c *Client) {
	if !c.parseFlushMode() {
		return
	}
	c.srv.touchFlushed(c.db, nil)
	c.db.clear()
	c.srv.invalidateAll(c)
	c.srv.ext.mem.invalidate()
	c.dirty++
	c.writeOK()
}

// parseFlushMode accepts FLUSHALL/FLUSHDB's optional ASYNC or SYNC. Both
// free memory at once: dropping the trees is O(1) and the Go collector
// reclaims them in the background, which is what ASYNC asks for.
func (c *Client) parseFlushMode() bool {
	if len(c.args) > 2 || (len(c.args) == 2 && !eqFold(c.args[1], "async") && !eqFold(c.args[1], "sync")) {
		c.writeError(errSyntax)
		return false
	}
	return true
}

// SWAPDB index1 index2
func cmdSwapDB(c *Client) {
	a, ok := parseInt(c.args[1])
	if !ok || a < -1<<31 || a > 1<<31-1 {
		c.writeError(errInvalidFirstDB)
		return
	}
	b, ok := parseInt(c.args[2])
	if !ok || b < -1<<31 || b > 1<<31-1 {
		c.writeError(errInvalidSecondDB)
		return
	}
	n := int64(len(c.srv.dbs))
	if a < 0 || a >= n || b < 0 || b >= n {
		c.writeError(errDBIndex)
		return
	}
	if a != b {
		c.srv.touchFlushed(c.srv.dbs[a], c.srv.dbs[b])
		c.srv.touchFlushed(c.srv.dbs[b], c.srv.dbs[a])
		c.srv.dbs[a].swapWith(c.srv.dbs[b])
		c.readyDB(int(a))
		c.readyDB(int(b))
		c.srv.ext.mem.invalidate()
	}
	c.dirty++
	c.writeOK()
}

func cmdTime(c *Client) {
	now := time.Now()
	c.writeArray(2)
	c.writeBulkString(strconv.FormatInt(now.Unix(), 10))
	c.writeBulkString(strconv.Itoa(now.Nanosecond() / 1000))
}

// SHUTDOWN [NOSAVE | SAVE] [NOW] [FORCE] [ABORT]
func cmdShutdown(c *Client) {
	var nosave, save, abort, force bool
	for _, a := range c.args[1:] {
		switch {
		case eqFold(a, "nosave"):
			nosave = true
		case eqFold(a, "save"):
			save = true
		case eqFold(a, "now"):
			// No replicas are waited for, so NOW changes nothing.
		case eqFold(a, "force"):
			force = true
		case eqFold(a, "abort"):
			abort = true
		default:
			c.writeError(errSyntax)
			return
		}
	}
	if (abort && len(c.args) != 2) || (save && nosave) {
		c.writeError(errSyntax)
		return
	}
	if !nosave && c.srv.scriptState() == scriptPastThreshold {
		// Past busy-reply-threshold only SHUTDOWN NOSAVE may stop a script.
		c.writeError(c.srv.busyText())
		return
	}
	if abort {
		// Shoal never waits for lagging replicas, so nothing is ever in progress.
		c.writeError(errNoShutdown)
		return
	}
	s := c.srv
	if s.ext.shutdownAsked.Load() {
		c.closeAfterReply = true
		return
	}
	if err := s.prepareForShutdown(save, nosave); err != nil && !force {
		c.writeError(errShutdownFailed)
		return
	}
	// Redis closes the connection without a reply when it exits.
	c.closeAfterReply = true
	if s.ext.shutdownAsked.Swap(true) {
		return
	}
	if fn := s.shutdownFn; fn != nil {
		fn()
		return
	}
	go s.Close()
}

// prepareForShutdown stops a running BGSAVE and saves when asked to (SAVE)
// or when save points are set (unless NOSAVE), as Redis's
// prepareForShutdown. An error means the data could not be saved.
func (s *Server) prepareForShutdown(save, nosave bool) error {
	s.abortBgsave()
	if nosave || (!save && s.config().Save == "") {
		return s.shutdownAOF()
	}
	s.log.Notice("Saving the final RDB snapshot before exiting.")
	if err := s.saveSync(); err != nil {
		s.log.Warning("Error trying to save the DB, can't exit.")
		return err
	}
	return s.shutdownAOF()
}

// helpReply writes a HELP subcommand's reply the way Redis's
// addReplyHelp does: a first line naming the command, then the lines.
func (c *Client) helpReply(cmd string, lines []string) {
	c.writeArray(len(lines) + 3)
	c.writeStatus(strings.ToUpper(cmd) + " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:")
	for _, l := range lines {
		c.writeStatus(l)
	}
	c.writeStatus("HELP")
	c.writeStatus("    Prints this help.")
}
