package tests

// Differential tests of the list commands against redis-server.

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

func TestListPushPop(t *testing.T) {
	p := newPair(t)
	p.script(
		"LPUSH l a b c", "RPUSH l d e", "LRANGE l 0 -1", "LLEN l", "LLEN nokey",
		"LPUSHX nokey a", "RPUSHX nokey a", "EXISTS nokey",
		"LPUSHX l x y", "RPUSHX l z", "LRANGE l 0 -1",
		"LPOP l", "RPOP l", "LPOP l 2", "RPOP l 2", "LPOP l 0", "RPOP l 0",
		"LPOP l 100", "EXISTS l", "LPOP l", "LPOP l 0", "LPOP l 3", "RPOP l 3",
		"LPOP l -1", "LPOP l x", "RPOP l 1.5", "LPOP nokey -1",
		"RPUSH l a", "LPOP l 1 2", "RPOP l 1 2", "LPOP", "LPUSH l", "RPUSH l",
		"OBJECT ENCODING l", "TYPE l", "RPOP l", "EXISTS l",
		"SET s x", "LPUSH s a", "RPUSH s a", "LPUSHX s a", "RPUSHX s a",
		"LPOP s", "RPOP s 2", "LLEN s", "LPOP s 0", "LPOP s -1",
	)
	p.both("HELLO", "3")
	p.script(
		"RPUSH r a b c", "LPOP r", "RPOP r 5", "LPOP r", "LPOP r 2", "LPOP r 0",
		"RPUSH r a b", "LPOP r 0", "RPOP r 1", "LRANGE r 0 -1", "LRANGE nokey 0 -1",
	)
}

func TestListIndexSetInsert(t *testing.T) {
	p := newPair(t)
	p.script(
		"RPUSH l a b c d e",
		"LINDEX l 0", "LINDEX l -1", "LINDEX l 4", "LINDEX l 5", "LINDEX l -6", "LINDEX l x",
		"LINDEX nokey 0", "LINDEX nokey x", "LINDEX l 9223372036854775807", "LINDEX l -9223372036854775808",
		"LSET l 0 A", "LSET l -1 E", "LSET l 5 x", "LSET l -6 x", "LSET l x y", "LSET nokey 0 x",
		"LSET nokey x x", "LRANGE l 0 -1",
		"LINSERT l BEFORE c X", "LINSERT l after c Y", "LINSERT l AFTER E Z", "LINSERT l before A W",
		"LINSERT l before nothere x", "LINSERT l middle c x", "LINSERT nokey before a x",
		"LINSERT nokey middle a x", "LRANGE l 0 -1",
		"SET s x", "LINDEX s 0", "LINDEX s x", "LSET s 0 x", "LSET s x y", "LINSERT s before a b", "LINSERT s middle a b",
		"LLEN s",
	)
	p.both("HELLO", "3")
	p.script("LINDEX l 0", "LINDEX l 100", "LINDEX nokey 0")
}

func TestListRangeTrimRem(t *testing.T) {
	p := newPair(t)
	p.script("RPUSH l 0 1 2 3 4 5 6 7 8 9")
	for _, r := range [][2]string{{"0", "-1"}, {"2", "5"}, {"-3", "-1"}, {"-100", "100"}, {"5", "2"},
		{"10", "20"}, {"-1", "-2"}, {"0", "0"}, {"9", "9"}, {"-10", "-10"}, {"-11", "-11"}, {"3", "-8"},
		{"9223372036854775807", "-9223372036854775808"}, {"-9223372036854775808", "9223372036854775807"}} {
		p.eq("LRANGE", "l", r[0], r[1])
	}
	p.script("LRANGE l x 1", "LRANGE l 1 x", "LRANGE nokey x 1", "LRANGE nokey 0 1")
	for _, r := range [][2]string{{"1", "-2"}, {"-100", "100"}, {"1", "100"}, {"-3", "-1"}, {"1", "0"}} {
		p.eq("LTRIM", "l", r[0], r[1])
		p.eq("LRANGE", "l", "0", "-1")
	}
	p.script("EXISTS l", "LTRIM nokey 0 1", "LTRIM l x 0", "LTRIM l 0 x", "RPUSH l a", "LTRIM l 5 10", "EXISTS l")
	p.script(
		"RPUSH r a b a c a b a", "LREM r 0 zz", "LREM r 1 a", "LRANGE r 0 -1", "LREM r -2 a",
		"LRANGE r 0 -1", "LREM r 0 b", "LRANGE r 0 -1", "LREM r 0 a", "LREM r 5 c", "EXISTS r",
		"LREM nokey 1 a", "LREM r x a", "LREM nokey x a",
		"SET s x", "LRANGE s 0 1", "LRANGE s x 1", "LTRIM s 0 1", "LTRIM s x 1", "LREM s 1 a", "LREM s x a",
	)
}

func TestListPos(t *testing.T) {
	p := newPair(t)
	p.script("RPUSH l a b c a b c a", "LPOS nokey a", "LPOS nokey a COUNT 0", "LPOS nokey a COUNT 2 RANK 1")
	for _, opts := range []string{
		"", "RANK 1", "RANK 2", "RANK 3", "RANK 4", "RANK -1", "RANK -2", "RANK -4", "COUNT 0", "COUNT 1",
		"COUNT 2", "COUNT 10", "RANK 2 COUNT 0", "RANK -1 COUNT 2", "RANK -2 COUNT 0", "MAXLEN 1",
		"MAXLEN 3", "MAXLEN 4", "MAXLEN 0", "COUNT 0 MAXLEN 5", "RANK -1 MAXLEN 1", "RANK -1 MAXLEN 2",
		"RANK 2 MAXLEN 4", "rank 1 count 1 maxlen 0", "RANK -9223372036854775808",
		"RANK -9223372036854775808 COUNT 2", "RANK 9223372036854775807",
		"RANK 0", "RANK x", "RANK", "COUNT -1", "COUNT x", "MAXLEN -1", "MAXLEN x", "FOO 1",
		"COUNT", "RANK 1 FOO", "RANK 0 COUNT -1", "COUNT -1 RANK 0", "RANK 1.5",
	} {
		for _, elem := range []string{"a", "c", "zz"} {
			args := append([]string{"LPOS", "l", elem}, splitWords(opts)...)
			p.eq(args...)
		}
	}
	p.script("SET s x", "LPOS s a", "LPOS s a RANK 0", "LPOS s a COUNT 1")
	p.both("HELLO", "3")
	p.script("LPOS l zz", "LPOS l a COUNT 0", "LPOS nokey a", "LPOS nokey a COUNT 1")
}

func splitWords(s string) []string {
	var out []string
	w := ""
	for _, r := range s + " " {
		if r == ' ' {
			if w != "" {
				out = append(out, w)
			}
			w = ""
			continue
		}
		w += string(r)
	}
	return out
}

func TestListMove(t *testing.T) {
	p := newPair(t)
	p.script("RPUSH src a b c d")
	for _, ends := range [][2]string{{"LEFT", "LEFT"}, {"LEFT", "RIGHT"}, {"right", "left"}, {"RIGHT", "RIGHT"}} {
		p.eq("LMOVE", "src", "dst", ends[0], ends[1])
		p.eq("LRANGE", "src", "0", "-1")
		p.eq("LRANGE", "dst", "0", "-1")
	}
	p.script(
		"EXISTS src", "LMOVE src dst LEFT LEFT", "LMOVE nokey dst LEFT LEFT", "LMOVE dst dst up down",
		"LMOVE dst dst LEFT middle", "LMOVE nokey dst up LEFT",
		// Rotation on one key, including a single element.
		"RPUSH rot 1 2 3", "LMOVE rot rot LEFT RIGHT", "LRANGE rot 0 -1", "LMOVE rot rot RIGHT LEFT",
		"LMOVE rot rot LEFT LEFT", "LMOVE rot rot RIGHT RIGHT", "LRANGE rot 0 -1", "RPOPLPUSH rot rot",
		"LRANGE rot 0 -1", "RPUSH one x", "LMOVE one one LEFT RIGHT", "RPOPLPUSH one one", "LRANGE one 0 -1",
		// RPOPLPUSH.
		"RPUSH q 1 2 3", "RPOPLPUSH q q2", "RPOPLPUSH q q2", "RPOPLPUSH q q2", "RPOPLPUSH q q2",
		"LRANGE q2 0 -1", "EXISTS q", "RPOPLPUSH nokey q2",
		// WRONGTYPE on the source and on the destination; nothing moves.
		"SET s x", "LMOVE s q2 LEFT LEFT", "LMOVE q2 s LEFT LEFT", "RPOPLPUSH q2 s", "RPOPLPUSH s q2",
		"LRANGE q2 0 -1", "LMOVE nokey s LEFT LEFT", "RPOPLPUSH nokey s", "LMOVE s s LEFT RIGHT",
		"LMOVE q2 q2 LEFT RIGHT", "OBJECT ENCODING q2",
	)
	p.both("HELLO", "3")
	p.script("LMOVE nokey dst LEFT LEFT", "RPOPLPUSH nokey dst", "LMOVE q2 dst LEFT LEFT")
}

func TestListMPop(t *testing.T) {
	p := newPair(t)
	p.script(
		"RPUSH a 1 2 3", "RPUSH b 4 5 6 7",
		"LMPOP 1 a LEFT", "LMPOP 2 nokey a RIGHT", "LMPOP 2 nokey b LEFT COUNT 2", "LMPOP 2 a b RIGHT COUNT 10",
		"LMPOP 2 a b left count 1", "LMPOP 3 x y z LEFT", "EXISTS a", "LMPOP 2 a b RIGHT COUNT 10",
		"LMPOP 0 a LEFT", "LMPOP -1 a LEFT", "LMPOP x a LEFT", "LMPOP 5 a LEFT", "LMPOP 1 a MIDDLE",
		"LMPOP 1 a LEFT COUNT 0", "LMPOP 1 a LEFT COUNT -1", "LMPOP 1 a LEFT COUNT x", "LMPOP 1 a LEFT COUNT",
		"LMPOP 1 a LEFT FOO", "LMPOP 1 a LEFT COUNT 1 COUNT 2", "LMPOP 2 a LEFT", "LMPOP 1 a",
		"LMPOP 9223372036854775807 a LEFT", "LMPOP 99999999999999999999 a LEFT", "LMPOP 1 a b c",
		"SET s x", "RPUSH c 1", "LMPOP 2 s c LEFT", "LMPOP 2 c s LEFT", "LMPOP 2 nokey s LEFT",
		"LMPOP 1 s LEFT COUNT 0",
	)
	p.both("HELLO", "3")
	p.script("RPUSH d 1 2", "LMPOP 1 d LEFT COUNT 5", "LMPOP 1 d LEFT", "LMPOP 1 nokey RIGHT")
}

func TestListArity(t *testing.T) {
	p := newPair(t)
	for _, c := range []string{"LINDEX l", "LINSERT l before a", "LLEN", "LMOVE a b LEFT", "LMPOP 1 a",
		"LPOS l", "LPUSHX l", "RPUSHX l", "LRANGE l 0", "LREM l 0", "LSET l 0", "LTRIM l 0", "RPOPLPUSH a",
		"BLPOP l", "BRPOP l", "BLMOVE a b LEFT LEFT", "BRPOPLPUSH a b", "BLMPOP 0 1 a", "RPOP", "LLEN a b"} {
		p.eq(splitWords(c)...)
	}
}

func TestListLarge(t *testing.T) {
	// Crosses the quicklist node sizes: replies and encodings still agree.
	p := newPair(t)
	args := []string{"RPUSH", "big"}
	for i := range 600 {
		args = append(args, strconv.Itoa(i)+"-element-with-some-length")
	}
	p.eq(args...)
	p.script("LLEN big", "OBJECT ENCODING big", "LINDEX big 300", "LRANGE big 295 305",
		"LINSERT big BEFORE 300-element-with-some-length mid", "LINDEX big 300", "LREM big 0 mid",
		"LTRIM big 100 -100", "LLEN big", "LRANGE big -3 -1", "LPOS big 350-element-with-some-length",
		"LSET big 200 changed", "LRANGE big 199 201", "LPOP big 3", "RPOP big 3")
	p.eq("LRANGE", "big", "0", "-1")
	p.eq("DEL", "big")
}

func TestListInMulti(t *testing.T) {
	// Blocking commands inside MULTI behave as their non-blocking forms.
	p := newPair(t)
	if r := p.shoal.do("MULTI"); r != "+OK\r\n" {
		t.Skip("MULTI not available yet: ", r)
	}
	p.shoal.do("DISCARD")
	p.script("RPUSH l a", "MULTI", "BLPOP nokey l 0", "BLPOP nokey 0", "BRPOP nokey 0",
		"BLMOVE nokey d LEFT LEFT 0", "BRPOPLPUSH nokey d 0", "BLMPOP 0 1 nokey LEFT", "BLMOVE l d LEFT LEFT 0",
		"EXEC", "LRANGE d 0 -1")
}

func TestListCopyRename(t *testing.T) {
	p := newPair(t)
	p.script("RPUSH l a b c", "COPY l l2", "RPUSH l2 d", "LRANGE l 0 -1", "LRANGE l2 0 -1",
		"RENAME l2 l3", "LRANGE l3 0 -1", "TYPE l3", "OBJECT ENCODING l3")
}

func TestListPropagation(t *testing.T) {
	// Replicas get the non-blocking forms that actually ran, and nothing
	// for commands that changed nothing.
	srv := ownShoal(t)
	propagated := recordPropagation(srv)
	addr := srv.Addr().String()
	c, w := dial(t, addr), dial(t, addr)
	for _, cmd := range []string{
		"RPUSH l a b c", "LPOP l", "BLPOP nokey l 0", "BRPOP l 0", "BLPOP nokey 0.01", "LPOP l", "LPOP nokey 2",
		"RPUSH s 1 2 3", "LMPOP 2 nokey s LEFT COUNT 5", "RPUSH s 1", "BLMPOP 0 1 s RIGHT", "LMPOP 1 s LEFT",
		"RPUSH m x y z", "BLMOVE m d LEFT RIGHT 0", "BRPOPLPUSH m d 0", "LMOVE m d RIGHT LEFT", "RPOPLPUSH m d",
		"LTRIM d 0 -1", "LREM d 0 zz", "LPOP d 0", "LINSERT d BEFORE zz x", "LTRIM d 1 -1", "LREM d 0 x",
	} {
		c.do(splitWords(cmd)...)
	}
	w.send("BLPOP", "wk", "0")
	waitBlocked(t, c, 1)
	c.do("RPUSH", "wk", "v")
	w.reply()
	want := []string{
		"RPUSH l a b c", "LPOP l", "LPOP l", "RPOP l",
		"RPUSH s 1 2 3", "LPOP s 3", "RPUSH s 1", "RPOP s 1",
		"RPUSH m x y z", "LMOVE m d LEFT RIGHT", "RPOPLPUSH m d", "LMOVE m d RIGHT LEFT",
		"LTRIM d 1 -1", "LREM d 0 x", "RPUSH wk v", "LPOP wk",
	}
	got := propagated()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("propagated:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestListRandomSequence(t *testing.T) {
	// Seeded random commands over a few small lists, replies compared one
	// by one: the interleavings a hand-written script misses.
	p := newPair(t)
	r := rand.New(rand.NewPCG(3, 7))
	keys := []string{"ra", "rb", "rc"}
	vals := []string{"x", "y", "z", "", "10"}
	key := func() string { return keys[r.IntN(len(keys))] }
	val := func() string { return vals[r.IntN(len(vals))] }
	num := func() string { return strconv.Itoa(r.IntN(13) - 6) }
	end := func() string { return []string{"LEFT", "RIGHT"}[r.IntN(2)] }
	for range 1500 {
		var cmd []string
		switch r.IntN(16) {
		case 0, 1:
			cmd = []string{"LPUSH", key(), val(), val()}
		case 2, 3:
			cmd = []string{"RPUSH", key(), val()}
		case 4:
			cmd = []string{[]string{"LPOP", "RPOP"}[r.IntN(2)], key()}
		case 5:
			cmd = []string{[]string{"LPOP", "RPOP"}[r.IntN(2)], key(), strconv.Itoa(r.IntN(4))}
		case 6:
			cmd = []string{"LINDEX", key(), num()}
		case 7:
			cmd = []string{"LSET", key(), num(), val()}
		case 8:
			cmd = []string{"LINSERT", key(), []string{"BEFORE", "AFTER"}[r.IntN(2)], val(), val()}
		case 9:
			cmd = []string{"LRANGE", key(), num(), num()}
		case 10:
			cmd = []string{"LTRIM", key(), num(), num()}
		case 11:
			cmd = []string{"LREM", key(), num(), val()}
		case 12:
			cmd = []string{"LPOS", key(), val(), "RANK", []string{"1", "-1", "2", "-2"}[r.IntN(4)], "COUNT", strconv.Itoa(r.IntN(3))}
		case 13:
			cmd = []string{"LMOVE", key(), key(), end(), end()}
		case 14:
			cmd = []string{"LMPOP", "2", key(), key(), end(), "COUNT", strconv.Itoa(1 + r.IntN(3))}
		default:
			cmd = []string{"LLEN", key()}
		}
		p.eq(cmd...)
	}
	for _, k := range keys {
		p.eq("LRANGE", k, "0", "-1")
	}
}
