package persistence

import (
	"encoding/binary"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/shoaldb/shoal/datatypes"
)

// buildZiplist makes a ziplist of elems as Redis before 7.0 would,
// integers in their narrowest encoding (from ziplist.c's description).
func buildZiplist(elems ...string) []byte {
	zl := make([]byte, zlHeaderLen)
	prev, tail := 0, zlHeaderLen
	for _, e := range elems {
		tail = len(zl)
		start := len(zl)
		if prev < 254 {
			zl = append(zl, byte(prev))
		} else {
			zl = binary.LittleEndian.AppendUint32(append(zl, zlBigPrev), uint32(prev))
		}
		v, isInt := datatypes.ParseSetInt([]byte(e))
		switch {
		case isInt && v >= 0 && v <= 12:
			zl = append(zl, 0xf1+byte(v))
		case isInt && v >= math.MinInt8 && v <= math.MaxInt8:
			zl = append(zl, zlInt8, byte(v))
		case isInt && v >= math.MinInt16 && v <= math.MaxInt16:
			zl = binary.LittleEndian.AppendUint16(append(zl, zlInt16), uint16(v))
		case isInt && v >= -1<<23 && v < 1<<23:
			zl = append(zl, zlInt24, byte(v), byte(v>>8), byte(v>>16))
		case isInt && v >= math.MinInt32 && v <= math.MaxInt32:
			zl = binary.LittleEndian.AppendUint32(append(zl, zlInt32), uint32(v))
		case isInt:
			zl = binary.LittleEndian.AppendUint64(append(zl, zlInt64), uint64(v))
		case len(e) < 64:
			zl = append(append(zl, byte(len(e))), e...)
		case len(e) < 16384:
			zl = append(append(zl, 0x40|byte(len(e)>>8), byte(len(e))), e...)
		default:
			zl = append(binary.BigEndian.AppendUint32(append(zl, 0x80), uint32(len(e))), e...)
		}
		prev = len(zl) - start
	}
	zl = append(zl, zlEnd)
	binary.LittleEndian.PutUint32(zl, uint32(len(zl)))
	binary.LittleEndian.PutUint32(zl[4:], uint32(tail))
	binary.LittleEndian.PutUint16(zl[8:], uint16(min(len(elems), 0xffff)))
	return zl
}

// buildZipmap makes a Redis 2.4 zipmap of alternating fields and values.
func buildZipmap(pairs ...string) []byte {
	zm := []byte{byte(min(len(pairs)/2, 254))}
	lenOf := func(n int) []byte {
		if n < 254 {
			return []byte{byte(n)}
		}
		return binary.LittleEndian.AppendUint32([]byte{254}, uint32(n))
	}
	for i := 0; i < len(pairs); i += 2 {
		zm = append(append(zm, lenOf(len(pairs[i]))...), pairs[i]...)
		zm = append(append(append(zm, lenOf(len(pairs[i+1]))...), 0), pairs[i+1]...)
	}
	return append(zm, 255)
}

func rdbStr(b []byte) []byte { return AppendString(nil, b, nil) }

// oldEncodingPayloads are values in the encodings Redis 7 no longer
// writes, with their type byte.
func oldEncodingPayloads() [][]byte {
	elems := []string{"a", "0", "12", "13", "-100", "1000", "-70000", "3000000000", strings.Repeat("z", 300), "-9223372036854775808"}
	zl := buildZiplist(elems...)
	ql := append(AppendLen([]byte{TypeListQuicklist}, 2), rdbStr(zl)...)
	ql = append(ql, rdbStr(buildZiplist("x", "y"))...)
	return [][]byte{
		append([]byte{TypeListZiplist}, rdbStr(zl)...),
		ql,
		append([]byte{TypeHashZipmap}, rdbStr(buildZipmap("f1", "v1", "f2", strings.Repeat("v", 300), "n", "12"))...),
		append([]byte{TypeHashZiplist}, rdbStr(buildZiplist("f1", "v1", "f2", "7"))...),
		append([]byte{TypeZSetZiplist}, rdbStr(buildZiplist("a", "1.5", "b", "2", "c", "inf"))...),
		[]byte("\x01\x03\x01a\xc0\x05\x01c"),                                     // plain list
		[]byte("\x03\x02\x01a\x031.5\x01b\xfe"),                                  // zset, ASCII scores
		[]byte("\x12\x02\x01\x05plain\x02" + string(rdbStr(buildListpack("p")))), // plain and packed nodes
	}
}

func buildListpack(elems ...string) []byte {
	b := newLPBuilder(nil)
	for _, e := range elems {
		b.add([]byte(e))
	}
	return b.finish()
}

func TestOldEncodings(t *testing.T) {
	want := []string{
		`1 quicklist ["a" "0" "12" "13" "-100" "1000" "-70000" "3000000000" "` + strings.Repeat("z", 300) + `" "-9223372036854775808"]`,
		`1 quicklist ["a" "0" "12" "13" "-100" "1000" "-70000" "3000000000" "` + strings.Repeat("z", 300) + `" "-9223372036854775808" "x" "y"]`,
		`4 hashtable ["f1"="v1" "f2"="` + strings.Repeat("v", 300) + `" "n"="12"]`,
		`4 listpack ["f1"="v1" "f2"="7"]`,
		`3 listpack ["a":1.5 "b":2 "c":+Inf]`,
		`1 quicklist ["a" "5" "c"]`,
		`3 listpack ["a":1.5 "b":+Inf]`,
		`1 quicklist ["plain" "p"]`,
	}
	for i, p := range oldEncodingPayloads() {
		r := NewReader(p)
		typ, _ := r.ReadType()
		kind, str, obj, err := ReadValue(r, typ, testLimits())
		if err != nil {
			t.Errorf("payload %d: %v", i, err)
			continue
		}
		if got := describe(kind, str, obj); got != want[i] {
			t.Errorf("payload %d:\ngot  %s\nwant %s", i, got, want[i])
		}
	}
}

func TestBlobValidation(t *testing.T) {
	zl := buildZiplist("a", "bb", "7")
	lp := buildListpack("a", "bb", "7")
	zm := buildZipmap("a", "b")
	mod := func(b []byte, f func([]byte)) []byte {
		c := append([]byte(nil), b...)
		f(c)
		return c
	}
	for _, c := range []struct {
		name string
		walk func([]byte, elemFunc) (int, error)
		blob []byte
	}{
		{"ziplist count", walkZiplist, mod(zl, func(b []byte) { b[8] = 2 })},
		{"ziplist tail", walkZiplist, mod(zl, func(b []byte) { b[4]++ })},
		{"ziplist prevlen", walkZiplist, mod(zl, func(b []byte) { b[13]++ })},
		{"ziplist bytes", walkZiplist, mod(zl, func(b []byte) { b[0]++ })},
		{"ziplist encoding", walkZiplist, mod(zl, func(b []byte) { b[len(b)-3] = 0xc1 })},
		{"listpack count", walkListpack, mod(lp, func(b []byte) { b[4] = 2 })},
		{"listpack backlen", walkListpack, mod(lp, func(b []byte) { b[8]++ })},
		{"listpack end", walkListpack, mod(lp, func(b []byte) { b[len(b)-1] = 0 })},
		{"listpack encoding", walkListpack, mod(lp, func(b []byte) { b[6] = 0xf5 })},
		{"zipmap count", walkZipmap, mod(zm, func(b []byte) { b[0] = 2 })},
		{"zipmap length", walkZipmap, mod(zm, func(b []byte) { b[1] = 9 })},
		{"zipmap end", walkZipmap, mod(zm, func(b []byte) { b[len(b)-1] = 0 })},
	} {
		if _, err := c.walk(c.blob, nil); err == nil {
			t.Errorf("%s: accepted %q", c.name, c.blob)
		}
	}
	for _, v := range []int64{0, 127, 128, -1, -4096, 4095, -4097, 32767, -32769, 1 << 23, -1 << 23, 1 << 31, -1<<31 - 1, math.MaxInt64, math.MinInt64} {
		s := strconv.FormatInt(v, 10)
		var got []string
		collect := func(e []byte) error { got = append(got, string(e)); return nil }
		if _, err := walkListpack(buildListpack(s), collect); err != nil || got[0] != s {
			t.Errorf("listpack %d: %v %v", v, got, err)
		}
		got = nil
		if _, err := walkZiplist(buildZiplist(s), collect); err != nil || got[0] != s {
			t.Errorf("ziplist %d: %v %v", v, got, err)
		}
	}
}
