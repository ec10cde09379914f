package tests

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func goRedis(t *testing.T, protocol int) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: testEnv.shoalAddr, Protocol: protocol, DialTimeout: 2 * time.Second})
	t.Cleanup(func() { c.Close() })
	return c
}

// A real client library works: plain calls, pipelines, RESP2 and RESP3.
func TestGoRedisBasics(t *testing.T) {
	ctx := context.Background()
	for _, proto := range []int{2, 3} {
		t.Run(fmt.Sprint("resp", proto), func(t *testing.T) {
			c := goRedis(t, proto)
			if err := c.FlushAll(ctx).Err(); err != nil {
				t.Fatal(err)
			}
			if err := c.Set(ctx, "gr:a", "1", time.Minute).Err(); err != nil {
				t.Fatal(err)
			}
			if v, err := c.Get(ctx, "gr:a").Result(); err != nil || v != "1" {
				t.Fatalf("GET: %q %v", v, err)
			}
			if ttl, err := c.TTL(ctx, "gr:a").Result(); err != nil || ttl <= 0 || ttl > time.Minute {
				t.Fatalf("TTL: %v %v", ttl, err)
			}
			if _, err := c.Get(ctx, "gr:missing").Result(); err != redis.Nil {
				t.Fatalf("missing key: %v", err)
			}
			if n, err := c.IncrBy(ctx, "gr:n", 5).Result(); err != nil || n != 5 {
				t.Fatalf("INCRBY: %d %v", n, err)
			}
			if f, err := c.IncrByFloat(ctx, "gr:f", 1.5).Result(); err != nil || f != 1.5 {
				t.Fatalf("INCRBYFLOAT: %v %v", f, err)
			}
			c.Set(ctx, "gr:s", "abc", 0)
			if err := c.Incr(ctx, "gr:s").Err(); err == nil || err.Error() != "ERR value is not an integer or out of range" {
				t.Fatalf("INCR of a non-integer: %v", err)
			}

			// A pipeline of 1000 commands: every reply in order.
			pipe := c.Pipeline()
			for i := 0; i < 500; i++ {
				pipe.Set(ctx, fmt.Sprint("gr:p", i), i, 0)
				pipe.Get(ctx, fmt.Sprint("gr:p", i))
			}
			cmds, err := pipe.Exec(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 500; i++ {
				if v := cmds[2*i+1].(*redis.StringCmd).Val(); v != fmt.Sprint(i) {
					t.Fatalf("pipeline GET %d = %q", i, v)
				}
			}
			vals, err := c.MGet(ctx, "gr:p1", "gr:nope", "gr:p2").Result()
			if err != nil || vals[0] != "1" || vals[1] != nil || vals[2] != "2" {
				t.Fatalf("MGET: %v %v", vals, err)
			}
		})
	}
}

// Many clients at once on overlapping keys: INCR is atomic per key, and
// the final counts are exact.
func TestGoRedisConcurrentIncr(t *testing.T) {
	ctx := context.Background()
	c := goRedis(t, 2)
	c.Del(ctx, "gr:c0", "gr:c1", "gr:c2", "gr:c3")
	const workers, each = 16, 300
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			pipe := c.Pipeline()
			for i := 0; i < each; i++ {
				pipe.Incr(ctx, fmt.Sprint("gr:c", (w+i)%4))
			}
			if _, err := pipe.Exec(ctx); err != nil {
				errs <- err
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	total := int64(0)
	for k := 0; k < 4; k++ {
		n, err := c.Get(ctx, fmt.Sprint("gr:c", k)).Int64()
		if err != nil {
			t.Fatal(err)
		}
		total += n
	}
	if total != workers*each {
		t.Fatalf("total %d, want %d", total, workers*each)
	}
}
