package tests

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shoaldb/shoal/server"
)

// The append-only file: restarts, BGREWRITEAOF, torn and corrupt files,
// turning it on at runtime, and interop with redis-server's appendonlydir
// in both directions.

// aofShoal starts a Shoal with appendonly yes in dir and loads the AOF,
// returning the server and the load error.
func aofShoal(t testing.TB, dir string, directives ...string) (*server.Server, error) {
	t.Helper()
	srv := ownShoal(t, append([]string{"dir " + dir, "appendonly yes"}, directives...)...)
	return srv, srv.LoadData()
}

func mustAOFShoal(t testing.TB, dir string, directives ...string) *server.Server {
	t.Helper()
	srv, err := aofShoal(t, dir, directives...)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	return srv
}

// aofInfoField reads one INFO field from the server at addr.
func aofInfoField(t testing.TB, addr, name string) string {
	t.Helper()
	info := dial(t, addr).do("INFO", "persistence")
	for _, l := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(l, name+":"); ok {
			return v
		}
	}
	return ""
}

// waitRewrite waits until no AOF rewrite runs or is scheduled at addr.
func waitRewrite(t testing.TB, addr string) {
	t.Helper()
	for i := 0; i < 1000; i++ {
		info := dial(t, addr).do("INFO", "persistence")
		if strings.Contains(info, "aof_rewrite_in_progress:0\r\n") && strings.Contains(info, "aof_rewrite_scheduled:0\r\n") {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("the AOF rewrite did not finish")
}

// checkAOF runs redis-check-aof on dir's manifest.
func checkAOF(t testing.TB, dir string) {
	t.Helper()
	bin, err := exec.LookPath("redis-check-aof")
	if err != nil {
		t.Log("redis-check-aof not installed: not checked")
		return
	}
	out, err := exec.Command(bin, filepath.Join(dir, "appendonlydir", "appendonly.aof.manifest")).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "All AOF files and manifest are valid") {
		t.Fatalf("redis-check-aof rejects Shoal's AOF: %v\n%s", err, out)
	}
}

func manifestOf(t testing.TB, dir string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "appendonlydir", "appendonly.aof.manifest"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// writeTransactions adds writes an AOF must replay as units, and
// expiries.
func writeTransactions(t testing.TB, addr string) {
	c := dial(t, addr)
	mustOK(t, c.do("MULTI"))
	c.do("SET", "tx1", "a")
	c.do("INCRBY", "tx2", "5")
	c.do("LPUSH", "txl", "x", "y")
	c.do("EXEC")
	c.do("EVAL", "redis.call('set', KEYS[1], 'lua'); redis.call('sadd', KEYS[2], 'm')", "2", "s1", "s2")
	c.do("SET", "gone", "x", "PX", "1")
	c.do("SET", "kept", "x", "EX", "1000")
	c.do("INCRBYFLOAT", "fl", "1.5")
	c.do("DEL", "str")
	c.do("SELECT", "5")
	c.do("SET", "in5", "v")
	time.Sleep(5 * time.Millisecond)
}

func TestAOFRestart(t *testing.T) {
	dir := t.TempDir()
	a := mustAOFShoal(t, dir)
	addr := a.Addr().String()
	fillEveryType(t, addr)
	writeTransactions(t, addr)
	want := datasetOf(t, addr)
	a.Close()
	checkAOF(t, dir)

	b := mustAOFShoal(t, dir)
	sameDataset(t, "after a restart", withoutEncodings(datasetOf(t, b.Addr().String())), withoutEncodings(want))
	if m := manifestOf(t, dir); m != "file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n" {
		t.Fatalf("manifest %q", m)
	}
	// The RDB file plays no part with appendonly yes.
	mustOK(t, dial(t, b.Addr().String()).do("SAVE"))
	dial(t, b.Addr().String()).do("SET", "after-save", "1")
	b.Close()
	c := mustAOFShoal(t, dir)
	if got := dial(t, c.Addr().String()).do("GET", "after-save"); got != "$1\r\n1\r\n" {
		t.Fatalf("write after SAVE lost: %q", got)
	}
}

func TestAOFRewrite(t *testing.T) {
	dir := t.TempDir()
	a := mustAOFShoal(t, dir)
	addr := a.Addr().String()
	fillEveryType(t, addr)
	c := dial(t, addr)
	for i := 0; i < 200; i++ {
		c.do("INCR", "counter") // many commands, one key: the rewrite compacts them
	}
	if got := c.do("BGREWRITEAOF"); got != "+Background append only file rewriting started\r\n" {
		t.Fatalf("BGREWRITEAOF: %q", got)
	}
	// Writes during and after the rewrite land in the new incr file.
	writeTransactions(t, addr)
	waitRewrite(t, addr)
	c.do("SET", "after", "rewrite")
	if got := aofInfoField(t, addr, "aof_rewrites"); got != "1" {
		t.Fatalf("aof_rewrites %q", got)
	}
	if got := aofInfoField(t, addr, "aof_last_bgrewrite_status"); got != "ok" {
		t.Fatalf("aof_last_bgrewrite_status %q", got)
	}
	want := datasetOf(t, addr)
	a.Close()
	if m := manifestOf(t, dir); m != "file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n" {
		t.Fatalf("manifest %q", m)
	}
	names, _ := filepath.Glob(filepath.Join(dir, "appendonlydir", "*"))
	if len(names) != 3 {
		t.Fatalf("history files left: %v", names)
	}
	checkAOF(t, dir)
	b := mustAOFShoal(t, dir)
	sameDataset(t, "after a rewrite and a restart", withoutEncodings(datasetOf(t, b.Addr().String())), withoutEncodings(want))
	if got := aofInfoField(t, b.Addr().String(), "aof_base_size"); got == "0" || got == "" {
		t.Fatalf("aof_base_size %q", got)
	}
}

func TestAOFConfigSetAppendonly(t *testing.T) {
	dir := t.TempDir()
	a := ownShoal(t, "dir "+dir)
	addr := a.Addr().String()
	c := dial(t, addr)
	c.do("SET", "before", "1")
	mustOK(t, c.do("CONFIG", "SET", "appendonly", "yes"))
	c.do("SET", "during", "2")
	waitRewrite(t, addr)
	for i := 0; i < 100 && aofInfoField(t, addr, "aof_rewrites") != "1"; i++ {
		time.Sleep(10 * time.Millisecond)
	}
	c.do("SET", "after", "3")
	want := datasetOf(t, addr)
	mustOK(t, c.do("CONFIG", "SET", "appendonly", "no"))
	c.do("SET", "not-logged", "4")
	time.Sleep(50 * time.Millisecond)
	a.Close()
	checkAOF(t, dir)
	b := mustAOFShoal(t, dir)
	sameDataset(t, "AOF turned on at runtime", datasetOf(t, b.Addr().String()), want)
}

func TestAOFTornTail(t *testing.T) {
	dir := t.TempDir()
	a := mustAOFShoal(t, dir)
	c := dial(t, a.Addr().String())
	c.do("SET", "k1", "v1")
	c.do("SET", "k2", "v2")
	a.Close()
	incr := filepath.Join(dir, "appendonlydir", "appendonly.aof.1.incr.aof")
	good, _ := os.ReadFile(incr)
	torn := append(append([]byte(nil), good...), "*3\r\n$3\r\nSET\r\n$2\r\nk3\r\n$2\r\nv"...)
	unfinished := append(append([]byte(nil), good...), "*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nSET\r\n$2\r\nk3\r\n$2\r\nv3\r\n"...)

	for _, tail := range [][]byte{torn, unfinished} {
		// aof-load-truncated no: refuse, as Redis does.
		os.WriteFile(incr, tail, 0o644)
		_, err := aofShoal(t, dir, "aof-load-truncated no")
		if err == nil || !strings.Contains(err.Error(), "Unexpected end of file reading the append only file appendonly.aof.1.incr.aof") {
			t.Fatalf("aof-load-truncated no: %v", err)
		}
		// yes (the default): load, cut the file at the last command.
		b := mustAOFShoal(t, dir)
		bc := dial(t, b.Addr().String())
		if got := bc.do("MGET", "k1", "k2", "k3"); got != "*3\r\n$2\r\nv1\r\n$2\r\nv2\r\n$-1\r\n" {
			t.Fatalf("after a torn tail: %q", got)
		}
		bc.do("SET", "k4", "v4")
		b.Close()
		d := mustAOFShoal(t, dir)
		if got := dial(t, d.Addr().String()).do("MGET", "k1", "k4"); got != "*2\r\n$2\r\nv1\r\n$2\r\nv4\r\n" {
			t.Fatalf("after the repaired file: %q", got)
		}
		d.Close()
		checkAOF(t, dir)
		os.WriteFile(incr, good, 0o644)
	}
}

func TestAOFCorruption(t *testing.T) {
	dir := t.TempDir()
	a := mustAOFShoal(t, dir)
	c := dial(t, a.Addr().String())
	c.do("SET", "k1", "v1")
	c.do("SET", "k2", "v2")
	a.Close()
	incr := filepath.Join(dir, "appendonlydir", "appendonly.aof.1.incr.aof")
	good, _ := os.ReadFile(incr)
	first := len(good) / 2 // inside the first SET
	for first < len(good) && good[first] != '*' {
		first++
	}
	for _, tc := range []struct {
		data []byte
		want string
	}{
		{append([]byte("xx"), good...), "Bad file format reading the append only file appendonly.aof.1.incr.aof at offset 0"},
		{append(append(append([]byte(nil), good[:first]...), "xx"...), good[first:]...), "Bad file format reading the append only file appendonly.aof.1.incr.aof at offset"},
		{append([]byte("*1\r\n$7\r\nNOSUCHC\r\n"), good...), "Unknown command 'NOSUCHC' reading the append only file appendonly.aof.1.incr.aof"},
	} {
		os.WriteFile(incr, tc.data, 0o644)
		_, err := aofShoal(t, dir)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Fatalf("got %v, want %q", err, tc.want)
		}
	}
	// A torn file that is not the last one.
	os.WriteFile(incr, append(append([]byte(nil), good...), "*1\r\n$4\r\nPI"...), 0o644)
	m := "file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\nfile appendonly.aof.2.incr.aof seq 2 type i\n"
	os.WriteFile(filepath.Join(dir, "appendonlydir", "appendonly.aof.manifest"), []byte(m), 0o644)
	os.WriteFile(filepath.Join(dir, "appendonlydir", "appendonly.aof.2.incr.aof"), nil, 0o644)
	if _, err := aofShoal(t, dir); err == nil || !strings.Contains(err.Error(), "is not the last file") {
		t.Fatalf("torn middle file: %v", err)
	}
	// A bad manifest.
	os.WriteFile(filepath.Join(dir, "appendonlydir", "appendonly.aof.manifest"), []byte("file a seq 1 type z\n"), 0o644)
	if _, err := aofShoal(t, dir); err == nil || !strings.Contains(err.Error(), "Unknown AOF file type") {
		t.Fatalf("bad manifest: %v", err)
	}
}

func TestAOFInteropRedisToShoal(t *testing.T) {
	needRedis(t)
	dir := t.TempDir()
	r := redisIn(t, dir, "--appendonly", "yes")
	fillEveryType(t, r)
	writeTransactions(t, r)
	// A rewrite then more writes: a base and an incr file with content.
	dial(t, r).do("BGREWRITEAOF")
	waitRewrite(t, r)
	dial(t, r).do("RPUSH", "after-rewrite", "1", "2")
	want := datasetOf(t, r)
	rc := dial(t, r)
	rc.send("SHUTDOWN", "NOSAVE")
	rc.readUntilClose(5 * time.Second)

	s := mustAOFShoal(t, dir)
	sameDataset(t, "Shoal loading redis-server's appendonlydir", withoutEncodings(datasetOf(t, s.Addr().String())), withoutEncodings(want))
}

func TestAOFInteropShoalToRedis(t *testing.T) {
	needRedis(t)
	dir := t.TempDir()
	a := mustAOFShoal(t, dir)
	addr := a.Addr().String()
	fillEveryType(t, addr)
	dial(t, addr).do("BGREWRITEAOF")
	writeTransactions(t, addr)
	waitRewrite(t, addr)
	dial(t, addr).do("RPUSH", "after-rewrite", "1", "2")
	want := datasetOf(t, addr)
	a.Close()
	checkAOF(t, dir)
	r := redisIn(t, dir, "--appendonly", "yes")
	sameDataset(t, "redis-server loading Shoal's appendonlydir", withoutEncodings(datasetOf(t, r)), withoutEncodings(want))
}

func TestAOFUpgradeOldFile(t *testing.T) {
	// An old single appendonly.aof in dir becomes the base, as in Redis.
	dir := t.TempDir()
	old := "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$3\r\nold\r\n$3\r\nyes\r\n"
	os.WriteFile(filepath.Join(dir, "appendonly.aof"), []byte(old), 0o644)
	a := mustAOFShoal(t, dir)
	if got := dial(t, a.Addr().String()).do("GET", "old"); got != "$3\r\nyes\r\n" {
		t.Fatalf("old AOF not loaded: %q", got)
	}
	a.Close()
	if m := manifestOf(t, dir); m != "file appendonly.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n" {
		t.Fatalf("manifest %q", m)
	}
	if _, err := os.Stat(filepath.Join(dir, "appendonly.aof")); !os.IsNotExist(err) {
		t.Fatal("the old file is still in dir")
	}
}

func TestAOFInfoFields(t *testing.T) {
	needRedis(t)
	dir := t.TempDir()
	s := mustAOFShoal(t, dir)
	r := redisIn(t, t.TempDir(), "--appendonly", "yes")
	names := func(addr string) []string {
		var out []string
		for _, l := range strings.Split(dial(t, addr).do("INFO", "persistence"), "\r\n") {
			if k, _, ok := strings.Cut(l, ":"); ok && (strings.HasPrefix(k, "aof_") || strings.HasPrefix(k, "module_fork")) {
				out = append(out, k)
			}
		}
		return out
	}
	if got, want := strings.Join(names(s.Addr().String()), " "), strings.Join(names(r), " "); got != want {
		t.Fatalf("INFO persistence aof fields:\n got %s\nwant %s", got, want)
	}
	dial(t, s.Addr().String()).do("SET", "a", "b")
	dial(t, r).do("SET", "a", "b")
	time.Sleep(20 * time.Millisecond)
	for _, f := range []string{"aof_current_size", "aof_base_size", "aof_buffer_length", "aof_last_write_status", "aof_rewrites"} {
		if got, want := aofInfoField(t, s.Addr().String(), f), aofInfoField(t, r, f); got != want {
			t.Errorf("%s: got %s, want %s", f, got, want)
		}
	}
}

func TestBGREWRITEAOFReplies(t *testing.T) {
	needRedis(t)
	sa, ra := ownServers(t, []string{"dir " + t.TempDir()}, []string{"--dir", t.TempDir()})
	p := pairAt(t, sa, ra)
	p.eq("BGREWRITEAOF", "x")
	p.eq("MULTI")
	p.eq("BGREWRITEAOF")
	p.eq("EXEC")
	waitRewrite(t, sa)
	waitRewrite(t, ra)
	p.eq("BGREWRITEAOF")
	waitRewrite(t, sa)
	waitRewrite(t, ra)
	p.eq("CONFIG", "GET", "appendonly")
	p.eq("CONFIG", "GET", "appenddirname")
	p.eq("COMMAND", "INFO", "bgrewriteaof")
}

func TestAOFCommandBase(t *testing.T) {
	// aof-use-rdb-preamble no: the base is commands, base.aof.
	dir := t.TempDir()
	a := mustAOFShoal(t, dir, "aof-use-rdb-preamble no")
	addr := a.Addr().String()
	fillEveryType(t, addr)
	dial(t, addr).do("FUNCTION", "LOAD", "#!lua name=lib\nredis.register_function('f', function() return 1 end)")
	if got := dial(t, addr).do("BGREWRITEAOF"); got != "+Background append only file rewriting started\r\n" {
		t.Fatalf("BGREWRITEAOF: %q", got)
	}
	waitRewrite(t, addr)
	dial(t, addr).do("SET", "after", "1")
	want := datasetOf(t, addr)
	a.Close()
	if m := manifestOf(t, dir); !strings.HasPrefix(m, "file appendonly.aof.2.base.aof seq 2 type b\n") {
		t.Fatalf("manifest %q", m)
	}
	checkAOF(t, dir)
	b := mustAOFShoal(t, dir, "aof-use-rdb-preamble no")
	sameDataset(t, "a base in commands", withoutEncodings(datasetOf(t, b.Addr().String())), withoutEncodings(want))
	if got := dial(t, b.Addr().String()).do("FCALL", "f", "0"); got != ":1\r\n" {
		t.Fatalf("function lost: %q", got)
	}
	b.Close()
	if testEnv.redisAddr != "" {
		r := redisIn(t, dir, "--appendonly", "yes")
		sameDataset(t, "redis-server loading a base in commands", withoutEncodings(datasetOf(t, r)), withoutEncodings(want))
	}
}

func TestAOFRewriteScheduledAndAuto(t *testing.T) {
	dir := t.TempDir()
	a := mustAOFShoal(t, dir)
	addr := a.Addr().String()
	c := dial(t, addr)
	mustOK(t, c.do("DEBUG", "POPULATE", "200000"))
	// BGREWRITEAOF while a BGSAVE runs is scheduled, then runs.
	c.writeRaw(append(encodeCommand("BGSAVE"), encodeCommand("BGREWRITEAOF")...))
	c.reply()
	if got := c.reply(); got != "+Background append only file rewriting scheduled\r\n" && got != "+Background append only file rewriting started\r\n" {
		t.Fatalf("BGREWRITEAOF during BGSAVE: %q", got)
	}
	waitRewrite(t, addr)
	waitBgsave(t, addr)
	if got := aofInfoField(t, addr, "aof_rewrites"); got != "1" {
		t.Fatalf("aof_rewrites %q", got)
	}
	// The automatic rewrite: the AOF doubled its base and passed the
	// minimum size.
	mustOK(t, c.do("FLUSHALL"))
	mustOK(t, c.do("CONFIG", "SET", "auto-aof-rewrite-min-size", "1000"))
	base := aofInfoField(t, addr, "aof_base_size")
	for i := 0; i < 3000; i++ {
		c.send("SET", "k"+strings.Repeat("x", i%50), strings.Repeat("v", 2000))
	}
	for i := 0; i < 3000; i++ {
		c.reply()
	}
	// At least one: writes going on after the cut may grow the new,
	// small base past the threshold again.
	for i := 0; i < 500 && aofInfoField(t, addr, "aof_rewrites") == "1"; i++ {
		time.Sleep(10 * time.Millisecond)
	}
	waitRewrite(t, addr)
	if got := aofInfoField(t, addr, "aof_rewrites"); got == "1" {
		t.Fatalf("no automatic rewrite: aof_rewrites %q (base %s, current %s)", got, base, aofInfoField(t, addr, "aof_current_size"))
	}
	want := datasetOf(t, addr)
	a.Close()
	b := mustAOFShoal(t, dir)
	sameDataset(t, "after the automatic rewrite", withoutEncodings(datasetOf(t, b.Addr().String())), withoutEncodings(want))
}

func TestAOFUpgradeOldPreambleFile(t *testing.T) {
	// An old appendonly.aof with an RDB preamble and commands after it.
	src := t.TempDir()
	a := ownShoal(t, "dir "+src)
	dial(t, a.Addr().String()).do("RPUSH", "l", "a", "b")
	mustOK(t, dial(t, a.Addr().String()).do("SAVE"))
	rdb, err := os.ReadFile(filepath.Join(src, "dump.rdb"))
	if err != nil {
		t.Fatal(err)
	}
	tail := "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$5\r\nRPUSH\r\n$1\r\nl\r\n$1\r\nc\r\n*3\r\n$3\r\nSET"
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "appendonly.aof"), append(rdb, tail...), 0o644)
	b := mustAOFShoal(t, dir)
	if got := dial(t, b.Addr().String()).do("LRANGE", "l", "0", "-1"); got != "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n" {
		t.Fatalf("old preamble AOF: %q", got)
	}
	b.Close()
	// The torn tail was cut after the last complete command.
	fi, _ := os.Stat(filepath.Join(dir, "appendonlydir", "appendonly.aof"))
	if want := int64(len(rdb) + len(tail) - len("*3\r\n$3\r\nSET")); fi == nil || fi.Size() != want {
		t.Fatalf("size after truncation %v, want %d", fi, want)
	}
}
