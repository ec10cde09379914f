package server

import (
	"bytes"
	"strings"
	"testing"
	"unsafe"
)

// TestEntryWithBuffer: a key and value up to 192 bytes share the entry's
// allocation, one allocation in all; larger ones get their own; values
// moving in and out of the buffer keep key, value and memory figures right.
func TestEntryWithBuffer(t *testing.T) {
	for n := 0; n <= 300; n++ {
		e := allocEntry(n)
		if len(e.kv) != n {
			t.Fatalf("allocEntry(%d): len %d", n, len(e.kv))
		}
		inBuf := e.inl != 0 && unsafe.SliceData(e.kv) == e.inline()
		if n <= maxInline != inBuf {
			t.Fatalf("allocEntry(%d): in buffer %v, inl %d", n, inBuf, e.inl)
		}
	}
	key := []byte("key:000000123456")
	val := bytes.Repeat([]byte("v"), 64)
	if n := testing.AllocsPerRun(100, func() { newEntry(key, val) }); n != 1 {
		t.Fatalf("newEntry allocates %v times, want 1", n)
	}

	e := newEntry(key, val)
	small := e.memUsage()
	if small != 64+80+24 {
		t.Fatalf("memUsage %d, want %d", small, 64+80+24)
	}
	check := func(want []byte) {
		t.Helper()
		if e.Key() != string(key) || !bytes.Equal(e.Str(), want) {
			t.Fatalf("key %q value %q, want %q %q", e.Key(), e.Str(), key, want)
		}
	}
	check(val)

	big := []byte(strings.Repeat("w", 500))
	e.setStr(big)
	check(big)
	if unsafe.SliceData(e.kv) == e.inline() || e.memUsage() <= small+500 {
		t.Fatalf("a 500-byte value stays in the buffer or is not counted: %d", e.memUsage())
	}

	e.setStr([]byte("1"))
	check([]byte("1"))
	if unsafe.SliceData(e.kv) != e.inline() || e.memUsage() != small {
		t.Fatalf("a short value does not return to the buffer: memUsage %d", e.memUsage())
	}

	o := newObjEntry(key, TypeHash, nil)
	if o.Key() != string(key) || unsafe.SliceData(o.kv) != o.inline() {
		t.Fatalf("object entry key %q not in its buffer", o.Key())
	}
}
