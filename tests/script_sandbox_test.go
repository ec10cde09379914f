package tests

// Sandbox escape and poisoning attempts: none may succeed, change what the
// next script sees, or bring the server down. Where redis-server can run
// the attempt safely, Shoal's reply must be Redis's; memory bombs and
// scripts that would hang run on Shoal only.

import (
	"strings"
	"testing"
)

// canaryScript describes the environment a script sees: every global and
// library entry with its type, the string metatable and a few calls that
// depend on the libraries being intact. The struct library is left out:
// it is checked on its own in TestScriptEnvGlobals.
const canaryScript = `
local t = {}
for k, v in pairs(_G) do if k ~= 'struct' then t[#t+1] = k .. '=' .. type(v) end end
for _, lib in ipairs({'string', 'table', 'math', 'coroutine', 'redis', 'cjson', 'bit', 'cmsgpack'}) do
  for k, v in pairs(_G[lib]) do t[#t+1] = lib .. '.' .. k .. '=' .. type(v) end
end
table.sort(t)
t[#t+1] = ('abc'):upper() .. string.rep('x', 2) .. string.format('%d', 7)
t[#t+1] = tostring(getmetatable('').__index == string)
t[#t+1] = type(getmetatable(_G))
t[#t+1] = select(2, pcall(function() return undefined_global end))
t[#t+1] = tostring(#KEYS) .. tostring(#ARGV)
t[#t+1] = redis.call('ping').ok
t[#t+1] = cjson.encode({1, 2})
return t`

// sandboxAttempts are scripts both servers may run: the reply must be the
// same, and the environment must stay pristine afterwards.
var sandboxAttempts = []string{
	// Globals.
	"x = 1",
	"_G.x = 1",
	"rawset(_G, 'x', 1)",
	"_G._G = nil",
	"KEYS = {}",
	"ARGV = nil",
	"KEYS[1] = 'x' ARGV[9] = 'y' return {KEYS[1], ARGV[9]}",
	"__redis__err__handler = nil",
	"return rawget(_G, 'string') == string",
	// Metatables of _G and the libraries.
	"setmetatable(_G, {})",
	"setmetatable(_G, nil)",
	"getmetatable(_G).__index = function() return 1 end",
	"rawset(getmetatable(_G), '__index', nil)",
	"setmetatable(getmetatable(_G), {})",
	"return getmetatable(_G).__index({}, 'x')",
	"setmetatable(string, {__index = function() return 1 end})",
	"return getmetatable(redis)",
	// The string metatable.
	"getmetatable('').__index = {}",
	"getmetatable('').__index.upper = function() return 'x' end",
	"getmetatable('').__newindex = 1",
	"rawset(getmetatable(''), '__index', {})",
	"setmetatable(getmetatable(''), nil)",
	"local mt = getmetatable('') mt.__metatable = nil",
	// The libraries.
	"string.foo = 1",
	"string.upper = nil",
	"rawset(string, 'upper', nil)",
	"redis.call = function() end",
	"rawset(redis, 'call', 1)",
	"redis.setresp = nil",
	"cjson.encode = nil",
	"bit.band = nil",
	"math.random = function() return 4 end",
	"table.insert(_G, 1)",
	"table.insert(string, 1)",
	"table.remove(_G)",
	"table.remove(string, 1)",
	"table.sort(string)",
	"table.setn(_G, 1)",
	"table.foreach(_G, function(k) rawset(_G, k, nil) end)",
	"for k in pairs(string) do string[k] = nil end",
	"local t = {} for k, v in pairs(_G) do t[#t+1] = k end for _, k in ipairs(t) do rawset(_G, k, nil) end",
	// Code loaded at run time is in the same sandbox.
	"return loadstring('x = 1')()",
	"return loadstring('string.upper = nil')()",
	"return loadstring('rawset(_G, \"y\", 1)')()",
	"local done = false return load(function() if done then return nil end done = true return 'z = 1' end)()",
	"return loadstring('return getmetatable(\"\").__index')() == string",
	// What Redis does not expose.
	"return setfenv(1, {})",
	"return getfenv(1)",
	"os.execute('true')",
	"return os.getenv('HOME')",
	"return io.open('/etc/passwd')",
	"return debug.getregistry()",
	"return package.loaded",
	"return require('os')",
	"return dofile('/etc/passwd')",
	"return loadfile('/etc/passwd')",
	"print('x')",
	"return newproxy(true)",
	"module('x')",
	"return loadstring('\\27Lua')",
	// Coroutines.
	"return coroutine.wrap(function() error('in co') end)()",
	"local co = coroutine.create(function() coroutine.yield() end) coroutine.resume(co) return coroutine.status(co)",
	"local co = coroutine.wrap(function() pcall(coroutine.yield, 1) end) return co()",
	"return coroutine.yield()",
	"local co = coroutine.create(function() x = 1 end) return {coroutine.resume(co)}",
	"local co = coroutine.create(function() string.upper = nil end) return {coroutine.resume(co)}",
	// Metamethods and errors.
	"return setmetatable({}, {__gc = function() redis.call('set', 'gc', '1') end}) ~= nil",
	"return tostring(setmetatable({}, {__tostring = function() return 'T' end}))",
	"local t = setmetatable({}, {}) getmetatable(t).__index = t return t.x",
	"local t = setmetatable({}, {}) getmetatable(t).__newindex = t t.x = 1",
	"local ok, e = pcall(error, setmetatable({}, {__tostring = function() return 'x' end})) return type(e)",
	"return #string.rep('x', 2^40)",
	"return #string.rep('x', -2^40)",
	"return string.format('%99999d', 1)",
	"return string.format('%.99999f', 1)",
	"return #string.format('%99d', 1)",
	"return #{unpack({}, 1, 1e8)}",
	"return select('#', unpack({}, 1, 2^31))",
	"return #string.rep('x', 10, 'y')",
}

func TestScriptSandboxAttempts(t *testing.T) {
	p := newPair(t)
	pristine := p.eq("EVAL", canaryScript, "0")
	if !strings.HasPrefix(pristine, "*") {
		t.Fatalf("canary: %q", pristine)
	}
	for _, s := range sandboxAttempts {
		p.eq("EVAL", s, "2", "k1", "k2", "a1", "a2")
		if got := p.shoal.do("EVAL", canaryScript, "0"); got != pristine {
			t.Fatalf("after %q the environment changed:\n got: %q\nwant: %q", s, got, pristine)
		}
		p.eq("EVAL", canaryScript, "0")
	}
	p.eq("GET", "gc")
}

// Attempts that crash redis-server 7.0.15, hang it or eat its memory run
// on Shoal only: each must end with an error reply (or Shoal's answer
// given), and the environment must stay pristine.
func TestScriptSandboxShoalOnly(t *testing.T) {
	srv := ownShoal(t, "busy-reply-threshold 100")
	srv.SetScriptMemoryLimit(16 << 20)
	addr := srv.Addr().String()
	c := dial(t, addr)
	pristine := c.do("EVAL", canaryScript, "0")
	if !strings.HasPrefix(pristine, "*") {
		t.Fatalf("canary: %q", pristine)
	}
	for _, a := range []struct{ script, want string }{
		// Redis 7.0.15 crashes on an error table without err.
		{"error({})", "-"},
		{"error(setmetatable({}, {__tostring = function() return 'x' end}))", "-"},
		// Memory bombs.
		{"return #string.rep('x', 2^31 - 1)", "not enough memory"},
		{"local s = string.rep('x', 2^20) return #string.rep(s, 2^12)", "not enough memory"},
		{"local s = 'x' while true do s = s .. s end", "not enough memory"},
		{"local t = {} local i = 0 while true do i = i + 1 t[i] = {i, i, i} end", "not enough memory"},
		{"local t = {} local i = 0 while true do i = i + 1 t[i] = 'some string' .. i end", "not enough memory"},
		{"local t = {} for i = 1, 100 do t[i] = 'x' end return #table.concat(t, string.rep('y', 2^18))", "not enough memory"},
		{"local s = string.rep('x', 2^14) return #string.gsub(s, 'x', s)", "not enough memory"},
		{"local s = string.rep('x', 2^14) return #string.gsub(s, 'x', {x = s})", "not enough memory"},
		{"local s = string.rep('x', 2^16) return #string.gsub(s, 'x', '%0%0%0%0%0%0%0%0%0%0%0%0%0%0%0%0%0%0')", ":"},
		{"local s = string.rep('x', 2^14) return #string.gsub(s, 'x', function() return s end)", "not enough memory"},
		// Recursion (the top-level stack overflow is left out: its error
		// handler cannot run on the full call stack, and gopher-lua then
		// builds a traceback in time quadratic in the depth).
		{"return select(2, pcall(function() local function f() return 1 + f() end return f() end))", "stack overflow|not enough memory"},
		{"return string.dump(function() end)", "-ERR"},
	} {
		r := slowDo(c, "EVAL", a.script, "0")
		if !containsAny(r, strings.Split(a.want, "|")) {
			t.Errorf("%q: %q, want %q in it", a.script, r, a.want)
		}
		if got := c.do("EVAL", canaryScript, "0"); got != pristine {
			t.Fatalf("after %q the environment changed:\n got: %q\nwant: %q", a.script, got, pristine)
		}
	}
}

// Scripts that never end, making garbage or coroutines all along: past
// the busy threshold SCRIPT KILL stops them and the next script finds the
// environment intact. (Their own server: under the small memory bound
// above their garbage alone could stop them first.)
func TestScriptSandboxKill(t *testing.T) {
	addr := ownShoal(t, "busy-reply-threshold 100").Addr().String()
	c := dial(t, addr)
	pristine := c.do("EVAL", canaryScript, "0")
	for _, s := range []string{
		"while true do end",
		"local function f() while true do pcall(error, 'x') end end f()",
		"while true do local co = coroutine.wrap(function() while true do coroutine.yield() end end) co() end",
	} {
		runner, other := dial(t, addr), dial(t, addr)
		runner.send("EVAL", s, "0")
		waitBusy(t, other, addr)
		if r := other.do("SCRIPT", "KILL"); r != "+OK\r\n" {
			t.Fatalf("%q: SCRIPT KILL: %q", s, r)
		}
		if r := runner.reply(); !strings.Contains(r, "Script killed by user with SCRIPT KILL") {
			t.Fatalf("%q: %q", s, r)
		}
		if got := other.do("EVAL", canaryScript, "0"); got != pristine {
			t.Fatalf("after %q the environment changed", s)
		}
	}
	if r := c.do("PING"); r != "+PONG\r\n" {
		t.Fatalf("PING after the kills: %q", r)
	}
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
