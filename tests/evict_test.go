package tests

// maxmemory and the eight eviction policies.

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// evConn starts a Shoal of its own with directives and connects to it.
func evConn(t *testing.T, directives ...string) *rconn {
	t.Helper()
	return dial(t, ownShoal(t, directives...).Addr().String())
}

// evPipeline sends every command, then reads every reply.
func evPipeline(c *rconn, cmds [][]string) []string {
	c.t.Helper()
	var buf []byte
	for _, cmd := range cmds {
		buf = append(buf, encodeCommand(cmd...)...)
	}
	c.writeRaw(buf)
	out := make([]string, len(cmds))
	for i := range cmds {
		out[i] = c.reply()
	}
	return out
}

// evUsage sums MEMORY USAGE over keys (absent keys count 0).
func evUsage(c *rconn, keys []string) int64 {
	var cmds [][]string
	for _, k := range keys {
		cmds = append(cmds, []string{"MEMORY", "USAGE", k})
	}
	var total int64
	for _, r := range evPipeline(c, cmds) {
		if strings.HasPrefix(r, ":") {
			n, _ := strconv.ParseInt(strings.TrimSpace(r[1:]), 10, 64)
			total += n
		}
	}
	return total
}

// evExisting returns which of keys exist.
func evExisting(c *rconn, keys []string) map[string]bool {
	var cmds [][]string
	for _, k := range keys {
		cmds = append(cmds, []string{"EXISTS", k})
	}
	out := map[string]bool{}
	for i, r := range evPipeline(c, cmds) {
		out[keys[i]] = r == ":1\r\n"
	}
	return out
}

func evInfoField(t *testing.T, c *rconn, field string) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + field + `:(\S*)\r$`).FindStringSubmatch(srvBulk(t, c.do("INFO", "everything")))
	if m == nil {
		t.Fatalf("INFO has no %s", field)
	}
	return m[1]
}

// TestEvictNoeviction: the OOM error, byte for byte, and what still runs.
func TestEvictNoeviction(t *testing.T) {
	p := newPair(t)
	t.Cleanup(func() { p.both("CONFIG", "SET", "maxmemory", "0", "maxmemory-policy", "noeviction") })
	p.eq("CONFIG", "SET", "maxmemory-policy", "noeviction")
	p.script("SET a xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "CONFIG SET maxmemory 1")
	p.script("SET b y", "GET a", "SET b", "INCR a", "EXISTS a", "DEL nokey", "DBSIZE", "SETNX c 1")
	p.eq("CONFIG", "SET", "maxmemory", "0")
	p.eq("SET", "b", "y")
}

// TestEvictVolatileWithoutTTL: volatile policies with no key to evict
// answer OOM like noeviction.
func TestEvictVolatileWithoutTTL(t *testing.T) {
	for _, policy := range []string{"volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"} {
		c := evConn(t, "maxmemory-policy "+policy)
		c.do("SET", "a", strings.Repeat("x", 100))
		c.do("CONFIG", "SET", "maxmemory", "10")
		if r := c.do("SET", "b", "y"); r != "-OOM command not allowed when used memory > 'maxmemory'.\r\n" {
			t.Errorf("%s: %q", policy, r)
		}
		if r := c.do("GET", "a"); r != "$100\r\n"+strings.Repeat("x", 100)+"\r\n" {
			t.Errorf("%s: GET a: %q", policy, r)
		}
	}
}

// TestEvictPolicies fills a server, lowers maxmemory below what the keys
// use and checks that one write evicts the keys each policy should pick.
func TestEvictPolicies(t *testing.T) {
	const n = 200 // keys without TTL (p:i) and with TTL (v:i, TTL grows with i)
	val := strings.Repeat("v", 500)
	for _, policy := range []string{"allkeys-lru", "volatile-lru", "allkeys-lfu", "volatile-lfu",
		"allkeys-random", "volatile-random", "volatile-ttl"} {
		t.Run(policy, func(t *testing.T) {
			t.Parallel()
			c := evConn(t, "maxmemory-policy "+policy, "maxmemory-samples 10", "lfu-log-factor 0")
			var cold, hot, all, persistent, volatile []string
			var cmds [][]string
			for i := 0; i < n; i++ {
				pk, vk := fmt.Sprintf("p:%d", i), fmt.Sprintf("v:%d", i)
				cmds = append(cmds, []string{"SET", pk, val}, []string{"SET", vk, val, "EX", strconv.Itoa(1000 + i)})
				all = append(all, pk, vk)
				persistent = append(persistent, pk)
				volatile = append(volatile, vk)
				if i < n/2 {
					hot = append(hot, pk, vk)
				} else {
					cold = append(cold, pk, vk)
				}
			}
			evPipeline(c, cmds)
			if strings.HasSuffix(policy, "-lru") {
				time.Sleep(1100 * time.Millisecond) // the LRU clock counts seconds
			}
			cmds = cmds[:0]
			for _, k := range hot {
				for j := 0; j < 5; j++ {
					cmds = append(cmds, []string{"GET", k})
				}
			}
			evPipeline(c, cmds)

			total := evUsage(c, all)
			limit := total * 85 / 100
			if r := c.do("CONFIG", "SET", "maxmemory", strconv.FormatInt(limit, 10)); r != "+OK\r\n" {
				t.Fatal(r)
			}
			if r := c.do("SET", "new", "1"); r != "+OK\r\n" {
				t.Fatalf("SET after lowering maxmemory: %q", r)
			}
			// Eviction runs before the write, within a time budget; a
			// background pass finishes the job, as in Redis.
			deadline := time.Now().Add(5 * time.Second)
			for (evUsage(c, all) > limit || evInfoField(t, c, "current_eviction_exceeded_time") != "0") &&
				time.Now().Before(deadline) {
				time.Sleep(5 * time.Millisecond)
			}
			exists := evExisting(c, append(all, "new"))
			var gone []string
			for _, k := range append(all, "new") {
				if !exists[k] {
					gone = append(gone, k)
				}
			}
			if len(gone) == 0 {
				t.Fatal("nothing was evicted")
			}
			if used := evUsage(c, all); used > limit {
				t.Errorf("keys use %d bytes after eviction, maxmemory %d", used, limit)
			}
			if got := evInfoField(t, c, "evicted_keys"); got != strconv.Itoa(len(gone)) {
				t.Errorf("evicted_keys %s, %d keys gone", got, len(gone))
			}
			if strings.HasPrefix(policy, "volatile-") {
				for _, k := range persistent {
					if !exists[k] {
						t.Fatalf("%s evicted %s, which has no TTL", policy, k)
					}
				}
			}
			count := func(set []string) int {
				in := map[string]bool{}
				for _, k := range set {
					in[k] = true
				}
				m := 0
				for _, k := range gone {
					if in[k] {
						m++
					}
				}
				return m
			}
			switch {
			case strings.HasSuffix(policy, "-lru"), strings.HasSuffix(policy, "-lfu"):
				if c := count(cold); c*10 < len(gone)*9 {
					t.Errorf("%s: only %d of %d evicted keys were cold", policy, c, len(gone))
				}
			case policy == "volatile-ttl":
				if c := count(volatile[:n/2]); c*10 < len(gone)*9 {
					t.Errorf("volatile-ttl: only %d of %d evicted keys had the shortest TTLs", c, len(gone))
				}
			}
		})
	}
}

// TestEvictStats: evicted_keys and the exceeded-time fields in INFO.
func TestEvictStats(t *testing.T) {
	c := evConn(t, "maxmemory-policy allkeys-random")
	for i := 0; i < 50; i++ {
		c.do("SET", "k"+strconv.Itoa(i), strings.Repeat("x", 200))
	}
	c.do("CONFIG", "SET", "maxmemory", "2000")
	c.do("SET", "x", "y")
	keys := []string{"x"}
	for i := 0; i < 50; i++ {
		keys = append(keys, "k"+strconv.Itoa(i))
	}
	deadline := time.Now().Add(5 * time.Second)
	for evUsage(c, keys) > 2000 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	n, _ := strconv.Atoi(evInfoField(t, c, "evicted_keys"))
	size := c.do("DBSIZE")
	if n == 0 || size != ":"+strconv.Itoa(51-n)+"\r\n" {
		t.Errorf("evicted_keys %d, DBSIZE %q", n, size)
	}
	c.do("CONFIG", "RESETSTAT")
	if got := evInfoField(t, c, "evicted_keys"); got != "0" {
		t.Errorf("evicted_keys after RESETSTAT: %s", got)
	}
	if got := evInfoField(t, c, "maxmemory_policy"); got != "allkeys-random" {
		t.Errorf("maxmemory_policy %s", got)
	}
	if got := evInfoField(t, c, "maxmemory"); got != "2000" {
		t.Errorf("maxmemory %s", got)
	}
}

// TestEvictConcurrent: writers under maxmemory, with FLUSHALL, SWAPDB and
// INFO running alongside, must neither deadlock nor exceed the limit for long.
func TestEvictConcurrent(t *testing.T) {
	addr := ownShoal(t, "maxmemory-policy allkeys-lru", "maxmemory 200kb").Addr().String()
	stop := time.Now().Add(400 * time.Millisecond)
	done := make(chan string, 6)
	for w := 0; w < 4; w++ {
		go func(w int) {
			c := dial(t, addr)
			for i := 0; time.Now().Before(stop); i++ {
				if r := c.do("SET", fmt.Sprintf("k%d:%d", w, i), strings.Repeat("x", 300)); r != "+OK\r\n" {
					done <- "SET: " + r
					return
				}
			}
			done <- ""
		}(w)
	}
	go func() {
		c := dial(t, addr)
		for time.Now().Before(stop) {
			c.do("FLUSHALL")
			c.do("SWAPDB", "0", "1")
			c.do("INFO", "memory")
			time.Sleep(20 * time.Millisecond)
		}
		done <- ""
	}()
	go func() {
		c := dial(t, addr)
		for time.Now().Before(stop) {
			c.do("CONFIG", "SET", "maxmemory", "150kb")
			c.do("CONFIG", "SET", "maxmemory", "200kb")
		}
		done <- ""
	}()
	for i := 0; i < 6; i++ {
		select {
		case msg := <-done:
			if msg != "" {
				t.Error(msg)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("deadlock: writers did not finish")
		}
	}
	c := dial(t, addr)
	var keys []string
	for db := 0; db < 2; db++ {
		c.do("SELECT", strconv.Itoa(db))
		raw := c.do("KEYS", "*")
		for _, l := range strings.Split(raw, "\r\n") {
			if strings.HasPrefix(l, "k") {
				keys = append(keys, l)
			}
		}
		if used := evUsage(c, keys); used > 200<<10 {
			t.Errorf("db %d holds %d bytes over maxmemory 200kb", db, used)
		}
		keys = keys[:0]
	}
}
