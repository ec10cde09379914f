package tests

// Differential tests of the keys family: DEL EXISTS UNLINK TOUCH TYPE
// RENAME RENAMENX MOVE COPY, the expiry commands, KEYS, RANDOMKEY, OBJECT.
// SCAN is in scan_test.go.

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"
)

// farFuture is an absolute unix-ms time far ahead, so TTLs compare exactly.
const farFuture = "4102444800000" // 2100-01-01

func TestKeysDelExistsTouchType(t *testing.T) {
	p := newPair(t)
	p.script(
		"SET a 1", "SET b 2", "SET c 3",
		"EXISTS a", "EXISTS a a b nokey", "EXISTS nokey",
		"TOUCH a b nokey", "TOUCH nokey",
		"TYPE a", "TYPE nokey",
		"DEL a nokey a", "EXISTS a", "DEL nokey",
		"UNLINK b c nokey", "EXISTS b c",
	)
	p.eq("DEL")
	p.eq("UNLINK")
	p.eq("EXISTS")
	p.eq("TOUCH")
	p.eq("TYPE")
	p.eq("TYPE", "a", "b")
	p.eq("SET", "", "empty")
	p.eq("EXISTS", "")
	p.eq("TYPE", "")
	p.eq("DEL", "")
}

func TestKeysRename(t *testing.T) {
	p := newPair(t)
	p.script(
		"RENAME nokey x", "RENAMENX nokey x",
		"SET a 1", "RENAME a a", "RENAMENX a a", "GET a",
		"RENAME a b", "EXISTS a", "GET b",
		"SET c 3", "RENAMENX b c", "GET b", "GET c",
		"RENAME b c", "GET c", "EXISTS b",
		"RENAMENX c d", "GET d", "EXISTS c",
	)
	// The TTL moves with the value; a persistent value replaces a volatile one.
	p.script(
		"SET v val", "PEXPIREAT v "+farFuture, "RENAME v w", "PEXPIRETIME w", "PEXPIRETIME v",
		"SET x 1", "PEXPIREAT x "+farFuture, "SET y 2", "RENAME y x", "PEXPIRETIME x", "GET x",
	)
	p.eq("RENAME", "a")
	p.eq("RENAME", "a", "b", "c")
	p.eq("RENAMENX", "a")
}

func TestKeysMove(t *testing.T) {
	p := newPair(t)
	p.script(
		"SET a 1",
		"MOVE a 0", "MOVE a 16", "MOVE a -1", "MOVE a abc", "MOVE a 99999999999", "MOVE a -99999999999",
		"MOVE a 1.5", "MOVE a 01",
		"MOVE nokey 1",
		"MOVE a 1", "EXISTS a", "SELECT 1", "GET a", "SELECT 0",
		"SET a 2", "MOVE a 1", "GET a", "SELECT 1", "GET a",
		"PEXPIREAT a "+farFuture, "MOVE a 0", "SELECT 0", "PEXPIRETIME a", "GET a",
		"MOVE a 15", "SELECT 15", "GET a", "PEXPIRETIME a", "SELECT 0",
	)
	p.eq("MOVE", "a")
	p.eq("MOVE", "a", "1", "2")
	// An expired key in the target database does not block the move.
	p.script("SELECT 2", "SET e old", "PEXPIRE e 1", "SELECT 0", "SET e new")
	time.Sleep(5 * time.Millisecond)
	p.script("MOVE e 2", "SELECT 2", "GET e", "SELECT 0")
}

func TestKeysCopy(t *testing.T) {
	p := newPair(t)
	p.script(
		"COPY nokey x",
		"SET a hello", "COPY a a", "COPY a a DB 0", "COPY a a DB 1",
		"COPY a b", "GET b", "COPY a b", "SET a changed", "GET b", "COPY a b REPLACE", "GET b",
		"COPY a b rEpLaCe", "COPY a b DB", "COPY a b DB abc", "COPY a b DB 16", "COPY a b DB -1",
		"COPY a b DB 99999999999", "COPY a b FOO", "COPY a b REPLACE FOO", "COPY a b DB 1 DB 2",
		"SELECT 2", "GET b", "SELECT 0",
		"COPY a c DB 3 REPLACE", "COPY a c REPLACE DB 3", "SELECT 3", "GET c", "SELECT 0",
		"PEXPIREAT a "+farFuture, "COPY a d", "PEXPIRETIME d", "PEXPIRETIME a",
		"SET e 1", "COPY e d REPLACE", "PEXPIRETIME d", "GET d",
		"SET n 123", "COPY n m", "GET m", "OBJECT ENCODING m",
	)
	p.eq("COPY", "a")
}

func TestKeysExpire(t *testing.T) {
	p := newPair(t)
	for _, cmd := range []string{"EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"} {
		p.both("FLUSHALL")
		p.eq(cmd, "nokey", "100")
		p.eq(cmd, "k")
		p.eq(cmd, "k", "abc")
		p.eq(cmd, "k", "1.5")
		p.eq(cmd, "k", "100", "FOO")
		p.eq(cmd, "k", "abc", "FOO")
		p.eq(cmd, "k", "abc", "NX")
		p.eq(cmd, "k", "100", "NX", "XX")
		p.eq(cmd, "k", "100", "NX", "GT")
		p.eq(cmd, "k", "100", "lt", "nx")
		p.eq(cmd, "k", "100", "GT", "LT")
		p.eq(cmd, "k", "100", "XX", "GT", "LT")
		p.eq(cmd, "k", "9223372036854775807")
		p.eq(cmd, "k", "-9223372036854775808")
		p.eq(cmd, "k", "9223372036854775808")
		p.eq(cmd, "nokey", "9223372036854775807")
		p.eq(cmd, "nokey", "9223372036854775806")
		p.eq(cmd, "nokey", "9223372036854775")
	}
	// Relative: TTL rounds to seconds, so these compare exactly.
	p.script(
		"SET k v", "TTL k", "PTTL k", "EXPIRETIME k", "PEXPIRETIME k",
		"EXPIRE k 100", "TTL k", "EXPIRETIME nokey", "TTL nokey", "PTTL nokey",
		"EXPIRE k 200 NX", "TTL k", "EXPIRE k 200 XX", "TTL k",
		"EXPIRE k 100 GT", "TTL k", "EXPIRE k 300 GT", "TTL k",
		"EXPIRE k 400 LT", "TTL k", "EXPIRE k 50 LT", "TTL k",
		"EXPIRE k 60 xx gt", "TTL k", "EXPIRE k 60 XX LT", "TTL k",
		"PEXPIRE k 70000", "TTL k", "PERSIST k", "TTL k", "PERSIST k", "PERSIST nokey",
		"EXPIRE k 100 XX", "EXPIRE k 100 GT", "EXPIRE k 100 LT", "TTL k", "EXPIRE k 100 NX", "TTL k",
		"EXPIRE k 100 NX",
	)
	// Absolute times compare exactly.
	p.script(
		"SET a v", "PEXPIREAT a "+farFuture, "PEXPIRETIME a", "EXPIRETIME a",
		"PEXPIREAT a 4102444800499", "EXPIRETIME a", "PEXPIREAT a 4102444800500", "EXPIRETIME a",
		"EXPIREAT a 4102444801", "PEXPIRETIME a", "EXPIREAT a 9223372036854775", "PEXPIRETIME a",
		"EXPIREAT a 4102444801 GT", "EXPIREAT a 4102444801 LT", "PEXPIRETIME a",
		"EXPIREAT a 4102444802 NX", "EXPIREAT a 4102444802 XX", "PEXPIRETIME a",
		"SET b v", "EXPIREAT b 4102444801 GT", "EXPIREAT b 4102444801 LT", "PEXPIRETIME b",
	)
	// A time already past deletes the key, whatever the form.
	p.script(
		"SET d1 v", "EXPIRE d1 0", "EXISTS d1",
		"SET d2 v", "EXPIRE d2 -100", "EXISTS d2",
		"SET d3 v", "PEXPIRE d3 -1", "EXISTS d3",
		"SET d4 v", "EXPIREAT d4 1", "EXISTS d4",
		"SET d5 v", "PEXPIREAT d5 0", "EXISTS d5",
		"SET d6 v", "EXPIRE d6 -9223372036854775", "EXISTS d6",
		"SET d7 v", "EXPIRE d7 100", "EXPIRE d7 -1 GT", "EXPIRE d7 -1 LT", "EXISTS d7",
		"SET d8 v", "EXPIREAT d8 1 NX", "EXISTS d8",
	)
	p.eq("TTL")
	p.eq("PTTL", "a", "b")
	p.eq("PERSIST")
	p.eq("EXPIRETIME", "a", "b")

	// PTTL counts down in milliseconds.
	p.shoal.do("PEXPIRE", "a", "100000")
	ms := p.shoal.do("PTTL", "a")
	if n, err := strconv.Atoi(strings.TrimSpace(ms[1:])); err != nil || n < 99000 || n > 100000 {
		t.Errorf("PTTL after PEXPIRE 100000: %q", ms)
	}
}

func TestKeysExpiredAreAbsent(t *testing.T) {
	p := newPair(t)
	p.script("SET gone v", "PEXPIRE gone 1", "SET stay v", "SET vol v", "EXPIRE vol 100")
	time.Sleep(10 * time.Millisecond)
	p.script(
		"EXISTS gone", "TTL gone", "PTTL gone", "TYPE gone", "TOUCH gone", "OBJECT ENCODING gone",
		"EXPIRE gone 100", "PERSIST gone", "RENAME gone x", "COPY gone x", "MOVE gone 1", "DEL gone",
	)
	p.eqUnordered("KEYS", "*")
	p.script("DEL vol", "RANDOMKEY", "DEL stay", "RANDOMKEY")
	p.script("SET gone v", "PEXPIRE gone 1")
	time.Sleep(10 * time.Millisecond)
	p.script("RANDOMKEY", "KEYS *", "SET gone v", "TTL gone", "GET gone")
}

func TestKeysKeysCommand(t *testing.T) {
	p := newPair(t)
	p.eq("KEYS", "*")
	p.eq("KEYS")
	p.eq("KEYS", "a", "b")
	for _, k := range []string{"foo", "foobar", "fo", "bar", "", "a*b", "a?b", "x[y]z", `back\slash`, "f", "FOO"} {
		p.both("SET", k, "1")
	}
	for _, pat := range []string{"*", "**", "f*", "*o", "fo?", "?", "", "FOO", "a\\*b", "a\\?b", `x\[y\]z`, `back\\slash`, "[fb]*", "[^f]*"} {
		p.eqUnordered("KEYS", pat)
	}
	// Keys with a TTL are listed until they expire.
	p.script("EXPIRE foo 100")
	p.eqUnordered("KEYS", "f*")
}

// globKeys are keys with characters the glob syntax gives meaning to.
var globKeys = []string{
	"", "a", "b", "c", "ab", "abc", "abcd", "aXc", "A", "B", "z", "-", "]", "[", "^", "\\", "*", "?",
	"a-", "a]", "a[", "a^", "a\\", "[a]", "a-c", "hello", "hallo", "hxllo", "hllo", "heeeello",
	"\\\\", "a*", "?a", "]]", "[[", "x\x00y", "\xff", "b-a",
}

// TestKeysGlobPatterns checks the glob matcher against Redis's with hand
// written tricky patterns and with random patterns over the special bytes.
func TestKeysGlobPatterns(t *testing.T) {
	p := newPair(t)
	for _, k := range globKeys {
		p.both("SET", k, "1")
	}
	patterns := []string{
		"h?llo", "h*llo", "h[ae]llo", "h[^e]llo", "h[a-b]llo", "h[b-a]llo", "[a-c]", "[c-a]", "[^a]",
		"[^a-c]", "[a", "[", "[^", "[]", "[]]", "[]a]", "[^]]", "[a-]", "[a-", "[-a]", "[\\]]", "[\\]",
		"[\\", "\\", "\\\\", "\\*", "\\?", "\\[", "a\\", "*\\", "**", "***", "*a*", "a*", "*a", "?",
		"??", "???*", "*?", "[[]", "[]]]", "[*]", "[?]", "[\\-]", "[a\\-c]", "[^\\]]", "[A-Z]", "[a-z]",
		"*[", "*[a", "h*[l]*o", "h*e*l*o", "*e*l*", "[^]", "[^-]", "[--]", "x?y", "x*y", "\xff", "[\xff]",
		"[^\xff]", "a[b-c]*", "*]", "]", "^", "-", "[]-]", "[!a]",
	}
	for _, pat := range patterns {
		p.eqUnordered("KEYS", pat)
	}
	r := rand.New(rand.NewPCG(7, 11))
	alphabet := []byte("ab-^[]\\*?")
	for i := 0; i < 300; i++ {
		b := make([]byte, 1+r.IntN(6))
		for j := range b {
			b[j] = alphabet[r.IntN(len(alphabet))]
		}
		p.eqUnordered("KEYS", string(b))
	}
}

func TestKeysRandomKey(t *testing.T) {
	p := newPair(t)
	p.eq("RANDOMKEY")
	p.eq("RANDOMKEY", "x")
	p.script("SET only 1", "RANDOMKEY", "RANDOMKEY")
	for i := 0; i < 50; i++ {
		p.shoal.do("SET", "k"+strconv.Itoa(i), "v")
	}
	seen := map[string]bool{}
	for i := 0; i < 200; i++ {
		r := p.shoal.do("RANDOMKEY")
		if !strings.HasPrefix(r, "$") || r == "$-1\r\n" {
			t.Fatalf("RANDOMKEY: %q", r)
		}
		seen[strings.Split(r, "\r\n")[1]] = true
	}
	if len(seen) < 10 {
		t.Errorf("RANDOMKEY returned only %d distinct keys of 51 in 200 calls", len(seen))
	}
}

func TestKeysObject(t *testing.T) {
	p := newPair(t)
	p.eq("OBJECT", "HELP")
	p.eq("OBJECT", "help")
	p.eq("OBJECT")
	p.eq("OBJECT", "HELP", "x")
	p.eq("OBJECT", "FOO", "k")
	p.eq("OBJECT", "ENCODING")
	p.eq("OBJECT", "ENCODING", "a", "b")
	for _, sub := range []string{"ENCODING", "FREQ", "IDLETIME", "REFCOUNT"} {
		p.eq("OBJECT", sub, "nokey")
	}
	values := []string{
		"0", "1", "-1", "100", "9999", "10000", "-0", "01", "+1", " 1", "1.5", "abc", "",
		"9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
		"12345678901234567890", strings.Repeat("x", 44), strings.Repeat("x", 45), strings.Repeat("9", 21),
	}
	for i, v := range values {
		k := "k" + strconv.Itoa(i)
		p.both("SET", k, v)
		p.eq("OBJECT", "ENCODING", k)
		p.eq("OBJECT", "REFCOUNT", k)
		// Redis shares the objects of 0..9999: their idle time is that of
		// the shared object, whatever key holds it.
		// The LRU clock ticks in seconds, so a key set just now reads 0 or
		// 1 depending on where each server's second boundary falls.
		if n, err := strconv.Atoi(v); err != nil || strconv.Itoa(n) != v || n < 0 || n >= 10000 {
			got, want := p.shoal.do("OBJECT", "IDLETIME", k), p.redis.do("OBJECT", "IDLETIME", k)
			for _, r := range []string{got, want} {
				if r != ":0\r\n" && r != ":1\r\n" {
					t.Errorf("OBJECT IDLETIME %s: shoal %q, redis %q", k, got, want)
				}
			}
		}
		p.eq("OBJECT", "FREQ", k)
	}
	// RENAME keeps the value, COPY duplicates it.
	p.script("SET s 5", "RENAME s t", "OBJECT ENCODING t", "OBJECT REFCOUNT t",
		"SET long "+strings.Repeat("y", 50), "COPY long long2", "OBJECT ENCODING long2")
}

// TestKeysObjectLFU runs OBJECT FREQ and IDLETIME under an LFU policy, on a
// Shoal and a redis-server started for it.
func TestKeysObjectLFU(t *testing.T) {
	shoalAddr, redisAddr := ownServers(t, []string{"maxmemory-policy allkeys-lfu"}, []string{"--maxmemory-policy", "allkeys-lfu"})
	p := pairAt(t, shoalAddr, redisAddr)
	p.script("SET k 1", "OBJECT IDLETIME k", "OBJECT IDLETIME nokey", "OBJECT FREQ nokey", "OBJECT REFCOUNT k")
	// A copy is a new value with the initial counter; RENAME keeps the value
	// and its counter, after the access of looking it up (5 -> 6 for sure).
	p.script("COPY k k2", "OBJECT FREQ k2", "RENAME k2 k3", "OBJECT FREQ k3")
	// The counter of a new key and its logarithmic growth are random past
	// the first accesses; only the range is checked.
	for i := 0; i < 3; i++ {
		p.shoal.do("GET", "k")
	}
	got := p.shoal.do("OBJECT", "FREQ", "k")
	if n, err := strconv.Atoi(strings.TrimSpace(got[1:])); err != nil || n < 5 || n > 9 {
		t.Errorf("OBJECT FREQ after 3 GETs: %q", got)
	}
}

// TestKeysRESP3 compares the replies that differ in RESP3 (nulls), when
// Shoal speaks it.
func TestKeysRESP3(t *testing.T) {
	p := newPair(t)
	if r := p.shoal.do("HELLO", "3"); strings.HasPrefix(r, "-") {
		t.Skip("HELLO 3 not supported yet: " + r)
	}
	p.redis.do("HELLO", "3")
	p.script("RANDOMKEY", "OBJECT ENCODING nokey", "OBJECT IDLETIME nokey", "SET a 1", "RANDOMKEY",
		"OBJECT HELP", "TYPE a", "TTL a", "SCAN 0", "KEYS *")
}

// TestKeysPropagation checks the forms the expiry commands replicate in.
func TestKeysPropagation(t *testing.T) {
	srv := ownShoal(t)
	lines := make(chan string, 100)
	srv.SetPropagateHook(func(db int, args [][]byte) {
		s := make([]string, len(args))
		for i, a := range args {
			s[i] = string(a)
		}
		lines <- strings.Join(s, " ")
	})
	c := dial(t, srv.Addr().String())
	expect := func(want string, cmd ...string) {
		t.Helper()
		before := time.Now().UnixMilli()
		c.do(cmd...)
		var line string
		select {
		case line = <-lines:
		case <-time.After(2 * time.Second):
			t.Fatalf("%v: nothing propagated", cmd)
		}
		after := time.Now().UnixMilli()
		if strings.Contains(want, "%d") {
			// A relative time becomes an absolute one between before and after.
			f := strings.Fields(line)
			n, err := strconv.ParseInt(f[2], 10, 64)
			base, _ := strconv.ParseInt(strings.Fields(want)[2][2:], 10, 64)
			if err != nil || n < before+base || n > after+base {
				t.Errorf("%v propagated %q, want %s with %%d in [%d, %d]", cmd, line, want, before+base, after+base)
			}
			f[2] = "%d+" + strconv.FormatInt(base, 10)
			line = strings.Join(f, " ")
		}
		if line != want {
			t.Errorf("%v propagated %q, want %q", cmd, line, want)
		}
	}
	c.do("SET", "k", "v")
	<-lines
	expect("PEXPIREAT k %d+100000", "EXPIRE", "k", "100")
	expect("PEXPIREAT k %d+200000 GT", "PEXPIRE", "k", "200000", "GT")
	expect("PEXPIREAT k 4102444801000", "EXPIREAT", "k", "4102444801")
	expect("PEXPIREAT k 4102444802000 xx", "PEXPIREAT", "k", "4102444802000", "xx")
	expect("PERSIST k", "PERSIST", "k")
	expect("DEL k", "EXPIRE", "k", "-1")
	c.do("SET", "k", "v")
	<-lines
	expect("DEL k", "PEXPIREAT", "k", "1")
	if r := c.do("EXPIRE", "k", "10"); r != ":0\r\n" {
		t.Errorf("EXPIRE on a deleted key: %q", r)
	}
	select {
	case l := <-lines:
		t.Errorf("EXPIRE on a missing key propagated %q", l)
	case <-time.After(20 * time.Millisecond):
	}
}

// TestKeysReapExpired: SCAN and RANDOMKEY delete the expired keys they come
// across, KEYS does not; the active expiry cycle is off to see it.
func TestKeysReapExpired(t *testing.T) {
	p := newPair(t)
	p.both("DEBUG", "SET-ACTIVE-EXPIRE", "0")
	t.Cleanup(func() { p.both("DEBUG", "SET-ACTIVE-EXPIRE", "1") })
	p.script("SET x 1", "PEXPIRE x 1", "SET live 1")
	time.Sleep(5 * time.Millisecond)
	p.script("KEYS *", "DBSIZE", "SCAN 0 MATCH nomatch COUNT 100", "DBSIZE", "SCAN 0 COUNT 100", "DBSIZE")
	p.script("SET z 1", "PEXPIRE z 1")
	time.Sleep(5 * time.Millisecond)
	p.script("SCAN 0 TYPE list COUNT 100", "DBSIZE")
	p.script("DEL live", "SET y 1", "PEXPIRE y 1")
	time.Sleep(5 * time.Millisecond)
	p.script("DBSIZE", "RANDOMKEY", "DBSIZE")
}
