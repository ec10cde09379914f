package tests

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/shoaldb/shoal/server"
)

// RDB files: SAVE/BGSAVE, loading at start-up, interop with redis-server
// both ways, and the point-in-time guarantee of fork-less snapshots.

// shoalIn starts a Shoal whose dir is dir and which loads what is there,
// as cmd/shoal does at start-up.
func shoalIn(t testing.TB, dir string, directives ...string) *server.Server {
	t.Helper()
	srv := ownShoal(t, append([]string{"dir " + dir}, directives...)...)
	if err := srv.LoadData(); err != nil {
		t.Fatalf("load: %v", err)
	}
	return srv
}

// redisIn starts a redis-server whose dir is dir (loading dump.rdb if
// there), stopped when the test ends.
func redisIn(t testing.TB, dir string, args ...string) string {
	t.Helper()
	needRedis(t)
	cmd, addr, err := startRedis(append([]string{"--dir", dir}, args...)...)
	if err != nil {
		t.Fatalf("start redis: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	return addr
}

// waitBgsave waits until no BGSAVE runs on the server at addr and returns
// its last status.
func waitBgsave(t testing.TB, addr string) string {
	t.Helper()
	rc := redis.NewClient(&redis.Options{Addr: addr})
	defer rc.Close()
	for i := 0; i < 3000; i++ {
		info := rc.Info(context.Background(), "persistence").Val()
		if strings.Contains(info, "rdb_bgsave_in_progress:0") {
			for _, l := range strings.Split(info, "\r\n") {
				if v, ok := strings.CutPrefix(l, "rdb_last_bgsave_status:"); ok {
					return v
				}
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("BGSAVE did not finish")
	return ""
}

func TestRDBRoundTripAndInterop(t *testing.T) {
	needRedis(t)
	// Shoal saves, Shoal and redis-server load it.
	dir1 := t.TempDir()
	a := ownShoal(t, "dir "+dir1)
	fillEveryType(t, a.Addr().String())
	want := datasetOf(t, a.Addr().String())
	mustOK(t, dial(t, a.Addr().String()).do("SAVE"))
	if out, err := exec.Command("redis-check-rdb", filepath.Join(dir1, "dump.rdb")).CombinedOutput(); err != nil {
		t.Fatalf("redis-check-rdb rejects Shoal's file: %v\n%s", err, out)
	}
	// Loading may change encodings (a short string is embstr after a
	// load, as in Redis): contents are compared with what was saved,
	// encodings with what redis-server makes of the same file.
	b := shoalIn(t, dir1)
	got := datasetOf(t, b.Addr().String())
	sameDataset(t, "Shoal reloading its own file", withoutEncodings(got), withoutEncodings(want))
	r := redisIn(t, dir1)
	sameDataset(t, "redis-server loading Shoal's file", got, datasetOf(t, r))

	// redis-server saves, Shoal loads it.
	dir2 := t.TempDir()
	r2 := redisIn(t, dir2)
	fillEveryType(t, r2)
	want2 := datasetOf(t, r2)
	mustOK(t, dial(t, r2).do("SAVE"))
	c := shoalIn(t, dir2)
	sameDataset(t, "Shoal loading redis-server's file", withoutEncodings(datasetOf(t, c.Addr().String())), withoutEncodings(want2))
	r3 := redisIn(t, dir2)
	sameDataset(t, "encodings after loading redis-server's file", datasetOf(t, c.Addr().String()), datasetOf(t, r3))
}

// withoutEncodings drops the OBJECT ENCODING part of a dataset's values.
func withoutEncodings(d map[string]string) map[string]string {
	out := make(map[string]string, len(d))
	for k, v := range d {
		parts := strings.SplitN(v, "|", 3)
		out[k] = parts[0] + "|" + parts[2]
	}
	return out
}

func TestRDBCommands(t *testing.T) {
	needRedis(t)
	dirS, dirR := t.TempDir(), t.TempDir()
	s := ownShoal(t, "dir "+dirS)
	r := redisIn(t, dirR)
	p := pairAt(t, s.Addr().String(), r)
	p.both("SET", "k", "v")
	p.eq("BGSAVE", "foo")
	p.eq("BGSAVE", "SCHEDULE", "x")
	p.eq("SAVE", "x")
	p.eq("LASTSAVE", "x")
	p.eq("SAVE")
	p.eq("MULTI")
	p.eq("SAVE")
	p.eq("BGSAVE")
	p.eq("EXEC") // BGSAVE inside EXEC is scheduled, SAVE refused
	waitBgsave(t, s.Addr().String())
	waitBgsave(t, r)
	for _, addr := range []string{s.Addr().String(), r} {
		c := dial(t, addr)
		if got := c.do("BGSAVE"); got != "+Background saving started\r\n" {
			t.Fatalf("BGSAVE: %q", got)
		}
		if st := waitBgsave(t, addr); st != "ok" {
			t.Fatalf("BGSAVE status %q", st)
		}
		last := c.do("LASTSAVE")
		if n, _ := strconv.ParseInt(strings.TrimSpace(last[1:]), 10, 64); time.Since(time.Unix(n, 0)) > time.Minute {
			t.Fatalf("LASTSAVE %q is old", last)
		}
	}
	// The file Shoal wrote holds the key.
	b := shoalIn(t, dirS)
	if got := dial(t, b.Addr().String()).do("GET", "k"); got != "$1\r\nv\r\n" {
		t.Fatalf("reloaded GET k = %q", got)
	}
}

// TestRDBMisconf: a failed BGSAVE with save points set refuses writes and
// PING with MISCONF, as redis-server does, until a save succeeds.
func TestRDBMisconf(t *testing.T) {
	needRedis(t)
	gone := []string{t.TempDir(), t.TempDir()}
	s := ownShoal(t, "dir "+gone[0], "save \"3600 1\"")
	r := redisIn(t, gone[1], "--save", "3600 1")
	p := pairAt(t, s.Addr().String(), r)
	for _, d := range gone {
		if err := os.Remove(d); err != nil {
			t.Fatal(err)
		}
	}
	p.eq("BGSAVE")
	waitBgsave(t, s.Addr().String())
	waitBgsave(t, r)
	p.eq("SET", "a", "1")
	p.eq("PING")
	p.eq("GET", "a")
	p.eq("MULTI")
	p.eq("SET", "a", "1")
	p.eq("EXEC")
	p.eq("CONFIG", "SET", "stop-writes-on-bgsave-error", "no")
	p.eq("SET", "a", "1")
	p.eq("CONFIG", "SET", "stop-writes-on-bgsave-error", "yes")
	p.eq("PING") // still refused: the last BGSAVE failed
	p.eq("SAVE") // fails too
	dirS, dirR := t.TempDir(), t.TempDir()
	p.shoal.do("CONFIG", "SET", "dir", dirS)
	p.redis.do("CONFIG", "SET", "dir", dirR)
	p.eq("SAVE") // a successful save clears it
	p.eq("PING")
	p.eq("SET", "a", "2")
}

// TestBGSAVEPointInTime: the file holds the data as it was when BGSAVE
// answered, whatever the writes, deletes, flushes and swaps that follow
// while the walk is still running.
func TestBGSAVEPointInTime(t *testing.T) {
	dir := t.TempDir()
	s := ownShoal(t, "dir "+dir)
	addr := s.Addr().String()
	c := dial(t, addr)
	const n = 60000
	for db := 0; db < 3; db++ {
		c.do("SELECT", strconv.Itoa(db))
		for i := 0; i < n; i += 500 {
			args := []string{"MSET"}
			for j := i; j < i+500; j++ {
				args = append(args, fmt.Sprintf("k:%d", j), fmt.Sprintf("old-%d-%d", db, j))
			}
			mustOK(t, c.do(args...))
		}
		c.do("RPUSH", "list", "a", "b")
		c.do("HSET", "hash", "f", "old")
	}
	c.do("SELECT", "0")
	if got := c.do("BGSAVE"); got != "+Background saving started\r\n" {
		t.Fatalf("BGSAVE: %q", got)
	}
	// Right away, from the end of the keyspace backwards (the walk goes
	// in hash order, so some of these are ahead of it): overwrite, delete,
	// expire, change in place, add new keys; in db 1 flush; swap 2 with 5.
	// Sent in batches: a pipeline never waits on a full socket.
	sent := 0
	send := func(args ...string) {
		c.send(args...)
		if sent++; sent%3000 == 0 {
			for ; sent > 0; sent-- {
				c.reply()
			}
		}
	}
	send("RPUSH", "list", "c")
	send("HSET", "hash", "f", "new")
	send("PEXPIRE", "k:9", "1")
	for i := n - 1; i >= 0; i -= 3 {
		send("SET", fmt.Sprintf("k:%d", i), "new")
		send("DEL", fmt.Sprintf("k:%d", i-1))
		send("SET", fmt.Sprintf("new:%d", i), "x")
	}
	send("SELECT", "1")
	send("FLUSHDB")
	send("SELECT", "0")
	send("SWAPDB", "2", "5")
	for ; sent > 0; sent-- {
		c.reply()
	}
	if st := waitBgsave(t, addr); st != "ok" {
		t.Fatalf("BGSAVE status %q", st)
	}
	b := shoalIn(t, dir)
	rc := redis.NewClient(&redis.Options{Addr: b.Addr().String()})
	defer rc.Close()
	ctx := context.Background()
	for db := 0; db < 3; db++ {
		conn := rc.Conn()
		conn.Do(ctx, "SELECT", db)
		if size := conn.DBSize(ctx).Val(); size != n+2 {
			t.Fatalf("db %d: %d keys in the file, want %d", db, size, n+2)
		}
		for i := 0; i < n; i += 97 {
			want := fmt.Sprintf("old-%d-%d", db, i)
			if got := conn.Get(ctx, fmt.Sprintf("k:%d", i)).Val(); got != want {
				t.Fatalf("db %d k:%d = %q, want %q", db, i, got, want)
			}
		}
		if got := conn.LRange(ctx, "list", 0, -1).Val(); strings.Join(got, ",") != "a,b" {
			t.Fatalf("db %d list = %v", db, got)
		}
		if got := conn.HGet(ctx, "hash", "f").Val(); got != "old" {
			t.Fatalf("db %d hash f = %q", db, got)
		}
		if ttl := conn.PTTL(ctx, "k:9").Val(); ttl != -1 {
			t.Fatalf("db %d k:9 has a TTL in the file: %v", db, ttl)
		}
		conn.Close()
	}
	conn := rc.Conn()
	defer conn.Close()
	conn.Do(ctx, "SELECT", 5)
	if size := conn.DBSize(ctx).Val(); size != 0 {
		t.Fatalf("db 5 holds %d keys: SWAPDB after the cut leaked into the file", size)
	}
}

// TestBGSAVEAtomicity: transactions and scripts moving money between
// accounts run while BGSAVE runs again and again; every file holds a
// total that never changed, so no MULTI or script is ever half in a file.
func TestBGSAVEAtomicity(t *testing.T) {
	dir := t.TempDir()
	s := ownShoal(t, "dir "+dir)
	addr := s.Addr().String()
	ctx := context.Background()
	rc := redis.NewClient(&redis.Options{Addr: addr, PoolSize: 8})
	defer rc.Close()
	const accounts, each = 2000, 100
	pipe := rc.Pipeline()
	for i := 0; i < accounts; i++ {
		pipe.Set(ctx, fmt.Sprintf("acct:%d", i), each, 0)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		t.Fatal(err)
	}
	move := redis.NewScript(`redis.call('DECRBY', KEYS[1], ARGV[1]) redis.call('INCRBY', KEYS[2], ARGV[1]) return 1`)
	var stop atomic.Bool
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; !stop.Load(); i++ {
				a := fmt.Sprintf("acct:%d", (i*7+w*13)%accounts)
				b := fmt.Sprintf("acct:%d", (i*11+w*5+1)%accounts)
				if w%2 == 0 {
					rc.TxPipelined(ctx, func(p redis.Pipeliner) error {
						p.DecrBy(ctx, a, 3)
						p.IncrBy(ctx, b, 3)
						return nil
					})
				} else {
					move.Run(ctx, rc, []string{a, b}, 2)
				}
			}
		}(w)
	}
	for round := 0; round < 5; round++ {
		if err := rc.BgSave(ctx).Err(); err != nil {
			t.Fatal(err)
		}
		if st := waitBgsave(t, addr); st != "ok" {
			t.Fatalf("BGSAVE status %q", st)
		}
		func() {
			b := shoalIn(t, dir)
			defer b.Close()
			lc := redis.NewClient(&redis.Options{Addr: b.Addr().String()})
			defer lc.Close()
			total := 0
			for i := 0; i < accounts; i++ {
				v, _ := lc.Get(ctx, fmt.Sprintf("acct:%d", i)).Int()
				total += v
			}
			if total != accounts*each {
				t.Errorf("round %d: the file's total is %d, want %d", round, total, accounts*each)
			}
		}()
	}
	stop.Store(true)
	wg.Wait()
}

// TestShutdownSaves: SHUTDOWN saves when save points are set, SHUTDOWN
// NOSAVE does not, and the file comes back.
func TestShutdownSaves(t *testing.T) {
	dir := t.TempDir()
	s, err := startShoal("dir "+dir, "save \"3600 1\"")
	if err != nil {
		t.Fatal(err)
	}
	c := dial(t, s.Addr().String())
	c.do("SET", "kept", "yes")
	c.send("SHUTDOWN")
	if _, closed := c.readUntilClose(5 * time.Second); !closed {
		t.Fatal("SHUTDOWN did not close the connection")
	}
	s.Close()
	b := shoalIn(t, dir)
	if got := dial(t, b.Addr().String()).do("GET", "kept"); got != "$3\r\nyes\r\n" {
		t.Fatalf("after SHUTDOWN, GET kept = %q", got)
	}
	dial(t, b.Addr().String()).do("SET", "kept", "changed")
	c2 := dial(t, b.Addr().String())
	c2.send("SHUTDOWN", "NOSAVE")
	c2.readUntilClose(5 * time.Second)
	b.Close()
	d := shoalIn(t, dir)
	if got := dial(t, d.Addr().String()).do("GET", "kept"); got != "$3\r\nyes\r\n" {
		t.Fatalf("after SHUTDOWN NOSAVE, GET kept = %q", got)
	}
}

// TestDebugReload: DEBUG RELOAD round-trips every type through the RDB
// code with the encodings redis-server gives the same data.
func TestDebugReload(t *testing.T) {
	dirS, dirR := t.TempDir(), t.TempDir()
	s := ownShoal(t, "dir "+dirS)
	r := redisIn(t, dirR)
	fillEveryType(t, s.Addr().String())
	fillEveryType(t, r)
	p := pairAt(t, s.Addr().String(), r)
	p.both("FUNCTION", "LOAD", "#!lua name=lib\nredis.register_function('f', function() return 1 end)")
	p.eq("DEBUG", "RELOAD", "bogus")
	p.eq("DEBUG", "RELOAD")
	p.eq("FCALL", "f", "0")
	p.eq("DEBUG", "RELOAD", "NOSAVE", "NOFLUSH", "MERGE")
	p.eq("DEBUG", "RELOAD", "NOSAVE")
	sameDataset(t, "after DEBUG RELOAD", datasetOf(t, s.Addr().String()), datasetOf(t, r))
}

// TestInfoPersistenceFields: INFO persistence lists Redis 7.0's fields in
// its order, and its counters move as Redis's do.
func TestInfoPersistenceFields(t *testing.T) {
	dirS, dirR := t.TempDir(), t.TempDir()
	s := ownShoal(t, "dir "+dirS)
	r := redisIn(t, dirR)
	names := func(addr string) (string, map[string]string) {
		var out []string
		vals := map[string]string{}
		for _, l := range strings.Split(dial(t, addr).do("INFO", "persistence"), "\r\n") {
			if k, v, ok := strings.Cut(l, ":"); ok {
				out = append(out, k)
				vals[k] = v
			}
		}
		return strings.Join(out, " "), vals
	}
	for _, addr := range []string{s.Addr().String(), r} {
		c := dial(t, addr)
		c.do("SET", "a", "1")
		c.do("SET", "b", "2")
	}
	gotS, vs := names(s.Addr().String())
	gotR, vr := names(r)
	if gotS != gotR {
		t.Fatalf("INFO persistence fields:\n got %s\nwant %s", gotS, gotR)
	}
	for _, k := range []string{"rdb_changes_since_last_save", "rdb_saves", "rdb_last_bgsave_status", "rdb_bgsave_in_progress", "loading"} {
		if vs[k] != vr[k] {
			t.Errorf("%s: shoal %q, redis %q", k, vs[k], vr[k])
		}
	}
	for _, addr := range []string{s.Addr().String(), r} {
		dial(t, addr).do("BGSAVE")
		waitBgsave(t, addr)
	}
	_, vs = names(s.Addr().String())
	_, vr = names(r)
	for _, k := range []string{"rdb_changes_since_last_save", "rdb_saves", "rdb_last_bgsave_status", "rdb_last_load_keys_loaded"} {
		if vs[k] != vr[k] {
			t.Errorf("after BGSAVE %s: shoal %q, redis %q", k, vs[k], vr[k])
		}
	}
}

// TestFlushallDuringBGSAVE: with save points, FLUSHALL stops a running
// BGSAVE and empties the file at once (Redis kills its child and saves):
// the flushed data never comes back at a restart.
func TestFlushallDuringBGSAVE(t *testing.T) {
	dir := t.TempDir()
	s := ownShoal(t, "dir "+dir, "save \"3600 1\"")
	c := dial(t, s.Addr().String())
	mustOK(t, c.do("DEBUG", "POPULATE", "200000"))
	c.do("BGSAVE")
	mustOK(t, c.do("FLUSHALL"))
	waitBgsave(t, s.Addr().String())
	c.do("SET", "after", "1") // not saved: the file holds the flushed state
	b := shoalIn(t, dir)
	if got := dial(t, b.Addr().String()).do("DBSIZE"); got != ":0\r\n" {
		t.Fatalf("DBSIZE after restart = %q, want 0: flushed data came back", got)
	}
}
