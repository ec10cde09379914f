// Package hugepages backs the Go heap with transparent huge pages where
// Linux gives them only on request (THP mode "madvise", the default of
// most distributions).
//
// Why: the first touch of a 4 KiB page costs a page fault, and on virtual
// machines a fault is dear. On the 2-core VM Shoal is measured on, it is
// 12-19 µs: loading 1M keys touched 40,000 pages, and the faults were
// about half of the load time. One 2 MiB huge page replaces 512 of them.
// Redis turns huge pages off for its process (disable-thp) because its
// fork copies whole huge pages on write; Shoal never forks, so it has no
// reason to.
//
// Go does not ask for huge pages on the heap since Go 1.21.1, and it maps
// heap memory afresh as it grows (which drops any earlier advice), so
// Shoal asks itself: Reserve before loading a dataset, and an Advisor
// that marks the heap's mappings periodically as it grows. Setting
// SHOAL_HUGEPAGES=off turns both off.
package hugepages

import (
	"bytes"
	"strconv"
)

// arenaBytes is the Go heap arena size on 64-bit Linux: heap mappings lie
// in arenas laid out upward from the first one.
const arenaBytes = 64 << 20

// hugePage is the size of a transparent huge page on x86-64 and arm64
// with 4 KiB pages.
const hugePage = 2 << 20

// span is one mapping of /proc/self/maps.
type span struct{ start, end uintptr }

// heapMappings returns the writable private anonymous mappings of a
// /proc/self/maps text that start in [lo, hi): the Go heap's, when lo is
// the first heap arena and hi far above it.
func heapMappings(maps []byte, lo, hi uintptr) []span {
	var out []span
	for line := range bytes.Lines(maps) {
		// start-end perms offset dev inode [path]: anonymous mappings
		// have inode 0 and no path.
		f := bytes.Fields(line)
		if len(f) != 5 || string(f[1]) != "rw-p" || string(f[4]) != "0" {
			continue
		}
		a, b, ok := bytes.Cut(f[0], []byte{'-'})
		if !ok {
			continue
		}
		start, err1 := strconv.ParseUint(string(a), 16, 64)
		end, err2 := strconv.ParseUint(string(b), 16, 64)
		if err1 != nil || err2 != nil || end <= start || uintptr(start) < lo || uintptr(start) >= hi {
			continue
		}
		out = append(out, span{uintptr(start), uintptr(end)})
	}
	return out
}

// inner is the part of [start, end) made of whole huge pages.
func inner(start, end uintptr) (uintptr, uintptr) {
	s := (start + hugePage - 1) &^ (hugePage - 1)
	e := end &^ (hugePage - 1)
	if e < s {
		e = s
	}
	return s, e
}
