package persistence

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/maphash"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/shoaldb/shoal/datatypes"
)

var testSeed = maphash.MakeSeed()

// testLimits match what the mk* helpers build with.
func testLimits() *Limits {
	lim := DefaultLimits(testSeed)
	lim.HashMaxListpackEntries = 128
	return lim
}

// describe renders a value canonically (sets and hashtables sorted) with
// its encoding, for comparisons.
func describe(kind uint8, str []byte, obj any) string {
	var parts []string
	enc := ""
	switch v := obj.(type) {
	case *datatypes.List:
		enc = v.Encoding()
		for i := range v.Len() {
			parts = append(parts, strconv.Quote(v.Index(i)))
		}
	case *datatypes.Set:
		enc = v.Encoding()
		v.Each(func(m []byte) bool { parts = append(parts, strconv.Quote(string(m))); return true })
		slices.Sort(parts)
	case *datatypes.Hash:
		enc = v.Encoding()
		v.Each(func(f, val []byte) bool {
			parts = append(parts, strconv.Quote(string(f))+"="+strconv.Quote(string(val)))
			return true
		})
		if enc != "listpack" {
			slices.Sort(parts)
		}
	case *datatypes.ZSet:
		enc = v.Encoding()
		v.Ascend(0, func(_ int, it datatypes.ZItem) bool {
			parts = append(parts, fmt.Sprintf("%q:%v", it.Member, it.Score))
			return true
		})
	default:
		return fmt.Sprintf("string %q", str)
	}
	return fmt.Sprintf("%d %s [%s]", kind, enc, strings.Join(parts, " "))
}

func mkList(n int, elem func(i int) string) *datatypes.List {
	l := datatypes.NewList()
	for i := range n {
		l.PushBackString(elem(i))
	}
	return l
}

func mkSet(n int, elem func(i int) string) *datatypes.Set {
	s := datatypes.NewSet(testSeed)
	for i := range n {
		s.Add([]byte(elem(i)), 512)
	}
	return s
}

func mkHash(n int, elem func(i int) string) *datatypes.Hash {
	h := datatypes.NewHash()
	for i := range n {
		h.Set([]byte(fmt.Sprint("f", i)), []byte(elem(i)), 128, 64)
	}
	return h
}

func mkZSet(n int, member func(i int) string, score func(i int) float64) *datatypes.ZSet {
	z := datatypes.NewZSet(testSeed)
	for i := range n {
		z.Set([]byte(member(i)), score(i), datatypes.ZLimits{MaxEntries: 128, MaxValue: 64})
	}
	return z
}

type testValue struct {
	name string
	kind uint8
	str  string
	obj  any
}

func sampleValues() []testValue {
	itoa := strconv.Itoa
	long := func(i int) string { return strings.Repeat("x", 100) + itoa(i) }
	return []testValue{
		{"int string", KindString, "12345", nil},
		{"negative int", KindString, "-2147483648", nil},
		{"big int", KindString, "12345678901", nil},
		{"raw string", KindString, "hello", nil},
		{"empty string", KindString, "", nil},
		{"lzf string", KindString, strings.Repeat("abcd", 100), nil},
		{"small list", KindList, "", mkList(5, func(i int) string { return []string{"a", "1", "-1", "300", "bb"}[i] })},
		{"ints list", KindList, "", mkList(300, func(i int) string { return itoa(i*i*i*1000 - 7) })},
		{"multi-node list", KindList, "", mkList(2000, func(i int) string { return "element-" + itoa(i) })},
		{"long elements list", KindList, "", mkList(40, func(i int) string { return strings.Repeat("y", 5000+i) })},
		{"intset", KindSet, "", mkSet(10, func(i int) string { return itoa(i*70000 - 100) })},
		{"intset64", KindSet, "", mkSet(3, func(i int) string { return itoa(i<<40 - 1) })},
		{"hashtable set", KindSet, "", mkSet(20, func(i int) string { return "m" + itoa(i) })},
		{"big int set", KindSet, "", mkSet(600, itoa)},
		{"listpack hash", KindHash, "", mkHash(10, func(i int) string { return []string{"v", "1", "70000", "-5"}[i%4] })},
		{"hashtable hash", KindHash, "", mkHash(200, itoa)},
		{"long value hash", KindHash, "", mkHash(3, long)},
		{"listpack zset", KindZSet, "", mkZSet(10, itoa, func(i int) float64 {
			return []float64{1.5, 0, 1e20, -7, math.Inf(1), 0.1, 3, math.Inf(-1), 1e300, -2.5}[i]
		})},
		{"skiplist zset", KindZSet, "", mkZSet(300, func(i int) string { return "m" + itoa(i) }, func(i int) float64 { return float64(i%17) / 3 })},
		{"long member zset", KindZSet, "", mkZSet(3, long, func(i int) float64 { return float64(i) })},
	}
}

func TestValueRoundTrip(t *testing.T) {
	for _, z := range []*LZF{nil, new(LZF)} {
		for _, tv := range sampleValues() {
			p := AppendValue(nil, tv.kind, []byte(tv.str), tv.obj, z)
			r := NewReader(p)
			typ, _ := r.ReadType()
			kind, str, obj, err := ReadValue(r, typ, testLimits())
			if err != nil {
				t.Fatalf("%s (lzf %v): %v", tv.name, z != nil, err)
			}
			if r.Remaining() != 0 {
				t.Errorf("%s: %d bytes left", tv.name, r.Remaining())
			}
			want, got := describe(tv.kind, []byte(tv.str), tv.obj), describe(kind, str, obj)
			if want != got {
				t.Errorf("%s:\nwant %.300s\ngot  %.300s", tv.name, want, got)
			}
			// The stream reader reads the same, one byte at a time.
			sr := NewStreamReader(&oneByte{p})
			typ, _ = sr.ReadType()
			kind, str, obj, err = ReadValue(sr, typ, testLimits())
			if err != nil || describe(kind, str, obj) != want {
				t.Errorf("%s: stream read differs: %v", tv.name, err)
			}
		}
	}
}

// oneByte is an io.Reader returning one byte per call.
type oneByte struct{ b []byte }

func (o *oneByte) Read(p []byte) (int, error) {
	if len(o.b) == 0 {
		return 0, errEOF
	}
	p[0] = o.b[0]
	o.b = o.b[1:]
	return 1, nil
}

var errEOF = errors.New("EOF")

// Payloads of DUMP from redis-server 7.0.15 without their footer.
func TestValueGolden(t *testing.T) {
	cases := []struct {
		name string
		val  testValue
		want string
	}{
		{"hash", testValue{kind: KindHash, obj: func() any {
			h := datatypes.NewHash()
			for _, fv := range [][2]string{{"a", "1"}, {"bb", "300"}, {"c", "-5000"}, {"d", "70000"}, {"e", "10000000"}, {"f", "3000000000"}} {
				h.Set([]byte(fv[0]), []byte(fv[1]), 128, 64)
			}
			return h
		}()}, "\x1088\x00\x00\x00\x0c\x00\x81a\x02\x01\x01\x82bb\x03\xc1,\x02\x81c\x02\xf1x\xec\x03\x81d\x02\xf2p\x11\x01\x04\x81e\x02\xf3\x80\x96\x98\x00\x05\x81f\x02\xf4\x00^\xd0\xb2\x00\x00\x00\x00\t\xff"},
		{"list", testValue{kind: KindList, obj: mkList(4, func(i int) string { return []string{"a", "1", "b", "-1"}[i] })},
			"\x12\x01\x02\x12\x12\x00\x00\x00\x04\x00\x81a\x02\x01\x01\x81b\x02\xdf\xff\x02\xff"},
		{"intset", testValue{kind: KindSet, obj: mkSet(3, func(i int) string { return strconv.Itoa(i + 1) })},
			"\x0b\x0e\x02\x00\x00\x00\x03\x00\x00\x00\x01\x00\x02\x00\x03\x00"},
		{"int string", testValue{kind: KindString, str: "12345"}, "\x00\xc190"},
		{"zset", testValue{kind: KindZSet, obj: func() any {
			z := datatypes.NewZSet(testSeed)
			for _, ms := range []struct {
				m string
				s float64
			}{{"a", math.Copysign(0, -1)}, {"b", 1.5}, {"c", 1e20}, {"d", 0.1}, {"e", 3}, {"f", -7}, {"g", 1e300}} {
				z.Set([]byte(ms.m), ms.s, datatypes.ZLimits{MaxEntries: 128, MaxValue: 64})
			}
			return z
		}()}, "\x11\xc3@J@]\x18]\x00\x00\x00\x0e\x00\x81f\x02\xdf\xf9\x02\x81a\x02\x00\x01\x81d\x02\x930.10\xe0\x05\x00\x1e1\x14\x81b\x02\x831.5\x04\x81e\x02\x03\x01\x81c\x02\x851e+20\x06\x81g\x02\x971.\xe0\x05,\x000 \x1a\x04300\x18\xff"},
	}
	for _, c := range cases {
		got := AppendValue(nil, c.val.kind, []byte(c.val.str), c.val.obj, new(LZF))
		if string(got) != c.want {
			t.Errorf("%s:\nwant %q\ngot  %q", c.name, c.want, got)
		}
	}
}

// TestReadValueEncodings checks the encoding a loaded value gets.
func TestReadValueEncodings(t *testing.T) {
	lim := testLimits()
	lim.SetMaxIntsetEntries = 5
	lim.HashMaxListpackEntries = 3
	lim.ZSetMaxListpackEntries = 3
	for _, c := range []struct {
		name string
		val  any
		want string
	}{
		{"intset over limit", mkSet(6, strconv.Itoa), "hashtable"},
		{"intset in limit", mkSet(5, strconv.Itoa), "intset"},
		{"hash over limit", mkHash(4, strconv.Itoa), "hashtable"},
		{"hash in limit", mkHash(3, strconv.Itoa), "listpack"},
		{"zset over limit", mkZSet(4, strconv.Itoa, func(i int) float64 { return 1 }), "skiplist"},
		{"zset in limit", mkZSet(3, strconv.Itoa, func(i int) float64 { return 1 }), "listpack"},
	} {
		p := AppendValue(nil, 0, nil, c.val, nil)
		r := NewReader(p)
		typ, _ := r.ReadType()
		_, _, obj, err := ReadValue(r, typ, lim)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if enc := obj.(interface{ Encoding() string }).Encoding(); enc != c.want {
			t.Errorf("%s: encoding %s, want %s", c.name, enc, c.want)
		}
	}
}

func TestReadValueErrors(t *testing.T) {
	lp := func(elems ...string) string {
		b := newLPBuilder(nil)
		for _, e := range elems {
			b.add([]byte(e))
		}
		return string(b.finish())
	}
	str := func(s string) string { return string(AppendString(nil, []byte(s), nil)) }
	for _, c := range []struct {
		name    string
		payload string
		want    error // nil: any error
	}{
		{"empty list", "\x01\x00", ErrEmptyKey},
		{"empty set", "\x02\x00", ErrEmptyKey},
		{"empty hash listpack", "\x10" + str(lp()), ErrEmptyKey},
		{"empty quicklist", "\x12\x01\x02" + str(lp()), ErrEmptyKey},
		{"odd hash listpack", "\x10" + str(lp("a", "b", "c")), nil},
		{"dup hash listpack", "\x10" + str(lp("a", "b", "a", "c")), nil},
		{"dup zset listpack", "\x11" + str(lp("a", "1", "a", "2")), nil},
		{"bad score", "\x11" + str(lp("a", "x")), nil},
		{"dup set", "\x02\x02\x01a\x01a", nil},
		{"dup intset set", "\x02\x02\xc0\x01\xc0\x01", nil},
		{"dup hash", "\x04\x02\x01a\x01b\x01a\x01c", nil},
		{"dup zset", "\x05\x02\x01a" + strings.Repeat("\x00", 8) + "\x01a" + strings.Repeat("\x00", 8), nil},
		{"nan zset", "\x03\x01\x01a\xfd", nil},
		{"stream", "\x0f", nil},
		{"module", "\x07", nil},
		{"unknown", "\x08", nil},
		{"quicklist container", "\x12\x01\x03" + str(lp("a")), nil},
		{"unsorted intset", "\x0b" + str("\x02\x00\x00\x00\x02\x00\x00\x00\x02\x00\x01\x00"), nil},
		{"bad intset width", "\x0b" + str("\x03\x00\x00\x00\x01\x00\x00\x00\x02\x00\x00"), nil},
		{"truncated", "\x00\x05abc", nil},
		{"huge length", "\x00\x81\x10\x00\x00\x00\x00\x00\x00\x00abc", nil},
		{"huge lzf", "\x00\xc3\x05\x81\x10\x00\x00\x00\x00\x00\x00\x00abcde", nil},
	} {
		r := NewReader([]byte(c.payload))
		typ, _ := r.ReadType()
		_, _, _, err := ReadValue(r, typ, testLimits())
		if err == nil || (c.want != nil && !errors.Is(err, c.want)) {
			t.Errorf("%s: err %v, want %v", c.name, err, c.want)
		}
	}
	_ = binary.LittleEndian
	_ = bytes.Equal
}
