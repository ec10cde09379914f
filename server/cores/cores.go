// Package cores sizes the Go scheduler (GOMAXPROCS) to the cores Shoal can
// use at the moment.
//
// Go runs goroutines on GOMAXPROCS threads, one per core by default. When
// another process keeps some of those cores busy (a client on the same host,
// a second server), the extra threads buy no throughput: they wake, spin
// looking for goroutines to run and take CPU time from the process that
// feeds Shoal its requests. With redis-benchmark on the same 2-core machine,
// Shoal served about 0.89 of redis-server's requests with GOMAXPROCS=2 and
// about 1.07 with GOMAXPROCS=1. A server with cores to itself must still use
// them all, so the number cannot be fixed: every tick the Controller sets
// GOMAXPROCS to the smaller of what the load needs and the cores that no
// other process is using.
//
// Setting the GOMAXPROCS environment variable turns the Controller off, as it
// turns off the Go runtime's own adjustment.
package cores

import (
	"math"
	"os"
	"runtime"
	"time"
)

// Tick is how often the Controller looks at CPU use.
const Tick = 100 * time.Millisecond

const (
	// saturated: Shoal uses this share of its procs or more, so it may need
	// more of them.
	saturated = 0.85
	// comfortable: the utilisation a shrunk proc count should leave.
	comfortable = 0.8
	// freeShare: a core counts as free when at least this share of it is
	// idle or used by Shoal.
	freeShare = 0.65
	// shrinkAfter: consecutive ticks that must ask for fewer procs before
	// they are taken away (growing is at once: a waiting client costs more
	// than a spare thread).
	shrinkAfter = 2
)

// Window is what one tick measured, in cores (1.0 = one core busy all tick).
type Window struct {
	Self   float64 // CPU time of this process
	Others float64 // CPU time of everything else on the cores Shoal may use
	// Background is the number of background jobs running (a snapshot
	// walk): Redis forks a child for those, which gets a core of its own
	// beside the clients, so each gets a proc beside what the load needs.
	Background int
}

// Controller decides GOMAXPROCS from successive windows.
type Controller struct {
	max   int // the procs Go chose at start-up (affinity, cgroup quota)
	cores int // cores Shoal may run on, the capacity others are subtracted from
	procs int // the current GOMAXPROCS
	lower int // consecutive ticks that asked for fewer procs
}

// NewController starts from procs, with at most max procs on a set of cores
// of the given size.
func NewController(procs, max, cores int) *Controller {
	return &Controller{max: max, cores: cores, procs: procs}
}

// Procs is the current decision.
func (c *Controller) Procs() int { return c.procs }

// Target is the proc count a window asks for: what the load needs, at most
// the cores others leave free, at least one.
func (c *Controller) Target(w Window) int {
	free := int(math.Floor(float64(c.cores) - w.Others + (1 - freeShare)))
	var need int
	if w.Self >= saturated*float64(c.procs) {
		need = 2 * c.procs
	} else {
		need = int(math.Ceil(w.Self / comfortable))
	}
	return min(c.max, max(1, min(need, free, c.max))+w.Background)
}

// Step feeds one window and returns the new proc count and whether it
// changed.
func (c *Controller) Step(w Window) (int, bool) {
	t := c.Target(w)
	switch {
	case t > c.procs:
		c.lower = 0
	case t < c.procs:
		c.lower++
		if c.lower < shrinkAfter {
			return c.procs, false
		}
		c.lower = 0
	default:
		c.lower = 0
		return c.procs, false
	}
	c.procs = t
	return t, true
}

// Logf receives the Controller's log lines.
type Logf func(format string, args ...any)

// Run adapts GOMAXPROCS every Tick for the life of the process; background
// reports the background jobs running. It returns at once, doing nothing,
// when GOMAXPROCS is set in the environment, when Go found a single core, or
// where CPU use cannot be read.
func Run(background func() int, debug, verbose Logf) {
	if os.Getenv("GOMAXPROCS") != "" {
		verbose("GOMAXPROCS=%s from the environment: the Go scheduler keeps that many threads", os.Getenv("GOMAXPROCS"))
		return
	}
	top := runtime.GOMAXPROCS(0)
	if top < 2 {
		return
	}
	m, err := newMeter()
	if err != nil {
		verbose("Running on %d cores (CPU use unreadable: %v)", top, err)
		return
	}
	c := NewController(top, top, m.cores())
	verbose("Sizing the Go scheduler to the free cores, 1 to %d", top)
	for range time.Tick(Tick) {
		w, ok := m.read()
		if !ok {
			continue
		}
		w.Background = background()
		if n, changed := c.Step(w); changed {
			runtime.GOMAXPROCS(n)
			debug("GOMAXPROCS %d (Shoal %.2f cores, others %.2f of %d, %d background)", n, w.Self, w.Others, m.cores(), w.Background)
		}
	}
}
