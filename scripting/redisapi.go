package scripting

import (
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// Host is what a running script needs from the server.
type Host interface {
	// Call runs a command for redis.call/pcall and returns its reply, in
	// RESP version resp. A command the script may not run is refused
	// with an error reply as well ("-ERR ...").
	Call(args [][]byte, resp int) []byte
	// SetRepl is redis.set_repl: which of AOF and replicas get the
	// script's following writes (bit 1 AOF, bit 2 replicas).
	SetRepl(flags int)
	// Log writes a redis.log line at level (0 debug .. 3 warning) if the
	// server's verbosity lets it through.
	Log(level int, msg string)
	// ACLCheck is redis.acl_check_cmd: known reports whether the command
	// exists, allowed whether the caller's user may run it.
	ACLCheck(args [][]byte) (known, allowed bool)
}

// Replication flags of redis.set_repl (Redis's PROPAGATE_AOF/REPL).
const (
	ReplAOF     = 1
	ReplReplica = 2
)

// Log levels of redis.log, Redis's LL_DEBUG .. LL_WARNING.
const (
	LogDebug = iota
	LogVerbose
	LogNotice
	LogWarning
)

// redisAPI builds the redis table.
func (st *State) redisAPI() *lua.LTable {
	L := st.L
	t := L.NewTable()
	fns := map[string]lua.LGFunction{
		"call":               func(L *lua.LState) int { return st.call(L, true) },
		"pcall":              func(L *lua.LState) int { return st.call(L, false) },
		"error_reply":        redisErrorReply,
		"status_reply":       redisStatusReply,
		"sha1hex":            redisSHA1Hex,
		"log":                st.log,
		"setresp":            st.setResp,
		"set_repl":           st.setRepl,
		"replicate_commands": func(L *lua.LState) int { L.Push(lua.LTrue); return 1 },
		"breakpoint":         func(L *lua.LState) int { L.Push(lua.LFalse); return 1 },
		"debug":              func(L *lua.LState) int { return 0 },
		"acl_check_cmd":      st.aclCheck,
	}
	for name, fn := range fns {
		t.RawSetString(name, L.NewFunction(fn))
	}
	for name, v := range map[string]lua.LValue{
		"LOG_DEBUG": lua.LNumber(LogDebug), "LOG_VERBOSE": lua.LNumber(LogVerbose),
		"LOG_NOTICE": lua.LNumber(LogNotice), "LOG_WARNING": lua.LNumber(LogWarning),
		"REPL_NONE": lua.LNumber(0), "REPL_AOF": lua.LNumber(ReplAOF),
		"REPL_SLAVE": lua.LNumber(ReplReplica), "REPL_REPLICA": lua.LNumber(ReplReplica),
		"REPL_ALL":          lua.LNumber(ReplAOF | ReplReplica),
		"REDIS_VERSION":     lua.LString(RedisVersion),
		"REDIS_VERSION_NUM": lua.LNumber(RedisVersionNum),
	} {
		t.RawSetString(name, v)
	}
	return t
}

// The Redis version scripts see.
const (
	RedisVersion    = "7.0.15"
	RedisVersionNum = 7<<16 | 0<<8 | 15
)

// runOf returns the run in progress, raising Redis's error for a call
// made outside one (from a library's load, say).
func (st *State) runOf(L *lua.LState, what string) *Run {
	if st.run == nil || st.run.Host == nil {
		L.Push(errorTable(L, "ERR "+what+" can only be called inside a script invocation"))
		L.Error(L.Get(-1), 0)
	}
	return st.run
}

// call is redis.call (raise) and redis.pcall.
func (st *State) call(L *lua.LState, raise bool) int {
	run := st.runOf(L, "redis.call/pcall")
	args, nums, msg := appendLuaArgs(L, st.callArgs, st.nums)
	st.callArgs, st.nums = args, nums
	if msg != "" {
		return st.callError(L, errorTable(L, "ERR "+msg), raise)
	}
	reply := run.Host.Call(args, run.Resp)
	clear(args) // drop the references to the script's strings
	v, _ := respToLua(L, st.strs, reply)
	if len(reply) > 0 && reply[0] == '-' {
		return st.callError(L, v.(*lua.LTable), raise)
	}
	L.Push(v)
	return 1
}

func (st *State) callError(L *lua.LState, t *lua.LTable, raise bool) int {
	if raise {
		L.Error(t, 0)
	}
	L.Push(t)
	return 1
}

func redisErrorReply(L *lua.LState) int {
	s, ok := L.Get(1).(lua.LString)
	if L.GetTop() != 1 || !ok {
		L.Push(errorTable(L, "ERR wrong number or type of arguments"))
		return 1
	}
	L.Push(errorTable(L, strings.TrimPrefix(string(s), "-")))
	return 1
}

func redisStatusReply(L *lua.LState) int {
	s, ok := L.Get(1).(lua.LString)
	if L.GetTop() != 1 || !ok {
		L.Push(errorTable(L, "ERR wrong number or type of arguments"))
		return 1
	}
	t := L.NewTable()
	t.RawSetString("ok", s)
	L.Push(t)
	return 1
}

func redisSHA1Hex(L *lua.LState) int {
	if L.GetTop() != 1 {
		L.Push(errorTable(L, "ERR wrong number of arguments"))
		L.Error(L.Get(-1), 0)
	}
	s, _ := luaText(L.Get(1))
	L.Push(lua.LString(SHA1Hex([]byte(s))))
	return 1
}

// toNumber is lua_tonumber: a number or a string that reads as one.
func toNumber(v lua.LValue) (float64, bool) {
	switch v := v.(type) {
	case lua.LNumber:
		return float64(v), true
	case lua.LString:
		return str2number(string(v))
	}
	return 0, false
}

func (st *State) log(L *lua.LState) int {
	n := L.GetTop()
	if n < 2 {
		return raiseTable(L, "ERR redis.log() requires two arguments or more.")
	}
	lv, ok := toNumber(L.Get(1))
	if !ok {
		return raiseTable(L, "ERR First argument must be a number (log level).")
	}
	level := int(lv)
	if level < LogDebug || level > LogWarning {
		return raiseTable(L, "ERR Invalid debug level.")
	}
	var b strings.Builder
	for i := 2; i <= n; i++ {
		if s, ok := luaText(L.Get(i)); ok {
			if i > 2 {
				b.WriteByte(' ')
			}
			b.WriteString(s)
		}
	}
	if st.run != nil && st.run.Host != nil {
		st.run.Host.Log(level, b.String())
	}
	return 0
}

func raiseTable(L *lua.LState, msg string) int {
	L.Error(errorTable(L, msg), 0)
	return 0
}

func (st *State) setResp(L *lua.LState) int {
	run := st.runOf(L, "redis.setresp")
	if L.GetTop() != 1 {
		return raiseTable(L, "ERR redis.setresp() requires one argument.")
	}
	v, _ := toNumber(L.Get(1))
	if v != 2 && v != 3 {
		return raiseTable(L, "ERR RESP version must be 2 or 3.")
	}
	run.Resp = int(v)
	return 0
}

func (st *State) setRepl(L *lua.LState) int {
	run := st.runOf(L, "redis.set_repl")
	if L.GetTop() != 1 {
		return raiseTable(L, "ERR redis.set_repl() requires two arguments.")
	}
	v, _ := toNumber(L.Get(1))
	flags := int(v)
	if flags&^(ReplAOF|ReplReplica) != 0 {
		return raiseTable(L, "ERR Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.")
	}
	run.Host.SetRepl(flags)
	return 0
}

func (st *State) aclCheck(L *lua.LState) int {
	run := st.runOf(L, "redis.acl_check_cmd")
	args, msg := luaArgs(L)
	if msg != "" {
		return raiseTable(L, "ERR "+msg)
	}
	known, allowed := run.Host.ACLCheck(args)
	if !known {
		return raiseTable(L, "ERR Invalid command passed to redis.acl_check_cmd()")
	}
	L.Push(lua.LBool(allowed))
	return 1
}

// toLuaString is lua_tolstring: strings and numbers (as Lua prints them).
func toLuaString(v lua.LValue) (string, bool) { return luaText(v) }
