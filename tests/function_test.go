package tests

// Redis 7 functions: FUNCTION LOAD / DELETE / LIST / DUMP / RESTORE /
// FLUSH / KILL / STATS / HELP, FCALL and FCALL_RO, compared with
// redis-server byte for byte. Redis lists libraries and their functions
// in hash order, which changes from one process to the next: listings of
// several are compared as sets, single ones exactly.

import (
	"encoding/binary"
	"math/rand/v2"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shoaldb/shoal/persistence"
)

// fnPair is a pair of servers with no libraries, emptied again at the end.
func fnPair(t *testing.T) *pair {
	p := newPair(t)
	p.both("FUNCTION", "FLUSH")
	t.Cleanup(func() { p.both("FUNCTION", "FLUSH") })
	return p
}

// lib is library code named name whose body follows the shebang line.
func lib(name string, body ...string) string {
	return "#!lua name=" + name + "\n" + strings.Join(body, "\n")
}

const regF = "redis.register_function('f', function() return 1 end)"

func TestFunctionLoadMetadata(t *testing.T) {
	p := fnPair(t)
	for _, code := range []string{
		"", "return 1", "lua name=a\n" + regF, "#!lua", "#!lua name=a", "#!lua\n", "#!\n" + regF, "#!  \n" + regF,
		"#! name=a\n" + regF, "#!luax name=a\n" + regF, "#!lua name=a name=b\n" + regF, "#!lua foo=a\n" + regF,
		"#!lua x\n" + regF, "#!lua name=\n" + regF, "#!lua name=a-b\n" + regF, "#!lua name=\"a b\"\n" + regF,
		"#!lua name=\"a\n" + regF, "#!lua name='a'b\n" + regF, "#!lua name=a\x00b\n" + regF, "#!lua name=a\n",
		"#!lua name=\"\\x41b\"\n" + regF, "#!LUA NAME=Up\n" + regF, "#!lua\tname=tab  \r\n" + regF,
		"#!\"lua\" name=q\n" + regF, "#!lua name=Up\n" + regF,
	} {
		p.eq("FUNCTION", "LOAD", code)
	}
	p.eq("FUNCTION", "LIST", "WITHCODE")
	// Options before the code.
	p.eq("FUNCTION", "LOAD", "REPLACE", lib("Up", regF))
	p.eq("FUNCTION", "LOAD", "replace", "REPLACE", lib("Up", regF))
	p.eq("FUNCTION", "LOAD", "x", lib("a", regF))
	p.eq("FUNCTION", "LOAD", lib("a", regF), "replace")
	p.eq("FUNCTION", "LOAD", "REPLACE")
	p.eq("FUNCTION", "LOAD")
	p.eq("FUNCTION", "LOAD", lib("Up", regF))
}

// What library code can do while it loads: register functions, log,
// read the version; nothing else.
func TestFunctionLoadEnvironment(t *testing.T) {
	p := fnPair(t)
	for _, body := range []string{
		"return _G", "x = 1\n" + regF, "redis.x = 1\n" + regF, "local t = redis\n" + regF,
		"redis.call('ping')", "redis.pcall('ping')", "redis.setresp(3)", "redis.sha1hex('a')",
		"redis.error_reply('x')", "redis.set_repl(1)", "local x = redis.REPL_ALL", "print(1)",
		"local x = KEYS", "local x = ARGV", "local x = cjson", "local x = string", "error('boom')",
		"local x = #redis\n" + regF, "return 1", "foo(", "local x = 1 + nil", "local t = {} t.x.y = 1",
		"if redis.REDIS_VERSION ~= '7.0.15' or redis.REDIS_VERSION_NUM ~= 458767 then x() end\n" + regF,
		"redis.log(redis.LOG_DEBUG, 'a', 'b')\nredis.log(redis.LOG_VERBOSE, 1)\n" + regF,
		"redis.log(redis.LOG_NOTICE + redis.LOG_WARNING - 3, 'x')\n" + regF,
		"redis.log(1)", "redis.log('x', 'y')", "redis.log(10, 'y')",
	} {
		p.eq("FUNCTION", "LOAD", lib("env", body))
		p.both("FUNCTION", "DELETE", "env")
	}
}

func TestFunctionRegisterErrors(t *testing.T) {
	p := fnPair(t)
	for _, body := range []string{
		"redis.register_function()", "redis.register_function('a', 'b', 'c')",
		"redis.register_function(1, function() end)", "redis.register_function(1.5, function() end)",
		"redis.register_function('f', 1)", "redis.register_function(function() end, function() end)",
		"redis.register_function('f-g', function() end)", "redis.register_function('', function() end)",
		"redis.register_function('f', function() end)\nredis.register_function('f', function() end)",
		"redis.register_function('f')", "redis.register_function(1)", "redis.register_function({})",
		"redis.register_function{function_name='f', callback=function() end}",
		"redis.register_function{FUNCTION_NAME='f', Callback=function() end, FLAGS={'NO-WRITES'}, Description='d'}",
		"redis.register_function{function_name='f', callback=function() end, flags={'bad'}}",
		"redis.register_function{function_name='f', callback=function() end, flags='no-writes'}",
		"redis.register_function{function_name='f', callback=function() end, flags={1}}",
		"redis.register_function{function_name='f', callback=function() end, flags={{}}}",
		"redis.register_function{function_name='f', callback=function() end, flags={}}",
		"redis.register_function{function_name='f', callback=function() end, description=1}",
		"redis.register_function{function_name='f', callback=function() end, description={}}",
		"redis.register_function{function_name=7, callback=function() end}",
		"redis.register_function{function_name={}, callback=function() end}",
		"redis.register_function{function_name='f', callback='x'}",
		"redis.register_function{function_name='f'}", "redis.register_function{callback=function() end}",
		"redis.register_function{function_name='f', callback=function() end, other=1}",
		"redis.register_function{[true]=1}", "redis.register_function{function_name='f-x', callback=function() end}",
	} {
		p.eq("FUNCTION", "LOAD", lib("reg", body))
		p.eq("FUNCTION", "LIST")
		p.both("FUNCTION", "FLUSH")
	}
	// A library's own functions are told apart by case; FCALL is not.
	p.eq("FUNCTION", "LOAD", lib("lib1", regF))
	p.eq("FUNCTION", "LOAD", lib("lib2", "redis.register_function('F', function() return 2 end)"))
	p.eq("FUNCTION", "LOAD", lib("lib3", "redis.register_function('g', function() return 2 end)", regF))
	p.eq("FUNCTION", "LOAD", lib("lib1", "redis.register_function('x', function() return 2 end)"))
	p.eq("FCALL", "F", "0")
	p.eq("FUNCTION", "STATS")
}

const callLib = `#!lua name=calls
local r = redis
local count = 0
redis.register_function('echo', function(keys, args) return {keys, args, #keys, #args} end)
redis.register_function('set', function(keys, args) return redis.call('set', keys[1], args[1]) end)
redis.register_function('count', function() count = count + 1 return count end)
redis.register_function('nargs', function(...) return select('#', ...) end)
redis.register_function('boom', function() error('boom') end)
redis.register_function('nosuch', function() return redis.call('nosuch') end)
redis.register_function('arith', function() local x = nil + 1 end)
redis.register_function('keysglobal', function() return KEYS end)
redis.register_function('setglobal', function() x = 1 end)
redis.register_function('errreply', function() return redis.error_reply('MY err') end)
redis.register_function('status', function() return redis.status_reply('FINE') end)
redis.register_function('reg', function() r.register_function('x', function() end) end)
redis.register_function('regnil', function() redis.register_function('x', function() end) end)
redis.register_function('loadapi', function() return r.REDIS_VERSION end)
redis.register_function('loadcall', function() return r.call('ping') end)
redis.register_function('g', function() return type(_G) .. type(redis.call) .. type(redis.register_function) end)
redis.register_function('handler', function() return type(__redis__err__handler) end)
redis.register_function('resp3', function(keys) redis.setresp(3) return redis.call('hgetall', keys[1]) end)
redis.register_function('mixed', function() return {1, 'two', 3.7, true, false, {err='E x'}} end)
redis.register_function('pcall', function() local ok, e = pcall(redis.call, 'nosuch') return e end)`

func TestFunctionCall(t *testing.T) {
	p := fnPair(t)
	p.eq("FUNCTION", "LOAD", callLib)
	p.both("HSET", "h", "a", "1")
	for _, args := range [][]string{
		{"echo", "0"}, {"echo", "2", "a", "b", "c"}, {"ECHO", "1", "k"}, {"set", "1", "k", "v"},
		{"count", "0"}, {"count", "0"}, {"nargs", "0"}, {"boom", "0"}, {"nosuch", "0"}, {"arith", "0"},
		{"keysglobal", "0"}, {"setglobal", "0"}, {"errreply", "0"}, {"status", "0"}, {"reg", "0"}, {"regnil", "0"},
		{"loadapi", "0"}, {"loadcall", "0"}, {"g", "0"}, {"handler", "0"}, {"resp3", "1", "h"},
		{"mixed", "0"}, {"pcall", "0"},
		// Argument errors, in Redis's order of checks.
		{"nofunc", "0"}, {"nofunc", "x"}, {"echo", "x"}, {"echo", "1.0", "a"}, {"echo", " 1", "a"},
		{"echo", "-1"}, {"echo", "2", "a"}, {"echo", "99999999999999999999"},
	} {
		p.eq(append([]string{"FCALL"}, args...)...)
	}
	p.eq("FCALL", "echo")
	p.eq("FCALL_RO", "echo")
	p.eq("GET", "k")
	p.both("HELLO", "3")
	for _, fn := range []string{"echo", "resp3", "mixed", "status", "boom"} {
		p.eq("FCALL", fn, "1", "h")
	}
	p.both("HELLO", "2")
	// Library state survives between calls, and a REPLACE starts over.
	p.eq("FCALL", "count", "0")
	p.eq("FUNCTION", "LOAD", "REPLACE", callLib)
	p.eq("FCALL", "count", "0")
	// Inside a transaction.
	p.script("MULTI", "FCALL set 1 tk tv", "FCALL echo 1 a", "EXEC", "GET tk")
	p.eq("MULTI")
	p.eq("FUNCTION", "LOAD", lib("inmulti", "redis.register_function('im', function() return 'im' end)"))
	p.eq("FCALL", "im", "0")
	p.eq("EXEC")
	// A script cannot manage functions.
	p.eq("EVAL", "return redis.call('function', 'list')", "0")
	p.eq("EVAL", "return redis.call('fcall', 'echo', '0')", "0")
	p.eq("FCALL", "nosuch", "0")
}

const flagLib = `#!lua name=flags
redis.register_function('w', function(keys) return redis.call('set', keys[1], 'x') end)
redis.register_function{function_name='nw', callback=function(keys) return redis.call('get', keys[1]) end, flags={'no-writes'}}
redis.register_function{function_name='nww', callback=function(keys) return redis.call('set', keys[1], 'x') end, flags={'no-writes'}}
redis.register_function{function_name='ao', callback=function(keys) return redis.call('set', keys[1], 'y') end, flags={'allow-oom'}}
redis.register_function{function_name='aor', callback=function(keys) return redis.call('get', keys[1]) end, flags={'allow-oom'}}
redis.register_function{function_name='nwao', callback=function(keys) return redis.call('get', keys[1]) end, flags={'no-writes', 'allow-oom'}}
redis.register_function{function_name='other', callback=function() return 1 end, flags={'no-cluster', 'allow-stale', 'allow-cross-slot-keys'}}`

func TestFunctionFlags(t *testing.T) {
	p := fnPair(t)
	p.eq("FUNCTION", "LOAD", flagLib)
	p.eq("FUNCTION", "LOAD", lib("allflags", "redis.register_function{function_name='all', callback=function() end, "+
		"flags={'allow-cross-slot-keys', 'no-cluster', 'allow-stale', 'allow-oom', 'no-writes'}, description='every flag'}"))
	p.eq("FUNCTION", "LIST", "LIBRARYNAME", "allflags")
	p.both("HELLO", "3")
	p.eq("FUNCTION", "LIST", "LIBRARYNAME", "allflags")
	p.both("HELLO", "2")
	for _, fn := range []string{"w", "nw", "nww", "ao", "aor", "nwao", "other"} {
		p.eq("FCALL", fn, "1", "k")
		p.eq("FCALL_RO", fn, "1", "k")
	}
}

// Under maxmemory, a function that may write is refused unless it
// allows OOM, before the read-only check.
func TestFunctionFlagsOOM(t *testing.T) {
	shoalAddr, redisAddr := ownServers(t, nil, nil)
	p := pairAt(t, shoalAddr, redisAddr)
	p.eq("FUNCTION", "LOAD", flagLib)
	p.both("SET", "filler", strings.Repeat("x", 10000))
	p.both("CONFIG", "SET", "maxmemory", "1")
	for _, fn := range []string{"w", "nw", "ao", "aor", "nwao", "other"} {
		p.eq("FCALL", fn, "1", "k")
		p.eq("FCALL_RO", fn, "1", "k")
	}
	p.eq("FUNCTION", "LOAD", lib("more", regF))
	p.eq("FUNCTION", "RESTORE", "x")
	p.eq("FUNCTION", "DELETE", "flags")
	p.eq("FUNCTION", "FLUSH")
	p.both("CONFIG", "SET", "maxmemory", "0")
}

func TestFunctionListDeleteFlush(t *testing.T) {
	p := fnPair(t)
	p.eq("FUNCTION", "LIST")
	p.eq("FUNCTION", "STATS")
	p.eq("FUNCTION", "LOAD", lib("mylib", "redis.register_function{function_name='f1', callback=function() end, description='the \"f1\"\\nfunction'}"))
	p.eq("FUNCTION", "LOAD", lib("Other_Lib2", "redis.register_function('g', function() end)"))
	p.eq("FUNCTION", "LOAD", lib("third", "redis.register_function('h', function() end)"))
	for _, args := range [][]string{
		{}, {"WITHCODE"}, {"LIBRARYNAME", "mylib"}, {"libraryname", "MYLIB", "withcode"}, {"WITHCODE", "LIBRARYNAME", "*lib*"},
		{"LIBRARYNAME", "nomatch"}, {"LIBRARYNAME", "m?l[a-z]b"},
		{"x"}, {"LIBRARYNAME"}, {"WITHCODE", "WITHCODE"}, {"LIBRARYNAME", "a", "LIBRARYNAME", "b"}, {"WITHCODE", "LIBRARYNAME"},
	} {
		p.eqUnordered(append([]string{"FUNCTION", "LIST"}, args...)...)
	}
	p.both("HELLO", "3")
	p.eq("FUNCTION", "LIST", "LIBRARYNAME", "mylib", "WITHCODE")
	p.eq("FUNCTION", "LIST", "LIBRARYNAME", "nomatch")
	p.eq("FUNCTION", "STATS")
	p.both("HELLO", "2")
	p.eq("FUNCTION", "STATS")
	for _, args := range [][]string{
		{"DELETE", "nosuch"}, {"DELETE", "MYLIB"}, {"DELETE", "mylib"}, {"DELETE", "mylib"}, {"DELETE"}, {"DELETE", "a", "b"},
		{"STATS"}, {"FLUSH", "x"}, {"FLUSH", "sync", "x"}, {"FLUSH", "Async"}, {"STATS"}, {"FLUSH", "SYNC"}, {"FLUSH"},
		{"KILL"}, {"KILL", "x"}, {"STATS", "x"}, {"DUMP", "x"}, {"RESTORE"}, {"HELP"}, {"help", "x"}, {"nosuch"},
	} {
		p.eq(append([]string{"FUNCTION"}, args...)...)
	}
	p.eq("FUNCTION")
	p.eq("FCALL")
	p.eq("FCALL_RO", "a")
}

// REPLACE is all or nothing: when the new code fails, the old library
// stays; a function name belongs to one library at a time.
func TestFunctionReplace(t *testing.T) {
	p := fnPair(t)
	p.eq("FUNCTION", "LOAD", lib("a", "redis.register_function('fa', function() return 'a1' end)"))
	p.eq("FUNCTION", "LOAD", lib("b", "redis.register_function('fb', function() return 'b1' end)"))
	p.eq("FUNCTION", "LOAD", lib("a", "redis.register_function('fa', function() return 'a2' end)"))
	p.eq("FUNCTION", "LOAD", "REPLACE", lib("a", "redis.register_function('fb', function() return 'a2' end)"))
	p.eq("FUNCTION", "LOAD", "REPLACE", lib("a", "foo("))
	p.eq("FUNCTION", "LOAD", "REPLACE", lib("a", "return 1"))
	p.eq("FUNCTION", "LOAD", "REPLACE", lib("a", "redis.register_function('fa', 1)"))
	p.eq("FCALL", "fa", "0")
	p.eq("FUNCTION", "LOAD", "REPLACE", lib("a", "redis.register_function('fa2', function() return 'a3' end)"))
	p.eq("FCALL", "fa", "0")
	p.eq("FCALL", "fa2", "0")
	p.eq("FUNCTION", "LOAD", lib("c", "redis.register_function('FA2', function() return 'c' end)"))
	p.eq("FUNCTION", "STATS")
	p.eqUnordered("FUNCTION", "LIST", "WITHCODE")
}

// rdbFunction is one library in a function payload: the RDB function
// opcode and the code as a plain RDB string.
func rdbFunction(code string) []byte {
	return persistence.AppendString([]byte{245}, []byte(code), nil)
}

// fnPayload ends body with an RDB version and the checksum.
func fnPayload(body []byte, version uint16) string {
	p := binary.LittleEndian.AppendUint16(append([]byte(nil), body...), version)
	return string(binary.LittleEndian.AppendUint64(p, persistence.CRC64(0, p)))
}

func rdbRaw(s string) []byte { return persistence.AppendLen(nil, uint64(len(s))) }

func TestFunctionDumpRestore(t *testing.T) {
	p := fnPair(t)
	p.eq("FUNCTION", "DUMP")
	// A single library's payload is the same bytes, compressed or not.
	long := lib("big", strings.Repeat("redis.register_function('f' .. 'x', function(keys) return redis.call('get', keys[1]) end)\n", 1)+
		"-- "+strings.Repeat("abcdefghij", 40)+"\n-- "+strings.Repeat("z", 700)+"\n-- "+strings.Repeat("0123456789abcdef", 70))
	for _, code := range []string{
		lib("s", regF), lib("lib1", "redis.register_function('f1', function(keys, args) return {keys, args} end)"),
		long, lib("w", "redis.register_function('f', function() return '"+strings.Repeat("q", 20000)+"' end)"),
	} {
		p.both("FUNCTION", "FLUSH")
		p.eq("FUNCTION", "LOAD", code)
		dump := p.eq("FUNCTION", "DUMP")
		payload := bulkPayload(t, dump)
		p.eq("FUNCTION", "RESTORE", payload)
		p.eq("FUNCTION", "RESTORE", payload, "REPLACE")
		p.eq("FUNCTION", "RESTORE", payload, "flush")
		p.eq("FUNCTION", "LIST", "WITHCODE")
	}

	// rdbcompression no: the code is stored as it is.
	p.both("CONFIG", "SET", "rdbcompression", "no")
	uncompressed := bulkPayload(t, p.eq("FUNCTION", "DUMP"))
	p.both("CONFIG", "SET", "rdbcompression", "yes")
	p.eq("FUNCTION", "RESTORE", uncompressed, "FLUSH")
	p.eq("FUNCTION", "LIST", "WITHCODE")

	// Several libraries: what one server dumps, the other restores.
	p.both("FUNCTION", "FLUSH")
	p.eq("FUNCTION", "LOAD", callLib)
	p.eq("FUNCTION", "LOAD", flagLib)
	p.eq("FUNCTION", "LOAD", lib("third", "redis.register_function{function_name='t', callback=function() return 3 end, description='three'}"))
	fromShoal := bulkPayload(t, p.shoal.do("FUNCTION", "DUMP"))
	fromRedis := bulkPayload(t, p.redis.do("FUNCTION", "DUMP"))
	want := normalizeLibraries(t, p.redis.do("FUNCTION", "LIST", "WITHCODE"))
	for _, payload := range []string{fromShoal, fromRedis} {
		for _, c := range []*rconn{p.shoal, p.redis} {
			if got := c.do("FUNCTION", "RESTORE", payload, "FLUSH"); got != "+OK\r\n" {
				t.Fatalf("restore: %q", got)
			}
			if got := normalizeLibraries(t, c.do("FUNCTION", "LIST", "WITHCODE")); got != want {
				t.Errorf("after restore:\n got %s\nwant %s", got, want)
			}
		}
	}
	p.eq("FCALL", "t", "0")
	// Policies.
	third := lib("third", "redis.register_function('t2', function() return 'new' end)")
	p.both("FUNCTION", "FLUSH")
	p.eq("FUNCTION", "LOAD", third)
	p.eq("FUNCTION", "RESTORE", fromRedis)
	p.eq("FUNCTION", "RESTORE", fromRedis, "APPEND")
	p.eq("FUNCTION", "STATS")
	p.eq("FUNCTION", "RESTORE", fromRedis, "REPLACE")
	p.eq("FCALL", "t", "0")
	p.eq("FCALL", "t2", "0")
	p.eq("FUNCTION", "STATS")
	p.eq("FUNCTION", "DELETE", "third")
	p.eq("FUNCTION", "RESTORE", fnPayload(rdbFunction(third), 10), "append")
	p.eq("FCALL", "t2", "0")
	p.eq("FUNCTION", "LOAD", lib("clash", "redis.register_function('T2', function() end)"))
	p.eq("FUNCTION", "RESTORE", fnPayload(rdbFunction(lib("new", "redis.register_function('t', function() end)")), 10), "REPLACE")
	p.eq("FUNCTION", "RESTORE", fnPayload(rdbFunction(lib("clash", "redis.register_function('t', function() end)")), 10), "REPLACE")
	p.eq("FUNCTION", "STATS")
	p.eq("FUNCTION", "RESTORE", fromRedis, "bad")
	p.eq("FUNCTION", "RESTORE", fromRedis, "FLUSH", "x")
	p.eq("FUNCTION", "RESTORE", fnPayload(nil, 10), "FLUSH")
	p.eq("FUNCTION", "LIST")
}

func TestFunctionRestoreBadPayloads(t *testing.T) {
	p := fnPair(t)
	code := lib("plib", "redis.register_function('pf', function() return 1 end)")
	body := []byte("redis.register_function('pf', function() return 1 end)")
	pre := func(parts ...[]byte) []byte { return append([]byte{246}, concat(parts...)...) }
	str := func(s string) []byte { return persistence.AppendString(nil, []byte(s), nil) }
	good := fnPayload(rdbFunction(code), 10)
	lit := append([]byte{31}, "#!lua name=plib\n-- 32 bytes....."...)
	for _, payload := range []string{
		"", "x", "0123456789", good[:len(good)-1] + "\x00", fnPayload(rdbFunction(code), 11),
		fnPayload(rdbFunction(code), 9), fnPayload(rdbFunction(code), 0),
		fnPayload([]byte{0}, 10), fnPayload(append([]byte{0}, rdbFunction(code)[1:]...), 10),
		fnPayload([]byte{245}, 10),
		fnPayload(concat(rdbFunction(code), rdbFunction(code)), 10), fnPayload(concat(rdbFunction(code), []byte{245}), 10),
		fnPayload(rdbFunction(lib("x", "foo(")), 10), fnPayload(rdbFunction(lib("x", "return")), 10),
		fnPayload(rdbFunction("not a library"), 10), fnPayload([]byte{245, 0xc0, 5}, 10), fnPayload([]byte{245, 0xc1, 5, 0}, 10),
		fnPayload([]byte{245, 0xc2, 5}, 10), fnPayload([]byte{245, 0xc4, 'a'}, 10), fnPayload([]byte{245, 0x82, 'a'}, 10),
		fnPayload(concat([]byte{245, 0x80, 0x7f, 0xff, 0xff, 0xff}, []byte("abc")), 10),
		fnPayload(concat([]byte{245, 0x81, 0, 0, 1, 0, 0, 0, 0, 0}, []byte("abc")), 10),
		// LZF strings: good, cut, lying about their length, bad references.
		fnPayload(concat([]byte{245, 0xc3}, rdbRaw(string(lit)), persistence.AppendLen(nil, 32), lit, []byte(" ")), 10),
		fnPayload(concat([]byte{245, 0xc3}, rdbRaw(string(lit)), persistence.AppendLen(nil, 40), lit), 10),
		fnPayload([]byte{245, 0xc3, 3, 40, 0x20, 0, 5}, 10), fnPayload([]byte{245, 0xc3, 0, 0}, 10),
		fnPayload([]byte{245, 0xc3, 0, 5}, 10), fnPayload([]byte{245, 0xc3, 0x82}, 10),
		// Redis 7.0 release candidates' format.
		fnPayload(pre(str("plib"), str("LUA"), []byte{0}, str(string(body))), 10),
		fnPayload(pre(str("plib"), str("lua"), []byte{1}, str("a description"), str(string(body))), 10),
		fnPayload(pre(str("plib"), str("LUA")), 10), fnPayload(pre(str("plib"), str("LUA"), []byte{1}), 10),
		fnPayload(pre(str("plib"), str("LUA"), []byte{0}), 10), fnPayload(pre(), 10), fnPayload(pre(str("plib")), 10),
		fnPayload(pre(str("plib"), str("LUA"), []byte{0x82}), 10), fnPayload(pre(str("p-lib"), str("LUA"), []byte{0}, str(string(body))), 10),
	} {
		p.eq("FUNCTION", "RESTORE", payload)
		p.eq("FUNCTION", "LIST", "WITHCODE")
		p.both("FUNCTION", "FLUSH")
	}
}

func concat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// normalizeLibraries sorts a FUNCTION LIST reply's libraries and each
// library's functions, so listings in different hash orders compare.
func normalizeLibraries(t *testing.T, raw string) string {
	t.Helper()
	root := parseReply(t, raw)
	for _, l := range root.kids {
		for i := 0; i+1 < len(l.kids); i += 2 {
			if l.kids[i].head == "$9\r\nfunctions\r\n" {
				sortNodes(l.kids[i+1].kids)
			}
		}
	}
	sortNodes(root.kids)
	return root.String()
}

func sortNodes(nodes []*rnode) {
	for i := 1; i < len(nodes); i++ {
		for j := i; j > 0 && nodes[j].String() < nodes[j-1].String(); j-- {
			nodes[j], nodes[j-1] = nodes[j-1], nodes[j]
		}
	}
}

// FUNCTION LOAD, DELETE, FLUSH and RESTORE replicate as they are; a
// function's writes replicate as their effects, as EVAL's do.
func TestFunctionPropagation(t *testing.T) {
	srv := ownShoal(t)
	propagated := recordPropagation(srv)
	c := dial(t, srv.Addr().String())
	code := lib("prop",
		"redis.register_function('one', function(keys, args) return redis.call('set', keys[1], args[1]) end)",
		"redis.register_function('two', function(keys) redis.call('incr', keys[1]) return redis.call('incr', keys[1]) end)",
		"redis.register_function{function_name='ro', callback=function(keys) return redis.call('get', keys[1]) end, flags={'no-writes'}}")
	payload := fnPayload(rdbFunction(lib("rest", regF)), 10)
	for _, cmd := range [][]string{
		{"FUNCTION", "LOAD", code}, {"FUNCTION", "LOAD", code}, {"FCALL", "one", "1", "k", "v"}, {"FCALL", "two", "1", "n"},
		{"FCALL_RO", "ro", "1", "k"}, {"FCALL", "ro", "1", "k"}, {"FUNCTION", "LIST"}, {"FUNCTION", "DUMP"},
		{"FUNCTION", "RESTORE", payload}, {"FUNCTION", "RESTORE", payload}, {"FUNCTION", "DELETE", "rest"},
		{"FUNCTION", "DELETE", "rest"}, {"FUNCTION", "FLUSH", "ASYNC"},
	} {
		c.do(cmd...)
	}
	want := []string{
		"FUNCTION LOAD " + code, "set k v", "MULTI", "incr n", "incr n", "EXEC",
		"FUNCTION RESTORE " + payload, "FUNCTION DELETE rest", "FUNCTION FLUSH ASYNC",
	}
	got := propagated()
	if strings.Join(got, "\n--\n") != strings.Join(want, "\n--\n") {
		t.Fatalf("propagated:\n%q\nwant\n%q", got, want)
	}
}

// spinLib's functions run for the given milliseconds, reading the clock
// through TIME; each on one line, so that a kill reports that line.
const spinLib = `#!lua name=spin
redis.register_function('spin', function(keys, args) local function now() local t = redis.call('time') return t[1] * 1000 + math.floor(t[2] / 1000) end local s = now() while now() - s < tonumber(args[1]) do end return 'done' end)
redis.register_function('spinw', function(keys, args) redis.call('set', 'w', 1) local function now() local t = redis.call('time') return t[1] * 1000 + math.floor(t[2] / 1000) end local s = now() while now() - s < tonumber(args[1]) do end return 'done' end)`

const spinEval = "local function now() local t = redis.call('time') return t[1] * 1000 + math.floor(t[2] / 1000) end local s = now() while now() - s < tonumber(ARGV[1]) do end return 'done'"

// While a function runs past busy-reply-threshold, other clients get
// BUSY, FUNCTION STATS describes it and FUNCTION KILL stops it unless it
// wrote; a running EVAL is SCRIPT KILL's.
func TestFunctionBusyKillStats(t *testing.T) {
	shoalAddr, redisAddr := ownServers(t, []string{"busy-reply-threshold 50"}, []string{"--busy-reply-threshold", "50"})
	p := pairAt(t, shoalAddr, redisAddr)
	p.eq("FUNCTION", "LOAD", spinLib)
	durations := regexp.MustCompile(`duration_ms\r\n:\d+`)
	type step struct {
		cmd    []string
		mask   bool // the reply holds a duration
		ignore bool // the reply differs by nature (a client id)
	}
	// scenario starts a long call on its own connections and runs steps
	// on each server once it is busy, then compares what the long call
	// answered.
	scenario := func(long []string, steps []step) {
		t.Helper()
		var wg sync.WaitGroup
		results := make([][]string, 2)
		for i, addr := range []string{shoalAddr, redisAddr} {
			runner, other := dial(t, addr), dial(t, addr)
			runner.send(long...)
			wg.Add(1)
			go func() {
				defer wg.Done()
				deadline := time.Now().Add(3 * time.Second)
				for !strings.HasPrefix(other.do("PING"), "-BUSY") && time.Now().Before(deadline) {
					time.Sleep(5 * time.Millisecond)
				}
				for _, s := range steps {
					r := other.do(s.cmd...)
					if s.ignore {
						continue
					}
					if s.mask {
						r = durations.ReplaceAllString(r, "duration_ms\r\n:N")
					}
					results[i] = append(results[i], r)
				}
				results[i] = append(results[i], runner.reply())
			}()
		}
		wg.Wait()
		for j := range results[1] {
			if j >= len(results[0]) || results[0][j] != results[1][j] {
				t.Errorf("%q step %d:\n shoal: %q\n redis: %q", long, j, results[0], results[1])
				return
			}
		}
	}
	stats := step{cmd: []string{"FUNCTION", "STATS"}, mask: true}
	scenario([]string{"FCALL", "spin", "1", "key", "2000"}, []step{
		{cmd: []string{"GET", "x"}}, stats, {cmd: []string{"HELLO", "3"}, ignore: true}, stats, {cmd: []string{"HELLO", "2"}, ignore: true},
		{cmd: []string{"FUNCTION", "LIST"}}, {cmd: []string{"FUNCTION", "FLUSH"}}, {cmd: []string{"SCRIPT", "KILL"}},
		{cmd: []string{"FUNCTION", "KILL"}},
	})
	scenario([]string{"FCALL", "spinw", "0", "1000"}, []step{
		{cmd: []string{"FUNCTION", "KILL"}}, {cmd: []string{"SCRIPT", "KILL"}}, stats,
	})
	scenario([]string{"EVAL", spinEval, "0", "1000"}, []step{
		{cmd: []string{"FUNCTION", "STATS"}}, {cmd: []string{"FUNCTION", "KILL"}}, {cmd: []string{"FUNCTION", "DUMP"}},
	})
	p.eq("FUNCTION", "KILL")
	p.eq("FUNCTION", "STATS")
	p.eq("FCALL", "spin", "0", "1")
}

// Library code of every shape (short and long repeats, small and large
// alphabets) dumps to the bytes Redis's LZF compression produces.
func TestFunctionDumpRandom(t *testing.T) {
	p := fnPair(t)
	rng := rand.New(rand.NewPCG(7, 8))
	alphabets := []string{"ab", "abc ", "abcdefghijklmnop", "xyz0123456789 \t", "!\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\^_`abcdefghijklmnopqrstuvwxyz{|}~"}
	for range 40 {
		n := []int{30, 100, 500, 3000, 20000}[rng.IntN(5)]
		alpha := alphabets[rng.IntN(len(alphabets))]
		var b strings.Builder
		for b.Len() < n {
			if s := b.String(); s != "" && rng.IntN(5) < 2 {
				k := rng.IntN(len(s))
				b.WriteString(s[k:min(len(s), k+1+rng.IntN(300))])
				continue
			}
			for range 1 + rng.IntN(40) {
				b.WriteByte(alpha[rng.IntN(len(alpha))])
			}
		}
		code := lib("r", regF, "--[["+strings.ReplaceAll(b.String(), "]]", "")+"]]")
		p.both("FUNCTION", "FLUSH")
		p.eq("FUNCTION", "LOAD", code)
		p.eq("FUNCTION", "DUMP")
	}
}
