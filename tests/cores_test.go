package tests

import (
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestIdleServerShrinksScheduler: an idle cmd/shoal on a machine of two or
// more cores drops to one scheduler thread within a few ticks and says so at
// loglevel debug, where the same server started with GOMAXPROCS in the
// environment keeps its threads and says why.
func TestIdleServerShrinksScheduler(t *testing.T) {
	if runtime.NumCPU() < 2 {
		t.Skip("one core: nothing to size")
	}
	if os.Getenv("GOMAXPROCS") != "" {
		t.Skip("GOMAXPROCS set for the test run: the child inherits it")
	}
	p := startShoalProcess(t, "--loglevel", "debug")
	if !waitLog(p.log, "GOMAXPROCS 1 (", 5*time.Second) {
		log, _ := os.ReadFile(p.log)
		t.Fatalf("no shrink to one proc logged within 5s:\n%s", log)
	}

	t.Setenv("GOMAXPROCS", "2")
	q := startShoalProcess(t, "--loglevel", "verbose")
	if !waitLog(q.log, "GOMAXPROCS=2 from the environment", 2*time.Second) {
		log, _ := os.ReadFile(q.log)
		t.Fatalf("the environment override is not logged:\n%s", log)
	}
	time.Sleep(500 * time.Millisecond)
	if log, _ := os.ReadFile(q.log); strings.Contains(string(log), "Sizing the Go scheduler") {
		t.Fatalf("controller ran despite GOMAXPROCS in the environment:\n%s", log)
	}
}

// waitLog polls a log file until it contains s or the time runs out.
func waitLog(path, s string, limit time.Duration) bool {
	for end := time.Now().Add(limit); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		if b, _ := os.ReadFile(path); strings.Contains(string(b), s) {
			return true
		}
	}
	return false
}
