package tests

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
)

// Whole-dataset helpers for persistence tests: fill a server with every
// type and encoding, and read a server's whole dataset back in a form two
// servers can be compared by.

// fillEveryType writes keys of every type and encoding into databases 0, 3
// and 15, some with TTLs, on the server at addr.
func fillEveryType(t testing.TB, addr string) {
	t.Helper()
	c := dial(t, addr)
	long := strings.Repeat("compressible text ", 40)
	for _, db := range []string{"0", "3", "15"} {
		mustOK(t, c.do("SELECT", db))
		cmds := [][]string{
			{"SET", "str", "hello " + db},
			{"SET", "int", "12345"},
			{"SET", "neg", "-9000000000"},
			{"SET", "long", long},
			{"SET", "ttl", "soon", "PX", "500000"},
			{"SETBIT", "bits", "1000", "1"},
			{"PFADD", "hll", "a", "b", "c"},
			{"RPUSH", "list", "a", "1", "bb", "-5", long},
			{"SADD", "intset", "1", "2", "3", "-100"},
			{"SADD", "set", "x", "y", "z"},
			{"HSET", "hash", "f1", "v1", "f2", "2"},
			{"ZADD", "zset", "1.5", "a", "-2", "b", "inf", "c"},
			{"GEOADD", "geo", "13.361389", "38.115556", "Palermo"},
			{"EXPIRE", "list", "100000"},
		}
		for _, cmd := range cmds {
			c.do(cmd...)
		}
		// Big ones: past every listpack and intset limit.
		for i := 0; i < 700; i++ {
			s := strconv.Itoa(i)
			c.send("RPUSH", "biglist", "element-"+s)
			c.send("SADD", "bigintset", s)
			c.send("SADD", "bigset", "m"+s)
			c.send("HSET", "bighash", "field"+s, "value"+s)
			c.send("ZADD", "bigzset", s+".25", "member"+s)
		}
		for i := 0; i < 5*700; i++ {
			c.reply()
		}
		c.do("HSET", "hashlongval", "f", strings.Repeat("v", 100))
		c.do("ZADD", "zsetlongmember", "1", strings.Repeat("m", 100))
	}
	mustOK(t, c.do("SELECT", "0"))
}

func mustOK(t testing.TB, reply string) {
	t.Helper()
	if reply != "+OK\r\n" {
		t.Fatalf("got %q, want +OK", reply)
	}
}

// datasetOf reads every key of every database at addr: type, encoding,
// content (sets and hashes sorted), and whether it has a TTL.
func datasetOf(t testing.TB, addr string) map[string]string {
	t.Helper()
	ctx := context.Background()
	out := map[string]string{}
	for db := 0; db < 16; db++ {
		rc := redis.NewClient(&redis.Options{Addr: addr, DB: db, Protocol: 2})
		keys, err := rc.Keys(ctx, "*").Result()
		if err != nil {
			t.Fatalf("KEYS in db %d: %v", db, err)
		}
		for _, k := range keys {
			typ := rc.Type(ctx, k).Val()
			enc := rc.ObjectEncoding(ctx, k).Val()
			var content string
			switch typ {
			case "string":
				content = rc.Get(ctx, k).Val()
			case "list":
				content = strings.Join(rc.LRange(ctx, k, 0, -1).Val(), ",")
			case "set":
				m := rc.SMembers(ctx, k).Val()
				sort.Strings(m)
				content = strings.Join(m, ",")
			case "zset":
				for _, z := range rc.ZRangeWithScores(ctx, k, 0, -1).Val() {
					content += fmt.Sprintf("%v=%v,", z.Member, z.Score)
				}
			case "hash":
				var pairs []string
				for f, v := range rc.HGetAll(ctx, k).Val() {
					pairs = append(pairs, f+"="+v)
				}
				sort.Strings(pairs)
				content = strings.Join(pairs, ",")
			}
			ttl := rc.PTTL(ctx, k).Val() > 0
			out[fmt.Sprintf("%d/%s", db, k)] = fmt.Sprintf("%s|%s|ttl=%v|%s", typ, enc, ttl, content)
		}
		rc.Close()
	}
	return out
}

// sameDataset fails t unless the two datasets are equal, naming the
// first few differences.
func sameDataset(t testing.TB, what string, got, want map[string]string) {
	t.Helper()
	var diffs []string
	for k, v := range want {
		if got[k] != v {
			diffs = append(diffs, fmt.Sprintf("%s: got %.120q, want %.120q", k, got[k], v))
		}
	}
	for k, v := range got {
		if _, ok := want[k]; !ok {
			diffs = append(diffs, fmt.Sprintf("%s: unexpected %.120q", k, v))
		}
	}
	if len(diffs) > 0 {
		sort.Strings(diffs)
		if len(diffs) > 10 {
			diffs = diffs[:10]
		}
		t.Fatalf("%s: %d keys differ:\n%s", what, len(diffs), strings.Join(diffs, "\n"))
	}
	if len(want) == 0 {
		t.Fatalf("%s: empty dataset", what)
	}
}
