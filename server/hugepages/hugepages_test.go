package hugepages

import (
	"reflect"
	"testing"
)

func TestHeapMappings(t *testing.T) {
	maps := []byte(`00400000-0074d000 r-xp 00000000 fe:00 10117589                           /tmp/shoal
00aed000-02b2f000 rw-p 00000000 00:00 0
0c6a5000-0c6c6000 rw-p 00000000 00:00 0                                  [heap]
c4adc000000-c4addc00000 ---p 00000000 00:00 0
c4addc00000-c4ade400000 rw-p 00000000 00:00 0
c4ade400000-c4ae0000000 ---p 00000000 00:00 0
c4ae0000000-c4ae4000000 rw-p 00000000 00:00 0
c4ae4000000-c4ae5000000 rw-p 00001000 fe:00 77                           /data/mapped.file
7f790c000000-7f790c021000 rw-p 00000000 00:00 0
`)
	got := heapMappings(maps, 0xc4adc000000, 0xc4adc000000+1<<40)
	want := []span{{0xc4addc00000, 0xc4ade400000}, {0xc4ae0000000, 0xc4ae4000000}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %x, want %x", got, want)
	}
}

func TestInner(t *testing.T) {
	for _, tc := range []struct{ start, end, s, e uintptr }{
		{0, 4 << 20, 0, 4 << 20},
		{4096, 4 << 20, 2 << 20, 4 << 20},
		{4096, 2<<20 + 4096, 2 << 20, 2 << 20}, // no whole huge page
		{2 << 20, 5 << 20, 2 << 20, 4 << 20},
	} {
		if s, e := inner(tc.start, tc.end); s != tc.s || e != tc.e {
			t.Errorf("inner(%#x, %#x) = %#x, %#x; want %#x, %#x", tc.start, tc.end, s, e, tc.s, tc.e)
		}
	}
}
