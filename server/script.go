package server

import (
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/shoaldb/shoal/scripting"
)

// Lua scripts run one at a time, on the caller's goroutine. A script is
// atomic by two-phase locking: each command it calls write-locks the
// shards of its keys on first use, and nothing is released before the
// script ends. Declared and undeclared keys are treated alike, so queue
// libraries that build key names inside the script stay atomic.
//
// Locking shards in the order a script happens to touch them is safe
// because nobody else ever waits for a shard while holding another:
// single-shard commands hold one lock; multi-shard commands and EXEC take
// theirs with TryLock and, when one is busy, release everything before
// waiting for it (lockShards); and whatever locks every shard (FLUSHALL,
// KEYS inside MULTI, ...) first takes the script mutex, as scripts do.
type scriptRunner struct {
	mu   sync.Mutex // held by the running script, and by lockAll
	eng  *scripting.Engine
	fake *Client // the client scripts' commands run as ("lua" in MONITOR)
	// host and reply are handed to the engine (as interfaces, made once).
	host  *scriptHost
	reply *replyAdapter

	// since is when the running script started (monotonic ns since the
	// server's clockBase), 0 when none runs: dispatch answers BUSY once it
	// is older than busy-reply-threshold.
	since atomic.Int64
	isFn  atomic.Bool // the running script is a function (FUNCTION KILL)

	// The run in progress, owned by the goroutine running it.
	readOnly   bool // no-writes, or EVAL_RO/FCALL_RO
	allowOOM   bool
	oomAtStart bool
	wrote      bool
	repl       int // redis.set_repl flags
	held       []*shard
	runNo      uint64 // numbers runs, to mark the shards a run holds
	all        bool
}

func newScriptRunner(s *Server) *scriptRunner {
	r := &scriptRunner{eng: scripting.NewEngine()}
	r.eng.MemoryLimit = scriptMemoryLimit
	fc := s.newInternalClient()
	fc.blk.deny = true // blocking commands do not block inside scripts
	fc.addr = "?:0"    // what Redis's slowlog shows for its Lua client
	r.fake = fc
	r.host = &scriptHost{r: r, s: s}
	r.reply = &replyAdapter{}
	return r
}

// scriptMemoryLimit is how much a script may grow the heap before it is
// stopped with Lua's "not enough memory" (Redis sets no bound and lets
// the process die; Shoal answers the script with an error instead).
const scriptMemoryLimit = 1 << 30

// scriptRun describes one invocation for runScript.
type scriptRun struct {
	readOnly bool // EVAL_RO, FCALL_RO, or the no-writes flag
	allowOOM bool
	function bool
	exec     func(host scripting.Host, w scripting.ReplyWriter)
}

// runScript runs a script for caller c under the script mutex (unless the
// caller already holds every lock: EXEC of a transaction with EVAL), with
// the fake client set up as Redis sets up its Lua client, then releases
// every lock the script took and propagates its writes as one unit.
func (s *Server) runScript(c *Client, sr scriptRun) {
	// MONITOR shows EVAL before the commands it runs (it is flagged
	// skip-monitor so that afterCall does not show it again after them).
	if s.monitors.Load() > 0 {
		s.feedMonitors(c, c.cmd)
	}
	r := s.scripts
	inExec := c.allLocked()
	if !inExec {
		r.mu.Lock()
	}
	fc := r.fake
	r.runNo++
	r.readOnly, r.allowOOM, r.wrote = sr.readOnly, sr.allowOOM, false
	r.repl = scripting.ReplAOF | scripting.ReplReplica
	cfg := s.config()
	r.oomAtStart = s.overMaxMemory(cfg, !inExec)
	fc.selectDB(c.dbIndex)
	fc.multi = multiState{queue: fc.multi.queue[:0], running: true, now: c.now}
	fc.rlock = false
	if inExec {
		r.all = true
		fc.locks = append(fc.locks[:0], nil)
		// Inside a transaction the script's writes join EXEC's block.
		m := &fc.multi
		m.nprop, m.first, m.firstDB = c.multi.nprop, c.multi.first, c.multi.firstDB
	}
	r.isFn.Store(sr.function)
	start := time.Since(s.clockBase)
	r.since.Store(int64(start))
	// A command's duration runs from its predecessor's end (c.call), as
	// in a pipeline: the first from the script's start.
	fc.tick = start

	r.reply.c = c
	sr.exec(r.host, r.reply)
	r.reply.c = nil

	r.since.Store(0)
	// The script's writes go out as Redis 7.0 sends them: one alone, two
	// or more inside MULTI ... EXEC; inside a transaction, EXEC does it.
	switch m := &fc.multi; {
	case inExec:
		c.multi.nprop, c.multi.first, c.multi.firstDB = m.nprop, m.first, m.firstDB
	case m.nprop == 1:
		s.propagateArgs(m.firstDB, m.first)
	case m.nprop > 1:
		s.propagateArgs(fc.dbIndex, [][]byte{[]byte("EXEC")})
	}
	fc.multi = multiState{queue: fc.multi.queue[:0]}
	r.releaseLocks(inExec)
	if !inExec {
		r.mu.Unlock()
	}
	c.dirty = 0 // EVAL itself is not propagated: its effects were
}

// releaseLocks unlocks every shard the script locked.
func (r *scriptRunner) releaseLocks(inExec bool) {
	fc := r.fake
	if !inExec {
		for i := len(r.held) - 1; i >= 0; i-- {
			r.held[i].mu.Unlock()
		}
	}
	clear(r.held)
	r.held = r.held[:0]
	r.all = false
	fc.locks = fc.locks[:0]
}

// lockShard write-locks sh for the rest of the script.
func (r *scriptRunner) lockShard(sh *shard) {
	if r.all {
		return
	}
	if sh.scriptRun == r.runNo {
		return
	}
	sh.mu.Lock()
	sh.scriptRun = r.runNo
	r.held = append(r.held, sh)
}

// lockEverything locks every shard not held yet: the script called a
// command whose keys cannot be known in advance (KEYS, FLUSHALL, ...).
func (r *scriptRunner) lockEverything(s *Server) {
	if r.all {
		return
	}
	for _, db := range s.dbs {
		for i := range db.shards {
			r.lockShard(&db.shards[i])
		}
	}
	r.all = true
	r.fake.locks = append(r.fake.locks[:0], nil) // allLocked: handlers lock nothing
}

// scriptHost is what the scripting engine calls back into.
type scriptHost struct {
	r *scriptRunner
	s *Server
}

// Call runs a command from redis.call/pcall with Redis's checks for
// scripts, and returns its reply.
func (h *scriptHost) Call(args [][]byte, resp int) []byte {
	r, s := h.r, h.s
	fc := r.fake
	fc.out = fc.out[:0]
	cmd := s.scriptCommand(fc, args)
	if msg := r.refuse(cmd, args); msg != "" {
		// Not counted in errorstats here: the script's reply is.
		fc.out = append(append(append(fc.out, '-'), msg...), '\r', '\n')
		return fc.out
	}
	fc.args = args
	r.lockFor(s, cmd)
	fc.resp = resp
	fc.noProp = r.repl&scripting.ReplReplica == 0
	fc.call(cmd)
	fc.key0 = nil
	return fc.out
}

// lockFor locks the shards of cmd's keys, or everything when its keys
// cannot be named.
func (r *scriptRunner) lockFor(s *Server, cmd *Command) {
	if r.all {
		return
	}
	fc := r.fake
	if cmd.Flags&(flagNoLock|flagLockAll) != 0 && cmd.Flags&flagPubsub == 0 {
		r.lockEverything(s)
		return
	}
	fc.keyPos = cmd.keyPositions(fc.args, fc.keyPos[:0])
	if len(fc.keyPos) == 0 {
		if !keylessPure(cmd) && cmd.Flags&flagPubsub == 0 {
			r.lockEverything(s)
		}
		return
	}
	for i, p := range fc.keyPos {
		k := fc.args[p]
		idx := shardOf(k)
		if i == 0 { // the handler's first lookup skips the hash, as lockFor arranges
			fc.key0, fc.key0Len, fc.key0Shard = unsafe.SliceData(k), len(k), idx
		}
		r.lockShard(&fc.db.shards[idx])
	}
}

// scriptCommand looks up the command (or subcommand) args name, checking
// the last one a script called first: scripts repeat their commands.
func (s *Server) scriptCommand(fc *Client, args [][]byte) *Command {
	cmd := fc.cmdCache
	if cmd == nil || !eqFold(args[0], cmd.Name) {
		cmd = s.commands.lookup(args[0])
		fc.cmdCache = cmd
	}
	if cmd != nil && cmd.subs != nil && len(args) >= 2 {
		cmd = cmd.lookupSub(args[1])
	}
	return cmd
}

// refuse runs Redis's checks on a command a script calls, in its order,
// and returns the error, or "" when it may run. A write that passes marks
// the script as having written.
func (r *scriptRunner) refuse(cmd *Command, args [][]byte) string {
	switch {
	case cmd == nil:
		return errScriptUnknownCmd
	case (cmd.Arity > 0 && len(args) != cmd.Arity) || len(args) < -cmd.Arity:
		return errScriptArity
	case cmd.Flags&flagNoScript != 0:
		return errScriptNotAllowed
	case cmd.Flags&flagWrite != 0 && r.readOnly:
		return errScriptReadOnly
	case !r.allowOOM && r.oomAtStart && !r.wrote && cmd.Flags&flagDenyOOM != 0:
		return errOOM
	}
	if cmd.Flags&flagWrite != 0 {
		if !r.eng.Current().Written() {
			// SCRIPT KILL won the race with this first write: the script
			// stops at its next instruction, having changed nothing.
			return errScriptKilled
		}
		r.wrote = true
	}
	return ""
}

func (h *scriptHost) SetRepl(flags int) { h.r.repl = flags }

func (h *scriptHost) Log(level int, msg string) {
	h.s.log.logf(scriptLogLevel(level), "%s", msg)
}

func (h *scriptHost) ACLCheck(args [][]byte) (known, allowed bool) {
	cmd := h.s.scriptCommand(h.r.fake, args)
	return cmd != nil, cmd != nil
}

// busyError is the reply to a command refused while a script runs past
// busy-reply-threshold, or "" when it may run.
func (s *Server) busyError(cmd *Command) string {
	if cmd.Flags&flagAllowBusy != 0 || s.scriptState() != scriptPastThreshold {
		return ""
	}
	return s.busyText()
}

// busyText is Redis's BUSY reply for the kind of script that runs.
func (s *Server) busyText() string {
	if s.scripts.isFn.Load() {
		return errBusyFunction
	}
	return errBusyScript
}

// What scriptState reports.
const (
	scriptNone = iota
	scriptRunning
	scriptPastThreshold // other clients get BUSY
)

// scriptState tells whether a script runs and whether it has passed
// busy-reply-threshold.
func (s *Server) scriptState() int {
	since := s.scripts.since.Load()
	if since == 0 {
		return scriptNone
	}
	ms := s.config().BusyReplyThreshold
	if int64(time.Since(s.clockBase))-since < ms*int64(time.Millisecond) {
		return scriptRunning
	}
	return scriptPastThreshold
}

// scriptWatchdog stops a script that grows the heap without bound.
func (s *Server) scriptWatchdog() {
	defer s.wg.Done()
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-s.done:
			return
		case <-t.C:
		}
		if s.scripts.since.Load() != 0 {
			s.scripts.eng.Watch()
		}
	}
}

// replyAdapter writes a script's result to the calling client.
type replyAdapter struct{ c *Client }

func (a *replyAdapter) Bulk(s string)        { a.c.writeBulkString(s) }
func (a *replyAdapter) Int(n int64)          { a.c.writeInt(n) }
func (a *replyAdapter) Status(s string)      { a.c.writeStatus(s) }
func (a *replyAdapter) Error(msg string)     { a.c.writeError(msg) }
func (a *replyAdapter) Null()                { a.c.writeNull() }
func (a *replyAdapter) Array(n int)          { a.c.writeArray(n) }
func (a *replyAdapter) Map(n int)            { a.c.writeMap(n) }
func (a *replyAdapter) Set(n int)            { a.c.writeSet(n) }
func (a *replyAdapter) Double(f float64)     { a.c.writeDouble(f) }
func (a *replyAdapter) Bool(b bool)          { a.c.writeBool(b) }
func (a *replyAdapter) BigNumber(s string)   { a.c.writeBigNumber(s) }
func (a *replyAdapter) Verbatim(f, s string) { a.c.writeVerbatimFormat(f, s) }

// scriptLogLevel maps redis.log's levels to the logger's.
func scriptLogLevel(level int) int {
	switch level {
	case scripting.LogDebug:
		return logDebug
	case scripting.LogVerbose:
		return logVerbose
	case scripting.LogNotice:
		return logNotice
	}
	return logWarning
}

// overMaxMemory reports whether used memory is over maxmemory, evicting
// first when allowed (not when every shard is already locked).
func (s *Server) overMaxMemory(cfg *Config, evict bool) bool {
	if cfg.MaxMemory <= 0 {
		return false
	}
	if evict {
		return !s.evictIfNeeded(cfg)
	}
	return s.usedMemory() > cfg.MaxMemory
}

// withScriptMutex runs fn holding the script mutex (FUNCTION LOAD,
// DELETE, ... change the state functions run in), unless the caller holds
// it already through lockAll (inside EXEC).
func (s *Server) withScriptMutex(c *Client, fn func()) {
	if !c.allLocked() {
		s.scripts.mu.Lock()
		defer s.scripts.mu.Unlock()
	}
	fn()
}
