package datatypes

import (
	"fmt"
	"hash/maphash"
	"math/rand/v2"
	"slices"
	"testing"
)

type strItem string

func (s strItem) Key() string { return string(s) }

// checkTable verifies the table's invariants against a model map.
func checkTable(t *testing.T, tb *Table[strItem], model map[string]uint64) {
	t.Helper()
	if tb.Len() != len(model) {
		t.Fatalf("len %d, model %d", tb.Len(), len(model))
	}
	var prev uint64
	n := 0
	for i, s := range tb.slots {
		if s.tag == 0 {
			continue
		}
		n++
		h := s.tag &^ occupied
		if s.tag < prev {
			t.Fatalf("slot %d out of order", i)
		}
		prev = s.tag
		if home := tb.home(h); home > i {
			t.Fatalf("slot %d before its home %d", i, home)
		} else {
			for j := home; j < i; j++ {
				if tb.slots[j].tag == 0 {
					t.Fatalf("gap at %d between home %d and slot %d", j, home, i)
				}
			}
		}
		if model[s.item.Key()] != h {
			t.Fatalf("key %q has hash %x, model %x", s.item, h, model[s.item.Key()])
		}
	}
	if n != len(model) {
		t.Fatalf("%d occupied slots, model %d", n, len(model))
	}
	for k, h := range model {
		if it, ok := tb.Get(h, []byte(k)); !ok || string(it) != k {
			t.Fatalf("get %q failed", k)
		}
	}
}

// TestTableModel drives random inserts and deletes, with hashes squeezed
// into a few values so collisions and long runs are common.
func TestTableModel(t *testing.T) {
	for _, hashSpace := range []uint64{4, 64, 1 << 20, HashMask} {
		r := rand.New(rand.NewPCG(1, hashSpace))
		var tb Table[strItem]
		model := map[string]uint64{}
		seed := maphash.MakeSeed()
		for step := 0; step < 20000; step++ {
			k := fmt.Sprint("k", r.IntN(3000))
			h := (maphash.String(seed, k) % hashSpace) * (HashMask / hashSpace)
			if _, ok := model[k]; ok && r.IntN(3) > 0 {
				if it, ok := tb.Delete(h, []byte(k)); !ok || string(it) != k {
					t.Fatalf("delete %q: %q %v", k, it, ok)
				}
				delete(model, k)
			} else if !ok {
				tb.Insert(h, strItem(k))
				model[k] = h
			}
			if step%997 == 0 {
				checkTable(t, &tb, model)
			}
		}
		checkTable(t, &tb, model)
		// A cursor walk in steps of a few keys sees every key exactly once.
		seen := map[string]int{}
		var from uint64
		for done := false; !done; {
			count, last := 0, uint64(0)
			done = true
			tb.Ascend(from, func(h uint64, it strItem) bool {
				if count >= 7 && h != last {
					from, done = h, false
					return false
				}
				seen[string(it)]++
				count, last = count+1, h
				return true
			})
		}
		for k := range model {
			if seen[k] != 1 {
				t.Fatalf("space %d: key %q seen %d times", hashSpace, k, seen[k])
			}
		}
	}
}

// TestDictModel checks Dict against a map, including Ref updates.
func TestDictModel(t *testing.T) {
	d := NewDict[int](maphash.MakeSeed())
	model := map[string]int{}
	r := rand.New(rand.NewPCG(3, 4))
	for step := 0; step < 50000; step++ {
		k := fmt.Sprint("f", r.IntN(2000))
		switch r.IntN(4) {
		case 0:
			_, _, ok := d.Delete([]byte(k))
			_, want := model[k]
			if ok != want {
				t.Fatalf("delete %q: %v, want %v", k, ok, want)
			}
			delete(model, k)
		case 1:
			if p := d.Ref([]byte(k)); p != nil {
				*p += 10
				model[k] += 10
			} else if _, ok := model[k]; ok {
				t.Fatalf("ref %q: nil", k)
			}
		default:
			_, had := model[k]
			if added := d.Set(k, step); added == had {
				t.Fatalf("set %q: added %v, had %v", k, added, had)
			}
			model[k] = step
		}
	}
	if d.Len() != len(model) {
		t.Fatalf("len %d, model %d", d.Len(), len(model))
	}
	for k, v := range model {
		if got, ok := d.Get([]byte(k)); !ok || got != v {
			t.Fatalf("get %q = %d %v, want %d", k, got, ok, v)
		}
	}
	var keys []string
	d.Each(func(k string, _ int) bool { keys = append(keys, k); return true })
	if len(keys) != len(model) {
		t.Fatalf("each saw %d keys, want %d", len(keys), len(model))
	}
}

// TestDictScanUnderChange: keys present for a whole Scan iteration are all
// returned, even when the Dict grows and shrinks between calls; the cursor
// ends at 0.
func TestDictScanUnderChange(t *testing.T) {
	d := NewDict[struct{}](maphash.MakeSeed())
	stable := map[string]bool{}
	for i := 0; i < 500; i++ {
		k := fmt.Sprint("stable", i)
		d.Set(k, struct{}{})
		stable[k] = true
	}
	var churn []string
	seen := map[string]bool{}
	r := rand.New(rand.NewPCG(7, 7))
	cursor, calls := uint64(0), 0
	for {
		cursor = d.Scan(cursor, 10, func(k string, _ struct{}) { seen[k] = true })
		calls++
		if cursor == 0 {
			break
		}
		if calls > 10000 {
			t.Fatal("scan does not end")
		}
		if r.IntN(2) == 0 {
			for i := 0; i < 300; i++ {
				k := fmt.Sprint("churn", r.IntN(1<<30))
				if d.Set(k, struct{}{}) {
					churn = append(churn, k)
				}
			}
		} else {
			for _, k := range churn {
				d.Delete([]byte(k))
			}
			churn = churn[:0]
		}
	}
	for k := range stable {
		if !seen[k] {
			t.Fatalf("stable key %q missed by the scan", k)
		}
	}
	if calls < 5 {
		t.Fatalf("scan of 500+ keys with count 10 took only %d calls", calls)
	}
}

// TestDictRandom: every key of a small dict comes up in random picks.
func TestDictRandom(t *testing.T) {
	d := NewDict[int](maphash.MakeSeed())
	r := rand.New(rand.NewPCG(1, 1))
	if _, _, ok := d.Random(r); ok {
		t.Fatal("random of an empty dict")
	}
	want := []string{"a", "b", "c", "d", "e"}
	for i, k := range want {
		d.Set(k, i)
	}
	got := map[string]bool{}
	for i := 0; i < 1000; i++ {
		k, v, ok := d.Random(r)
		if !ok || want[v] != k {
			t.Fatalf("random: %q %d %v", k, v, ok)
		}
		got[k] = true
	}
	keys := make([]string, 0, len(got))
	for k := range got {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if !slices.Equal(keys, want) {
		t.Fatalf("random picks covered %v", keys)
	}
}
