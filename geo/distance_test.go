package geo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
)

func TestRedisDistances(t *testing.T) {
	// GEODIST replies of redis-server 7.0.15 between the points of
	// redisPoints (by index), in meters, and in the given unit.
	for _, c := range []struct {
		a, b int
		unit string
		want string
	}{
		{0, 1, "m", "166274.1516"},
		{0, 1, "km", "166.2742"},
		{2, 3, "m", "10850177.9153"},
		{2, 3, "km", "10850.1779"},
		{2, 3, "ft", "35597696.5724"},
		{2, 3, "mi", "6742.0047"},
		{4, 6, "m", "10560811.4940"},
		{5, 6, "km", "18919.8446"},
		{0, 0, "m", "0.0000"},
	} {
		conv, ok := Unit([]byte(c.unit))
		if !ok {
			t.Fatalf("unit %s", c.unit)
		}
		lon1, lat1 := DecodeScore(redisPoints[c.a].score)
		lon2, lat2 := DecodeScore(redisPoints[c.b].score)
		if got := string(AppendDistance(nil, Distance(lon1, lat1, lon2, lat2)/conv)); got != c.want {
			t.Errorf("distance %d-%d = %s %s, want %s", c.a, c.b, got, c.unit, c.want)
		}
	}
}

func TestUnit(t *testing.T) {
	for u, want := range map[string]float64{"m": 1, "M": 1, "km": 1000, "Km": 1000, "ft": 0.3048, "FT": 0.3048, "mi": 1609.34, "mI": 1609.34} {
		if got, ok := Unit([]byte(u)); !ok || got != want {
			t.Errorf("Unit(%s) = %v %v", u, got, ok)
		}
	}
	for _, u := range []string{"", "mm", "kms", "meter", "k", "\x00"} {
		if _, ok := Unit([]byte(u)); ok {
			t.Errorf("Unit(%q) accepted", u)
		}
	}
}

func TestAppendDistance(t *testing.T) {
	for d, want := range map[float64]string{
		0: "0.0000", 1: "1.0000", 0.00004: "0.0000", 0.00005: "0.0000", 0.00015: "0.0001",
		0.00025: "0.0002", 12.34565: "12.3456", 1234567.891: "1234567.8910", 0.5: "0.5000",
		math.NaN(): "-922337203685477.5808",
	} {
		if got := string(AppendDistance(nil, d)); got != want {
			t.Errorf("AppendDistance(%v) = %s, want %s", d, got, want)
		}
	}
	// Apart from rounding ties, it is printf's %.4f.
	r := rand.New(rand.NewPCG(5, 6))
	for range 10000 {
		d := math.Pow(10, 8*r.Float64()-2)
		got, want := string(AppendDistance(nil, d)), fmt.Sprintf("%.4f", d)
		if got != want {
			g, _ := strconv.ParseFloat(got, 64)
			if math.Abs(g-d) > 0.00005*(1+1e-9) {
				t.Fatalf("AppendDistance(%v) = %s, printf %s", d, got, want)
			}
		}
	}
}

// checkDistance checks the properties of one distance.
func checkDistance(t *testing.T, lon1, lat1, lon2, lat2 float64) {
	d := Distance(lon1, lat1, lon2, lat2)
	if d2 := Distance(lon2, lat2, lon1, lat1); d != d2 && !math.IsNaN(d) {
		t.Fatalf("asymmetric: %v vs %v", d, d2)
	}
	if !inLimits(lon1, lat1) || !inLimits(lon2, lat2) {
		return
	}
	if d < 0 || d > math.Pi*EarthRadius*(1+1e-12) {
		t.Fatalf("Distance(%v,%v,%v,%v) = %v", lon1, lat1, lon2, lat2, d)
	}
	if lon1 == lon2 && d != LatDistance(lat1, lat2) {
		t.Fatalf("same meridian: %v != %v", d, LatDistance(lat1, lat2))
	}
	if f := fastDistance(lon1, lat1, lon2, lat2); math.Abs(f-d) > fastSlack(d) {
		t.Fatalf("fastDistance %v, Distance %v", f, d)
	}
	if !InRadius(lon1, lat1, lon2, lat2, d) {
		t.Fatalf("not within its own distance")
	}
	if InRadius(lon1, lat1, lon2, lat2, math.Nextafter(d, -1)) && d > 0 {
		t.Fatalf("within less than its distance")
	}
	if !InBox(math.Inf(1), 2*d+1, lon1, lat1, lon2, lat2) {
		t.Fatalf("not in a box twice its distance high")
	}
}

func TestDistanceProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	rnd := func() (float64, float64) { return -180 + 360*r.Float64(), LatMin + (LatMax-LatMin)*r.Float64() }
	for range 20000 {
		lon1, lat1 := rnd()
		lon2, lat2 := rnd()
		if r.IntN(4) == 0 {
			lon2 = lon1
		}
		checkDistance(t, lon1, lat1, lon2, lat2)
	}
}

func FuzzDistance(f *testing.F) {
	f.Add(13.361389, 38.115556, 15.087269, 37.502669)
	f.Add(-180.0, 0.0, 180.0, 0.0)
	f.Add(0.0, LatMax, 0.0, LatMin)
	f.Fuzz(func(t *testing.T, lon1, lat1, lon2, lat2 float64) {
		checkDistance(t, lon1, lat1, lon2, lat2)
	})
}
