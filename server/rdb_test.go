package server

import "testing"

// While a dataset loads, commands without the loading flag get LOADING
// (so does EXEC of a transaction holding one); INFO, PING-less admin
// commands flagged loading run.
func TestLoadingRefusesCommands(t *testing.T) {
	c, do := newStringTestClient(t)
	do("MULTI")
	do("GET", "k")
	c.srv.persist.loading.Store(true)
	if got := do("EXEC"); got != "-EXECABORT Transaction discarded because of: LOADING Redis is loading the dataset in memory\r\n" {
		t.Fatalf("EXEC while loading: %q", got)
	}
	if got := do("GET", "k"); got != "-LOADING Redis is loading the dataset in memory\r\n" {
		t.Fatalf("GET while loading: %q", got)
	}
	if got := do("LASTSAVE"); got[0] != ':' {
		t.Fatalf("LASTSAVE while loading: %q", got)
	}
	c.srv.persist.loading.Store(false)
	if got := do("GET", "k"); got != "$-1\r\n" {
		t.Fatalf("GET after loading: %q", got)
	}
}

// BackgroundJobs counts a snapshot walk from its cut to its end: the
// process gives it a core of its own, as Redis's forked child has.
func TestBackgroundJobsCountsSnapshot(t *testing.T) {
	c, do := newStringTestClient(t)
	do("SET", "k", "v")
	s := c.srv
	if n := s.BackgroundJobs(); n != 0 {
		t.Fatalf("idle: %d background jobs", n)
	}
	sn, err := s.beginSnapshot(nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := s.BackgroundJobs(); n != 1 {
		t.Fatalf("during a snapshot: %d background jobs", n)
	}
	sn.end()
	if n := s.BackgroundJobs(); n != 0 {
		t.Fatalf("after the snapshot: %d background jobs", n)
	}
}
