package cores

import (
	"bytes"
	"errors"
	"math/bits"
	"os"
	"strconv"
	"syscall"
	"time"
	"unsafe"
)

// meter measures windows: this process's CPU time from getrusage, the
// machine's from /proc/stat, counting only the cores Shoal may run on.
type meter struct {
	allowed  []bool // by CPU number, from sched_getaffinity
	n        int
	prevWall time.Time
	prevSelf time.Duration
	prevBusy uint64 // non-idle jiffies on the allowed cores
	prevAll  uint64 // all jiffies on the allowed cores
}

func newMeter() (*meter, error) {
	var mask [128]uint64 // up to 8192 CPUs
	_, _, e := syscall.RawSyscall(syscall.SYS_SCHED_GETAFFINITY, 0, unsafe.Sizeof(mask), uintptr(unsafe.Pointer(&mask)))
	if e != 0 {
		return nil, e
	}
	m := &meter{allowed: make([]bool, len(mask)*64)}
	for i, w := range mask {
		for w != 0 {
			b := bits.TrailingZeros64(w)
			m.allowed[i*64+b] = true
			m.n++
			w &^= 1 << b
		}
	}
	busy, all, err := m.machine()
	if err != nil {
		return nil, err
	}
	m.prevWall, m.prevSelf, m.prevBusy, m.prevAll = time.Now(), self(), busy, all
	return m, nil
}

func (m *meter) cores() int { return m.n }

// read measures the window since the previous read.
func (m *meter) read() (Window, bool) {
	busy, all, err := m.machine()
	if err != nil {
		return Window{}, false
	}
	now, me := time.Now(), self()
	wall := now.Sub(m.prevWall)
	dBusy, dAll := busy-m.prevBusy, all-m.prevAll
	w := Window{Self: float64(me-m.prevSelf) / float64(wall)}
	ok := wall > 0 && dAll > 0 && busy >= m.prevBusy && all >= m.prevAll
	if ok {
		machine := float64(dBusy) / float64(dAll) * float64(m.n)
		w.Others = max(0, machine-w.Self)
	}
	m.prevWall, m.prevSelf, m.prevBusy, m.prevAll = now, me, busy, all
	return w, ok
}

// self is the CPU time (user and system) of the whole process so far.
func self() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// machine sums the jiffies of the allowed cores from /proc/stat: busy is
// everything but idle and iowait.
func (m *meter) machine() (busy, all uint64, err error) {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0, err
	}
	busy, all, ok := sumStat(data, m.allowed)
	if !ok {
		return 0, 0, errors.New("no per-CPU lines in /proc/stat")
	}
	return busy, all, nil
}

// sumStat adds up the "cpuN" lines of /proc/stat for the allowed CPUs.
func sumStat(data []byte, allowed []bool) (busy, all uint64, ok bool) {
	for line := range bytes.Lines(data) {
		if len(line) < 4 || string(line[:3]) != "cpu" || line[3] == ' ' {
			continue
		}
		fields := bytes.Fields(line)
		cpu, err := strconv.Atoi(string(fields[0][3:]))
		if err != nil || cpu < 0 || cpu >= len(allowed) || !allowed[cpu] {
			continue
		}
		// user nice system idle iowait irq softirq steal, then guest and
		// guest_nice, which user and nice already include.
		for i, f := range fields[1:min(len(fields), 9)] {
			v, err := strconv.ParseUint(string(f), 10, 64)
			if err != nil {
				break
			}
			all += v
			if i != 3 && i != 4 {
				busy += v
			}
		}
		ok = true
	}
	return busy, all, ok
}
