package tests

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// TestAOFCrash runs cmd/shoal with appendonly yes, writes from several
// clients, kills it with SIGKILL at a random moment (sometimes during a
// BGREWRITEAOF), restarts it on the same files and checks that every
// acknowledged write is there and every transaction whole. With everysec
// too: as in Redis, a reply goes out after its command is written to the
// file, so a crash of the process (not of the machine) loses nothing
// acknowledged. -crash-rounds sets the number of kills.
func TestAOFCrash(t *testing.T) {
	for _, policy := range []string{"always", "everysec"} {
		t.Run(policy, func(t *testing.T) { aofCrash(t, policy) })
	}
}

func aofCrash(t *testing.T, policy string) {
	const writers = 4
	dir := t.TempDir()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	var acked [writers]int64  // the highest INCR reply each writer got
	var pushed [writers]int64 // RPUSHes acknowledged
	var txs [writers]int64    // transactions acknowledged
	rounds := max(*crashRounds, 10)
	for round := 0; round <= rounds; round++ {
		p := startShoalProcess(t, "--dir", dir, "--save", "", "--appendonly", "yes", "--appendfsync", policy)
		rc := redis.NewClient(&redis.Options{Addr: p.addr, MaxRetries: -1})
		// The port was free when picked: make sure it is our process
		// that took it.
		if info := rc.Info(ctx, "server").Val(); !strings.Contains(info, fmt.Sprintf("process_id:%d\r\n", p.cmd.Process.Pid)) {
			t.Fatalf("round %d: another server answers on %s", round, p.addr)
		}
		if round == 0 {
			rc.Set(ctx, "sentinel", "1", 0)
		}
		// cmd/shoal listens a moment before it starts loading (LOADING):
		// wait for data written in the first round.
		for i := 0; i < 200 && rc.Get(ctx, "sentinel").Val() != "1"; i++ {
			time.Sleep(10 * time.Millisecond)
		}
		for w := 0; w < writers; w++ {
			n, err := rc.Get(ctx, fmt.Sprintf("c:%d", w)).Int64()
			if err != nil && err != redis.Nil {
				t.Fatalf("round %d: GET: %v", round, err)
			}
			if n < acked[w] {
				t.Fatalf("round %d: writer %d counter %d, but %d was acknowledged\n%s", round, w, n, acked[w], aofDirState(dir))
			}
			list := rc.LRange(ctx, fmt.Sprintf("l:%d", w), 0, -1).Val()
			if int64(len(list)) < pushed[w] {
				t.Fatalf("round %d: writer %d list has %d elements, %d were acknowledged", round, w, len(list), pushed[w])
			}
			for i, v := range list {
				if v != strconv.Itoa(i) {
					t.Fatalf("round %d: writer %d list element %d is %q", round, w, i, v)
				}
			}
			a, _ := rc.Get(ctx, fmt.Sprintf("a:%d", w)).Int64()
			b, _ := rc.Get(ctx, fmt.Sprintf("b:%d", w)).Int64()
			if a != b || a < txs[w] {
				t.Fatalf("round %d: writer %d transaction halves %d and %d, %d acknowledged", round, w, a, b, txs[w])
			}
			acked[w], pushed[w], txs[w] = n, int64(len(list)), a
		}
		rc.Close()
		if round == rounds {
			break
		}

		var wg sync.WaitGroup
		for w := 0; w < writers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c := redis.NewClient(&redis.Options{Addr: p.addr, MaxRetries: -1, PoolSize: 1})
				defer c.Close()
				ck, lk := fmt.Sprintf("c:%d", w), fmt.Sprintf("l:%d", w)
				ak, bk := fmt.Sprintf("a:%d", w), fmt.Sprintf("b:%d", w)
				for {
					n, err := c.Incr(ctx, ck).Result()
					if err != nil {
						return
					}
					acked[w] = n
					if err := c.RPush(ctx, lk, pushed[w]).Err(); err != nil {
						return
					}
					pushed[w]++
					if _, err := c.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
						pipe.Incr(ctx, ak)
						pipe.Incr(ctx, bk)
						return nil
					}); err != nil {
						return
					}
					txs[w]++
				}
			}()
		}
		time.Sleep(time.Duration(20+rng.IntN(150)) * time.Millisecond)
		if round%3 == 1 {
			// Kill it in the middle of a rewrite, or just after one.
			c := redis.NewClient(&redis.Options{Addr: p.addr, MaxRetries: -1})
			c.Do(ctx, "BGREWRITEAOF")
			c.Close()
			time.Sleep(time.Duration(rng.IntN(30)) * time.Millisecond)
		}
		p.kill()
		wg.Wait()
	}
	if acked[0] == 0 {
		t.Fatal("no write was acknowledged: the test tested nothing")
	}
}

// aofDirState describes the AOF directory, for a failure's message.
func aofDirState(dir string) string {
	out := ""
	names, _ := filepath.Glob(filepath.Join(dir, "appendonlydir", "*"))
	for _, n := range names {
		st, err := os.Stat(n)
		if err == nil {
			out += fmt.Sprintf("%s %d\n", filepath.Base(n), st.Size())
		}
	}
	m, _ := os.ReadFile(filepath.Join(dir, "appendonlydir", "appendonly.aof.manifest"))
	return out + "manifest:\n" + string(m)
}
