package tests

import (
	"strings"
	"sync"
	"testing"
	"time"
)

// Shoal keeps a shard's lock from one request of a pipeline to the next
// when both need only that shard. These tests pipeline such runs into
// everything that must not run under a kept lock (commands that lock all
// shards or walk them, blocking, expired-key reaping, eviction, another
// database) and compare every reply with Redis's: a lock wrongly kept shows
// up as a deadlock (the read times out) or a wrong reply.

func pipelineBoth(p *pair, cmds [][]string) {
	p.t.Helper()
	var raw []byte
	for _, c := range cmds {
		raw = append(raw, encodeCommand(c...)...)
	}
	p.shoal.writeRaw(raw)
	p.redis.writeRaw(raw)
	for _, c := range cmds {
		got, want := p.shoal.reply(), p.redis.reply()
		if got != want {
			p.t.Errorf("pipelined %s\n shoal: %q\n redis: %q", quoteArgs(c), got, want)
		}
	}
}

func TestPipelineKeptLocks(t *testing.T) {
	p := newPair(t)
	w := func(s string) []string { return strings.Fields(s) }
	cmds := [][]string{
		w("SET k 1"), w("INCR k"), w("GET k"), w("DBSIZE"),
		w("SET k 2"), w("KEYS *"), w("APPEND k x"), w("SCAN 0 COUNT 100"),
		w("SET k 3"), w("RANDOMKEY"), w("GET k"), w("INFO keyspace_unknown_section"),
		w("RPUSH l a b"), w("LPOP l"), w("BLPOP nothing 0.01"), w("RPUSH l c"),
		w("SET k 4"), w("SELECT 1"), w("SET k other"), w("GET k"), w("SELECT 0"), w("GET k"),
		w("SET k 5"), w("MOVE k 2"), w("EXISTS k"),
		w("SET {t}a 1"), w("SET {t}b 2"), w("MGET {t}a {t}b"), w("RENAME {t}a {t}c"), w("MGET {t}a {t}c"),
		w("SET k 6"), w("SWAPDB 0 1"), w("GET k"), w("SWAPDB 0 1"), w("GET k"),
		w("HSET h f v"), w("HGET h f"), w("SORT l ALPHA"), w("LRANGE l 0 -1"),
		w("SET k 7"), w("FLUSHALL"), w("GET k"), w("DBSIZE"),
	}
	pipelineBoth(p, cmds)

	// An expired key read under a read lock is reaped under the write lock.
	p.both("SET e v PX 1")
	time.Sleep(10 * time.Millisecond)
	pipelineBoth(p, [][]string{w("GET e"), w("GET e"), w("EXISTS e"), w("SET e 2"), w("GET e"), w("DBSIZE")})

	// Eviction takes shard locks before a denyoom command runs. Memory
	// accounting is Shoal's own, so only Shoal runs this: every reply must
	// come (no deadlock), an error or not.
	c := p.shoal
	c.do("CONFIG", "SET", "maxmemory-policy", "allkeys-random")
	c.do("CONFIG", "SET", "maxmemory", "1")
	defer c.do("CONFIG", "SET", "maxmemory-policy", "noeviction")
	defer c.do("CONFIG", "SET", "maxmemory", "0")
	var raw []byte
	for _, cmd := range [][]string{w("GET k"), w("SET k 1"), w("GET k"), w("SET k 2"), w("DBSIZE")} {
		raw = append(raw, encodeCommand(cmd...)...)
	}
	c.writeRaw(raw)
	for i := 0; i < 5; i++ {
		c.reply()
	}
}

// TestPipelineKeptLocksConcurrent: many clients pipelining on one key and
// others reading it: every increment lands exactly once and nothing hangs.
func TestPipelineKeptLocksConcurrent(t *testing.T) {
	c := dial(t, testEnv.shoalAddr)
	c.do("DEL", "ctr")
	const clients, rounds, depth = 8, 30, 50
	var wg sync.WaitGroup
	for i := 0; i < clients; i++ {
		conn := dial(t, testEnv.shoalAddr)
		wg.Add(1)
		go func() {
			defer wg.Done()
			var raw []byte
			for j := 0; j < depth; j++ {
				raw = append(raw, encodeCommand("INCR", "ctr")...)
				raw = append(raw, encodeCommand("GET", "ctr")...)
			}
			for r := 0; r < rounds; r++ {
				conn.writeRaw(raw)
				for j := 0; j < 2*depth; j++ {
					if rep := conn.reply(); rep[0] == '-' {
						t.Errorf("reply %q", rep)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	want := clients * rounds * depth
	if got := c.do("GET", "ctr"); got != "$5\r\n"+itoa(want)+"\r\n" {
		t.Fatalf("counter %q, want %d", got, want)
	}
}

func itoa(n int) string {
	var b []byte
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}
