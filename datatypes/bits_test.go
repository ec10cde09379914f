package datatypes

import (
	"bytes"
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// The naive model: one bit at a time, bit 0 the top bit of byte 0, bytes
// past the end reading as zero.

func naiveBit(b []byte, i int64) int {
	if i>>3 >= int64(len(b)) {
		return 0
	}
	return int(b[i>>3]>>(7-i&7)) & 1
}

func naiveSetBit(b []byte, i int64, v int) {
	if v == 1 {
		b[i>>3] |= 0x80 >> (i & 7)
	} else {
		b[i>>3] &^= 0x80 >> (i & 7)
	}
}

func naiveCount(b []byte, start, end int64) int64 {
	var n int64
	for i := start; i <= end; i++ {
		n += int64(naiveBit(b, i))
	}
	return n
}

func naivePos(b []byte, bit int, start, end int64) int64 {
	for i := start; i <= end; i++ {
		if naiveBit(b, i) == bit {
			return i
		}
	}
	return -1
}

func naiveGet(b []byte, off uint64, w uint) uint64 {
	var v uint64
	for k := uint64(0); k < uint64(w); k++ {
		v = v<<1 | uint64(naiveBit(b, int64(off+k)))
	}
	return v
}

func naiveSet(b []byte, off uint64, w uint, v uint64) {
	for k := uint64(0); k < uint64(w); k++ {
		naiveSetBit(b, int64(off+k), int(v>>(uint64(w)-1-k))&1)
	}
}

func randBytes(rng *rand.Rand, n int) []byte {
	b := make([]byte, n)
	mode := rng.IntN(4)
	for i := range b {
		switch mode {
		case 0:
			b[i] = byte(rng.Uint32())
		case 1: // sparse
			if rng.IntN(20) == 0 {
				b[i] = 1 << rng.IntN(8)
			}
		case 2: // dense
			b[i] = 0xff
			if rng.IntN(20) == 0 {
				b[i] &^= 1 << rng.IntN(8)
			}
		default:
			b[i] = []byte{0, 0xff, 0x0f, 0x80}[rng.IntN(4)]
		}
	}
	return b
}

func TestPopCountTable(t *testing.T) {
	cases := []struct {
		in   []byte
		want int64
	}{
		{nil, 0},
		{[]byte("foobar"), 26},
		{bytes.Repeat([]byte{0xff}, 33), 264},
		{bytes.Repeat([]byte{0x01}, 65), 65},
	}
	for _, tc := range cases {
		if got := PopCount(tc.in); got != tc.want {
			t.Errorf("PopCount(%q) = %d, want %d", tc.in, got, tc.want)
		}
	}
	// "foobar" by bit ranges, as in Redis's documentation.
	if got := CountRange([]byte("foobar"), 5, 30); got != 17 {
		t.Errorf("CountRange foobar 5..30 = %d, want 17", got)
	}
	if got := CountRange([]byte("foobar"), 8, 15); got != 6 {
		t.Errorf("CountRange foobar 8..15 = %d, want 6", got)
	}
}

func TestCountAndPosAgainstModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for iter := 0; iter < 3000; iter++ {
		b := randBytes(rng, 1+rng.IntN(80))
		nb := int64(len(b)) * 8
		s := rng.Int64N(nb)
		e := s + rng.Int64N(nb-s)
		if got, want := CountRange(b, s, e), naiveCount(b, s, e); got != want {
			t.Fatalf("CountRange(%x, %d, %d) = %d, want %d", b, s, e, got, want)
		}
		for bit := 0; bit < 2; bit++ {
			if got, want := BitPos(b, bit, s, e), naivePos(b, bit, s, e); got != want {
				t.Fatalf("BitPos(%x, %d, %d, %d) = %d, want %d", b, bit, s, e, got, want)
			}
		}
		if got, want := PopCount(b), naiveCount(b, 0, nb-1); got != want {
			t.Fatalf("PopCount(%x) = %d, want %d", b, got, want)
		}
	}
}

func TestBitPosTable(t *testing.T) {
	b := []byte{0xff, 0xf0, 0x00}
	cases := []struct {
		bit        int
		start, end int64
		want       int64
	}{
		{0, 0, 23, 12},
		{1, 0, 23, 0},
		{1, 12, 23, -1},
		{0, 0, 11, -1},
		{1, 11, 11, 11},
		{0, 23, 23, 23},
	}
	for _, tc := range cases {
		if got := BitPos(b, tc.bit, tc.start, tc.end); got != tc.want {
			t.Errorf("BitPos(%d, %d, %d) = %d, want %d", tc.bit, tc.start, tc.end, got, tc.want)
		}
	}
}

func naiveBitOp(op BitOp, srcs [][]byte) []byte {
	n := 0
	for _, s := range srcs {
		n = max(n, len(s))
	}
	out := make([]byte, n)
	at := func(s []byte, i int) byte {
		if i < len(s) {
			return s[i]
		}
		return 0
	}
	for i := range out {
		v := at(srcs[0], i)
		for _, s := range srcs[1:] {
			switch op {
			case BitAnd:
				v &= at(s, i)
			case BitOr:
				v |= at(s, i)
			case BitXor:
				v ^= at(s, i)
			}
		}
		if op == BitNot {
			v = ^v
		}
		out[i] = v
	}
	return out
}

func TestBitOpAgainstModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for iter := 0; iter < 2000; iter++ {
		op := BitOp(rng.IntN(4))
		k := 1 + rng.IntN(4)
		if op == BitNot {
			k = 1
		}
		srcs := make([][]byte, k)
		for i := range srcs {
			if rng.IntN(5) > 0 {
				srcs[i] = randBytes(rng, rng.IntN(40))
			}
		}
		want := naiveBitOp(op, srcs)
		got := make([]byte, len(want))
		for i := range got {
			got[i] = 0xa5 // BitOpInto must overwrite every byte
		}
		BitOpInto(op, got, srcs)
		if !bytes.Equal(got, want) {
			t.Fatalf("op %d over %x: got %x want %x", op, srcs, got, want)
		}
		// The destination may be one of the sources (BITOP AND a a b),
		// grown or cut to the result's length.
		k0 := rng.IntN(k)
		alias := make([]byte, len(want), len(want)+8)
		copy(alias, srcs[k0])
		srcs[k0] = alias[:len(srcs[k0])]
		BitOpInto(op, alias, srcs)
		if !bytes.Equal(alias, want) {
			t.Fatalf("op %d in place over source %d: got %x want %x", op, k0, alias, want)
		}
	}
}

func TestFieldGetSetAgainstModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for iter := 0; iter < 5000; iter++ {
		b := randBytes(rng, 1+rng.IntN(24))
		w := uint(1 + rng.IntN(64))
		off := uint64(rng.IntN(len(b)*8 + 16)) // some fields run past the end
		want := naiveGet(b, off, w)
		if got := GetUnsigned(b, off, w); got != want {
			t.Fatalf("GetUnsigned(%x, %d, %d) = %x, want %x", b, off, w, got, want)
		}
		sw := int64(want<<(64-w)) >> (64 - w)
		if got := GetSigned(b, off, w); got != sw {
			t.Fatalf("GetSigned(%x, %d, %d) = %d, want %d", b, off, w, got, sw)
		}
		// Set within a value that holds the field.
		need := int((off+uint64(w)-1)>>3 + 1)
		if need > len(b) {
			b = append(b, make([]byte, need-len(b))...)
		}
		v := rng.Uint64()
		model := bytes.Clone(b)
		naiveSet(model, off, w, v)
		SetField(b, off, w, v)
		if !bytes.Equal(b, model) {
			t.Fatalf("SetField(off %d, w %d, %x): got %x want %x", off, w, v, b, model)
		}
	}
}

// bigCheck is the overflow model in exact arithmetic: the sum value+incr
// against the field's range.
func bigCheck(value, incr int64, w uint, signed bool, ow Overflow, unsignedValue bool) (int64, bool) {
	sum := new(big.Int)
	if unsignedValue {
		sum.SetUint64(uint64(value))
	} else {
		sum.SetInt64(value)
	}
	sum.Add(sum, big.NewInt(incr))
	lo, hi := new(big.Int), new(big.Int)
	if signed {
		lo.Lsh(big.NewInt(-1), w-1)
		hi.Lsh(big.NewInt(1), w-1)
	} else {
		hi.Lsh(big.NewInt(1), w)
	}
	hi.Sub(hi, big.NewInt(1))
	switch {
	case sum.Cmp(hi) > 0:
		if ow == OverflowSat {
			return hi.Int64(), true
		}
	case sum.Cmp(lo) < 0:
		if ow == OverflowSat {
			return lo.Int64(), true
		}
	default:
		return 0, false
	}
	// Wrap: the sum modulo 2^w, read back as the field's type.
	mod := new(big.Int).Lsh(big.NewInt(1), w)
	r := new(big.Int).Mod(sum, mod)
	if signed && r.Cmp(hi) > 0 {
		r.Sub(r, mod)
	}
	if r.IsInt64() {
		return r.Int64(), true
	}
	return int64(r.Uint64()), true
}

func randInt64(rng *rand.Rand) int64 {
	switch rng.IntN(4) {
	case 0:
		return rng.Int64N(512) - 256
	case 1:
		return int64(rng.Uint64())
	case 2:
		return []int64{math.MaxInt64, math.MinInt64, math.MaxInt64 - 1, math.MinInt64 + 1, 0, -1, 1}[rng.IntN(7)]
	default:
		return int64(rng.Uint64()) >> rng.IntN(64)
	}
}

// quirkySignedSet reports the values for which Redis's own check wraps
// (SET of a value within 2^63 of the far side): the model does not apply.
func quirkySignedSet(v int64, w uint) bool {
	max := int64(1)<<(w-1) - 1
	return w < 64 && v < 0 && uint64(max)-uint64(v) > math.MaxInt64
}

func checkOverflowCase(t testing.TB, value, incr int64, w uint, signed bool, ow Overflow) {
	if signed {
		got, over := checkSigned(value, incr, w, ow)
		want, wover := bigCheck(value, incr, w, true, ow, false)
		if over != wover || (over && ow != OverflowFail && got != want) {
			t.Fatalf("checkSigned(%d, %d, %d, %d) = %d %v, want %d %v", value, incr, w, ow, got, over, want, wover)
		}
		return
	}
	got, over := checkUnsigned(uint64(value), incr, w, ow)
	want, wover := bigCheck(value, incr, w, false, ow, true)
	if over != wover || (over && ow != OverflowFail && int64(got) != want) {
		t.Fatalf("checkUnsigned(%d, %d, %d, %d) = %d %v, want %d %v", uint64(value), incr, w, ow, got, over, want, wover)
	}
}

func TestOverflowAgainstModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for iter := 0; iter < 20000; iter++ {
		signed := rng.IntN(2) == 0
		w := uint(1 + rng.IntN(64))
		if !signed && w == 64 {
			w = 63
		}
		ow := Overflow(rng.IntN(3))
		f := Field{Width: w, Signed: signed}
		// INCRBY: the old value is always in range.
		b := make([]byte, 8)
		SetField(b, 0, w, rng.Uint64())
		old := f.Get(b)
		checkOverflowCase(t, old, randInt64(rng), w, signed, ow)
		// SET: the new value checked with increment 0.
		v := randInt64(rng)
		if signed && quirkySignedSet(v, w) {
			continue
		}
		checkOverflowCase(t, v, 0, w, signed, ow)
	}
}

func TestFieldOps(t *testing.T) {
	type step struct {
		set    bool
		f      Field
		v      int64
		ow     Overflow
		want   int64
		wantOK bool
	}
	u8 := Field{Off: 0, Width: 8}
	i8 := Field{Off: 0, Width: 8, Signed: true}
	u2 := Field{Off: 5, Width: 2}
	i64 := Field{Off: 67, Width: 64, Signed: true}
	steps := []step{
		{false, u8, 200, OverflowWrap, 200, true},
		{false, u8, 100, OverflowWrap, 44, true},
		{false, u8, 250, OverflowSat, 255, true},
		{false, u8, 1, OverflowFail, 0, false},
		{false, u8, -256, OverflowSat, 0, true},
		{true, u8, -1, OverflowSat, 0, true}, // old value 0, stores 255
		{false, u8, 0, OverflowWrap, 255, true},
		{false, i8, 0, OverflowWrap, -1, true},
		{true, i8, 300, OverflowWrap, -1, true}, // stores 44
		{false, i8, 100, OverflowWrap, -112, true},
		{false, i8, -100, OverflowSat, -128, true},
		{true, i8, math.MinInt64, OverflowSat, -128, true}, // Redis's quirk: stores 127
		{false, i8, 0, OverflowWrap, 127, true},
		{true, i8, 128, OverflowFail, 0, false},
		{false, u2, 5, OverflowWrap, 0, true},
		{false, u2, 5, OverflowSat, 3, true},
		{true, i64, math.MaxInt64, OverflowWrap, 0, true},
		{false, i64, 1, OverflowWrap, math.MinInt64, true},
		{false, i64, -1, OverflowSat, math.MinInt64, true},
		{false, i64, -1, OverflowFail, 0, false},
	}
	b := make([]byte, 24)
	for i, s := range steps {
		var got int64
		var ok bool
		if s.set {
			got, ok = s.f.Set(b, s.v, s.ow)
		} else {
			got, ok = s.f.IncrBy(b, s.v, s.ow)
		}
		if got != s.want || ok != s.wantOK {
			t.Fatalf("step %d: got %d %v, want %d %v", i, got, ok, s.want, s.wantOK)
		}
	}
}

func FuzzBitCount(f *testing.F) {
	f.Add([]byte("foobar"), int64(0), int64(47))
	f.Add([]byte{0xff, 0x00, 0x80}, int64(3), int64(17))
	f.Add(bytes.Repeat([]byte{0x5a}, 70), int64(9), int64(500))
	f.Fuzz(func(t *testing.T, b []byte, s, e int64) {
		if len(b) == 0 {
			return
		}
		nb := int64(len(b)) * 8
		s, e = (s%nb+nb)%nb, (e%nb+nb)%nb
		if s > e {
			s, e = e, s
		}
		if got, want := CountRange(b, s, e), naiveCount(b, s, e); got != want {
			t.Fatalf("CountRange(%x, %d, %d) = %d, want %d", b, s, e, got, want)
		}
	})
}

func FuzzBitPos(f *testing.F) {
	f.Add([]byte("foobar"), int64(0), int64(47), true)
	f.Add([]byte{0xff, 0xff, 0xfe}, int64(3), int64(23), false)
	f.Add(bytes.Repeat([]byte{0}, 70), int64(9), int64(559), true)
	f.Fuzz(func(t *testing.T, b []byte, s, e int64, one bool) {
		if len(b) == 0 {
			return
		}
		nb := int64(len(b)) * 8
		s, e = (s%nb+nb)%nb, (e%nb+nb)%nb
		if s > e {
			s, e = e, s
		}
		bit := 0
		if one {
			bit = 1
		}
		if got, want := BitPos(b, bit, s, e), naivePos(b, bit, s, e); got != want {
			t.Fatalf("BitPos(%x, %d, %d, %d) = %d, want %d", b, bit, s, e, got, want)
		}
	})
}

func FuzzBitfield(f *testing.F) {
	f.Add([]byte("foobar"), uint64(3), uint8(13), true, int64(-5), uint8(0), false)
	f.Add([]byte{0xff}, uint64(60), uint8(64), true, int64(math.MinInt64), uint8(1), true)
	f.Add([]byte{}, uint64(0), uint8(63), false, int64(-1), uint8(2), false)
	f.Fuzz(func(t *testing.T, b []byte, off uint64, wb uint8, signed bool, v int64, owb uint8, set bool) {
		off %= 1024
		w := uint(wb%64) + 1
		if !signed && w == 64 {
			w = 63
		}
		ow := Overflow(owb % 3)
		fd := Field{Off: off, Width: w, Signed: signed}
		if got, want := GetUnsigned(b, off, w), naiveGet(b, off, w); got != want {
			t.Fatalf("GetUnsigned(%x, %d, %d) = %x, want %x", b, off, w, got, want)
		}
		need := int((off+uint64(w)-1)>>3 + 1)
		if need > len(b) {
			b = append(b, make([]byte, need-len(b))...)
		}
		old := fd.Get(b)
		model := bytes.Clone(b)
		var got int64
		var ok bool
		var stored int64
		if set {
			if signed && quirkySignedSet(v, w) {
				return
			}
			checkOverflowCase(t, v, 0, w, signed, ow)
			stored = v
			if lim, over := fd.check(v, 0, ow); over {
				stored = lim
			}
			got, ok = fd.Set(b, v, ow)
			if ok && got != old {
				t.Fatalf("Set returned %d, old value %d", got, old)
			}
		} else {
			checkOverflowCase(t, old, v, w, signed, ow)
			stored = old + v
			if lim, over := fd.check(old, v, ow); over {
				stored = lim
			}
			got, ok = fd.IncrBy(b, v, ow)
			if ok && got != stored {
				t.Fatalf("IncrBy returned %d, want %d", got, stored)
			}
		}
		if ok {
			naiveSet(model, off, w, uint64(stored))
			if fd.Get(b) != stored {
				t.Fatalf("field reads %d after storing %d", fd.Get(b), stored)
			}
		}
		if !bytes.Equal(b, model) {
			t.Fatalf("value %x, model %x", b, model)
		}
	})
}

func FuzzBitOp(f *testing.F) {
	f.Add([]byte("foobar"), []byte("abc"), []byte{}, uint8(0), uint8(0))
	f.Add(bytes.Repeat([]byte{0xf0}, 130), []byte("x"), bytes.Repeat([]byte{0x0f}, 70), uint8(1), uint8(2))
	f.Add([]byte{1, 2, 3}, []byte{}, []byte{}, uint8(3), uint8(1))
	f.Fuzz(func(t *testing.T, a, b, c []byte, opb, alias uint8) {
		op := BitOp(opb % 4)
		srcs := [][]byte{a, b, c}[:2+int(alias>>4)%2]
		if op == BitNot {
			srcs = srcs[:1]
		}
		want := naiveBitOp(op, srcs)
		dst := make([]byte, len(want))
		if k := int(alias) % len(srcs); alias&8 != 0 {
			// Compute in place over source k, as BITOP a a b does.
			copy(dst, srcs[k])
			srcs[k] = dst[:len(srcs[k])]
		}
		BitOpInto(op, dst, srcs)
		if !bytes.Equal(dst, want) {
			t.Fatalf("op %d: got %x want %x", op, dst, want)
		}
	})
}
