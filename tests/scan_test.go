package tests

import (
	"bufio"
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func TestScanErrors(t *testing.T) {
	p := newPair(t)
	p.both("SET", "a", "1")
	for _, cur := range []string{"abc", " 1", "1 ", "0x1", "1.0", "18446744073709551616", "-18446744073709551616",
		"-", "+", "--1", "1a", "99999999999999999999999"} {
		p.eq("SCAN", cur)
	}
	p.eq("SCAN")
	p.eq("SCAN", "0", "COUNT")
	p.eq("SCAN", "0", "COUNT", "0")
	p.eq("SCAN", "0", "COUNT", "-1")
	p.eq("SCAN", "0", "COUNT", "abc")
	p.eq("SCAN", "0", "COUNT", "1.5")
	p.eq("SCAN", "0", "COUNT", "9223372036854775808")
	p.eq("SCAN", "0", "MATCH")
	p.eq("SCAN", "0", "TYPE")
	p.eq("SCAN", "0", "FOO", "bar")
	p.eq("SCAN", "0", "MATCH", "*", "COUNT")
	p.eq("SCAN", "abc", "COUNT", "0")
	p.eq("SCAN", "0", "COUNT", "0", "FOO")
	p.eq("SCAN", "0", "FOO", "COUNT", "0")
	// Cursors Redis accepts as strtoul does; one key, so one batch ends it.
	for _, cur := range []string{"0", "", "+0", "-0"} {
		p.eq("SCAN", cur)
	}
	p.eq("SCAN", "0", "COUNT", "100", "MATCH", "a", "TYPE", "STRING")
}

// scanAll runs a full SCAN iteration with extra options and returns the
// sorted keys it found and the number of calls.
func scanAll(t *testing.T, c *rconn, opts ...string) ([]string, int) {
	t.Helper()
	cursor := "0"
	var keys []string
	calls := 0
	for {
		raw := c.do(append([]string{"SCAN", cursor}, opts...)...)
		calls++
		next, batch := parseScanReply(t, raw)
		keys = append(keys, batch...)
		if next == "0" {
			break
		}
		if calls > 100000 {
			t.Fatal("SCAN never returned cursor 0")
		}
		cursor = next
	}
	sort.Strings(keys)
	return keys, calls
}

// parseScanReply splits a raw RESP2 SCAN reply into cursor and keys.
func parseScanReply(t *testing.T, raw string) (string, []string) {
	t.Helper()
	rd := bufio.NewReader(strings.NewReader(raw))
	line := func() string {
		l, err := rd.ReadString('\n')
		if err != nil {
			t.Fatalf("bad SCAN reply %q", raw)
		}
		return strings.TrimSuffix(l, "\r\n")
	}
	if h := line(); h != "*2" {
		t.Fatalf("bad SCAN reply %q", raw)
	}
	line()
	cursor := line()
	n, err := strconv.Atoi(strings.TrimPrefix(line(), "*"))
	if err != nil {
		t.Fatalf("bad SCAN reply %q", raw)
	}
	keys := make([]string, n)
	for i := range keys {
		line()
		keys[i] = line()
	}
	return cursor, keys
}

func TestScanFullIteration(t *testing.T) {
	p := newPair(t)
	for i := 0; i < 300; i++ {
		k := fmt.Sprintf("key:%d", i)
		if i%3 == 0 {
			k = fmt.Sprintf("{tag}:%d", i) // same shard
		}
		p.both("SET", k, "v")
	}
	p.both("SET", "", "empty")
	p.both("PEXPIRE", "key:1", "1")
	p.both("EXPIRE", "key:2", "100")
	time.Sleep(5 * time.Millisecond)
	for _, opts := range [][]string{
		nil, {"COUNT", "1"}, {"COUNT", "7"}, {"COUNT", "1000"}, {"MATCH", "*"}, {"MATCH", "key:1*"},
		{"MATCH", "{tag}*", "COUNT", "3"}, {"MATCH", "nomatch"}, {"TYPE", "string"}, {"TYPE", "STRING"},
		{"TYPE", "list"}, {"TYPE", "none"}, {"TYPE", "bogus"}, {"MATCH", "key:?", "TYPE", "string", "COUNT", "2"},
		{"MATCH", "**"}, {"count", "5", "match", "*9", "type", "String"},
	} {
		got, calls := scanAll(t, p.shoal, opts...)
		want, _ := scanAll(t, p.redis, opts...)
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("SCAN %v: shoal found %d keys, redis %d\n shoal: %v\n redis: %v", opts, len(got), len(want), got, want)
		}
		for i := 1; i < len(got); i++ {
			if got[i] == got[i-1] {
				t.Errorf("SCAN %v returned %q twice without concurrent writes", opts, got[i])
			}
		}
		if len(opts) == 2 && opts[0] == "COUNT" && opts[1] == "1000" && calls != 1 {
			t.Errorf("SCAN COUNT 1000 over 300 keys took %d calls", calls)
		}
	}
	// An empty database ends at once.
	p.both("FLUSHALL")
	p.eq("SCAN", "0")
	p.eq("SCAN", "0", "COUNT", "1")
}

// TestScanCount checks COUNT bounds the work of one call.
func TestScanCount(t *testing.T) {
	p := newPair(t)
	for i := 0; i < 100; i++ {
		p.shoal.do("SET", "k"+strconv.Itoa(i), "v")
	}
	_, calls := scanAll(t, p.shoal, "COUNT", "10")
	if calls < 10 || calls > 12 {
		t.Errorf("SCAN COUNT 10 over 100 keys took %d calls, want about 10", calls)
	}
	_, keys := parseScanReply(t, p.shoal.do("SCAN", "0"))
	if len(keys) != 10 {
		t.Errorf("SCAN 0 returned %d keys, want the default COUNT 10", len(keys))
	}
}

// TestScanConcurrentWriters iterates with go-redis while other clients add
// and delete keys: every key present throughout must be found.
func TestScanConcurrentWriters(t *testing.T) {
	ctx := context.Background()
	newClient := func() *redis.Client {
		return redis.NewClient(&redis.Options{Addr: testEnv.shoalAddr, DB: 11, Protocol: 2})
	}
	rdb := newClient()
	defer rdb.Close()
	if err := rdb.FlushDB(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	defer rdb.FlushDB(ctx)

	const stable = 3000
	pipe := rdb.Pipeline()
	for i := 0; i < stable; i++ {
		pipe.Set(ctx, fmt.Sprintf("stable:%d", i), i, 0)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		t.Fatal(err)
	}

	stop := make(chan struct{})
	var wg sync.WaitGroup
	var writes atomic.Int64
	errs := make(chan error, 4)
	for w := 0; w < 3; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			c := newClient()
			defer c.Close()
			for i := 0; i < 20000; i++ {
				select {
				case <-stop:
					return
				default:
				}
				k := fmt.Sprintf("churn:%d:%d", w, i%500)
				if i%7 == 0 {
					k = fmt.Sprintf("{stable:%d}:churn", i%stable) // beside stable keys
				}
				var err error
				if i%2 == 0 {
					err = c.Set(ctx, k, i, 0).Err()
				} else {
					err = c.Del(ctx, k).Err()
				}
				if err != nil {
					errs <- err
					return
				}
				writes.Add(1)
			}
		}(w)
	}

	// Let the writers start before iterating.
	for i := 0; writes.Load() == 0 && i < 5000; i++ {
		time.Sleep(time.Millisecond)
	}
	before := writes.Load()
	for round := 0; round < 3; round++ {
		seen := make(map[string]bool, stable*2)
		var cursor uint64
		calls := 0
		for {
			keys, next, err := rdb.Scan(ctx, cursor, "", 50).Result()
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range keys {
				seen[k] = true
			}
			calls++
			if next == 0 {
				break
			}
			if calls > 100000 {
				t.Fatal("SCAN never returned cursor 0")
			}
			cursor = next
		}
		missing := 0
		for i := 0; i < stable; i++ {
			if !seen[fmt.Sprintf("stable:%d", i)] {
				missing++
			}
		}
		if missing > 0 {
			t.Errorf("round %d: SCAN missed %d of %d keys present throughout", round, missing, stable)
		}
		// The iterator helper of go-redis walks the same way.
		n := 0
		it := rdb.Scan(ctx, 0, "stable:*", 100).Iterator()
		for it.Next(ctx) {
			n++
		}
		if err := it.Err(); err != nil {
			t.Fatal(err)
		}
		if n < stable {
			t.Errorf("round %d: SCAN MATCH stable:* iterator found %d keys, want %d", round, n, stable)
		}
	}
	during := writes.Load() - before
	close(stop)
	wg.Wait()
	if during == 0 {
		t.Error("no write happened while SCAN iterated: the test tested nothing")
	}
	t.Logf("%d writes during the iterations", during)
	select {
	case err := <-errs:
		t.Fatal(err)
	default:
	}
}
