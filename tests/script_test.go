package tests

// EVAL, EVALSHA, SCRIPT: the commands, their errors, propagation,
// atomicity under concurrency, BUSY and SCRIPT KILL, the memory bound, and
// go-redis's Script helper. The Lua environment itself is compared in
// script_env_test.go and script_sandbox_test.go.

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func TestScriptCommands(t *testing.T) {
	p := newPair(t)
	for _, proto := range []string{"2", "3"} {
		p.both("HELLO", proto)
		p.eq("SCRIPT", "FLUSH")
		p.eq("EVAL", "return 1", "0")
		p.eq("EVALSHA", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "0")
		p.eq("EVALSHA", "E0E1F9FABFC9D4800C877A703B823AC0578FF8DB", "0")
		p.eq("SCRIPT", "EXISTS", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "ffffffffffffffffffffffffffffffffffffffff", "short")
		p.eq("SCRIPT", "LOAD", "return KEYS[1] .. ARGV[1]")
		p.eq("EVALSHA", "2b0f6ee5d25e5e9fa58d5fe4d25e8e74b1c80f4a", "1", "k", "v")
		p.eq("EVALSHA", "nosuchsha", "0")
		p.eq("EVALSHA", "short", "0")
		p.eq("SCRIPT", "FLUSH", "ASYNC")
		p.eq("SCRIPT", "FLUSH", "SYNC")
		p.eq("SCRIPT", "FLUSH", "bogus")
		p.eq("SCRIPT", "FLUSH", "sync", "async")
		p.eq("SCRIPT", "EXISTS", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db")
		p.eq("SCRIPT", "EXISTS")
		p.eq("SCRIPT", "LOAD")
		p.eq("SCRIPT", "LOAD", "return +")
		p.eq("SCRIPT", "KILL")
		p.eq("SCRIPT", "HELP")
		p.eq("SCRIPT", "NOPE")
		p.eq("SCRIPT", "DEBUG", "maybe")
		p.eq("SCRIPT", "DEBUG", "NO")
		// numkeys.
		p.eq("EVAL", "return 1", "-1")
		p.eq("EVAL", "return 1", "2", "a")
		p.eq("EVAL", "return 1", "x")
		p.eq("EVAL", "return 1", "99999999999999999999")
		p.eq("EVAL", "return {KEYS[1], KEYS[2], ARGV[1], #KEYS, #ARGV}", "2", "a", "b", "c")
		p.eq("EVAL", "return 1")
		p.eq("EVALSHA")
		// Shebang flags.
		p.eq("EVAL", "#!lua\nreturn 1", "0")
		p.eq("EVAL", "#!lua flags=no-writes,allow-oom,allow-stale,no-cluster,allow-cross-slot-keys\nreturn 2", "0")
		p.eq("EVAL", "#!lua flags=\nreturn 1", "0")
		p.eq("EVAL", "#!js\nreturn 1", "0")
		p.eq("EVAL", "#!lua foo=bar\nreturn 1", "0")
		p.eq("EVAL", "#!lua flags=bad\nreturn 1", "0")
		p.eq("EVAL", "#!lua", "0")
		p.eq("EVAL", "#!lua name=x\nreturn 1", "0")
		p.eq("EVAL", "#!lua flags=no-writes\nreturn redis.call('set','x','1')", "0")
		p.eq("EVAL", "#!lua flags=no-writes\nerror('line two')", "0")
		p.eq("EVAL", "#!lua\nreturn redis.call('set','x','1')", "0")
		// The _RO forms.
		p.eq("EVAL_RO", "return redis.call('set','x','1')", "0")
		p.eq("EVAL_RO", "return redis.call('get','x')", "0")
		p.eq("EVAL_RO", "#!lua\nreturn 1", "0")
		p.eq("EVAL_RO", "#!lua flags=no-writes\nreturn redis.call('get','x')", "0")
		p.eq("SCRIPT", "LOAD", "return redis.call('get', KEYS[1])")
		p.eq("EVALSHA_RO", "a6f3ec1e6b1d5cbbf2a4f2e8c1d7d6b5e1b6c2f1", "1", "x")
		p.eq("EVALSHA_RO", scriptSHA(p, "return redis.call('get', KEYS[1])"), "1", "x")
		// Commands a script may not call, and their checks.
		for _, s := range []string{
			"return redis.call('nosuch')",
			"return redis.call('get')",
			"return redis.call('config', 'nosuch')",
			"return redis.call('eval', 'return 1', '0')",
			"return redis.call('multi')",
			"return redis.call('subscribe', 'ch')",
			"return redis.call('script', 'load', 'return 1')",
			"return redis.call('blpop', 'nolist', '0')",
			"return redis.call('select', '1') == nil and 1 or redis.call('set','dbkey','1')",
			"return redis.pcall('select', '99')",
		} {
			p.eq("EVAL", s, "0")
		}
		// SELECT inside a script does not change the caller's database.
		p.eq("GET", "dbkey")
		p.eq("SELECT", "1")
		p.eq("GET", "dbkey")
		p.eq("SELECT", "0")
	}
}

// scriptSHA loads body on both servers and returns its SHA1.
func scriptSHA(p *pair, body string) string {
	p.t.Helper()
	reply := p.eq("SCRIPT", "LOAD", body)
	_, sha, _ := strings.Cut(strings.TrimSpace(reply), "\r\n")
	return sha
}

// A script's writes reach the replication hook as their effects: one
// alone, several inside MULTI ... EXEC, nothing for a read-only script,
// nothing after redis.set_repl(redis.REPL_NONE).
func TestScriptPropagation(t *testing.T) {
	srv := ownShoal(t)
	propagated := recordPropagation(srv)
	c := dial(t, srv.Addr().String())
	for _, cmd := range [][]string{
		{"EVAL", "return redis.call('get', 'a')", "0"},
		{"EVAL", "redis.call('set', KEYS[1], ARGV[1])", "1", "a", "1"},
		{"EVAL", "redis.call('incr', 'a') redis.call('set', 'b', '2', 'EX', '100') return redis.call('get', 'a')", "0"},
		{"EVAL", "redis.set_repl(redis.REPL_NONE) redis.call('set', 'hidden', '1')", "0"},
		{"EVAL", "redis.call('del', 'nokey')", "0"},
		{"EVAL", "redis.call('set', 'c', '3') redis.set_repl(redis.REPL_NONE) redis.call('set', 'd', '4') redis.set_repl(redis.REPL_ALL) redis.call('set', 'e', '5')", "0"},
		// Inside a transaction a script's writes join EXEC's one block.
		{"MULTI"}, {"SET", "f", "6"}, {"EVAL", "redis.call('set', 'g', '7') redis.call('set', 'h', '8')", "0"}, {"EXEC"},
		{"MULTI"}, {"EVAL", "redis.call('set', 'i', '9')", "0"}, {"EXEC"},
	} {
		if r := c.do(cmd...); strings.HasPrefix(r, "-") {
			t.Fatalf("%v: %q", cmd, r)
		}
	}
	got := strings.Join(propagated(), "|")
	want := `^set a 1\|MULTI\|incr a\|SET b 2 PXAT \d+\|EXEC\|MULTI\|set c 3\|set e 5\|EXEC\|MULTI\|SET f 6\|set g 7\|set h 8\|EXEC\|set i 9$`
	if !regexp.MustCompile(want).MatchString(got) {
		t.Fatalf("propagated %q, want %s", got, want)
	}
	if r := c.do("GET", "hidden"); r != "$1\r\n1\r\n" {
		t.Fatalf("REPL_NONE write not applied locally: %q", r)
	}
}

// Scripts are atomic: transfers between keys the script computes itself
// (not declared), in many shards, never show a reader a half-done state,
// and a script reading a key twice sees no concurrent write in between.
func TestScriptAtomicity(t *testing.T) {
	srv := ownShoal(t)
	addr := srv.Addr().String()
	const nkeys, total, rounds = 8, 8000, 300
	setup := dial(t, addr)
	for i := 0; i < nkeys; i++ {
		setup.do("SET", "acct:"+strconv.Itoa(i*7919), strconv.Itoa(total/nkeys))
	}
	transfer := `
		local from = 'acct:' .. ARGV[1]
		local to = 'acct:' .. ARGV[2]
		local n = tonumber(redis.call('get', from))
		if n > 0 then
			redis.call('decrby', from, 1)
			redis.call('incrby', to, 1)
		end
		return n`
	sum := `
		local s = 0
		for i = 0, 7 do s = s + tonumber(redis.call('get', 'acct:' .. (i * 7919))) end
		local again = 0
		for i = 0, 7 do again = again + tonumber(redis.call('get', 'acct:' .. (i * 7919))) end
		if again ~= s then return -1 end
		return s`
	var wg sync.WaitGroup
	errs := make(chan string, 16)
	for w := 0; w < 3; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			c := dial(t, addr)
			for i := 0; i < rounds; i++ {
				from, to := (i+w)%nkeys*7919, (i*3+w+1)%nkeys*7919
				if r := c.do("EVAL", transfer, "0", strconv.Itoa(from), strconv.Itoa(to)); strings.HasPrefix(r, "-") {
					errs <- r
					return
				}
			}
		}(w)
	}
	for r := 0; r < 2; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := dial(t, addr)
			keys := make([]string, nkeys)
			for i := range keys {
				keys[i] = "acct:" + strconv.Itoa(i*7919)
			}
			for i := 0; i < rounds; i++ {
				if r := c.do("EVAL", sum, "0"); r != ":"+strconv.Itoa(total)+"\r\n" {
					errs <- "script sum " + r
					return
				}
				if got := sumInts(c.do(append([]string{"MGET"}, keys...)...)); got != total {
					errs <- fmt.Sprintf("MGET sum %d", got)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
}

// Past busy-reply-threshold other clients get BUSY; SCRIPT KILL stops a
// script that has not written; one that has is UNKILLABLE until SHUTDOWN
// NOSAVE. Compared with redis-server, which is given the same threshold.
func TestScriptBusyAndKill(t *testing.T) {
	shoalAddr, redisAddr := ownServers(t, []string{"busy-reply-threshold 100"}, []string{"--busy-reply-threshold", "100"})
	for _, addr := range []string{shoalAddr, redisAddr} {
		runner, other := dial(t, addr), dial(t, addr)
		other.do("SET", "k", "v")
		if r := other.do("SCRIPT", "KILL"); r != "-NOTBUSY No scripts in execution right now.\r\n" {
			t.Fatalf("%s: SCRIPT KILL idle: %q", addr, r)
		}
		runner.send("EVAL", "local i = 0 while true do i = i + 1 end", "0")
		waitBusy(t, other, addr)
		for _, cmd := range [][]string{{"GET", "k"}, {"SET", "k", "w"}, {"EVAL", "return 1", "0"}} {
			if r := other.do(cmd...); r != "-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n" {
				t.Fatalf("%s: %v while busy: %q", addr, cmd, r)
			}
		}
		if r := other.do("FUNCTION", "KILL"); !strings.HasPrefix(r, "-") {
			t.Fatalf("%s: FUNCTION KILL of a script: %q", addr, r)
		}
		if r := other.do("SCRIPT", "KILL"); r != "+OK\r\n" {
			t.Fatalf("%s: SCRIPT KILL: %q", addr, r)
		}
		want := "-ERR Script killed by user with SCRIPT KILL... script: "
		if r := runner.reply(); !strings.HasPrefix(r, want) || !strings.HasSuffix(r, ", on @user_script:1.\r\n") {
			t.Fatalf("%s: killed script's reply: %q", addr, r)
		}
		if r := other.do("GET", "k"); r != "$1\r\nv\r\n" {
			t.Fatalf("%s: after kill: %q", addr, r)
		}
		// A script that wrote cannot be killed.
		runner.send("EVAL", "redis.call('set', 'k', 'w') while true do end", "0")
		waitBusy(t, other, addr)
		if r := other.do("SCRIPT", "KILL"); !strings.HasPrefix(r, "-UNKILLABLE Sorry the script already executed write commands") {
			t.Fatalf("%s: SCRIPT KILL after a write: %q", addr, r)
		}
		for _, cmd := range [][]string{{"SHUTDOWN"}, {"SHUTDOWN", "SAVE"}} {
			if r := other.do(cmd...); r != "-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n" {
				t.Fatalf("%s: %v while an unkillable script runs: %q", addr, cmd, r)
			}
		}
		other.send("SHUTDOWN", "NOSAVE")
		if _, closed := runner.readUntilClose(5 * time.Second); !closed {
			t.Fatalf("%s: SHUTDOWN NOSAVE did not end the unkillable script", addr)
		}
	}
}

// waitBusy waits until the server answers BUSY (the script passed the
// threshold).
func waitBusy(t *testing.T, c *rconn, addr string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if r := c.do("PING"); strings.HasPrefix(r, "-BUSY") {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s: never busy", addr)
}

// A script that asks for more memory than the bound gets an error and the
// server goes on.
func TestScriptMemoryBound(t *testing.T) {
	srv := ownShoal(t)
	srv.SetScriptMemoryLimit(16 << 20)
	c := dial(t, srv.Addr().String())
	for _, s := range []string{
		"return #string.rep('x', 2^27)",
		"local s = 'x' while true do s = s .. s end",
		"local t = {} local i = 0 while true do i = i + 1 t[i] = {i} end",
		"local t = {} for i = 1, 100 do t[i] = 'x' end return #table.concat(t, string.rep('y', 2^20))",
	} {
		// A bomb runs until the watchdog sees it, which under -race on a
		// busy machine can take seconds.
		c.send("EVAL", s, "0")
		c.nc.SetReadDeadline(time.Now().Add(time.Minute))
		var b bytes.Buffer
		if err := readReply(c.rd, &b); err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		if r := b.String(); !strings.Contains(r, "not enough memory") {
			t.Errorf("%q: %q", s, r)
		}
	}
	if r := c.do("EVAL", "return #string.rep('x', 2^40)", "0"); r != ":0\r\n" {
		t.Errorf("string.rep with a count past C int: %q", r)
	}
	if r := c.do("EVAL", "return #string.rep('ab', 1000)", "0"); r != ":2000\r\n" {
		t.Errorf("small string.rep: %q", r)
	}
}

// go-redis's Script runs EVALSHA and falls back to EVAL on NOSCRIPT.
func TestScriptGoRedis(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: testEnv.shoalAddr})
	defer rdb.Close()
	ctx := context.Background()
	rdb.ScriptFlush(ctx)
	limiter := redis.NewScript(`
		local n = redis.call('INCR', KEYS[1])
		if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
		if n > tonumber(ARGV[2]) then return 0 end
		return 1`)
	rdb.Del(ctx, "gr:limit")
	allowed := 0
	for i := 0; i < 5; i++ {
		n, err := limiter.Run(ctx, rdb, []string{"gr:limit"}, 60000, 3).Int()
		if err != nil {
			t.Fatal(err)
		}
		allowed += n
	}
	if allowed != 3 {
		t.Fatalf("allowed %d of 5 with a limit of 3", allowed)
	}
	if ttl := rdb.PTTL(ctx, "gr:limit").Val(); ttl <= 0 || ttl > time.Minute {
		t.Fatalf("PTTL %v", ttl)
	}
	exists, err := rdb.ScriptExists(ctx, limiter.Hash()).Result()
	if err != nil || !exists[0] {
		t.Fatalf("SCRIPT EXISTS %v %v", exists, err)
	}
	vals, err := redis.NewScript("return {KEYS[1], ARGV[1], 3.9, {err='nested'}}").Run(ctx, rdb, []string{"k"}, "a").Slice()
	if err != nil || len(vals) != 4 || vals[0] != "k" || vals[1] != "a" || vals[2] != int64(3) {
		t.Fatalf("Slice %v %v", vals, err)
	}
	if _, err := redis.NewScript("return redis.call('nosuch')").Run(ctx, rdb, nil).Result(); err == nil ||
		!strings.HasPrefix(err.Error(), "ERR Unknown Redis command called from script") {
		t.Fatalf("error %v", err)
	}
}

// EVAL inside MULTI runs when EXEC does, under EXEC's locks; a script's
// write fails another client's WATCH; scripts in a pipeline after commands
// that keep a shard locked do not deadlock.
func TestScriptInTransactions(t *testing.T) {
	p := newPair(t)
	p.script("SET a 1")
	p.eq("MULTI")
	p.eq("EVAL", "return redis.call('incr', KEYS[1])", "1", "a")
	p.eq("EVALSHA", "ffffffffffffffffffffffffffffffffffffffff", "0")
	p.eq("EVAL", "return redis.call('keys', '*')", "0")
	p.eq("EXEC")
	p.eq("GET", "a")

	srv := ownShoal(t)
	addr := srv.Addr().String()
	watcher, writer := dial(t, addr), dial(t, addr)
	watcher.do("WATCH", "w")
	writer.do("EVAL", "redis.call('set', 'w', 'changed')", "0")
	watcher.do("MULTI")
	watcher.do("SET", "w", "mine")
	if r := watcher.do("EXEC"); r != "*-1\r\n" {
		t.Fatalf("EXEC after a script changed a watched key: %q", r)
	}

	// Pipelines mixing single-key commands (which may keep their shard
	// locked for the next request) with scripts, from several clients.
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			c := dial(t, addr)
			var batch []byte
			for i := 0; i < 50; i++ {
				k := "p:" + strconv.Itoa(i%5)
				batch = append(batch, encodeCommand("INCR", k)...)
				batch = append(batch, encodeCommand("EVAL", "redis.call('incr', KEYS[1]) return redis.call('incr', 'p:' .. ARGV[1])", "1", k, strconv.Itoa((i+w)%5))...)
				batch = append(batch, encodeCommand("GET", k)...)
			}
			c.writeRaw(batch)
			for i := 0; i < 150; i++ {
				if r := c.reply(); strings.HasPrefix(r, "-") {
					t.Errorf("pipeline reply %d: %q", i, r)
					return
				}
			}
		}(w)
	}
	wg.Wait()
	c := dial(t, addr)
	total := 0
	for i := 0; i < 5; i++ {
		n, _ := strconv.Atoi(strings.Split(c.do("GET", "p:"+strconv.Itoa(i)), "\r\n")[1])
		total += n
	}
	if total != 4*50*3 {
		t.Fatalf("total %d, want %d", total, 4*50*3)
	}
}

// A client already waiting for a key a long script holds is answered BUSY
// once the script passes busy-reply-threshold, as Redis answers the
// commands it reads while a script runs.
func TestScriptBusyWhileWaiting(t *testing.T) {
	srv := ownShoal(t, "busy-reply-threshold 200")
	addr := srv.Addr().String()
	runner, waiter, killer := dial(t, addr), dial(t, addr), dial(t, addr)
	runner.send("EVAL", "redis.call('get', 'held') local i = 0 while true do i = i + 1 end", "0")
	time.Sleep(50 * time.Millisecond) // the script holds the key's shard now
	start := time.Now()
	if r := waiter.do("GET", "held"); !strings.HasPrefix(r, "-BUSY ") {
		t.Fatalf("GET waiting on the script's key: %q", r)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("BUSY came after %v", d)
	}
	if r := killer.do("SCRIPT", "KILL"); r != "+OK\r\n" {
		t.Fatalf("SCRIPT KILL: %q", r)
	}
	runner.reply()
	if r := waiter.do("GET", "held"); r != "$-1\r\n" {
		t.Fatalf("GET after the kill: %q", r)
	}
}

// The slowlog shows an EVAL and the commands it ran (from client "?:0"),
// as Redis 7.0's does; commandstats count them all.
func TestScriptSlowlogAndStats(t *testing.T) {
	p := newPair(t)
	p.both("CONFIG", "SET", "slowlog-log-slower-than", "0")
	defer p.both("CONFIG", "SET", "slowlog-log-slower-than", "10000")
	p.both("SLOWLOG", "RESET")
	p.both("CONFIG", "RESETSTAT")
	p.both("EVAL", "redis.call('set', 'sl', '1') return redis.call('get', 'sl')", "0")
	p.eq("SLOWLOG", "LEN")
	for _, c := range []*rconn{p.shoal, p.redis} {
		entries := c.do("SLOWLOG", "GET", "10")
		if !regexp.MustCompile(`(?s)\$4\r\nEVAL\r\n.*\$3\r\nget\r\n\$2\r\nsl\r\n\$3\r\n\?:0\r\n.*\$3\r\nset\r\n`).MatchString(entries) {
			t.Errorf("slowlog %q", entries)
		}
		stats := c.do("INFO", "commandstats")
		for _, want := range []string{"cmdstat_eval:calls=1,", "cmdstat_set:calls=1,", "cmdstat_get:calls=1,"} {
			if !strings.Contains(stats, want) {
				t.Errorf("commandstats lacks %q:\n%s", want, stats)
			}
		}
	}
}

// KEYS and ARGV are fresh for every script: what one script does to them
// (extra entries, fields, a metatable, a shorter array) never shows in the
// next one. Shoal refills the previous tables when they are untouched.
func TestScriptArgTablesFresh(t *testing.T) {
	p := newPair(t)
	check := "return {KEYS.foo == nil, KEYS[3] == nil, ARGV[2] == nil, rawget(ARGV, 9) == nil, #KEYS, #ARGV, KEYS[1], ARGV[1], getmetatable(ARGV) == nil}"
	for _, spoil := range []string{
		"KEYS.foo = 1 return 1",
		"KEYS[3] = 'x' return 1",
		"setmetatable(ARGV, {__index = function() return 'leak' end}) return 1",
		"ARGV[9] = 'y' return 1",
		"KEYS[1] = nil ARGV[1] = nil return 1",
		"return 1",
	} {
		p.eq("EVAL", spoil, "2", "k1", "k2", "a1", "a2", "a3")
		p.eq("EVAL", check, "1", "key", "arg")
		p.eq("EVAL", check, "2", "key", "key2", "arg")
	}
}
