package datatypes

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
)

// Hash positions recorded from redis-server 7.0.15 (PFADD k <elem>, then
// PFDEBUG DECODE k shows the register and its run length).
func TestHLLHashKnown(t *testing.T) {
	for _, tc := range []struct {
		elem  string
		index int
		count uint8
	}{
		{"a", 12711, 2},
		{"hello", 9216, 1},
		{"", 5938, 2},
		{"12345678", 10579, 3},
		{"123456789abcdef", 1977, 3},
		{"foobar", 1910, 4},
	} {
		index, count := HLLHash([]byte(tc.elem))
		if index != tc.index || count != tc.count {
			t.Errorf("HLLHash(%q) = %d,%d; Redis: %d,%d", tc.elem, index, count, tc.index, tc.count)
		}
	}
}

// Values recorded from redis-server 7.0.15 with GET.
func TestHLLBytesKnown(t *testing.T) {
	v := AppendNewHLL(nil)
	if want := "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x7f\xff"; string(v) != want {
		t.Fatalf("empty HLL %q, want %q", v, want)
	}
	v = addAll(t, v, math.MaxInt64, "a")
	HLLInvalidate(v)
	if want := "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80q\xa6\x84NW"; string(v) != want {
		t.Fatalf("after PFADD a: %q, want %q", v, want)
	}
	v = addAll(t, AppendNewHLL(nil), math.MaxInt64, "a", "b", "c", "d", "e", "f", "g", "h", "i", "j")
	HLLInvalidate(v)
	card, recomputed, err := HLLCount(v)
	if card != 10 || !recomputed || err != nil {
		t.Fatalf("count %d %v %v", card, recomputed, err)
	}
	want := "HYLL\x01\x00\x00\x00\n\x00\x00\x00\x00\x00\x00\x00Fm\x80I\xe8\x80L\"\x80D<\x848\x80B=\x80K\x83\x80B\xed\x84I\x8c\x80Bm\x80BZ"
	if string(v) != want {
		t.Fatalf("after PFADD a..j, PFCOUNT:\n got %q\nwant %q", v, want)
	}
	if got := string(HLLDecode(nil, AppendNewHLL(nil))); got != "Z:16384" {
		t.Fatalf("decode %q", got)
	}
}

func addAll(t testing.TB, v []byte, sparseMax int64, elems ...string) []byte {
	t.Helper()
	for _, e := range elems {
		out, _, err := HLLAdd(v, []byte(e), sparseMax)
		if err != nil {
			t.Fatalf("add %q: %v", e, err)
		}
		v = out
	}
	return v
}

// registersOf decodes any valid HLL into byte registers, naively.
func registersOf(t testing.TB, v []byte) *[HLLRegisters]uint8 {
	t.Helper()
	var regs [HLLRegisters]uint8
	if v[4] == hllEncDense {
		for i := range regs {
			regs[i] = HLLRegister(v, i)
		}
		return &regs
	}
	i := 0
	for k := HLLHeaderSize; k < len(v); k++ {
		b := v[k]
		switch {
		case b&0xc0 == 0:
			i += int(b) + 1
		case b&0xc0 == 0x40:
			i += int(b&0x3f)<<8 | int(v[k+1]) + 1
			k++
		default:
			for n := int(b&3) + 1; n > 0; n-- {
				regs[i] = (b>>2)&0x1f + 1
				i++
			}
		}
	}
	if i != HLLRegisters {
		t.Fatalf("sparse value covers %d registers", i)
	}
	return &regs
}

// A sparse and a dense HLL fed the same elements hold the same registers
// (checked against a plain array model after every add) and counts.
func TestHLLSparseDenseAgree(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1, 5, 50, 300, 2000} {
		sparse := AppendNewHLL(nil)
		dense, err := HLLToDense(AppendNewHLL(nil))
		if err != nil {
			t.Fatal(err)
		}
		var model [HLLRegisters]uint8
		for j := range n {
			elem := []byte(strconv.FormatUint(rng.Uint64(), 36))
			index, count := HLLHash(elem)
			model[index] = max(model[index], count)
			var changedS, changedD bool
			sparse, changedS, err = HLLAdd(sparse, elem, math.MaxInt64)
			if err != nil {
				t.Fatal(err)
			}
			dense, changedD, _ = HLLAdd(dense, elem, math.MaxInt64)
			if changedS != changedD {
				t.Fatalf("n=%d j=%d: changed sparse %v dense %v", n, j, changedS, changedD)
			}
			if j%17 == 0 || j == n-1 {
				if *registersOf(t, sparse) != model || *registersOf(t, dense) != model {
					t.Fatalf("n=%d j=%d: registers differ from the model", n, j)
				}
			}
		}
		if !HLLIsSparse(sparse) {
			t.Fatalf("n=%d: promoted without a reason", n)
		}
		HLLInvalidate(sparse)
		HLLInvalidate(dense)
		cs, _, err := HLLCount(sparse)
		cd, _, _ := HLLCount(dense)
		if err != nil || cs != cd || cs != HLLCountRegisters(&model) {
			t.Fatalf("n=%d: counts sparse %d dense %d model %d (%v)", n, cs, cd, HLLCountRegisters(&model), err)
		}
		d2, err := HLLToDense(sparse)
		if err != nil || !bytes.Equal(d2[HLLHeaderSize:], dense[HLLHeaderSize:]) {
			t.Fatalf("n=%d: converted sparse differs from dense (%v)", n, err)
		}
	}
}

// The sparse value turns dense once it would outgrow sparseMax, or for a
// run too long for a VAL opcode.
func TestHLLPromotion(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	v := AppendNewHLL(nil)
	for i := 0; HLLIsSparse(v); i++ {
		if len(v) > 300 {
			t.Fatalf("sparse value of %d bytes with sparseMax 300", len(v))
		}
		var err error
		v, _, err = HLLAdd(v, []byte(strconv.FormatUint(rng.Uint64(), 16)), 300)
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(v) != HLLDenseSize {
		t.Fatalf("dense value of %d bytes", len(v))
	}
	v = AppendNewHLL(nil)
	v, changed, err := HLLSet(v, 100, 33, 3000)
	if err != nil || !changed || HLLIsSparse(v) || HLLRegister(v, 100) != 33 {
		t.Fatalf("count 33 must promote: %v %v", changed, err)
	}
}

// The estimate stays within 3% from 1e3 to 1e6 elements. (HLLSelfTest,
// a stricter check up to 1e7, runs as PFSELFTEST in tests/hll_test.go.)
func TestHLLEstimateError(t *testing.T) {
	n := 1_000_000
	if testing.Short() {
		n = 100_000
	}
	v, _ := HLLToDense(AppendNewHLL(nil))
	var ele [8]byte
	next := 1000
	for j := 1; j <= n; j++ {
		binary.LittleEndian.PutUint64(ele[:], uint64(j)*0x9e3779b97f4a7c15)
		v, _, _ = HLLAdd(v, ele[:], 3000)
		if j == next {
			HLLInvalidate(v)
			card, _, _ := HLLCount(v)
			if rel := math.Abs(float64(card)-float64(j)) / float64(j); rel > 0.03 {
				t.Errorf("%d elements estimated %d (%.2f%% off)", j, card, rel*100)
			}
			next *= 10
		}
	}
}

// Merging two HLLs gives the registers of one fed both sets; storing them
// back into a sparse value decodes to the same registers.
func TestHLLMergeStore(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{3, 40, 400, 5000} {
		a, b, both := AppendNewHLL(nil), AppendNewHLL(nil), AppendNewHLL(nil)
		for range n {
			e := strconv.FormatUint(rng.Uint64(), 10)
			if rng.IntN(2) == 0 {
				a = addAll(t, a, 3000, e)
			} else {
				b = addAll(t, b, 3000, e)
			}
			both = addAll(t, both, 3000, e)
		}
		var regs [HLLRegisters]uint8
		if HLLMerge(&regs, a) != nil || HLLMerge(&regs, b) != nil {
			t.Fatal("merge failed")
		}
		if regs != *registersOf(t, both) {
			t.Fatalf("n=%d: merged registers differ", n)
		}
		dst := HLLStore(AppendNewHLL(nil), &regs, 3000)
		if *registersOf(t, dst) != regs {
			t.Fatalf("n=%d: stored registers differ", n)
		}
		if dst[hllCacheByte]&0x80 == 0 {
			t.Fatal("HLLStore left the cache valid")
		}
	}
}

// The sparse value a series of PFMERGE-style ascending sets produces with
// the resume cursor is the same as without it.
func TestHLLStoreCursor(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for round := range 50 {
		var regs [HLLRegisters]uint8
		for range rng.IntN(600) {
			regs[rng.IntN(HLLRegisters)] = uint8(rng.IntN(4) + 1)
		}
		// An existing sparse destination, itself part of the union.
		dst := AppendNewHLL(nil)
		for range rng.IntN(200) {
			i, c := rng.IntN(HLLRegisters), uint8(rng.IntN(3)+1)
			dst, _, _ = HLLSet(dst, i, c, 1<<20)
			regs[i] = max(regs[i], c)
		}
		plain := append([]byte(nil), dst...)
		for i := range regs {
			if regs[i] != 0 {
				plain, _, _ = sparseSet(plain, i, regs[i], 1<<20, nil)
			}
		}
		hllInvalidate(plain)
		got := HLLStore(append([]byte(nil), dst...), &regs, 1<<20)
		if !bytes.Equal(got, plain) {
			t.Fatalf("round %d: cursor store differs", round)
		}
	}
}

// Invalid values are rejected by IsHLL; corrupted sparse opcodes give
// ErrHLLCorrupt from every reader (and the same verdict from each).
func TestHLLCorrupt(t *testing.T) {
	for _, bad := range []string{"", "HYLL", "HYLL\x00" + string(make([]byte, 11)), "HYLX\x01" + string(make([]byte, 13)), "HYLL\x02" + string(make([]byte, 13))} {
		if IsHLL([]byte(bad)) {
			t.Errorf("IsHLL(%q)", bad)
		}
	}
	hdr := "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80"
	for _, body := range []string{"", "\x7f", "\x7f\xfe", "\x7f\xff\x00", "\x7f\xfe\x80\x80", "\xff\x7f\xff"} {
		v := []byte(hdr + body)
		if _, _, err := HLLCount(v); err == nil {
			t.Errorf("count of %q accepted", body)
		}
		var regs [HLLRegisters]uint8
		if HLLMerge(&regs, v) == nil {
			t.Errorf("merge of %q accepted", body)
		}
		if _, err := HLLToDense(v); err == nil {
			t.Errorf("todense of %q accepted", body)
		}
	}
}

func FuzzHLL(f *testing.F) {
	rng := rand.New(rand.NewPCG(11, 12))
	sparse := AppendNewHLL(nil)
	for range 200 {
		sparse = addAll(f, sparse, 3000, strconv.FormatUint(rng.Uint64(), 36))
	}
	dense, _ := HLLToDense(sparse)
	f.Add(append([]byte(nil), sparse...), []byte("x"))
	f.Add(sparse[:len(sparse)-1], []byte("y"))
	f.Add(sparse[:20], []byte(""))
	f.Add(append([]byte(nil), dense...), []byte("z"))
	f.Add(AppendNewHLL(nil), []byte("a"))
	for range 100 {
		v := append([]byte(nil), sparse...)
		if rng.IntN(3) == 0 {
			v = append([]byte(nil), dense...)
		}
		for range rng.IntN(4) + 1 {
			v[HLLHeaderSize+rng.IntN(len(v)-HLLHeaderSize)] ^= byte(1 << rng.IntN(8))
		}
		if rng.IntN(3) == 0 {
			v = v[:HLLHeaderSize+rng.IntN(len(v)-HLLHeaderSize)]
		}
		f.Add(v, []byte(strconv.Itoa(rng.IntN(1000))))
	}
	f.Fuzz(func(t *testing.T, v, elem []byte) {
		if !IsHLL(v) {
			return
		}
		var regs [HLLRegisters]uint8
		mergeErr := HLLMerge(&regs, v)
		d, denseErr := HLLToDense(append([]byte(nil), v...))
		c := append([]byte(nil), v...)
		hllInvalidate(c)
		_, _, countErr := HLLCount(c)
		if (mergeErr == nil) != (denseErr == nil) || (mergeErr == nil) != (countErr == nil) {
			t.Fatalf("readers disagree: merge %v todense %v count %v", mergeErr, denseErr, countErr)
		}
		if denseErr == nil && *registersOf(t, d) != regs {
			t.Fatal("todense and merge disagree")
		}
		HLLDecode(nil, v)
		out, _, addErr := HLLAdd(append([]byte(nil), v...), elem, 3000)
		if addErr == nil && mergeErr == nil {
			var after [HLLRegisters]uint8
			if HLLMerge(&after, out) != nil {
				t.Fatal("a valid HLL became invalid after an add")
			}
			index, count := HLLHash(elem)
			regs[index] = max(regs[index], count)
			if after != regs {
				t.Fatal("add changed the wrong registers")
			}
		}
	})
}
