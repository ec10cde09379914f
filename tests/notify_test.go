package tests

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// notifyPair is a subscriber to every keyspace and keyevent channel on
// both servers, plus a pair that runs commands.
type notifyPair struct {
	t        *testing.T
	sub, cmd *pair
}

func newNotifyPair(t *testing.T, flags string) *notifyPair {
	t.Helper()
	cmd := newPair(t)
	cmd.eq("CONFIG", "SET", "notify-keyspace-events", flags)
	t.Cleanup(func() {
		cmd.both("CONFIG", "SET", "notify-keyspace-events", "")
	})
	sub := pairAt(t, testEnv.shoalAddr, testEnv.redisAddr)
	sub.eqN(1, "PSUBSCRIBE", "__key*__:*")
	return &notifyPair{t: t, sub: sub, cmd: cmd}
}

// run executes the commands on both servers, then compares the events
// each server published, in order, up to a marker.
func (n *notifyPair) run(lines ...string) {
	n.t.Helper()
	n.cmd.script(lines...)
	n.cmd.both("PUBLISH", "__keyspace@0__:marker", "end")
	got, want := n.events(n.sub.shoal), n.events(n.sub.redis)
	if got != want {
		n.t.Errorf("events after %q\n shoal: %s\n redis: %s", lines, got, want)
	}
}

// events reads event messages until the marker, as "channel=message" lines.
func (n *notifyPair) events(c *rconn) string {
	var out []string
	for {
		parts := strings.Split(c.reply(), "\r\n")
		if len(parts) < 9 {
			n.t.Fatalf("not a pmessage: %q", parts)
		}
		ch, msg := parts[6], parts[8]
		if ch == "__keyspace@0__:marker" {
			return strings.Join(out, " ")
		}
		out = append(out, ch+"="+msg)
	}
}

func TestKeyspaceNotifications(t *testing.T) {
	n := newNotifyPair(t, "KEA")
	n.run("SET s 1", "SET s 2 EX 100", "SETNX s 3", "SETNX s2 3", "GETSET s 4", "APPEND s x", "APPEND ap y",
		"SETRANGE s 0 z", "SETRANGE sr 2 z", "INCR i", "INCRBY i 5", "DECR i", "INCRBYFLOAT f 1.5",
		"MSET a 1 b 2", "MSETNX a 1 c 3", "GETDEL a", "GETEX b EX 100", "GETEX b PERSIST", "SETEX se 100 v", "PSETEX pe 100 v")
	n.run("SET k v", "EXPIRE k 100", "PEXPIRE k 100000", "PERSIST k", "EXPIRE k -1", "SET k v", "RENAME k k2",
		"RENAMENX k2 k3", "COPY k3 k4", "COPY k3 k5 DB 1", "MOVE k4 2", "DEL k3 nokey k5", "UNLINK k4", "EXPIRE nokey 10")
	n.run("RPUSH l a b c d", "LPUSH l z", "LPUSHX nol a", "RPUSHX l e", "LPOP l", "RPOP l 2", "LSET l 0 q",
		"LINSERT l BEFORE q p", "LINSERT l BEFORE nopivot p", "LTRIM l 0 -1", "LTRIM l 1 -1", "LREM l 0 zz", "LREM l 1 q",
		"LMOVE l l2 LEFT RIGHT", "RPOPLPUSH l l2", "LMPOP 2 nol l2 LEFT COUNT 1", "BLPOP nol l2 0", "RPUSH l3 x", "BRPOP l3 0")
	n.run("HSET h f v g w", "HSET h f v", "HSETNX h f v", "HSETNX h n v", "HINCRBY h c 2", "HINCRBYFLOAT h d 1.5",
		"HDEL h f nof", "HDEL h g n c d", "HDEL h nof")
	n.run("SADD s1 a b c", "SADD s1 a", "SREM s1 a", "SREM s1 zz", "SMOVE s1 s2 b", "SMOVE s1 s2 c", "SPOP s2",
		"SADD s3 1 2 3 4", "SPOP s3 4", "SADD x 1 2", "SADD y 2 3", "SINTERSTORE d x y",
		"SUNIONSTORE d x y", "SDIFFSTORE d x x", "SDIFFSTORE d x x")
	n.run("ZADD z 1 a 2 b 3 c", "ZADD z 1 a", "ZADD z XX 5 nob", "ZINCRBY z 1 a", "ZADD z INCR 1 b", "ZREM z c nob",
		"ZPOPMIN z", "ZADD z 1 x 2 y 3 w", "ZPOPMAX z 2", "ZREMRANGEBYSCORE z 0 1", "ZADD z 1 a 2 b",
		"ZREMRANGEBYRANK z 0 0", "ZREMRANGEBYLEX z - +", "ZADD z1 1 a", "ZADD z2 2 b",
		"ZUNIONSTORE zd 2 z1 z2", "ZINTERSTORE zd 2 z1 z2", "ZDIFFSTORE zd 1 z1", "ZRANGESTORE zr z1 0 -1",
		"ZMPOP 1 z1 MIN", "BZPOPMIN z2 0", "ZADD z3 1 a", "BZMPOP 0 1 z3 MAX")
	// Random picks: the replies differ, the events must not.
	n.cmd.both("SADD", "r", "1", "2", "3", "4")
	n.cmd.both("SPOP", "r", "2")
	n.cmd.both("SPOP", "r")
	n.cmd.both("SPOP", "r", "5")
	n.run("EXISTS r")
	n.run("RPUSH sl 3 1 2", "SORT sl STORE sd", "SORT nol STORE sd", "SORT nol STORE sd")
	n.run("SETBIT b 7 1", "SETBIT b 7 1", "SETBIT b 7 0", "SETBIT b 100 0", "SETBIT nb 3 0", "SET x ab",
		"BITOP AND d x b", "BITOP OR d nokey nokey2", "BITOP NOT nd nokey", "BITFIELD bf GET u8 0",
		"BITFIELD bf SET u8 0 5", "BITFIELD bf INCRBY u8 0 1 GET u8 0", "BITFIELD bf OVERFLOW FAIL INCRBY u8 0 300",
		"BITFIELD nbf OVERFLOW FAIL INCRBY u8 0 300")
	n.run("PFADD h a b c", "PFADD h a", "PFADD h2", "PFADD h2", "PFCOUNT h", "PFMERGE hm h h2", "PFMERGE hm")
	n.run("GEOADD g 13.361389 38.115556 Palermo 15.087269 37.502669 Catania", "GEOADD g XX 13.361389 38.115556 Palermo",
		"GEOSEARCHSTORE gs g FROMLONLAT 15 37 BYRADIUS 200 km", "GEORADIUS g 15 37 200 km STORE gr",
		"GEORADIUS g 15 37 200 km STOREDIST gr", "GEOSEARCHSTORE gs g FROMLONLAT 0 0 BYRADIUS 1 km",
		"GEORADIUS nokey 15 37 200 km STORE gr", "GEOSEARCHSTORE gs nokey FROMLONLAT 0 0 BYRADIUS 1 km")
	n.run("FLUSHDB", "SET a 1", "SELECT 1", "SET a 1", "DEL a", "SELECT 0")
}

// Only the classes asked for are published, on the channels asked for.
func TestKeyspaceNotificationClasses(t *testing.T) {
	for _, flags := range []string{"K$", "El", "Kgz", "KEn", "Ex", "KA", "KEm"} {
		t.Run(flags, func(t *testing.T) {
			n := newNotifyPair(t, flags)
			n.run("SET a 1", "RPUSH l x", "LPOP l", "ZADD z 1 m", "DEL z a", "GET nokey", "EXISTS nokey", "SET t 1 PX 1")
			time.Sleep(10 * time.Millisecond)
			n.run("GET t")
		})
	}
}

// Expiry in the background cycle publishes "expired" too.
func TestKeyspaceNotificationActiveExpiry(t *testing.T) {
	n := newNotifyPair(t, "Ex")
	n.cmd.both("SET", "e1", "v", "PX", "30")
	n.cmd.both("HSET", "e2", "f", "v")
	n.cmd.both("PEXPIRE", "e2", "30")
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		if n.cmd.shoal.do("DBSIZE") == ":0\r\n" && n.cmd.redis.do("DBSIZE") == ":0\r\n" {
			break
		}
	}
	// Both keys expired without being touched; the order between them is
	// each server's own.
	n.cmd.both("PUBLISH", "__keyspace@0__:marker", "end")
	got, want := n.events(n.sub.shoal), n.events(n.sub.redis)
	if normalizeWords(got) != normalizeWords(want) || !strings.Contains(want, "expired=e1") {
		t.Fatalf("active expiry events\n shoal: %s\n redis: %s", got, want)
	}
}

func normalizeWords(s string) string {
	w := strings.Fields(s)
	for i := 1; i < len(w); i++ {
		for j := i; j > 0 && w[j] < w[j-1]; j-- {
			w[j], w[j-1] = w[j-1], w[j]
		}
	}
	return strings.Join(w, " ")
}

// Eviction publishes "evicted" for every key it removes (class e), on both
// channels, and nothing else when only e is asked for.
func TestKeyspaceNotificationEvicted(t *testing.T) {
	srv := ownShoal(t, "maxmemory-policy allkeys-random", "notify-keyspace-events KEe")
	addr := srv.Addr().String()
	sub := dial(t, addr)
	sub.do("PSUBSCRIBE", "__key*@0__:*")
	c := dial(t, addr)
	for i := 0; i < 50; i++ {
		c.do("SET", "k"+strconv.Itoa(i), strings.Repeat("x", 200))
	}
	c.do("CONFIG", "SET", "maxmemory", "2000")
	c.do("SET", "x", "y")
	deadline := time.Now().Add(5 * time.Second)
	n := 0
	for n == 0 && time.Now().Before(deadline) {
		n, _ = strconv.Atoi(evInfoField(t, c, "evicted_keys"))
		time.Sleep(5 * time.Millisecond)
	}
	if n == 0 {
		t.Fatal("nothing evicted")
	}
	c.do("CONFIG", "SET", "maxmemory", "0")
	seen := map[string]int{}
	for i := 0; i < 2*n; i++ {
		parts := strings.Split(sub.reply(), "\r\n")
		ch, msg := parts[6], parts[8]
		switch {
		case ch == "__keyevent@0__:evicted":
			seen["event:"+msg]++
		case strings.HasPrefix(ch, "__keyspace@0__:") && msg == "evicted":
			seen["space:"+strings.TrimPrefix(ch, "__keyspace@0__:")]++
		default:
			t.Fatalf("unexpected %s %s", ch, msg)
		}
	}
	for k, v := range seen {
		key := k[strings.IndexByte(k, ':')+1:]
		if v != 1 || seen["event:"+key] != 1 || seen["space:"+key] != 1 {
			t.Fatalf("events %v", seen)
		}
		if r := c.do("EXISTS", key); r != ":0\r\n" {
			t.Fatalf("evicted %s still exists", key)
		}
	}
}
