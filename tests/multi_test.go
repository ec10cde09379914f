package tests

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// MULTI/EXEC/DISCARD: replies, queue-time and run-time errors, nesting.
func TestMultiBasics(t *testing.T) {
	p := newPair(t)
	p.script("MULTI", "SET a 1", "INCR a", "GET a", "LPUSH a x", "INCR a", "PING", "EXEC", "GET a")
	p.script("EXEC", "DISCARD", "MULTI", "MULTI", "SET b 1", "DISCARD", "GET b", "DISCARD")
	p.script("MULTI", "EXEC", "MULTI", "PING", "ECHO hi", "EXEC")
	// Queue-time errors doom the transaction; nothing runs.
	p.script("MULTI", "SET c 1", "NOSUCHCOMMAND x", "SET d 2", "EXEC", "EXISTS c d")
	p.script("MULTI", "SET c 1", "GET", "EXEC", "EXISTS c")
	p.script("MULTI", "SET c 1", "EXEC x", "EXEC", "EXISTS c")
	// Commands refused inside MULTI, WATCH inside MULTI.
	p.script("MULTI", "WATCH a", "SET c 1", "EXEC", "GET c")
	p.script("MULTI", "SHUTDOWN", "SET e 1", "EXEC", "EXISTS e")
	// Arity errors of the transaction commands themselves.
	p.script("MULTI x", "DISCARD x", "WATCH", "UNWATCH x")
}

func TestMultiRESP3AndSelect(t *testing.T) {
	p := newPair(t)
	p.both("HELLO", "3")
	p.script("MULTI", "SET a 1", "HSET h f v", "HGETALL h", "ZADD z 1.5 m", "ZSCORE z m", "EXEC")
	p.script("WATCH a", "SET a 2", "MULTI", "GET a", "EXEC")
	p.both("HELLO", "2")
	p.script("MULTI", "SELECT 1", "SET a db1", "SELECT 0", "GET a", "EXEC", "SELECT 1", "GET a", "SELECT 0")
	p.script("MULTI", "DBSIZE", "SET k v", "DBSIZE", "EXISTS k a", "INFO keyspace", "EXEC")
	p.script("MULTI", "FLUSHDB", "SET a 1", "EXEC", "DBSIZE")
	p.script("MULTI", "SELECT 99", "SET x 1", "EXEC", "GET x")
}

// WATCH: every kind of change to a watched key fails EXEC; reads, other
// keys, UNWATCH and a failed or finished EXEC do not carry over.
func TestWatch(t *testing.T) {
	p := newPair(t)
	other := pairAt(t, testEnv.shoalAddr, testEnv.redisAddr)
	check := func(setup []string, change ...string) {
		t.Helper()
		p.script(setup...)
		p.eq("WATCH", "w")
		if len(change) > 0 {
			other.eq(change...)
		}
		p.script("MULTI", "SET done 1", "EXEC", "GET done", "DEL done w")
	}
	check([]string{"SET w 1"})                                          // untouched: runs
	check([]string{"SET w 1"}, "SET", "w", "2")                         // overwritten
	check([]string{"SET w 1"}, "GET", "w")                              // read: runs
	check([]string{"SET w 1"}, "SET", "other", "2")                     // another key: runs
	check([]string{"SET w 1"}, "DEL", "w")                              // deleted
	check([]string{"SET w 1"}, "DEL", "nokey", "w2")                    // absent keys: runs
	check([]string{"DEL w"}, "DEL", "w")                                // absent, still absent: runs
	check([]string{"SET w 1"}, "EXPIRE", "w", "100")                    // TTL set
	check([]string{"SET w 1"}, "APPEND", "w", "x")                      // in place
	check([]string{"RPUSH w a b"}, "LPOP", "w")                         // collection
	check([]string{"RPUSH w a b"}, "LRANGE", "w", "0", "-1")            // collection read: runs
	check([]string{"SADD w a"}, "SADD", "w", "a")                       // no change: runs
	check([]string{"SADD w a"}, "SADD", "w", "b")                       // added
	check([]string{"HSET w f v"}, "HDEL", "w", "f")                     // emptied and deleted
	check([]string{"ZADD w 1 a"}, "ZINCRBY", "w", "1", "a")             // score
	check([]string{"SET w 1"}, "RENAME", "w", "w3")                     // renamed away
	check([]string{"SET w3 1"}, "RENAME", "w3", "w")                    // renamed onto
	check([]string{"SET w 1"}, "FLUSHDB")                               // flushed while present
	check([]string{"DEL w", "SET x 1"}, "FLUSHDB")                      // flushed while absent: runs
	check([]string{"SET w 1"}, "FLUSHALL")                              // flushed
	check([]string{"SET w 1"}, "SWAPDB", "0", "1")                      // swapped away
	check([]string{"SET w 1", "SWAPDB 0 1"}, "SWAPDB", "0", "1")        // swapped onto
	check([]string{"SET w 1"}, "INCR", "w")                             // counter
	check([]string{"SET w 1"}, "SETNX", "w", "2")                       // refused: runs
	check([]string{"SADD src m"}, "SMOVE", "src", "w", "m")             // moved onto
	check([]string{"SADD src m", "SADD w m"}, "SMOVE", "src", "w", "m") // already there: runs
	check([]string{"SADD w m", "SADD d x"}, "SINTERSTORE", "d", "w")    // read as a source: runs
	p.script("FLUSHALL")

	// UNWATCH, and EXEC/DISCARD end the watch.
	p.script("SET w 1", "WATCH w", "UNWATCH")
	other.eq("SET", "w", "2")
	p.script("MULTI", "PING", "EXEC")
	p.script("WATCH w", "MULTI", "PING", "EXEC")
	other.eq("SET", "w", "3")
	p.script("MULTI", "PING", "EXEC")
	p.script("WATCH w", "MULTI", "DISCARD")
	other.eq("SET", "w", "4")
	p.script("MULTI", "PING", "EXEC")
	// The watching client's own writes count too.
	p.script("WATCH w", "SET w 5", "MULTI", "PING", "EXEC")
	// Watching in another database.
	p.script("SELECT 2", "SET w 1", "WATCH w", "SELECT 0")
	other.eq("SET", "w", "db0")
	p.script("MULTI", "PING", "EXEC", "SELECT 2", "WATCH w")
	other.script("SELECT 2", "SET w db2", "SELECT 0")
	p.script("MULTI", "PING", "EXEC", "FLUSHALL", "SELECT 0")
	// MOVE and COPY ... DB change a key of another database.
	p.script("SELECT 2", "WATCH m", "SELECT 0", "SET m 1")
	other.eq("MOVE", "m", "2")
	p.script("MULTI", "PING", "EXEC", "SELECT 3", "WATCH c", "SELECT 0", "SET c 1")
	other.eq("COPY", "c", "c", "DB", "3")
	p.script("MULTI", "PING", "EXEC", "FLUSHALL")
}

// Expiry and WATCH, Redis 7.0's rules: a key that expires after WATCH
// fails EXEC; one already expired when watched does not, even once deleted.
func TestWatchExpiry(t *testing.T) {
	p := newPair(t)
	p.script("DEBUG SET-ACTIVE-EXPIRE 0", "SET w 1 PX 50", "WATCH w")
	time.Sleep(80 * time.Millisecond)
	p.script("MULTI", "PING", "EXEC")
	p.script("SET w 1 PX 20")
	time.Sleep(40 * time.Millisecond)
	p.script("WATCH w", "GET w", "MULTI", "PING", "EXEC")
	p.script("SET w 1 PX 20")
	time.Sleep(40 * time.Millisecond)
	p.script("WATCH w", "DEL w", "MULTI", "PING", "EXEC")
	p.script("SET w 1 PX 20")
	time.Sleep(40 * time.Millisecond)
	p.script("WATCH w", "SET w 2", "MULTI", "PING", "EXEC", "DEBUG SET-ACTIVE-EXPIRE 1")
}

// Blocking commands inside a transaction do not block; CLIENT LIST shows
// the transaction.
func TestMultiBlockingAndClientList(t *testing.T) {
	p := newPair(t)
	p.script("MULTI", "BLPOP nokey 0", "BZPOPMIN nokey 0", "BLMOVE nokey d LEFT LEFT 0", "EXEC")
	p.script("RPUSH l a", "MULTI", "BLPOP l 0", "EXEC")
}

// Changes reach the propagation hook as one MULTI ... EXEC block, and a
// transaction that changes nothing sends nothing.
func TestMultiPropagation(t *testing.T) {
	srv := ownShoal(t)
	propagated := recordPropagation(srv)
	c := dial(t, srv.Addr().String())
	for _, cmd := range []string{
		"MULTI", "GET a", "EXEC",
		"MULTI", "SET a 1", "INCR a", "GET a", "EXEC",
		"MULTI", "SET b 1 EX 100", "EXPIRE nokey 10", "EXEC",
		"MULTI", "SET c 1", "EXEC",
	} {
		c.do(splitWords(cmd)...)
	}
	// As in Redis 7.0 (checked on its replication stream), a transaction
	// with a single change sends it unwrapped.
	got := strings.Join(propagated(), "|")
	if !regexp.MustCompile(`^MULTI\|SET a 1\|INCR a\|EXEC\|SET b 1 PXAT \d+\|SET c 1$`).MatchString(got) {
		t.Fatalf("propagated %q", got)
	}
}

// A transaction is atomic across shards: concurrent transfers between
// keys in different shards keep the total constant, and no reader (MGET,
// or a read-only transaction) ever sees one half-done.
func TestMultiAtomicTransfers(t *testing.T) {
	srv := ownShoal(t)
	addr := srv.Addr().String()
	const nkeys, total = 8, 8000
	setup := dial(t, addr)
	keys := make([]string, nkeys)
	for i := range keys {
		keys[i] = "acct:" + strconv.Itoa(i*7919) // spread over shards
		setup.do("SET", keys[i], strconv.Itoa(total/nkeys))
	}
	var wg sync.WaitGroup
	errs := make(chan string, 16)
	for w := 0; w < 4; w++ {
		c := dial(t, addr)
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 300; i++ {
				a, b := keys[(w+i)%nkeys], keys[(w*3+i*5+1)%nkeys]
				c.send("MULTI")
				c.send("DECRBY", a, "7")
				c.send("INCRBY", b, "7")
				c.send("EXEC")
				for j := 0; j < 3; j++ {
					c.reply()
				}
				if r := c.reply(); !strings.HasPrefix(r, "*2\r\n:") {
					errs <- "EXEC: " + r
					return
				}
			}
		}(w)
	}
	for r := 0; r < 2; r++ {
		c := dial(t, addr)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 300; i++ {
				args := append([]string{"MGET"}, keys...)
				if sum := sumInts(c.do(args...)); sum != total {
					errs <- fmt.Sprintf("MGET saw total %d", sum)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	args := append([]string{"MGET"}, keys...)
	if sum := sumInts(setup.do(args...)); sum != total {
		t.Fatalf("final total %d", sum)
	}
}

// sumInts adds the integers of a RESP array of bulk strings.
func sumInts(raw string) int {
	sum := 0
	lines := strings.Split(raw, "\r\n")
	for i := 1; i+1 < len(lines); i += 2 {
		n, _ := strconv.Atoi(lines[i+1])
		sum += n
	}
	return sum
}

// go-redis's optimistic-locking idiom: WATCH, read, TxPipelined, retry on
// TxFailedErr. Concurrent incrementers through it never lose an update.
func TestGoRedisWatchRetries(t *testing.T) {
	ctx := context.Background()
	c := goRedis(t, 2)
	c.Del(ctx, "gr:counter")
	const workers, each = 4, 50
	var wg sync.WaitGroup
	var retries atomic.Int64
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				for {
					err := c.Watch(ctx, func(tx *redis.Tx) error {
						n, err := tx.Get(ctx, "gr:counter").Int()
						if err != nil && err != redis.Nil {
							return err
						}
						_, err = tx.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
							pipe.Set(ctx, "gr:counter", n+1, 0)
							return nil
						})
						return err
					}, "gr:counter")
					if err == redis.TxFailedErr {
						retries.Add(1)
						continue
					}
					if err != nil {
						errs <- err
						return
					}
					break
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n, err := c.Get(ctx, "gr:counter").Int(); err != nil || n != workers*each {
		t.Fatalf("counter %d (%v), want %d", n, err, workers*each)
	}
	t.Logf("%d retries", retries.Load())
}

// Over maxmemory, everything queued inside MULTI is refused (queueing
// takes memory) and dooms the transaction; EXEC and DISCARD still work.
func TestMultiOOM(t *testing.T) {
	sa, ra := ownServers(t, nil, nil)
	p := pairAt(t, sa, ra)
	p.script("SET big " + strings.Repeat("x", 4096))
	p.both("CONFIG", "SET", "maxmemory", "1")
	p.script("MULTI", "GET big", "PING", "EXEC", "MULTI", "DISCARD", "GET big")
	p.both("CONFIG", "SET", "maxmemory", "0")
	p.script("MULTI", "SET a 1", "EXEC")
	p.both("CONFIG", "SET", "maxmemory", "1")
	p.script("MULTI", "DISCARD")
}
