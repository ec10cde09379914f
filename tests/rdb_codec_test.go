package tests

import (
	"bytes"
	"hash/maphash"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/shoaldb/shoal/persistence"
)

// loadedEntry is one key read from an RDB file.
type loadedEntry struct {
	db   int
	key  string
	exp  int64
	kind uint8
	str  []byte
	obj  any
}

// collector is a persistence.Handler keeping everything.
type collector struct {
	aux       map[string]string
	auxOrder  [][2]string
	functions []string
	entries   []loadedEntry
}

func (c *collector) Aux(k, v []byte) error {
	c.aux[string(k)] = string(v)
	c.auxOrder = append(c.auxOrder, [2]string{string(k), string(v)})
	return nil
}

func (c *collector) Function(code []byte) error {
	c.functions = append(c.functions, string(code))
	return nil
}

func (c *collector) SelectDB(db int) error         { return nil }
func (c *collector) ResizeDB(keys, expires uint64) {}

func (c *collector) Entry(db int, key []byte, exp int64, kind uint8, str []byte, obj any, idle int64, freq int) error {
	c.entries = append(c.entries, loadedEntry{db, string(key), exp, kind, bytes.Clone(str), obj})
	return nil
}

// fillCodecData gives a server keys of every type and encoding in
// several databases, some with TTLs, and a function library.
func fillCodecData(c *rconn) {
	itoa := strconv.Itoa
	long := strings.Repeat("long value ", 20)
	for _, db := range []string{"0", "3", "15"} {
		c.do("SELECT", db)
		c.do("SET", "int", "123456")
		c.do("SET", "str", "hello "+db)
		c.do("SET", "lzf", strings.Repeat("abcdefgh", 300))
		c.do("SET", "12345", "an integer key")
		c.do("SET", "ttl", "v", "PX", "100000000")
		c.do("RPUSH", "list", "a", "1", "-70000", long)
		c.do(manyArgs(args("RPUSH", "biglist"), 3000, func(i int) []string { return args("element:" + itoa(i)) })...)
		c.do("SADD", "intset", "1", "2", "-3", "9000000000")
		c.do("SADD", "set", "a", "b", "1")
		c.do(manyArgs(args("SADD", "bigintset"), 600, func(i int) []string { return args(itoa(i)) })...)
		c.do("HSET", "hash", "a", "1", "b", long[:50])
		c.do(manyArgs(args("HSET", "bighash"), 600, func(i int) []string { return args("f"+itoa(i), itoa(i*3)) })...)
		c.do("HSET", "longhash", "a", long)
		c.do("ZADD", "zset", "1.5", "a", "-inf", "b", "1e20", "c")
		c.do(manyArgs(args("ZADD", "bigzset"), 200, func(i int) []string { return args(itoa(i)+".25", "m"+itoa(i)) })...)
		c.do("EXPIRE", "bigzset", "100000")
	}
	c.do("SELECT", "0")
	c.do("FUNCTION", "LOAD", "#!lua name=mylib\nredis.register_function('myfunc', function(keys, args) return 1 end)")
}

// compareDBs checks every key of the source databases on both servers.
func compareDBs(t *testing.T, p *pair, src *rconn) {
	t.Helper()
	for _, db := range []string{"0", "3", "15"} {
		p.eq("SELECT", db)
		p.eq("DBSIZE")
		src.do("SELECT", db)
		keys := bulkStrings(t, src.do("KEYS", "*"))
		for _, k := range keys {
			sameContents(p, k)
			got, want := p.shoal.do("PEXPIRETIME", k), p.redis.do("PEXPIRETIME", k)
			if got != want {
				t.Errorf("db %s key %q: pexpiretime %q, want %q", db, k, got, want)
			}
		}
	}
	p.eq("SELECT", "0")
	p.eq("FUNCTION", "LIST", "WITHCODE")
}

// bulkStrings parses a flat array of bulk strings.
func bulkStrings(t testing.TB, raw string) []string {
	var out []string
	lines := strings.Split(raw, "\r\n")
	for i := 1; i+1 < len(lines); i += 2 {
		out = append(out, lines[i+1])
	}
	return out
}

// redisSnapshot fills a redis-server of its own, SAVEs and returns the
// connection and the file.
func redisSnapshot(t *testing.T) (*rconn, []byte) {
	needRedis(t)
	dir := t.TempDir()
	cmd, addr, err := startRedis("--dir", dir, "--dbfilename", "dump.rdb")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	src := dial(t, addr)
	fillCodecData(src)
	if got := src.do("SAVE"); got != "+OK\r\n" {
		t.Fatalf("SAVE: %q", got)
	}
	file, err := os.ReadFile(filepath.Join(dir, "dump.rdb"))
	if err != nil {
		t.Fatal(err)
	}
	return src, file
}

// TestLoadRedisRDB loads a dump.rdb written by redis-server and checks
// every key, restoring what was loaded into a Shoal and comparing the two.
func TestLoadRedisRDB(t *testing.T) {
	src, file := redisSnapshot(t)
	col := &collector{aux: map[string]string{}}
	if err := persistence.Load(bytes.NewReader(file), persistence.DefaultLimits(maphash.MakeSeed()), col); err != nil {
		t.Fatal(err)
	}
	if col.aux["redis-ver"] != "7.0.15" || col.aux["redis-bits"] != "64" {
		t.Errorf("aux fields %q", col.aux)
	}
	// The Writer writes the header and aux fields as redis-server does.
	var head bytes.Buffer
	w := persistence.NewWriter(&head, true, true)
	w.Header()
	for _, kv := range col.auxOrder {
		w.Aux(kv[0], kv[1])
	}
	w.Finish()
	if n := head.Len() - 9; !bytes.Equal(head.Bytes()[:n], file[:n]) {
		t.Errorf("header and aux fields\n%q\nwant\n%q", head.Bytes()[:n], file[:n])
	}
	if len(col.functions) != 1 {
		t.Fatalf("functions %q", col.functions)
	}
	if len(col.entries) != 3*15 {
		t.Errorf("%d entries loaded", len(col.entries))
	}
	srv := ownShoal(t)
	sh := dial(t, srv.Addr().String())
	sh.do("FUNCTION", "LOAD", col.functions[0])
	for _, e := range col.entries {
		sh.do("SELECT", strconv.Itoa(e.db))
		pl := withFooter(persistence.AppendValue(nil, e.kind, e.str, e.obj, nil))
		if got := sh.do("RESTORE", e.key, strconv.FormatInt(e.exp, 10), pl, "ABSTTL"); got != "+OK\r\n" {
			t.Errorf("restoring %q: %q", e.key, got)
		}
	}
	p := &pair{t: t, shoal: sh, redis: src}
	compareDBs(t, p, dial(t, src.nc.RemoteAddr().String()))
}

// TestWriteRDBForRedis writes what was loaded back with persistence.Writer:
// redis-check-rdb accepts the file and a redis-server loading it holds the
// same data as the one that wrote the original.
func TestWriteRDBForRedis(t *testing.T) {
	src, file := redisSnapshot(t)
	col := &collector{aux: map[string]string{}}
	if err := persistence.Load(bytes.NewReader(file), persistence.DefaultLimits(maphash.MakeSeed()), col); err != nil {
		t.Fatal(err)
	}
	for _, compress := range []bool{true, false} {
		dir := t.TempDir()
		f, err := os.Create(filepath.Join(dir, "dump.rdb"))
		if err != nil {
			t.Fatal(err)
		}
		w := persistence.NewWriter(f, compress, true)
		w.Header()
		w.Aux("redis-ver", "7.0.15")
		w.Aux("redis-bits", "64")
		w.Aux("ctime", "1700000000")
		w.Aux("used-mem", "3000000000")
		w.Aux("aof-base", "0")
		for _, code := range col.functions {
			w.Function(code)
		}
		db := -1
		for _, e := range col.entries {
			if e.db != db {
				db = e.db
				w.SelectDB(db, 15, 2)
			}
			w.Entry([]byte(e.key), e.exp, e.kind, e.str, e.obj)
		}
		if err := w.Finish(); err != nil {
			t.Fatal(err)
		}
		f.Close()
		out, err := exec.Command("redis-check-rdb", filepath.Join(dir, "dump.rdb")).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "RDB looks OK") {
			t.Fatalf("redis-check-rdb: %v\n%s", err, out)
		}
		cmd, addr, err := startRedis("--dir", dir, "--dbfilename", "dump.rdb")
		if err != nil {
			t.Fatal(err)
		}
		loaded := dial(t, addr)
		p := &pair{t: t, shoal: loaded, redis: src}
		compareDBs(t, p, dial(t, src.nc.RemoteAddr().String()))
		cmd.Process.Kill()
		cmd.Wait()
	}
}
