package datatypes

import (
	"hash/maphash"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
)

func TestParseSetInt(t *testing.T) {
	good := map[string]int64{
		"0": 0, "1": 1, "-1": -1, "123": 123,
		"9223372036854775807":  math.MaxInt64,
		"-9223372036854775808": math.MinInt64,
	}
	for s, want := range good {
		if v, ok := ParseSetInt([]byte(s)); !ok || v != want {
			t.Errorf("ParseSetInt(%q) = %d, %v; want %d", s, v, ok, want)
		}
	}
	for _, s := range []string{"", "-", "+1", "01", "-0", "00", " 1", "1 ", "1a", "1.0",
		"9223372036854775808", "-9223372036854775809", "18446744073709551616",
		"99999999999999999999", "123456789012345678901"} {
		if v, ok := ParseSetInt([]byte(s)); ok {
			t.Errorf("ParseSetInt(%q) = %d, want failure", s, v)
		}
	}
}

// setModel is the naive model: a map, plus the encoding Redis would have
// (intset until a non-integer arrives or it outgrows the limit).
type setModel struct {
	m      map[string]bool
	intset bool
}

func checkSet(t *testing.T, s *Set, model *setModel) {
	t.Helper()
	if s.Len() != len(model.m) {
		t.Fatalf("Len = %d, model %d", s.Len(), len(model.m))
	}
	if s.IsIntset() != model.intset {
		t.Fatalf("IsIntset = %v, model %v", s.IsIntset(), model.intset)
	}
	var got []string
	s.Each(func(m []byte) bool {
		got = append(got, string(m))
		return true
	})
	if s.IsIntset() {
		// An intset replies in ascending numeric order, like Redis.
		if !slices.IsSortedFunc(got, func(a, b string) int {
			x, _ := strconv.ParseInt(a, 10, 64)
			y, _ := strconv.ParseInt(b, 10, 64)
			return cmpInt(x, y)
		}) {
			t.Fatalf("intset members not sorted: %q", got)
		}
	}
	want := make([]string, 0, len(model.m))
	for k := range model.m {
		want = append(want, k)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("members %q, model %q", got, want)
	}
	var bytes int64
	for k := range model.m {
		bytes += int64(len(k))
	}
	if !s.IsIntset() && s.bytes != bytes {
		t.Fatalf("bytes = %d, model %d", s.bytes, bytes)
	}
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// runSetOps applies a stream of operations decoded from ops to a Set and
// the model, checking them against each other.
func runSetOps(t *testing.T, ops []byte, maxIntset int64) {
	seed := maphash.MakeSeed()
	r := rand.New(rand.NewPCG(1, 2))
	var s *Set
	model := &setModel{m: map[string]bool{}}
	member := func(b byte) []byte {
		switch b % 4 {
		case 0, 1:
			return []byte(strconv.Itoa(int(b>>2) - 20)) // small integers, negatives too
		case 2:
			return []byte("m" + strconv.Itoa(int(b>>2)))
		}
		return []byte("0" + strconv.Itoa(int(b>>2)%10)) // non-canonical integers
	}
	for i := 0; i+1 < len(ops); i += 2 {
		op, m := ops[i]%6, member(ops[i+1])
		if s == nil {
			s = NewSetFor(m, seed)
			_, isInt := ParseSetInt(m)
			model.intset = isInt
		}
		switch op {
		case 0, 1, 2:
			added := s.Add(m, maxIntset)
			if added == model.m[string(m)] {
				t.Fatalf("Add(%q) = %v, model has it: %v", m, added, model.m[string(m)])
			}
			if added {
				model.m[string(m)] = true
				if _, isInt := ParseSetInt(m); !isInt || int64(len(model.m)) > maxIntset {
					model.intset = false
				}
			}
		case 3:
			removed := s.Remove(m)
			if removed != model.m[string(m)] {
				t.Fatalf("Remove(%q) = %v, model %v", m, removed, model.m[string(m)])
			}
			delete(model.m, string(m))
		case 4:
			if s.Has(m) != model.m[string(m)] {
				t.Fatalf("Has(%q) = %v, model %v", m, !model.m[string(m)], model.m[string(m)])
			}
		case 5:
			if s.Len() > 0 {
				pick := string(s.Random(r, nil))
				if !model.m[pick] {
					t.Fatalf("Random gave %q, not a member", pick)
				}
			}
			c := s.Copy().(*Set)
			checkSet(t, c, model)
			c.Add([]byte("copy-only"), maxIntset) // the copy is independent
		}
		checkSet(t, s, model)
	}
}

func TestSetModel(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 9))
	for round := 0; round < 200; round++ {
		ops := make([]byte, 2*r.IntN(300))
		for i := range ops {
			ops[i] = byte(r.IntN(256))
		}
		// Mostly integers in some rounds, so intsets grow past the limit.
		if round%2 == 0 {
			for i := 1; i < len(ops); i += 2 {
				ops[i] &^= 2
			}
		}
		runSetOps(t, ops, int64(r.IntN(40)))
	}
}

func TestSetEncodingThreshold(t *testing.T) {
	s := NewSet(maphash.MakeSeed())
	for i := 0; i < 5; i++ {
		s.Add([]byte(strconv.Itoa(10-i)), 5)
	}
	if s.Encoding() != "intset" || s.Len() != 5 {
		t.Fatalf("5 ints at limit 5: %s, %d", s.Encoding(), s.Len())
	}
	if s.Add([]byte("7"), 5) || s.Encoding() != "intset" {
		t.Fatalf("re-adding a member changed the set")
	}
	var got []string
	s.Each(func(m []byte) bool { got = append(got, string(m)); return true })
	if want := []string{"6", "7", "8", "9", "10"}; !slices.Equal(got, want) {
		t.Fatalf("intset order %q, want %q", got, want)
	}
	s.Add([]byte("11"), 5)
	if s.Encoding() != "hashtable" {
		t.Fatalf("6 ints at limit 5: %s", s.Encoding())
	}
	s.Remove([]byte("11"))
	if s.Encoding() != "hashtable" {
		t.Fatalf("a hashtable never converts back")
	}
	if NewSetFor([]byte("a"), maphash.MakeSeed()).Encoding() != "hashtable" ||
		NewSetFor([]byte("-5"), maphash.MakeSeed()).Encoding() != "intset" {
		t.Fatalf("NewSetFor picks the wrong encoding")
	}
}

func TestSetScan(t *testing.T) {
	for _, n := range []int{3, 1000} {
		s := NewSet(maphash.MakeSeed())
		for i := 0; i < n; i++ {
			s.Add([]byte("k"+strconv.Itoa(i)), 512)
		}
		seen := map[string]bool{}
		cursor, calls := uint64(0), 0
		for {
			cursor = s.Scan(cursor, 10, func(m []byte) { seen[string(m)] = true })
			calls++
			if cursor == 0 {
				break
			}
		}
		if len(seen) != n {
			t.Fatalf("scan saw %d of %d", len(seen), n)
		}
		if n == 1000 && calls < 50 {
			t.Fatalf("COUNT 10 over 1000 members took %d calls", calls)
		}
	}
	s := NewSet(maphash.MakeSeed())
	for i := 0; i < 100; i++ {
		s.Add([]byte(strconv.Itoa(i)), 512)
	}
	n := 0
	if c := s.Scan(0, 10, func([]byte) { n++ }); c != 0 || n != 100 {
		t.Fatalf("intset scan: cursor %d, %d members; want everything at once", c, n)
	}
}

func TestSetAddNoAllocOnLookup(t *testing.T) {
	s := NewSet(maphash.MakeSeed())
	m := []byte("element:1")
	s.Add(m, 512)
	if n := testing.AllocsPerRun(100, func() { s.Add(m, 512); s.Has(m) }); n != 0 {
		t.Fatalf("Add of a present member allocates %.0f times", n)
	}
	ints := NewSet(maphash.MakeSeed())
	ints.Add([]byte("5"), 512)
	if n := testing.AllocsPerRun(100, func() { ints.Add([]byte("5"), 512); ints.Has([]byte("5")) }); n != 0 {
		t.Fatalf("intset lookup allocates %.0f times", n)
	}
}

// TestSetRandomIsFair checks Random's distribution with a chi-square test,
// as Redis's test suite does for SRANDMEMBER, in both encodings.
func TestSetRandomIsFair(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, prefix := range []string{"", "m"} {
		s := NewSet(maphash.MakeSeed())
		for i := 0; i < 50; i++ {
			s.Add([]byte(prefix+strconv.Itoa(i*37)), 512)
		}
		counts := map[string]int{}
		const samples = 20000
		for i := 0; i < samples; i++ {
			counts[string(s.Random(r, nil))]++
		}
		expected := float64(samples) / 50
		chi := 0.0
		for _, n := range counts {
			chi += (float64(n) - expected) * (float64(n) - expected) / expected
		}
		chi += float64(50-len(counts)) * expected // members never picked
		// 49 degrees of freedom: 100 is beyond the 0.001% tail.
		if chi > 100 {
			t.Errorf("%s: chi-square %.1f over 50 members, %d seen", s.Encoding(), chi, len(counts))
		}
	}
}

func FuzzSet(f *testing.F) {
	f.Add([]byte{0, 1, 0, 5, 3, 1, 4, 5, 5, 0}, uint8(3))
	f.Add([]byte{0, 2, 0, 6, 1, 7, 3, 2, 5, 9, 2, 3}, uint8(0))
	f.Add([]byte{2, 4, 2, 8, 2, 12, 2, 16, 3, 8, 5, 1}, uint8(2))
	f.Fuzz(func(t *testing.T, ops []byte, max uint8) {
		runSetOps(t, ops, int64(max%64))
	})
}
