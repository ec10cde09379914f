package datatypes

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
)

// listModel is the naive reference: a slice.
type listModel []string

// checkList compares l with the model, element by element and in size.
func checkList(t *testing.T, l *List, m listModel, step string) {
	t.Helper()
	if l.Len() != len(m) {
		t.Fatalf("%s: Len %d, model %d", step, l.Len(), len(m))
	}
	var bytes int64
	for i, v := range m {
		if got := l.Index(i); got != v {
			t.Fatalf("%s: Index(%d) = %q, model %q", step, i, got, v)
		}
		bytes += int64(len(v))
	}
	if l.bytes != bytes {
		t.Fatalf("%s: byte count %d, model %d", step, l.bytes, bytes)
	}
	// Chunks: a power-of-two ring, exactly the chunks the elements span.
	need := 0
	if l.n > 0 {
		need = (l.off + l.n + listChunkMask) >> listChunkBits
	}
	if len(l.ring)&(len(l.ring)-1) != 0 || l.nc != need || l.nc > len(l.ring) || l.off >= listChunkSize {
		t.Fatalf("%s: ring of %d, %d chunks, off %d for %d elements", step, len(l.ring), l.nc, l.off, l.n)
	}
}

// applyOp runs one operation, chosen by op and parameterized by a and b, on
// both the list and the model.
func applyOp(l *List, m listModel, op, a, b byte) (listModel, string) {
	v := strconv.Itoa(int(a) % 7) // few distinct values: LREM and LPOS find matches
	if a%5 == 0 {
		v += string(make([]byte, int(b)%40)) // and some longer ones
	}
	n := len(m)
	switch op % 11 {
	case 0:
		l.PushFront([]byte(v))
		return append(listModel{v}, m...), "PushFront " + v
	case 1:
		l.PushBack([]byte(v))
		return append(m, v), "PushBack " + v
	case 2:
		if n == 0 {
			return m, "noop"
		}
		if got := l.PopFront(); got != m[0] {
			return nil, "PopFront returned " + got
		}
		return m[1:], "PopFront"
	case 3:
		if n == 0 {
			return m, "noop"
		}
		if got := l.PopBack(); got != m[n-1] {
			return nil, "PopBack returned " + got
		}
		return m[:n-1], "PopBack"
	case 4:
		i := int(b) % (n + 1)
		l.Insert(i, []byte(v))
		return slices.Insert(slices.Clone(m), i, v), "Insert " + strconv.Itoa(i)
	case 5:
		if n == 0 {
			return m, "noop"
		}
		i := int(b) % n
		l.Remove(i)
		return slices.Delete(slices.Clone(m), i, i+1), "Remove " + strconv.Itoa(i)
	case 6:
		if n == 0 {
			return m, "noop"
		}
		i := int(b) % n
		l.Set(i, []byte(v))
		m2 := slices.Clone(m)
		m2[i] = v
		return m2, "Set " + strconv.Itoa(i)
	case 7:
		if n == 0 {
			return m, "noop"
		}
		start, stop := int(a)%n, int(b)%n
		l.Trim(start, stop)
		if start > stop {
			return listModel{}, "Trim empty"
		}
		return slices.Clone(m[start : stop+1]), "Trim " + strconv.Itoa(start) + " " + strconv.Itoa(stop)
	case 8:
		count := int64(int8(b)) % 4
		removed := l.RemoveValue([]byte(v), count)
		m2, want := modelRem(m, v, count)
		if removed != want {
			return nil, "RemoveValue count"
		}
		return m2, "RemoveValue " + v + " " + strconv.FormatInt(count, 10)
	case 9:
		c := l.Copy().(*List)
		l.PushBack([]byte("x")) // the copy must not see later changes
		l.PopBack()
		*l = *c
		return m, "Copy"
	default:
		for range int(b) % 64 {
			l.PushBack([]byte(v))
			m = append(m, v)
		}
		return m, "PushBack many"
	}
}

// modelRem is LREM on the model.
func modelRem(m listModel, v string, count int64) (listModel, int64) {
	out := listModel{}
	var removed int64
	limit := count
	if limit < 0 {
		limit = -limit
	}
	if count >= 0 {
		for _, x := range m {
			if x == v && (count == 0 || removed < limit) {
				removed++
				continue
			}
			out = append(out, x)
		}
		return out, removed
	}
	for i := len(m) - 1; i >= 0; i-- {
		if m[i] == v && removed < limit {
			removed++
			continue
		}
		out = append(out, m[i])
	}
	slices.Reverse(out)
	return out, removed
}

// runOps drives a list and its model with a byte string of operations.
func runOps(t *testing.T, ops []byte) {
	l := NewList()
	m := listModel{}
	for i := 0; i+2 < len(ops); i += 3 {
		var step string
		m, step = applyOp(l, m, ops[i], ops[i+1], ops[i+2])
		if m == nil {
			t.Fatalf("op %d: %s", i/3, step)
		}
		checkList(t, l, m, step)
	}
	if l.Encoding() != "quicklist" {
		t.Fatalf("encoding %q", l.Encoding())
	}
}

func TestListProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 200; round++ {
		ops := make([]byte, 3*200)
		for i := range ops {
			ops[i] = byte(r.IntN(256))
		}
		runOps(t, ops)
	}
}

func TestListRingWraps(t *testing.T) {
	// Pushes at the front and pops at the back walk the head around the
	// ring many times without growing it.
	l := NewList()
	for i := range 1000 {
		l.PushFront([]byte(strconv.Itoa(i)))
		if i >= 3 {
			if got, want := l.PopBack(), strconv.Itoa(i-3); got != want {
				t.Fatalf("step %d: got %q want %q", i, got, want)
			}
		}
	}
	if len(l.ring) != listMinRing || l.nc > 2 {
		t.Fatalf("ring grew to %d with %d chunks", len(l.ring), l.nc)
	}
	// Memory comes back after a big list shrinks.
	for i := range 10000 {
		l.PushBack([]byte(strconv.Itoa(i)))
	}
	for l.Len() > 2 {
		l.PopFront()
	}
	if len(l.ring) > 16 || l.nc > 2 {
		t.Fatalf("ring of %d, %d chunks for %d elements", len(l.ring), l.nc, l.Len())
	}
	if (l.off+l.n)&listChunkMask == 0 { // the next push must not add a chunk
		l.PopBack()
	}
	before := l.MemUsage()
	l.PushBack([]byte("0123456789"))
	if l.MemUsage() != before+10 {
		t.Fatalf("MemUsage %d after %d", l.MemUsage(), before)
	}
}

func FuzzList(f *testing.F) {
	f.Add([]byte{0, 1, 2, 1, 3, 4, 4, 5, 6, 2, 0, 0})
	f.Add([]byte{10, 5, 63, 7, 3, 9, 8, 0, 255, 5, 1, 1, 4, 2, 7})
	f.Add([]byte{10, 0, 50, 8, 0, 0, 9, 1, 1, 3, 3, 3})
	f.Fuzz(func(t *testing.T, ops []byte) {
		if len(ops) > 3000 {
			ops = ops[:3000]
		}
		runOps(t, ops)
	})
}

// Benchmarks of the operations LPUSH/LPOP/LINDEX/LRANGE stand on.

func BenchmarkListPushPop(b *testing.B) {
	l := NewList()
	v := []byte("xxx")
	for range b.N {
		l.PushFront(v)
		if l.Len() > 1000 {
			l.PopBack()
		}
	}
}

func BenchmarkListIndex(b *testing.B) {
	l := NewList()
	for i := range 100000 {
		l.PushBack([]byte(strconv.Itoa(i)))
	}
	b.ResetTimer()
	var n int
	for i := range b.N {
		n += len(l.Index(i % 100000))
	}
	_ = n
}
