package cores

import (
	"testing"
)

func TestTarget(t *testing.T) {
	cases := []struct {
		name              string
		procs, max, cores int
		w                 Window
		want              int
	}{
		// redis-benchmark on the same 2-core machine takes one core.
		{"client beside, two procs", 2, 2, 2, Window{Self: 0.84, Others: 0.77}, 1},
		{"client beside, saturated", 1, 2, 2, Window{Self: 0.97, Others: 0.90}, 1},
		// a light client leaves most of the second core free.
		{"light client, saturated", 1, 2, 2, Window{Self: 0.99, Others: 0.20}, 2},
		{"light client, two procs busy", 2, 2, 2, Window{Self: 1.55, Others: 0.30}, 2},
		{"idle", 4, 8, 8, Window{Self: 0.01}, 1},
		{"client beside, snapshot running", 1, 2, 2, Window{Self: 0.97, Others: 0.90, Background: 1}, 2},
		{"alone, saturated, snapshot running", 2, 2, 2, Window{Self: 1.9, Background: 1}, 2},
		// alone on 8 cores: doubles while saturated, up to the maximum.
		{"alone 1", 1, 8, 8, Window{Self: 0.98, Others: 0.1}, 2},
		{"alone 2", 2, 8, 8, Window{Self: 1.9, Others: 0.1}, 4},
		{"alone 4", 4, 8, 8, Window{Self: 3.8, Others: 0.1}, 8},
		{"alone at max", 8, 8, 8, Window{Self: 7.9, Others: 0.1}, 8},
		{"quota below the cores", 4, 4, 8, Window{Self: 3.9}, 4},
		// half the load of 8 procs fits in 4 at 75%.
		{"half busy", 8, 8, 8, Window{Self: 3.0, Others: 0.5}, 4},
		// others take 5.5 of 8 cores: 2.5 free, so 2 (a core counts when 65% is free).
		{"crowded machine", 4, 8, 8, Window{Self: 3.9, Others: 5.5}, 2},
		{"crowded, 1.7 cores free", 1, 8, 8, Window{Self: 1, Others: 6.3}, 2},
		{"everything busy", 3, 8, 8, Window{Self: 3, Others: 8}, 1},
	}
	for _, tc := range cases {
		c := NewController(tc.procs, tc.max, tc.cores)
		if got := c.Target(tc.w); got != tc.want {
			t.Errorf("%s: Target(%+v) with %d procs = %d, want %d", tc.name, tc.w, tc.procs, got, tc.want)
		}
	}
}

func TestStepGrowsAtOnceShrinksAfterTwoTicks(t *testing.T) {
	c := NewController(2, 2, 2)
	crowded := Window{Self: 0.84, Others: 0.8}
	free := Window{Self: 0.99, Others: 0.1}
	steps := []struct {
		w       Window
		procs   int
		changed bool
	}{
		{crowded, 2, false}, // one tick asking for fewer is not enough
		{free, 2, false},    // and a tick that does not resets the count
		{crowded, 2, false},
		{crowded, 1, true},
		{crowded, 1, false},
		{free, 2, true}, // growing needs one tick
		{crowded, 2, false},
		{crowded, 1, true},
	}
	for i, s := range steps {
		procs, changed := c.Step(s.w)
		if procs != s.procs || changed != s.changed || c.Procs() != s.procs {
			t.Fatalf("step %d (%+v): got %d,%v (Procs %d), want %d,%v", i, s.w, procs, changed, c.Procs(), s.procs, s.changed)
		}
	}
}
