package tests

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// With the active cycle off, expired keys still count in DBSIZE until
// something touches them, and a read deletes them: the same on both.
func TestLazyExpiry(t *testing.T) {
	p := newPair(t)
	p.both("DEBUG", "SET-ACTIVE-EXPIRE", "0")
	defer p.both("DEBUG", "SET-ACTIVE-EXPIRE", "1")
	for i := 0; i < 20; i++ {
		p.eq("SET", "lz"+strconv.Itoa(i), "v", "PX", "1")
	}
	p.eq("SET", "keep", "v")
	time.Sleep(20 * time.Millisecond)
	p.eq("DBSIZE")
	p.eq("GET", "lz0")
	p.eq("EXISTS", "lz1", "lz2")
	p.eq("TTL", "lz3")
	p.eq("STRLEN", "lz4")
	p.eq("DBSIZE")
	p.eq("SET", "lz5", "new", "NX")
	p.eq("GET", "lz5")
	p.eq("TTL", "lz5")
	p.eq("DBSIZE")
}

// The active cycle removes expired keys nobody reads.
func TestActiveExpiry(t *testing.T) {
	c := dial(t, testEnv.shoalAddr)
	c.do("SELECT", "9")
	c.do("FLUSHDB")
	const n = 2000
	for i := 0; i < n; i++ {
		// Long enough that none expires before the count below, even under -race.
		c.send("SET", "ax"+strconv.Itoa(i), "v", "PX", strconv.Itoa(1000+i%50))
	}
	for i := 0; i < n; i++ {
		if r := c.reply(); r != "+OK\r\n" {
			t.Fatalf("SET: %q", r)
		}
	}
	c.do("SET", "persistent", "v")
	if r := c.do("DBSIZE"); r != ":"+strconv.Itoa(n+1)+"\r\n" {
		t.Fatalf("DBSIZE before: %q", r)
	}
	deadline := time.Now().Add(8 * time.Second)
	for {
		r := c.do("DBSIZE")
		if r == ":1\r\n" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("expired keys still there after 8s: DBSIZE %q", r)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if r := c.do("GET", "persistent"); r != "$1\r\nv\r\n" {
		t.Fatalf("persistent key: %q", r)
	}
	c.do("FLUSHDB")
}

// A command that waits for its locks (here behind DEBUG SLEEP, which holds
// every shard) takes its time when it runs, as in Redis: a relative TTL is
// counted from then, not from when the request was read.
func TestExpireTimeAfterLockWait(t *testing.T) {
	srv := ownShoal(t)
	sleeper := dial(t, srv.Addr().String())
	writer := dial(t, srv.Addr().String())
	sleeper.send("DEBUG", "SLEEP", "0.5")
	time.Sleep(100 * time.Millisecond) // the sleep holds the locks now
	if r := writer.do("SET", "k", "v", "PX", "10000"); r != "+OK\r\n" {
		t.Fatalf("SET: %q", r)
	}
	if r := sleeper.reply(); r != "+OK\r\n" {
		t.Fatalf("DEBUG SLEEP: %q", r)
	}
	r := writer.do("PTTL", "k")
	ms, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(r, ":")))
	if err != nil || ms < 9800 {
		t.Fatalf("PTTL right after a SET that waited 0.4s: %q (the TTL was counted from before the wait)", r)
	}
}
