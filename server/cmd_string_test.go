package server

import (
	"strings"
	"testing"
)

// In-process tests of the strings family for what the differential tests
// cannot set up alone: keys of other types (before those families exist)
// and the propagated form of each write.

// newStringTestClient returns an internal client of a server that does not
// listen, and a function running one command and returning its raw reply.
func newStringTestClient(t testing.TB) (*Client, func(args ...string) string) {
	cfg := DefaultConfig()
	cfg.Port = 0
	s := New(cfg)
	c := s.newInternalClient()
	return c, func(args ...string) string {
		b := make([][]byte, len(args))
		for i, a := range args {
			b[i] = []byte(a)
		}
		c.out = c.out[:0]
		c.execute(b)
		return string(c.out)
	}
}

// addListKey stores a key of type list (with no value: the strings family
// only checks the type).
func addListKey(c *Client, key string) {
	sh := &c.db.shards[shardOf([]byte(key))]
	sh.mu.Lock()
	c.addEntry(newObjEntry([]byte(key), TypeList, nil))
	sh.mu.Unlock()
}

// The replies were taken from redis-server 7.0.15 with a list at "l".
func TestStringWrongType(t *testing.T) {
	c, do := newStringTestClient(t)
	const wt = "-" + errWrongType + "\r\n"
	const notInt = "-" + errNotInt + "\r\n"
	cases := []struct{ cmd, want string }{
		{"get l", wt},
		{"set l v get", wt},
		{"set l v get ex abc", notInt},
		{"getset l v", wt},
		{"getdel l", wt},
		{"getex l", wt},
		{"getex l ex abc", wt},
		{"getex l foo", "-ERR syntax error\r\n"},
		{"mget l a", "*2\r\n$-1\r\n$-1\r\n"},
		{"incr l", wt},
		{"incrby l abc", notInt},
		{"decrby l 1", wt},
		{"incrbyfloat l 1", wt},
		{"incrbyfloat l abc", wt},
		{"append l x", wt},
		{"setrange l 0 x", wt},
		{"setrange l -1 x", "-ERR offset is out of range\r\n"},
		{"getrange l 0 1", wt},
		{"getrange l a 1", notInt},
		{"substr l 0 1", wt},
		{"strlen l", wt},
		{"lcs l a", "-ERR The specified keys must contain string values\r\n"},
		{"lcs a l foo", "-ERR The specified keys must contain string values\r\n"},
		{"setnx l v", ":0\r\n"},
		{"msetnx a 1 l v", ":0\r\n"},
		{"mget a", "*1\r\n$-1\r\n"},
		{"set l v", "+OK\r\n"},
		{"get l", "$1\r\nv\r\n"},
	}
	addListKey(c, "l")
	for _, tc := range cases {
		if got := do(strings.Fields(tc.cmd)...); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.cmd, got, tc.want)
		}
	}
	// SETRANGE with an empty value still checks the type first.
	addListKey(c, "l2")
	if got := do("setrange", "l2", "0", ""); got != wt {
		t.Errorf("setrange l2 0 '': got %q", got)
	}
}

// A replica (our primary's client) is not held to proto-max-bulk-len.
func TestStringLengthLimitPrimary(t *testing.T) {
	c, do := newStringTestClient(t)
	if got := do("setrange", "k", "536870912", "x"); got != "-"+errStringTooLong+"\r\n" {
		t.Fatalf("setrange past the limit: %q", got)
	}
	if got := do("append", "k", "x"); got != ":1\r\n" {
		t.Fatalf("append: %q", got)
	}
	c.setFlag(clientMaster)
	if !c.checkStringLength(1, 1<<40) {
		t.Fatal("the primary's writes must not be refused")
	}
	c.clearFlag(clientMaster)
	if c.checkStringLength(1<<62, 1<<62) {
		t.Fatal("an overflowing length must be refused")
	}
}

// Keyspace hits and misses are counted by the commands that read a key the
// way Redis's lookupKeyRead does (expected counts taken from redis-server's
// INFO stats with k existing and nok missing).
func TestStringKeyspaceStats(t *testing.T) {
	c, do := newStringTestClient(t)
	cases := []struct {
		cmd          string
		hits, misses int64
	}{
		{"get k", 1, 0}, {"get nok", 0, 1}, {"set k v get", 1, 0}, {"set nok v get", 0, 1}, {"getset k v", 1, 0},
		{"getdel nok", 0, 1}, {"getex k", 1, 0}, {"getex nok", 0, 1}, {"mget k nok x", 1, 2}, {"getrange k 0 1", 1, 0},
		{"strlen k", 1, 0}, {"strlen nok", 0, 1}, {"lcs k nok", 1, 1}, {"incr nok2", 0, 0}, {"append k x", 0, 0},
		{"setrange k 0 x", 0, 0}, {"msetnx k 1", 0, 0}, {"setnx k 1", 0, 0}, {"set k v nx", 0, 0},
		{"incrbyfloat nok3 1", 0, 0}, {"set k v", 0, 0},
	}
	st := &c.srv.stats
	for _, tc := range cases {
		do("set", "k", "v")
		do("del", "nok")
		st.keyspaceHits.Store(0)
		st.keyspaceMisses.Store(0)
		do(strings.Fields(tc.cmd)...)
		if h, m := st.keyspaceHits.Load(), st.keyspaceMisses.Load(); h != tc.hits || m != tc.misses {
			t.Errorf("%s: hits %d misses %d, want %d %d", tc.cmd, h, m, tc.hits, tc.misses)
		}
	}
}
