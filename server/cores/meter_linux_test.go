package cores

import (
	"runtime"
	"testing"
	"time"
)

func TestSumStat(t *testing.T) {
	stat := []byte(`cpu  300 0 150 500 20 0 20 0 0 0
cpu0 100 0 50 200 10 0 10 0 40 0
cpu1 200 0 100 300 10 0 10 5 0 7
cpu2 1000 0 0 0 0 0 0 0 0 0
intr 12345 0 0
ctxt 999
`)
	allowed := make([]bool, 64)
	allowed[0], allowed[1] = true, true
	busy, all, ok := sumStat(stat, allowed)
	// cpu0: busy 100+50+10 = 160, all 160+200+10 = 370; guest (40) is in user already.
	// cpu1: busy 200+100+10+5 = 315, all 315+300+10 = 625; guest_nice ignored too.
	// cpu2 is not allowed; the aggregate "cpu " line is skipped.
	if !ok || busy != 475 || all != 995 {
		t.Fatalf("sumStat = %d, %d, %v; want 475, 995, true", busy, all, ok)
	}
	if _, _, ok := sumStat([]byte("cpu  1 2 3 4\nintr 5\n"), allowed); ok {
		t.Fatal("sumStat without per-CPU lines reported ok")
	}
}

func TestMeterOnThisMachine(t *testing.T) {
	m, err := newMeter()
	if err != nil {
		t.Fatal(err)
	}
	if m.cores() != runtime.NumCPU() {
		t.Fatalf("meter sees %d cores, Go %d", m.cores(), runtime.NumCPU())
	}
	// Burn some CPU in this process, then the window must show it.
	start := self()
	deadline := time.Now().Add(5 * time.Second)
	x := 0
	for self()-start < 30*time.Millisecond && time.Now().Before(deadline) {
		for i := 0; i < 100000; i++ {
			x += i * i
		}
	}
	_ = x
	w, ok := m.read()
	if !ok {
		t.Fatal("read failed")
	}
	if w.Self <= 0 || w.Others < 0 || w.Self > float64(m.cores())+0.5 {
		t.Fatalf("window %+v: want 0 < Self <= %d cores, Others >= 0", w, m.cores())
	}
}
