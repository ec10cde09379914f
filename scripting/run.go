package scripting

import (
	"errors"
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync/atomic"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// Run is one invocation of a script or function.
type Run struct {
	Host Host
	// Resp is the protocol redis.call replies come in (redis.setresp).
	Resp int
	// name and source make Redis's error suffix:
	// " script: <name>, on <source>:<line>."
	name   string
	source string

	st      *State
	started time.Time
	// heapBase is the heap size when the watchdog first saw the run
	// (atomic: the watchdog may still hold a run that ended).
	heapBase atomic.Int64
	// kill is runKillable until the script writes (runWritten: SCRIPT KILL
	// answers UNKILLABLE) or is killed (runKilled: it may not write any
	// more). One atomic word, so a kill and a first write cannot both win.
	kill atomic.Int32
}

// Why a run was stopped from outside.
var (
	// Redis 7.0 words it so for functions too.
	errKilled   = errors.New("Script killed by user with SCRIPT KILL...")
	errNoMemory = errors.New("not enough memory")
)

// Eval runs a cached script with KEYS and ARGV, writing its result or
// error to w.
func (e *Engine) Eval(s *Script, keys, args [][]byte, host Host, w ReplyWriter) {
	st := e.state()
	fn := st.fns[s.proto]
	if fn == nil {
		fn = st.L.NewFunctionFromProto(s.proto)
		fn.Env = st.env
		if !s.assignsGlobal {
			fn.Env = st.fastEnv
		}
		st.fns[s.proto] = fn
	}
	st.setArgTable("KEYS", &st.keys, keys)
	st.setArgTable("ARGV", &st.argv, args)
	e.release(st, e.callFunction(st, st.newRun(host, s.SHA, "@user_script"), fn, 0, w))
}

// newRun readies the state's Run for a run of the script or function
// name. Each state keeps one, reused run after run: a Run is only
// referred to while its run is current (Kill and the watchdog find it
// under the engine's lock), so the next run may take it over. Its st is
// set once, when the state is made: the watchdog may read it late.
func (st *State) newRun(host Host, name, source string) *Run {
	run := &st.runs
	run.Host, run.Resp, run.name, run.source = host, 2, name, source
	run.started = time.Time{}
	run.heapBase.Store(0)
	return run
}

// argTable is a KEYS or ARGV table kept for the next run.
type argTable struct {
	t *lua.LTable
	n int // entries it was given
}

// setArgTable gives the global name (KEYS or ARGV) the strings items. The
// previous run's table is refilled when the script left it as it was
// given (a table cannot outlive its run: every place a script could keep
// it is read-only); one the script changed is replaced, so nothing a
// script does to it reaches the next script.
func (st *State) setArgTable(name string, at *argTable, items [][]byte) {
	if at.t == nil || !argTableIntact(st.L, at.t, at.n) {
		at.t, at.n = st.array(items), len(items)
		st.globals.RawSetString(name, at.t)
		st.fastEnv.RawSetString(name, at.t)
		return
	}
	// A string the table already holds at the same place is kept (a
	// queue's fixed key names, a lock's token): only new ones are made.
	for i, b := range items {
		old, ok := at.t.RawGetInt(i + 1).(lua.LString)
		if !ok || i >= at.n || string(old) != string(b) {
			at.t.RawSetInt(i+1, st.strs.value(b))
		}
	}
	for i := len(items) + 1; i <= at.n; i++ {
		at.t.RawSetInt(i, lua.LNil)
	}
	at.n = len(items)
}

// argTableIntact reports whether t has no metatable and no entry past
// the n it was given (the values of 1..n are overwritten anyway). Asking
// for the entry after n checks the array's tail and the hash part at once.
func argTableIntact(L *lua.LState, t *lua.LTable, n int) bool {
	if L.GetMetatable(t) != lua.LNil {
		return false
	}
	var after lua.LValue = lua.LNil
	if n > 0 {
		after = lua.LNumber(n)
	}
	k, _ := t.Next(after)
	return k == lua.LNil
}

// array makes a Lua array of strings (KEYS, ARGV).
func (st *State) array(items [][]byte) *lua.LTable {
	t := st.L.CreateTable(len(items), 0)
	for i, b := range items {
		t.RawSetInt(i+1, st.strs.value(b))
	}
	return t
}

// callFunction calls fn (its nargs arguments already pushed after it) on
// st under Redis's error handler and writes the outcome to w. It reports
// whether the run was stopped from outside, after which the state's
// stacks may hold anything: a pooled state is then dropped, the
// functions' state rebuilt.
// run comes from st.newRun.
func (e *Engine) callFunction(st *State, run *Run, fn *lua.LFunction, nargs int, w ReplyWriter) (broken bool) {
	L := st.L
	if run.source == functionSource {
		run.started = time.Now() // for FUNCTION STATS; scripts skip the clock
	}
	run.kill.Store(runKillable)
	st.run = run
	e.setCurrent(run)

	base := L.GetTop() - nargs
	L.Insert(fn, base+1)
	err := st.protectedRun(nargs, 1)

	e.setCurrent(nil)
	st.run = nil
	stopped := st.ctx.Err()
	if err != nil {
		w.Error(run.errorText(err, stopped))
	} else {
		writeLua(w, L.Get(-1), run.Resp, 0)
	}
	L.SetTop(0)
	st.ctx.renew(st.threads)
	st.threads = false
	return stopped != nil
}

// errorText is the error reply for a failed run, as Redis words it.
func (run *Run) errorText(err error, stopped error) string {
	var obj lua.LValue = lua.LString(err.Error())
	if ae, ok := err.(*lua.ApiError); ok {
		obj = ae.Object
	}
	t, ok := obj.(*lua.LTable)
	if !ok {
		return "ERR Error running script " + run.name + ", " + truncate(lua.LVAsString(obj), 100)
	}
	msg := lua.LVAsString(t.RawGetString("err"))
	source := lua.LVAsString(t.RawGetString("source"))
	line := t.RawGetString("line")
	if stopped != nil {
		// The context's error surfaces as "user_script:N: <why>"; Redis
		// reports it as an error of its own at that line.
		msg = "ERR " + stopped.Error()
	}
	if source != "" && line != lua.LNil {
		return msg + " script: " + run.name + ", on " + source + ":" + lineText(line) + "."
	}
	return msg
}

func lineText(v lua.LValue) string {
	if n, ok := v.(lua.LNumber); ok {
		return strconv.FormatInt(int64(n), 10)
	}
	return lua.LVAsString(v)
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// setCurrent records the run in progress, for Kill and the watchdog.
func (e *Engine) setCurrent(run *Run) {
	e.mu.Lock()
	e.current = run
	e.cur.Store(run)
	e.mu.Unlock()
}

// A run's kill states.
const (
	runKillable = iota
	runWritten
	runKilled
)

// Written is called before the running script's first write (and any
// other): from then on SCRIPT KILL cannot stop it (Redis's UNKILLABLE). It
// reports false when the script has just been killed: the write must not
// happen, and the script ends at its next instruction.
func (run *Run) Written() bool {
	return run.kill.CompareAndSwap(runKillable, runWritten) || run.kill.Load() == runWritten
}

// KillResult is what SCRIPT KILL / FUNCTION KILL found.
type KillResult int

const (
	KillNotBusy KillResult = iota
	KillDone
	KillUnkillable
	KillWrongKind // SCRIPT KILL of a function, or FUNCTION KILL of a script
)

// Kill stops the running script (function reports FUNCTION KILL).
func (e *Engine) Kill(function bool) KillResult {
	e.mu.Lock()
	defer e.mu.Unlock()
	run := e.current
	if run == nil {
		return KillNotBusy
	}
	// Redis checks for writes before the kind of script.
	if run.kill.Load() == runWritten {
		return KillUnkillable
	}
	if (run.source == "@user_function") != function {
		return KillWrongKind
	}
	if !run.kill.CompareAndSwap(runKillable, runKilled) && run.kill.Load() == runWritten {
		return KillUnkillable // it wrote in between
	}
	run.st.ctx.stop(errKilled)
	return KillDone
}

// Abort stops the running script whatever it did (server shutdown).
func (e *Engine) Abort() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.current != nil {
		e.current.st.ctx.stop(errKilled)
	}
}

// SetMemoryLimit sets MemoryLimit safely while scripts may run.
func (e *Engine) SetMemoryLimit(n int64) {
	e.mu.Lock()
	e.MemoryLimit = n
	e.mu.Unlock()
}

// Watch is called periodically by the server: a run that has grown the
// heap by more than MemoryLimit since the watchdog first saw it is
// stopped with Lua's "not enough memory".
func (e *Engine) Watch() {
	e.mu.Lock()
	run := e.current
	limit := e.MemoryLimit
	e.mu.Unlock()
	if run == nil || limit <= 0 {
		return
	}
	heap := heapBytes()
	base := run.heapBase.Load()
	if base == 0 {
		run.heapBase.Store(heap)
		return
	}
	if heap-base > limit {
		// The heap counts garbage not yet collected: only what a
		// collection leaves is held against the script.
		runtime.GC()
		if heapBytes()-base > limit {
			run.st.ctx.stop(errNoMemory)
		}
	}
}

// heapBytes is the heap's current size, read without stopping the world.
func heapBytes() int64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return int64(s[0].Value.Uint64())
}

// Current returns the run in progress, or nil (without taking the lock:
// the server asks before each write of a script).
func (e *Engine) Current() *Run { return e.cur.Load() }
