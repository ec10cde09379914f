package hugepages

import (
	"bytes"
	"os"
	"runtime"
	"syscall"
	"time"
	"unsafe"
)

const madvHugepage = 14 // MADV_HUGEPAGE

// Advisor marks the Go heap's mappings for huge pages. A nil Advisor (huge
// pages unavailable, already automatic, or turned off) does nothing.
type Advisor struct {
	lo, hi uintptr // where the heap's arenas lie
	maps   []byte  // /proc/self/maps, read into a reused buffer
}

// New returns an Advisor, or nil when there is nothing to do: THP is not
// in "madvise" mode ("always" needs no advice, "never" ignores it), or
// SHOAL_HUGEPAGES is "off".
func New() *Advisor {
	if v := os.Getenv("SHOAL_HUGEPAGES"); v == "off" || v == "no" || v == "0" {
		return nil
	}
	mode, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled")
	if err != nil || !bytes.Contains(mode, []byte("[madvise]")) {
		return nil
	}
	// Any heap object tells where the heap begins: arenas grow upward
	// from the first one, 64 MiB at a time.
	first := uintptr(unsafe.Pointer(new([64]byte))) &^ (arenaBytes - 1)
	return &Advisor{lo: first, hi: first + 1<<40}
}

// Advise marks every heap mapping for huge pages and returns how many
// mappings it advised. Mappings advised before are advised again, which
// costs the kernel nothing; new ones (the heap grew) gain the advice for
// the pages not touched yet.
func (a *Advisor) Advise() int {
	if a == nil {
		return 0
	}
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		return 0
	}
	buf := bytes.NewBuffer(a.maps[:0])
	_, err = buf.ReadFrom(f)
	f.Close()
	a.maps = buf.Bytes()
	if err != nil {
		return 0
	}
	n := 0
	for _, m := range heapMappings(a.maps, a.lo, a.hi) {
		if s, e := inner(m.start, m.end); e > s && madvise(s, e-s) == nil {
			n++
		}
	}
	return n
}

// Run advises every interval, for the life of the process.
func (a *Advisor) Run(interval time.Duration) {
	if a == nil {
		return
	}
	for range time.Tick(interval) {
		a.Advise()
	}
}

// ReserveFor reserves room for a dataset loaded from a file of fileSize
// bytes: one takes 5-8 times its RDB size in memory (1M small strings: a
// 25 MB file, 135 MB of heap). At least 256 MiB, at most a quarter of the
// machine's memory, which one mapping may not exceed.
func (a *Advisor) ReserveFor(fileSize int64) {
	n := max(8*fileSize, 256<<20)
	var si syscall.Sysinfo_t
	if syscall.Sysinfo(&si) == nil {
		n = min(n, int64(si.Totalram)*int64(si.Unit)/4)
	}
	a.Reserve(int(n))
}

// Reserve grows the heap by n bytes marked for huge pages and frees them
// again: the allocations that follow (a dataset being loaded) fill that
// space 2 MiB per fault instead of 4 KiB. The memory is never touched
// here, so it costs address space, not RSS.
func (a *Advisor) Reserve(n int) {
	if a == nil || n <= 0 {
		return
	}
	b := make([]byte, n) // fresh from the OS: the runtime does not clear it
	p := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	if s, e := inner(p, p+uintptr(n)); e > s {
		madvise(s, e-s)
	}
	runtime.KeepAlive(b)
	b = nil
	runtime.GC() // free it now, before the loader allocates
}

func madvise(start, n uintptr) error {
	if _, _, e := syscall.Syscall(syscall.SYS_MADVISE, start, n, madvHugepage); e != 0 {
		return e
	}
	return nil
}
