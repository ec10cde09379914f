package geo

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestEstimateSteps(t *testing.T) {
	for _, c := range []struct {
		r, lat float64
		want   uint8
	}{
		{0, 0, 26}, {1, 0, 24}, {1, 70, 23}, {1, -85, 22}, {0.1, 0, 26}, {5e6, 0, 2},
		{5e6, 81, 1}, {2e7, 0, 1}, {3e7, 0, 1}, {math.Inf(1), 0, 1}, {1000, 10, 14},
	} {
		if got := EstimateSteps(c.r, c.lat); got != c.want {
			t.Errorf("EstimateSteps(%v, %v) = %d, want %d", c.r, c.lat, got, c.want)
		}
	}
}

func TestNeighbors(t *testing.T) {
	// At step 1 the world is 2x2 cells and moves wrap around.
	n := Neighbors(Hash{0, 1})
	want := [8]uint64{North: 1, South: 1, East: 2, West: 2, NorthEast: 3, NorthWest: 3, SouthEast: 3, SouthWest: 3}
	for i := range n {
		if n[i].Bits != want[i] || n[i].Step != 1 {
			t.Errorf("neighbor %d = %+v, want %d", i, n[i], want[i])
		}
	}
	// Inside the grid a neighbour is the adjacent cell.
	r := rand.New(rand.NewPCG(9, 10))
	for range 1000 {
		step := uint8(2 + r.IntN(25))
		h, _ := Encode(-170+340*r.Float64(), -80+160*r.Float64(), step)
		a, n := Decode(h), Neighbors(h)
		if a.LonMax >= LonMax || a.LatMax >= LatMax {
			continue // wraps around
		}
		east, north := Decode(n[East]), Decode(n[North])
		if math.Abs(east.LonMin-a.LonMax) > 1e-9 || east.LatMin != a.LatMin ||
			math.Abs(north.LatMin-a.LatMax) > 1e-9 || north.LonMin != a.LonMin {
			t.Fatalf("step %d: %+v east %+v north %+v", step, a, east, north)
		}
		if Neighbors(n[East])[West] != h || Neighbors(n[SouthWest])[NorthEast] != h {
			t.Fatalf("moves do not invert")
		}
	}
}

func TestRangesHuge(t *testing.T) {
	// 10,000 km: step 1, and the duplicate neighbours are skipped when
	// they follow an equal one.
	s := Shape{Lon: -90, Lat: -40, Radius: 1e7, Conv: 1}
	var out [9]Range
	n := s.Ranges(&out)
	want := []Range{{0, 1 << 50}, {1 << 50, 1 << 51}, {1 << 51, 3 << 50}, {3 << 50, 1 << 52}}
	if n != len(want) {
		t.Fatalf("%d ranges: %v", n, out[:n])
	}
	for i := range want {
		if out[i] != want[i] {
			t.Errorf("range %d = %v, want %v", i, out[i], want[i])
		}
	}
}

// checkCovered requires that a point inside the shape has its score in one
// of the shape's ranges. Like Redis's, the cells do not cover shapes
// bigger than a quarter of the Earth or reaching near a pole.
func checkCovered(t *testing.T, s Shape, lon, lat float64) {
	if !inLimits(lon, lat) || !inLimits(s.Lon, s.Lat) || !(s.Conv > 0) {
		return
	}
	if h, w := s.halfSizes(); !(h <= 5e6 && w <= 5e6) || math.Abs(s.Lat)+radDeg(h/EarthRadius) > 80 {
		return
	}
	score := Score(lon, lat)
	if _, _, _, in := s.Contains(score); !in {
		return
	}
	var out [9]Range
	for _, r := range out[:s.Ranges(&out)] {
		if score >= r.Min && score < r.Max {
			return
		}
	}
	t.Fatalf("%+v: %v,%v (score %v) is inside but not scanned", s, lon, lat, score)
}

func TestRangesCover(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for range 3000 {
		s := Shape{Lon: -180 + 360*r.Float64(), Lat: -75 + 150*r.Float64(), Conv: 1}
		size := 0.1 * math.Pow(5e7, r.Float64())
		if r.IntN(2) == 0 {
			s.Radius = size
		} else {
			s.Box, s.Width, s.Height = true, size, 0.1*math.Pow(5e7, r.Float64())
		}
		// Points around the center, at about the shape's size.
		for range 20 {
			d := size / EarthRadius * 180 / math.Pi * 1.5
			checkCovered(t, s, s.Lon+d*(2*r.Float64()-1), s.Lat+d*(2*r.Float64()-1))
		}
	}
}

func FuzzRanges(f *testing.F) {
	f.Add(13.36, 38.11, 200.0, 1000.0, false, 15.08, 37.5)
	f.Add(179.9, 0.0, 50.0, 1.0, true, -179.9, 0.1)
	f.Add(0.0, 85.0, 5e6, 1.0, false, 100.0, 80.0)
	f.Fuzz(func(t *testing.T, lon, lat, size, conv float64, box bool, plon, plat float64) {
		if size < 0 || conv <= 0 || math.IsNaN(size) {
			return
		}
		s := Shape{Lon: lon, Lat: lat, Radius: size, Box: box, Width: size, Height: size / 2, Conv: conv}
		checkCovered(t, s, plon, plat)
	})
}
