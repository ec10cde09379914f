package tests

import (
	"fmt"
	"strings"
	"testing"
)

// Differential tests of SORT and SORT_RO against redis-server.

func TestSortList(t *testing.T) {
	p := newPair(t)
	p.script(
		"RPUSH l 3 1 2 10 -5 2.5 1e2 0x10",
		"SORT l",
		"SORT l DESC",
		"SORT l ASC",
		"SORT l ALPHA",
		"SORT l ALPHA DESC",
		"SORT l LIMIT 0 3",
		"SORT l LIMIT 2 3",
		"SORT l LIMIT -5 2",
		"SORT l LIMIT 3 -1",
		"SORT l LIMIT 6 100",
		"SORT l LIMIT 100 5",
		"SORT l LIMIT 2 9223372036854775807",
		"SORT l LIMIT 1 0",
		"SORT l DESC LIMIT 1 2",
		"SORT_RO l",
		"SORT_RO l DESC ALPHA LIMIT 1 4",
		"SORT nokey",
		"SORT nokey LIMIT 0 10",
		"SORT_RO nokey",
		// nosort: the list's own order, LIMIT and DESC applied.
		"SORT l BY nosort",
		"SORT l BY nosort DESC",
		"SORT l BY nosort LIMIT 1 3",
		"SORT l BY nosort DESC LIMIT 1 3",
		"SORT l BY nosort LIMIT 20 3",
		"SORT l BY nosort LIMIT -1 -1",
		"SORT l BY #",
		// Equal scores are ordered by the element bytes.
		"RPUSH eq 1.0 1 01 1e0 b a",
		"SORT eq ALPHA",
		"RPUSH ws 1 2 inf -inf Infinity",
		"SORT ws",
		"SORT ws DESC",
		"RPUSH sub 0x1p-1074 1",
		"SORT sub",
		"SORT_RO l STORE x",
	)
	// Weights C's strtod accepts. These come before any failing weight:
	// Redis checks errno without resetting it, so after an ERANGE its SORT
	// fails on every weight it parses with strtod until a syscall (such as
	// accepting a connection) changes errno.
	p.eq("RPUSH", "odd", " 2", "", "1", "\t3", "+4", "-0", "5.", ".5")
	p.eq("SORT", "odd")
	p.eq("SORT", "odd", "DESC")
	// Weights that are not numbers.
	for _, bad := range []string{"abc", "1e400", "1e-400", "1e-310", "nan", "2 ", "1x"} {
		p.both("DEL", "bad")
		p.eq("RPUSH", "bad", "1", bad)
		p.eq("SORT", "bad")
		p.eq("SORT", "bad", "ALPHA")
		p.eq("SORT", "bad", "STORE", "dst")
	}
}

func TestSortErrors(t *testing.T) {
	p := newPair(t)
	p.script("SET s x", "HSET h a 1", "RPUSH l 2 1")
	for _, cmd := range []string{
		"SORT s", "SORT h", "SORT_RO s", "SORT s LIMIT 0 1", "SORT s STORE dst",
		"SORT l LIMIT", "SORT l LIMIT 0", "SORT l LIMIT x 1", "SORT l LIMIT 0 x", "SORT l LIMIT 1.5 2",
		"SORT l BY", "SORT l GET", "SORT l STORE", "SORT l foo", "SORT l ALPHA foo",
		"SORT s foo", "SORT s LIMIT x 1", "SORT_RO l STORE dst", "SORT_RO l LIMIT 0",
		"SORT", "SORT_RO",
	} {
		p.eq(strings.Split(cmd, " ")...)
	}
	p.eq("EXISTS", "dst")
}

func TestSortByGet(t *testing.T) {
	p := newPair(t)
	p.script(
		"RPUSH l 1 2 3 4 5",
		"MSET w_1 50 w_2 10 w_3 30 w_4 20 o_1 one o_2 two o_3 three o_5 five",
		"HSET h_1 f 5 name a",
		"HSET h_2 f 4 name b",
		"HSET h_3 f 3",
		"HSET h_4 f 2 name d",
		"HSET h_5 f 1 name e",
		"SORT l BY w_*",
		"SORT l BY w_* DESC",
		"SORT l BY w_* ALPHA",
		"SORT l BY w_* LIMIT 1 2",
		"SORT l BY w_* GET o_*",
		"SORT l BY w_* GET o_* GET # GET h_*->name",
		"SORT l GET #",
		"SORT l GET nostar",
		"SORT l GET h_*->f GET h_*->name GET h_*->",
		"SORT l GET h_*",
		"SORT l GET o_*->f",
		"SORT l BY h_*->f",
		"SORT l BY h_*->f DESC",
		"SORT l BY h_*->name ALPHA",
		"SORT l BY h_*->name ALPHA DESC",
		"SORT l BY h_*->nofield",
		"SORT l BY nokey_*",
		"SORT l BY nokey_* DESC",
		"SORT l BY nosort GET o_*",
		"SORT l BY nosort GET # DESC LIMIT 0 2",
		"SORT l BY o_* ALPHA",
		"SORT l BY o_*",
		"SORT l BY *_x",
		"SORT_RO l BY w_* GET o_*",
		"SORT l BY w_* BY h_*->f",
		"SORT l GET o_* GET o_* LIMIT 1 1",
	)
	for _, resp := range []string{"2", "3"} {
		p.both("HELLO", resp)
		p.eq("SORT", "l", "GET", "o_*")
		p.eq("SORT", "l", "BY", "nosort", "GET", "missing_*")
		p.eq("SORT", "nokey", "GET", "o_*")
	}
	p.both("HELLO", "2")
	// Weights pointing at keys of other types count as missing.
	p.script("RPUSH w_x 1", "RPUSH m 1 x", "SET w_1 7", "SORT m BY w_*")
}

func TestSortStore(t *testing.T) {
	p := newPair(t)
	p.script(
		"RPUSH l 3 1 2",
		"MSET o_1 one o_3 three",
		"SORT l STORE dst",
		"LRANGE dst 0 -1",
		"TYPE dst",
		"OBJECT ENCODING dst",
		"SORT l DESC STORE dst",
		"LRANGE dst 0 -1",
		"SORT l GET o_* GET # STORE dst",
		"LRANGE dst 0 -1",
		"SET dst x",
		"EXPIRE dst 100",
		"SORT l STORE dst",
		"TTL dst",
		"SORT l LIMIT 10 10 STORE dst",
		"EXISTS dst",
		"SORT nokey STORE dst",
		"SORT l STORE dst",
		"SORT nokey STORE dst",
		"EXISTS dst",
		"SORT l STORE l",
		"LRANGE l 0 -1",
		"SORT l STORE a STORE b",
		"EXISTS a",
		"LRANGE b 0 -1",
	)
}

func TestSortSet(t *testing.T) {
	p := newPair(t)
	p.script(
		"SADD s 5 3 9 1",
		"SORT s",
		"SORT s DESC",
		"SORT s LIMIT 1 2",
		"SORT s BY nosort",
		"SORT s BY nosort LIMIT 1 2",
		"SORT s BY nosort STORE dst",
		"LRANGE dst 0 -1",
		"SADD t b c a",
		"SORT t ALPHA",
		"SORT t",
		"SORT t BY nosort STORE dst",
		"LRANGE dst 0 -1",
	)
	// Large set: unordered without sorting, exact when sorted.
	args := []string{"SADD", "big"}
	for i := 0; i < 200; i++ {
		args = append(args, fmt.Sprint("m", i))
	}
	p.eq(args...)
	p.eq("SORT", "big", "ALPHA")
	p.eq("SORT", "big", "ALPHA", "DESC", "LIMIT", "10", "5")
	p.eqUnordered("SORT", "big", "BY", "nosort")
	p.eq("SORT", "big", "BY", "nosort", "STORE", "dst")
	p.eq("LRANGE", "dst", "0", "-1")
	p.eq("SORT", "big")
}

func TestSortZSet(t *testing.T) {
	p := newPair(t)
	p.script(
		"ZADD z 3 a 1 b 2 c 10 d",
		"MSET w_a 4 w_b 3 w_c 2 w_d 1",
		"SORT z ALPHA",
		"SORT z BY w_*",
		"SORT z BY nosort",
		"SORT z BY nosort DESC",
		"SORT z BY nosort LIMIT 1 2",
		"SORT z BY nosort DESC LIMIT 1 2",
		"SORT z BY nosort LIMIT 3 10",
		"SORT z BY nosort LIMIT 4 1",
		"SORT z BY nosort LIMIT 1 0",
		"SORT z BY nosort STORE dst",
		"LRANGE dst 0 -1",
		"SORT z",
		"ZADD zn 1 10 2 2 3 33",
		"SORT zn",
		"SORT zn BY nosort GET #",
	)
	// A large sorted set (skiplist): nosort keeps score order.
	args := []string{"ZADD", "bigz"}
	for i := 0; i < 200; i++ {
		args = append(args, fmt.Sprint(i%17), fmt.Sprint("m", i))
	}
	p.eq(args...)
	p.eq("SORT", "bigz", "BY", "nosort")
	p.eq("SORT", "bigz", "BY", "nosort", "DESC", "LIMIT", "5", "20")
	p.eq("SORT", "bigz", "ALPHA", "LIMIT", "0", "10")
}

func TestSortGetKeys(t *testing.T) {
	p := newPair(t)
	for _, cmd := range []string{
		"SORT l",
		"SORT l STORE dst",
		"SORT l BY w_* GET o_* STORE dst LIMIT 0 1",
		"SORT l STORE a STORE b",
		"SORT l GET store STORE x",
		"SORT l LIMIT store 1 STORE x",
		"SORT l STORE",
		"SORT_RO l BY w_* GET o_*",
		"SORT_RO l STORE x",
	} {
		p.eq(append([]string{"COMMAND", "GETKEYS"}, strings.Split(cmd, " ")...)...)
	}
	p.eq("COMMAND", "INFO", "sort", "sort_ro")
}
