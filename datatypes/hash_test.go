package datatypes

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// hashModel is the naive model of a Hash: a map plus the insertion order
// that the listpack encoding must keep.
type hashModel struct {
	m     map[string]string
	order []string
}

func (m *hashModel) set(f, v string) bool {
	_, had := m.m[f]
	if !had {
		m.order = append(m.order, f)
	}
	m.m[f] = v
	return !had
}

func (m *hashModel) del(f string) bool {
	if _, ok := m.m[f]; !ok {
		return false
	}
	delete(m.m, f)
	for i, o := range m.order {
		if o == f {
			m.order = append(m.order[:i], m.order[i+1:]...)
			break
		}
	}
	return true
}

// checkHash compares h with the model, in order while h is a listpack.
func checkHash(t testing.TB, h *Hash, m *hashModel) {
	t.Helper()
	if h.Len() != len(m.m) {
		t.Fatalf("Len %d, model %d", h.Len(), len(m.m))
	}
	var got []string
	h.Each(func(f, v []byte) bool {
		if mv, ok := m.m[string(f)]; !ok || mv != string(v) {
			t.Fatalf("Each: %q=%q, model %q (present %v)", f, v, mv, ok)
		}
		got = append(got, string(f))
		return true
	})
	if len(got) != len(m.m) {
		t.Fatalf("Each visited %d, model %d", len(got), len(m.m))
	}
	if h.Encoding() == "listpack" && strings.Join(got, "\x00") != strings.Join(m.order, "\x00") {
		t.Fatalf("listpack order %q, model %q", got, m.order)
	}
	for f, v := range m.m {
		gv, ok := h.Get([]byte(f))
		if !ok || string(gv) != v {
			t.Fatalf("Get %q = %q %v, model %q", f, gv, ok, v)
		}
	}
	// A full Scan with a small count returns every field exactly once.
	seen := map[string]int{}
	cursor := uint64(0)
	for {
		cursor = h.Scan(cursor, 3, func(f, v []byte) { seen[string(f)]++ })
		if cursor == 0 {
			break
		}
	}
	if len(seen) != len(m.m) {
		t.Fatalf("Scan saw %d fields, model %d", len(seen), len(m.m))
	}
	for f, n := range seen {
		if n != 1 {
			t.Fatalf("Scan saw %q %d times", f, n)
		}
	}
	if h.MemUsage() <= 0 {
		t.Fatalf("MemUsage %d", h.MemUsage())
	}
}

// runHashOps applies a byte-coded sequence of operations to a Hash and the
// model, checking each result: the body of the property test and the fuzz
// target.
func runHashOps(t testing.TB, ops []byte, maxEntries, maxValue int) {
	h := NewHash()
	m := &hashModel{m: map[string]string{}}
	wasHT := false
	for i := 0; i+2 < len(ops); i += 3 {
		f := fmt.Sprintf("f%d", ops[i+1]%24)
		v := strings.Repeat(string(rune('a'+ops[i+2]%26)), int(ops[i+2]%9))
		switch ops[i] % 4 {
		case 0, 1:
			if got, want := h.Set([]byte(f), []byte(v), maxEntries, maxValue), m.set(f, v); got != want {
				t.Fatalf("Set %q: new %v, model %v", f, got, want)
			}
		case 2:
			if got, want := h.Delete([]byte(f)), m.del(f); got != want {
				t.Fatalf("Delete %q: %v, model %v", f, got, want)
			}
		case 3:
			if _, want := m.m[f]; h.Has([]byte(f)) != want {
				t.Fatalf("Has %q: want %v", f, want)
			}
		}
		if wasHT && h.Encoding() != "hashtable" {
			t.Fatal("converted back to listpack")
		}
		if h.Encoding() == "listpack" && h.Len() > maxEntries {
			t.Fatalf("listpack with %d > %d fields", h.Len(), maxEntries)
		}
		wasHT = h.Encoding() == "hashtable"
	}
	checkHash(t, h, m)
	c := h.Copy().(*Hash)
	checkHash(t, c, m)
	if c.Encoding() != h.Encoding() {
		t.Fatalf("Copy encoding %s, want %s", c.Encoding(), h.Encoding())
	}
}

func TestHashProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 300; round++ {
		ops := make([]byte, 3*r.IntN(120))
		for i := range ops {
			ops[i] = byte(r.Uint32())
		}
		runHashOps(t, ops, 1+r.IntN(20), r.IntN(10))
	}
}

func FuzzHash(f *testing.F) {
	f.Add([]byte{0, 1, 2, 0, 2, 3, 2, 1, 0, 1, 5, 9}, uint8(4), uint8(5))
	f.Add(bytes.Repeat([]byte{0, 7, 8, 1, 9, 3, 2, 7, 0}, 20), uint8(2), uint8(8))
	f.Fuzz(func(t *testing.T, ops []byte, maxEntries, maxValue uint8) {
		runHashOps(t, ops, int(maxEntries), int(maxValue))
	})
}

// Table tests of the encoding rules.
func TestHashEncoding(t *testing.T) {
	h := NewHash()
	for i := 0; i < 4; i++ {
		h.Set([]byte(fmt.Sprint("f", i)), []byte("v"), 4, 8)
	}
	if h.Encoding() != "listpack" {
		t.Fatalf("4 fields: %s", h.Encoding())
	}
	h.Set([]byte("f0"), []byte("12345678"), 4, 8) // at the value limit: stays
	if h.Encoding() != "listpack" {
		t.Fatalf("value at limit: %s", h.Encoding())
	}
	h.Set([]byte("f4"), []byte("v"), 4, 8)
	if h.Encoding() != "hashtable" {
		t.Fatalf("5 fields: %s", h.Encoding())
	}
	for i := 0; i < 5; i++ {
		h.Delete([]byte(fmt.Sprint("f", i)))
	}
	if h.Encoding() != "hashtable" || h.Len() != 0 {
		t.Fatalf("emptied: %s %d", h.Encoding(), h.Len())
	}

	long := NewHash()
	long.Set([]byte("123456789"), []byte("v"), 4, 8) // field over the limit
	if long.Encoding() != "hashtable" {
		t.Fatalf("long field: %s", long.Encoding())
	}

	// In-place replacement keeps order, whatever the new value's length.
	o := NewHash()
	for _, f := range []string{"a", "b", "c"} {
		o.Set([]byte(f), []byte(f), 10, 1000)
	}
	o.Set([]byte("b"), bytes.Repeat([]byte("x"), 300), 10, 1000)
	o.Set([]byte("a"), nil, 10, 1000)
	var order []string
	o.Each(func(f, v []byte) bool { order = append(order, fmt.Sprintf("%s=%d", f, len(v))); return true })
	if got := strings.Join(order, " "); got != "a=0 b=300 c=1" {
		t.Fatalf("order after replace: %s", got)
	}
}

func TestHashRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{1, 5, 300} {
		h := NewHash()
		for i := 0; i < n; i++ {
			h.Set([]byte(fmt.Sprint("f", i)), []byte(fmt.Sprint("v", i)), 128, 64)
		}
		seen := map[string]bool{}
		for i := 0; i < 20*n; i++ {
			f, v := h.Random(r)
			if "v"+string(f[1:]) != string(v) {
				t.Fatalf("Random gave %q=%q", f, v)
			}
			seen[string(f)] = true
		}
		if len(seen) < n*3/4 {
			t.Fatalf("%d fields: Random saw only %d", n, len(seen))
		}
	}
}
