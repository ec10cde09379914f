package tests

// Differential tests of the Lua environment scripts see: globals and
// libraries, conversions between Lua and RESP in both directions, errors
// and their final replies, and the base, string, table and math libraries.

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// evalEq runs body with two keys and two arguments on both servers and
// requires the same reply bytes.
func evalEq(p *pair, body string) string {
	p.t.Helper()
	return p.eq("EVAL", body, "2", "k1", "k2", "a1", "a2")
}

// evalAll runs every script through evalEq.
func evalAll(p *pair, bodies []string) {
	p.t.Helper()
	for _, b := range bodies {
		evalEq(p, b)
	}
}

// luaKeysScript is a script listing the sorted keys of a table expression.
func luaKeysScript(expr string) string {
	return "local t = {} for k, v in pairs(" + expr + ") do t[#t+1] = tostring(k) .. '=' .. type(v) end table.sort(t) return t"
}

func TestScriptEnvGlobals(t *testing.T) {
	p := newPair(t)
	// The struct library comes with its own subtest below.
	evalEq(p, "local t = {} for k, v in pairs(_G) do if k ~= 'struct' then t[#t+1] = k .. '=' .. type(v) end end table.sort(t) return t")
	for _, lib := range []string{"string", "table", "math", "coroutine", "redis", "cjson", "bit", "cmsgpack"} {
		evalEq(p, luaKeysScript(lib))
	}
	evalAll(p, []string{
		"return _VERSION",
		"return {redis.REDIS_VERSION, redis.REDIS_VERSION_NUM}",
		"return {redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING}",
		"return {redis.REPL_NONE, redis.REPL_AOF, redis.REPL_SLAVE, redis.REPL_REPLICA, redis.REPL_ALL}",
		"return {KEYS[1], KEYS[2], ARGV[1], ARGV[2], #KEYS, #ARGV}",
		"return getmetatable('').__index == string",
		luaKeysScript("getmetatable('')"),
		luaKeysScript("getmetatable(_G)"),
		"return type(getmetatable(string))",
		"return collectgarbage('count') > 0",
		"return {collectgarbage(), collectgarbage('collect'), collectgarbage('stop'), collectgarbage('restart')}",
		"return gcinfo() > 0",
	})
	t.Run("struct", func(t *testing.T) {
		p := newPair(t)
		if strings.Contains(p.shoal.do("EVAL", "return type(struct)", "0"), "nonexistent") {
			t.Skip("the struct library is not registered on Shoal yet")
		}
		evalEq(p, luaKeysScript("_G"))
		evalEq(p, luaKeysScript("struct"))
	})
}

func TestScriptEnvLuaToResp(t *testing.T) {
	inBothProtocols(t, func(t *testing.T, p *pair) {
		for _, resp := range []string{"", "redis.setresp(3) "} {
			evalAll(p, []string{
				resp + "return 1",
				resp + "return {1.9, -1.9, 3.99999, -0.5, 0.1}",
				resp + "return {2^53, 9007199254740993, 1e20, -1e20, 2^63, -2^63, 2^64, 1e300}",
				resp + "return 0/0",
				resp + "return {1/0, -1/0}",
				resp + "return 'str'",
				resp + "return '\\0binary\\255'",
				resp + "return true",
				resp + "return false",
				resp + "return nil",
				resp + "return {true, false, 1}",
				resp + "return {1, 2, nil, 4}",
				resp + "return {1, false, 3}",
				resp + "return {1, 2, [5] = 5}",
				resp + "return {a = 1}",
				resp + "return {1, 2, a = 3}",
				resp + "return {{1, {2, {3, {'x'}}}}}",
				resp + "return {ok = 'fine'}",
				resp + "return {ok = ''}",
				resp + "return {ok = 'a\\r\\nb'}",
				resp + "return {ok = 1}",
				resp + "return {err = 'My Error'}",
				resp + "return {err = 'Error'}",
				resp + "return {err = ''}",
				resp + "return {err = 'a\\r\\nb'}",
				resp + "return {err = 1}",
				resp + "return {err = {}}",
				resp + "return {ok = 'x', err = 'y'}",
				resp + "return {1, {err = 'x'}, {ok = 'y'}}",
				resp + "return redis.error_reply('x')",
				resp + "return redis.error_reply('-x y')",
				resp + "return redis.error_reply('')",
				resp + "return redis.status_reply('')",
				resp + "return redis.status_reply('OK')",
				resp + "return {double = 3.14}",
				resp + "return {double = 1/0}",
				resp + "return {double = -1/0}",
				resp + "return {double = 1e300}",
				resp + "return {double = 0.1}",
				resp + "return {double = 3}",
				resp + "return {double = 'x'}",
				resp + "return {big_number = '12345678901234567890'}",
				resp + "return {big_number = '1\\r\\n2'}",
				resp + "return {map = {a = 1}}",
				resp + "return {map = {}}",
				resp + "return {map = {a = true}}",
				resp + "return {map = {[1] = 2}}",
				resp + "return {map = {a = {1, 2, {map = {b = true}}}}}",
				resp + "return {set = {}}",
				resp + "return {set = {a = true}}",
				resp + "return {set = {[1] = true}}",
				resp + "return {verbatim_string = {format = 'txt', string = 'hi'}}",
				resp + "return {verbatim_string = {format = 'txt'}}",
			})
		}
	})
}

func TestScriptEnvRespToLua(t *testing.T) {
	inBothProtocols(t, func(t *testing.T, p *pair) {
		p.both("HSET", "h", "f1", "v1")
		p.both("ZADD", "z", "1", "a", "2.5", "b")
		p.both("SADD", "s", "x", "y")
		p.both("RPUSH", "l", "a", "b", "c")
		p.both("SET", "n", "10")
		for _, resp := range []string{"", "redis.setresp(3) "} {
			evalAll(p, []string{
				resp + "return redis.call('hgetall', 'h')",
				resp + "local r = redis.call('hgetall', 'h') return {type(r), type(r.map), r.map and r.map.f1 or r[2]}",
				resp + "return redis.call('zrange', 'z', 0, -1, 'withscores')",
				resp + "local r = redis.call('zrange', 'z', 0, -1, 'withscores') return {type(r[1]), type(r[1]) == 'table' and r[1][2].double or r[2]}",
				resp + "return redis.call('zscore', 'z', 'b')",
				resp + "local r = redis.call('zscore', 'z', 'b') return {type(r), type(r) == 'table' and tostring(r.double) or r}",
				resp + "local r = redis.call('smembers', 's') if r.set then return {r.set.x, r.set.y} end table.sort(r) return r",
				resp + "return redis.call('info', 'keyspace')",
				resp + "local r = redis.call('info', 'keyspace') return r.verbatim_string and {r.verbatim_string.format, r.verbatim_string.string} or r",
				resp + "return redis.call('get', 'nokey')",
				resp + "return {redis.call('get', 'nokey')}",
				resp + "return type(redis.call('get', 'nokey'))",
				resp + "return redis.call('lpop', 'nolist', 2)",
				resp + "return type(redis.call('lpop', 'nolist', 2))",
				resp + "return redis.call('lrange', 'l', 0, -1)",
				resp + "return redis.call('set', 'x', '1')",
				resp + "local r = redis.call('set', 'x', '1') return {type(r), r.ok}",
				resp + "return redis.call('type', 'x')",
				resp + "return redis.call('incr', 'n')",
				resp + "return redis.call('exists', 'x', 'nokey')",
				resp + "return redis.call('echo', 1.5)",
				resp + "return redis.call('echo', 0.1)",
				resp + "return redis.call('echo', 1e100)",
				resp + "return redis.call('echo', -0)",
				resp + "return redis.call('echo', 1/0)",
				resp + "return redis.call('echo', -1/0)",
				resp + "return redis.call('echo', 3)",
				resp + "return redis.pcall('incr', 'l')",
				resp + "local r = redis.pcall('incr', 'l') return {type(r), r.err}",
			})
		}
		p.eqUnordered("EVAL", "return redis.call('smembers', 's')", "0")
	})
}

func TestScriptEnvErrors(t *testing.T) {
	p := newPair(t)
	evalAll(p, []string{
		// error() with every kind of value; levels.
		"error('x', 0)",
		"error('x')",
		"error('x', 2)",
		"error('m', 3)",
		"error(42)",
		"error(4.5)",
		"error(nil)",
		"error()",
		"error(true)",
		"error({err = 'MY code'})",
		"error({err = 'nocode'})",
		"error({err = 'x', source = 's', line = 5})",
		"local function f() error('boom') end f()",
		"local function f()\n  error('boom')\nend\nf()",
		"local function g()\n   error('deep')\nend\nlocal function h() g() end\nh()",
		"local function f() error('m', 2) end local ok, e = pcall(function()\n  f()\nend) return e",
		"local function f() error('m', 1) end local ok, e = pcall(function()\n  f()\nend) return e",
		"local function f() error(42) end local ok, e = pcall(f) return {type(e), e}",
		"local function f() error(4.5) end local ok, e = pcall(f) return {type(e), e}",
		// Runtime errors in Lua 5.1's words.
		"return x()",
		"return 1 + 'a'",
		"return 'a' + 1",
		"return {} + 1",
		"return #nil",
		"return {} < {}",
		"return 1 < 'x'",
		"return {} .. 'x'",
		"return nil .. 'x'",
		"local t = {} t[nil] = 1",
		"local ok, e = pcall(function() return nil + 1 end) return e",
		"return redis.foo()",
		// redis.call and pcall errors.
		"return redis.call('nosuch')",
		"return redis.call('set')",
		"return redis.call('set', 'a')",
		"return redis.pcall('nosuch')",
		"return redis.pcall('incr', 'k1', 'x')",
		"return redis.call()",
		"return redis.call({})",
		"return redis.call('get', {})",
		"return redis.call('get', nil)",
		"return redis.call('get', true)",
		"redis.call('set', 'k1', 'v') return redis.call('lpush', 'k1', 'x')",
		"local ok, e = pcall(redis.call, 'nosuch') return {tostring(ok), type(e), e}",
		"local ok, e = pcall(function() redis.call('incr', 'k1', 'x') end) return {tostring(ok), type(e), e}",
		"local ok, e = xpcall(function() redis.call('nosuch') end, function(m) return m end) return {tostring(ok), type(e), type(e) == 'table' and e.err or e}",
		// pcall, xpcall, select, unpack, assert.
		"local ok, e = pcall(error, 'x') return {tostring(ok), e}",
		"local ok, e = pcall(error, {err = 'E1'}) return {tostring(ok), type(e), e}",
		"local ok, e = pcall(function() error({x = 1}) end) return {tostring(ok), type(e), tostring(e.x)}",
		"return {pcall()}",
		"return {pcall(1)}",
		"return {pcall(pcall)}",
		"return {pcall(error)}",
		"return {pcall(error, nil)}",
		"return {pcall(error, 'm', 1)}",
		"return {pcall(error, 'm', 2)}",
		"return {pcall(function(...) return select('#', ...) end, 1, nil, 3)}",
		"return xpcall(function() error('x') end, function(m) return 'handled: ' .. m end)",
		"return {xpcall(function() error('x') end, function(m) return 'handled: ' .. m end)}",
		"return {xpcall(function() return 1, 2 end, function() end)}",
		"return {xpcall(function() error({err = 'E'}) end, function(e) return type(e) end)}",
		"return {xpcall(1, function(e) return e end)}",
		"return {xpcall(function() end)}",
		"return {select('#', 1, nil, 3)}",
		"return select(-1, 1, 2, 3)",
		"return {select(2, 'a', 'b', 'c')}",
		"return select(0)",
		"return select('x')",
		"return unpack({1, 2, 3})",
		"return {unpack({1, 2, 3}, 2)}",
		"return #{unpack({}, 1, 7990)}",
		"return #{unpack({}, 1, 8000)}",
		"return #{unpack({}, 1, 1e7)}",
		"return select('#', unpack({}, 1, 100))",
		"return assert(false)",
		"return assert(false, 'msg')",
		"return assert(nil, {err = 'E2'})",
		"return assert(1, 2)",
		"local function f(n) if n == 0 then return 0 end return 1 + f(n-1) end return f(150)",
	})
	// Deep recursion: gopher-lua walks the whole call stack once per level
	// when it builds an error's traceback, so these take seconds under
	// -race.
	for _, s := range []string{
		"local ok, e = pcall(function() local function f(n) return f(n+1)+1 end return f(1) end) return e",
	} {
		args := []string{"EVAL", s, "0"}
		if got, want := slowDo(p.shoal, args...), slowDo(p.redis, args...); got != want {
			t.Errorf("%s\n shoal: %q\n redis: %q", quoteArgs(args), got, want)
		}
	}
}

// slowDo is c.do for a command that may take long.
func slowDo(c *rconn, args ...string) string {
	c.t.Helper()
	c.send(args...)
	c.nc.SetReadDeadline(time.Now().Add(time.Minute))
	var b bytes.Buffer
	if err := readReply(c.rd, &b); err != nil {
		c.t.Fatalf("reading reply (got so far %q): %v", b.String(), err)
	}
	return b.String()
}

func TestScriptEnvRedisAPI(t *testing.T) {
	p := newPair(t)
	evalAll(p, []string{
		"return redis.error_reply(1)",
		"return redis.error_reply()",
		"return redis.status_reply(1)",
		"return redis.sha1hex()",
		"return redis.sha1hex(1, 2)",
		"return redis.sha1hex(1.5)",
		"return redis.sha1hex(1/3)",
		"return redis.sha1hex({})",
		"return redis.sha1hex(nil)",
		"return redis.sha1hex('')",
		"return redis.sha1hex('abc')",
		"return redis.log()",
		"return redis.log(1)",
		"return redis.log('x', 'y')",
		"return redis.log(9, 'y')",
		"return redis.log(-1, 'y')",
		"return redis.log(redis.LOG_DEBUG, 'y', 1, {}, nil, 2.5)",
		"return redis.log('1', 'y')",
		"return redis.setresp()",
		"return redis.setresp(4)",
		"return redis.setresp('3')",
		"return redis.setresp(2, 3)",
		"return redis.set_repl()",
		"return redis.set_repl(99)",
		"return redis.set_repl('x')",
		"return redis.set_repl(redis.REPL_ALL)",
		"return redis.set_repl(1, 2)",
		"return redis.replicate_commands()",
		"return redis.acl_check_cmd()",
		"return redis.acl_check_cmd('nosuch')",
		"return redis.acl_check_cmd('get', 'x')",
		"return redis.acl_check_cmd('get')",
		"return redis.acl_check_cmd({})",
		"return redis.acl_check_cmd('set', 'x', 'y', 'z')",
		"return redis.breakpoint()",
		"return redis.debug('x')",
		"return redis.call('ping')",
		"KEYS[1] = 'x' return KEYS[1]",
		"return loadstring('x = 1')()",
		"return loadstring('error(\"e\")')()",
		"return {loadstring('syntax error here')}",
		"return loadstring('return 1 + 1')()",
		"local f = loadstring('return _G') return f() == _G",
		"return load(function() return nil end)",
	})
}

func TestScriptEnvStdlib(t *testing.T) {
	p := newPair(t)
	evalAll(p, []string{
		// tostring and tonumber.
		"return {tostring(1/3), tostring(1e15), tostring(1e100), tostring(-0), tostring(0/0), tostring(2^53), tostring(123456789012345)}",
		"return {tostring(1/0), tostring(-1/0)}",
		"return {tostring(0.1), tostring(100), tostring(1e14), tostring(1e13), tostring(-1.5e-7), tostring(123.456)}",
		"return {tostring(2^63), tostring(-2^63), tostring(math.log(0)), tostring(math.sqrt(-1))}",
		"return tostring(nil) .. tostring(true)",
		"return tostring(setmetatable({}, {__tostring = function() return 'T' end}))",
		"return {tonumber('0x10'), tonumber('  12  '), tonumber('1e2'), tonumber('z', 36), tonumber('10', 2), tonumber('ff', 16), tonumber(' 0x1F ')}",
		"return {tonumber(''), tonumber('abc'), tonumber('1e'), tonumber(' 0x '), tonumber('1_0'), tonumber('0b1'), tonumber({})}",
		"return tonumber('10', 99)",
		"return tonumber(1.5)",
		"return {10 / 3, '10' + 5, '0x10' + 0, ' 5 ' * 2, 7 % -3, -7 % 3, 2^0.5, #'abc'}",
		// string.format.
		"return string.format('%5.2f|%d|%s|%x|%q|%5s|%-5s|%o|%e|%g|%c|%X|%%', 3.14159, 42, 'hi', 255, 'a\\nb\"\\0c\\r', 'ab', 'ab', 8, 12345.678, 0.0001, 65, 255)",
		"return string.format('%d', 3.7)",
		"return string.format('%d', '12')",
		"return string.format('%d', 'x')",
		"return string.format('%s', 1.5)",
		"return string.format('%s', 1/3)",
		"return string.format('%s %s', 1)",
		"return string.format('%y', 1)",
		"return string.format('%s', {})",
		"return string.format('%s', nil)",
		"return string.format('%10.3s|', 'abcdef')",
		"return string.format('%.14g', 0.1)",
		"return string.format('%i', 42)",
		"return string.format('%5.1f %+d % d %#x %05d', 1.25, 5, 5, 255, 42)",
		"return string.format('%.3q', 'x')",
		"return string.format('%123d', 1)",
		"return string.format('%99d', 1)",
		"return string.format('%099d|%-099d|', 1, 1)",
		"return string.format('%#5.2x|%5.1s|', 255, 'abc')",
		"return string.format('%q', 1/3)",
		"return string.format('%------d', 1)",
		"return string.format('%5c|%-3c|', 65, 66)",
		"return string.format('%c', 0)",
		"return string.format('%x %X %o', -1, 255.9, -8)",
		"return string.format('%.3f %10.4e %G', 1/3, 12345.6789, 1e-10)",
		"return string.format('%f %e %g', 1/0, -1/0, 1/0)",
		"return string.format('%u', 42)",
		"return string.format('%s', 'a\\0b')",
		"return string.format('%5s', 'a\\0b')",
		"return string.format('%s', string.rep('x', 120) .. '\\0' .. 'y')",
		"return string.format()",
		"return string.format('no conversions')",
		// string library.
		"return string.find('hello world', 'o w')",
		"return {string.find('hello', 'l+')}",
		"return {string.find('a.b', '.', 1, true)}",
		"return {string.find('hello', 'l', -2)}",
		"return {string.match('key:123', '(%a+):(%d+)')}",
		"return {string.match('  trim  ', '^%s*(.-)%s*$')}",
		"return {string.gsub('hello world', 'o', '0')}",
		"return {string.gsub('abc', '%w', '%0%0')}",
		"return {string.gsub('abc', '', '-')}",
		"return {string.gsub('hello', 'l', {l = 'L'})}",
		"return {string.gsub('hello', '(l)', function(x) return x:upper() end, 1)}",
		"return {string.gsub('a,b,,c', ',', ';', 2)}",
		"return {string.byte('ABC', 1, -1)}",
		"return {string.byte('ABC')}",
		"return {string.byte('ABC', 10)}",
		"return string.char(72, 105)",
		"return string.char()",
		"return string.char(256)",
		"return string.char(-1)",
		"return {string.sub('hello', -3), string.sub('hello', 2, -2), string.sub('hello', -100, 100), string.sub('hello', 0), string.sub('hello', 3, 2)}",
		"return {string.lower('ABC'), string.upper('abc'), string.len('abc'), string.reverse('abc')}",
		"return {string.rep('ab', 3), string.rep('x', 0), string.rep('x', -1), string.rep('', 5)}",
		"return #string.rep('x', 2^31)",
		"local t = {} for w in string.gmatch('one two three', '%a+') do t[#t+1] = w end return t",
		"local t = {} for k, v in string.gfind('a=1, b=2', '(%w+)=(%w+)') do t[#t+1] = k .. v end return t",
		"return ('x'):rep(3)",
		"local s = 'abc' return s:upper()",
		"return #('abc'):upper()",
		// table library.
		"return table.concat({1, 2.5, 'x', 1/3}, ', ')",
		"return table.concat({1, {}, 3})",
		"return table.concat({}, 'x')",
		"return table.concat({1, 2, 3}, '-', 2, 3)",
		"return table.concat({1, 2, 3}, '-', 3, 2)",
		"return table.concat({1, 2}, 3)",
		"local t = {3, 1, 2} table.sort(t) return t",
		"local t = {'b', 'a', 'c'} table.sort(t) return t",
		"local t = {3, 1, 2} table.sort(t, function(a, b) return a > b end) return t",
		"local t = {3, 1, 2} table.sort(t, function(a, b) error('cmp') end) return t",
		"local t = {3, 1, 'x'} table.sort(t) return t",
		"local t = {3, 1, 2, 5, 4} table.sort(t, function(a, b) return true end) return t",
		"local t = {} for i = 1, 50 do t[i] = {i % 5, i} end table.sort(t, function(a, b) return a[1] < b[1] end) local r = {} for i, v in ipairs(t) do r[i] = v[2] end return r",
		"local t = {} for i = 1, 200 do t[i] = (i * 7919) % 101 end table.sort(t) return t",
		"local t = {} for i = 1, 100 do t[i] = tostring((i * 31) % 17) end table.sort(t, function(a, b) return #a < #b end) return t",
		"local t = {{}, {}} table.sort(t) return #t",
		"table.sort({1, 2}, 3)",
		"local t = {'b', 'a', 'B', 'A', '10', '9'} table.sort(t) return t",
		"local t = {1, 2} table.insert(t, 3) table.insert(t, 1, 0) return t",
		"local t = {1, 2, 3} return {table.remove(t), table.remove(t, 1), t[1], #t}",
		"return table.remove({})",
		"return table.insert({}, 1, 2, 3)",
		"return table.insert({})",
		"return table.getn({1, 2, 3})",
		"return table.maxn({1, 2, nil, 4})",
		"return table.setn({}, 1)",
		"local n = 0 table.foreach({a = 1}, function(k, v) n = n + v end) return n",
		"return table.foreachi({5, 6}, function(i, v) if i == 2 then return v end end)",
		// math library.
		"return {math.floor(3.7), math.ceil(3.2), math.abs(-4), math.max(1, 5, 3), math.min(4, 2), math.fmod(7, 3), math.sqrt(16), math.pow(2, 10), math.huge > 0, math.pi > 3}",
		"return {math.modf(3.7)}",
		"return {math.frexp(8)}",
		"return math.ldexp(1, 4)",
		"return math.floor('3.7')",
		"return math.floor('x')",
		"return math.max()",
		"return math.min()",
		"return math.max(1, 'x')",
		"return tostring(math.mod(7, 3))",
		"return {math.random(), math.random(10), math.random(5, 6)}",
		"math.randomseed(7) return {math.random(100), math.random(100)}",
		"return math.random(0)",
		"return math.random(3, 1)",
		"return math.random(1, 2, 3)",
		// coroutines.
		"local co = coroutine.create(function() error('in co') end) return {coroutine.resume(co)}",
		"local co = coroutine.create(function() coroutine.yield(1) return 2 end) local a = {coroutine.resume(co)} local b = {coroutine.resume(co)} return {a[2], b[2], coroutine.status(co)}",
		"local co = coroutine.wrap(function() pcall(coroutine.yield, 1) end) return co()",
		"return coroutine.yield()",
		"return coroutine.running()",
		"local co = coroutine.create(function() redis.call('set', 'cokey', 'v') return redis.call('get', 'cokey') end) return {coroutine.resume(co)}",
		"local co = coroutine.create(function() return 1 end) coroutine.resume(co) return {coroutine.resume(co)}",
	})
}

func TestScriptEnvCompileErrors(t *testing.T) {
	p := newPair(t)
	evalAll(p, []string{
		"x =",
		"return )",
		"f(",
		"return 1 +",
		"return 1 == == 2",
		"return #",
		"x = }",
		"return a[",
		"return 3 % ",
		"return ~= 1",
		"return ...",
		"repeat until",
		"local x <const> = 1",
		"return 'a\\qb'",
		"x = 1 y = 2 return 1",
		"local function f()\nreturn 1",
		"local function f()\nreturn 1\n",
		"if true then",
		"if true then\n  local x = {\n",
		"while true do",
		"for i = 1, 2 do\n",
		"repeat\n",
		"do",
		"local t = {1, 2",
		"f(",
		"f(1",
		"return a[",
		"return 'abc",
		"return \"abc",
		"return [[abc",
		"--[[ unfinished",
		"return 0x",
		"local s = [==[ x ]] ]==] if s then",
		"-- comment with function\nlocal x = 'end' if x then",
		"local function f() return ... end",
	})
}
