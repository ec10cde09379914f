package geo

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// Values taken from redis-server 7.0.15 (GEOADD, ZSCORE, GEOPOS, GEOHASH).
var redisPoints = []struct {
	lon, lat       float64
	score          float64
	posLon, posLat string
	hash           string
}{
	{13.361389, 38.115556, 3479099956230698, "13.36138933897018433", "38.11555639549629859", "sqc8b49rny0"},
	{15.087269, 37.502669, 3479447370796909, "15.08726745843887329", "37.50266842333162032", "sqdtr74hyu0"},
	{-73.9454966, 40.7532385, 1791875817718992, "-73.94549578428268433", "40.75323792832760006", "dr5rv6fsc40"},
	{139.6917, 35.6895, 4171231230197045, "139.69170123338699341", "35.68950126697937009", "xn774c06kt0"},
	{0, 0, 3377699720527872, "0.00000268220901489", "0.00000126736058093", "s0000000000"},
	{-180, -85.05112878, 0, "-179.99999731779098511", "-85.05112751263942528", "00bh0hbj200"},
	// The top of both ranges spills over into bits 52 and 53.
	{180, 85.05112878, 13510798882111488, "180", "85.0511287799999991", "bp05b5048p0"},
}

func TestRedisPoints(t *testing.T) {
	for _, p := range redisPoints {
		if s := Score(p.lon, p.lat); s != p.score {
			t.Errorf("Score(%v, %v) = %v, want %v", p.lon, p.lat, s, p.score)
		}
		lon, lat := DecodeScore(p.score)
		if got := string(AppendCoord(nil, lon)); got != p.posLon {
			t.Errorf("lon of %v = %s, want %s", p.score, got, p.posLon)
		}
		if got := string(AppendCoord(nil, lat)); got != p.posLat {
			t.Errorf("lat of %v = %s, want %s", p.score, got, p.posLat)
		}
		if got := string(AppendGeohash(nil, lon, lat)); got != p.hash {
			t.Errorf("geohash of %v = %s, want %s", p.score, got, p.hash)
		}
	}
}

// Scores no GEOADD makes (set through ZADD) decode as Redis's C cast and
// clamping make them.
func TestOddScores(t *testing.T) {
	for _, c := range []struct {
		score    float64
		lon, lat string
		hash     string
	}{
		{-5, "180", "85.0511287799999991", ""},
		{1e30, "-179.99999731779098511", "-85.05112751263942528", "00bh0hbj200"},
		{2e19, "-179.99999731779098511", "-85.05112751263942528", "00bh0hbj200"},
		{9.3e18, "180", "85.0511287799999991", ""},
		{1.5, "-179.99999731779098511", "-85.05112497791824921", "00bh0hbj210"},
		{4503599627370495, "179.99999731779098511", "85.05112751263942528", "zzpgzgpfxz0"},
		{9007199254740992, "180", "-85.05112751263942528", "00bh0hbj200"},
	} {
		lon, lat := DecodeScore(c.score)
		if got := string(AppendCoord(nil, lon)) + " " + string(AppendCoord(nil, lat)); got != c.lon+" "+c.lat {
			t.Errorf("DecodeScore(%v) = %s, want %s %s", c.score, got, c.lon, c.lat)
		}
		if got := string(AppendGeohash(nil, lon, lat)); c.hash != "" && got != c.hash {
			t.Errorf("geohash of %v = %s, want %s", c.score, got, c.hash)
		}
	}
}

func TestInterleave(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 1000 {
		lat, lon := r.Uint32(), r.Uint32()
		bits := Interleave(lat, lon)
		var naive uint64
		for i := range 32 {
			naive |= uint64(lat>>i&1)<<(2*i) | uint64(lon>>i&1)<<(2*i+1)
		}
		if bits != naive {
			t.Fatalf("Interleave(%x, %x) = %x, want %x", lat, lon, bits, naive)
		}
		if a, o := Deinterleave(bits); a != lat || o != lon {
			t.Fatalf("Deinterleave(%x) = %x %x", bits, a, o)
		}
	}
}

func TestAppendCoord(t *testing.T) {
	for f, want := range map[float64]string{
		0: "0", math.Copysign(0, -1): "0", 1.5: "1.5", -2: "-2", 1e-18: "0", -1e-18: "0",
		0.1: "0.10000000000000001", math.Inf(1): "inf", math.Inf(-1): "-inf",
	} {
		if got := string(AppendCoord(nil, f)); got != want {
			t.Errorf("AppendCoord(%v) = %s, want %s", f, got, want)
		}
	}
}

// AppendCoord's integer fast path prints what strconv's exact one does.
func TestAppendCoordExact(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	for i := range 200000 {
		f := (2*r.Float64() - 1) * math.Pow(2, float64(r.IntN(20)-12))
		if i%4 == 0 {
			f = math.Float64frombits(r.Uint64() >> 2) // any bits, tiny to huge
		}
		want := strconv.FormatFloat(f, 'f', 17, 64)
		want = strings.TrimRight(want, "0")
		want = strings.TrimSuffix(want, ".")
		if want == "-0" {
			want = "0"
		}
		if got := string(AppendCoord(nil, f)); got != want {
			t.Fatalf("AppendCoord(%v) = %s, want %s", f, got, want)
		}
	}
}

// checkRoundTrip requires that a position decodes to within its cell.
func checkRoundTrip(t *testing.T, lon, lat float64) {
	if !inLimits(lon, lat) {
		if _, ok := Encode(lon, lat, StepMax); ok {
			t.Fatalf("Encode(%v, %v) accepted a position out of the limits", lon, lat)
		}
		return
	}
	dlon, dlat := DecodeScore(Score(lon, lat))
	const cellLon, cellLat = 360.0 / (1 << StepMax), (LatMax - LatMin) / (1 << StepMax)
	// At the top of a range the score needs 54 bits and loses its last
	// one to the float64, as in Redis: the position moves by a cell.
	slack := 1.0
	if lon == LonMax || lat == LatMax {
		slack = 2
	}
	if math.Abs(dlon-lon) > slack*cellLon || math.Abs(dlat-lat) > slack*cellLat {
		t.Fatalf("%v,%v decodes to %v,%v", lon, lat, dlon, dlat)
	}
	if Score(dlon, dlat) != Score(lon, lat) && lon != LonMax && lat != LatMax {
		t.Fatalf("%v,%v: the decoded position is in another cell", lon, lat)
	}
	h := string(AppendGeohash(nil, dlon, dlat))
	if len(h) != 11 || strings.Trim(h, "0123456789bcdefghjkmnpqrstuvwxyz") != "" || h[10] != '0' {
		t.Fatalf("bad geohash %q", h)
	}
}

func TestRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		checkRoundTrip(t, -180+360*r.Float64(), LatMin+(LatMax-LatMin)*r.Float64())
	}
	for _, lon := range []float64{LonMin, LonMax, 0, math.Nextafter(LonMax, 0)} {
		for _, lat := range []float64{LatMin, LatMax, 0, math.Nextafter(LatMin, 0)} {
			checkRoundTrip(t, lon, lat)
		}
	}
}

func FuzzRoundTrip(f *testing.F) {
	f.Add(13.361389, 38.115556)
	f.Add(180.0, 85.05112878)
	f.Add(-180.0, -85.05112878)
	f.Add(200.0, 0.0)
	f.Fuzz(func(t *testing.T, lon, lat float64) {
		checkRoundTrip(t, lon, lat)
		DecodeScore(lon * 1e12) // any score decodes without panicking
	})
}
