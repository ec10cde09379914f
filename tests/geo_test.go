package tests

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// Differential tests of the geo commands against redis-server: every
// command, option, unit and error, and seeded random searches compared
// reply for reply, order included.

// geoFmt formats a coordinate or size as a client would send it.
func geoFmt(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func TestGeoAdd(t *testing.T) {
	p := newPair(t)
	p.script(
		"GEOADD k 13.361389 38.115556 Palermo 15.087269 37.502669 Catania",
		"ZRANGE k 0 -1 WITHSCORES",
		"GEOADD k 13.361389 38.115556 Palermo",
		"GEOADD k CH 13.361389 38.115557 Palermo 1 1 new",
		"GEOADD k NX 2 2 Palermo 3 3 nx",
		"GEOADD k XX 4 4 Palermo 5 5 xx",
		"GEOADD k xx ch 4 4 Palermo 6 6 Catania",
		"GEOADD k nx xx 1 1 a",
		"GEOADD k NX CH XX",
		"GEOADD k nx ch ch",
		"GEOADD k 1 2",
		"GEOADD k 1 2 a 3",
		"GEOADD k gt 1 a",
		"GEOADD k x 1 a",
		"GEOADD k 1 nan a",
		"GEOADD k 0x10 0 hex",
		"GEOADD k 200 100 a",
		"GEOADD k 1e300 0 a",
		"GEOADD k inf 0 a",
		"GEOADD k 0 -inf a",
		"GEOADD k -0 86 a",
		"GEOADD k 180.0000001 0 a",
		"GEOADD k 0 85.05112879 a",
		"GEOADD k 0 -85.05112879 a",
		"GEOADD k 1 1 ok 0 95 bad",
		"ZRANGE k 0 -1 WITHSCORES",
		"GEOADD edge 180 85.05112878 ne -180 -85.05112878 sw 180 -85.05112878 se -180 85.05112878 nw 0 0 zero -0 -0 negzero",
		"ZRANGE edge 0 -1 WITHSCORES",
		"GEOPOS edge ne sw se nw zero negzero",
		"GEOHASH edge ne sw se nw zero negzero",
		"GEOADD xx XX 1 1 a",
		"EXISTS xx",
		"SET str x",
		"GEOADD str 1 1 a",
		"GEOADD str 1 100 a",
		"GEOADD",
		"GEOADD k",
		"OBJECT ENCODING k",
	)
	// Crossing the encoding thresholds.
	args := []string{"GEOADD", "big"}
	for i := range 130 {
		args = append(args, geoFmt(float64(i)), geoFmt(float64(i%80)), fmt.Sprint("m", i))
	}
	p.eq(args...)
	p.script("OBJECT ENCODING big", "ZCARD big", "GEOADD long 1 1 "+strings.Repeat("x", 65), "OBJECT ENCODING long")
}

func TestGeoPointCommands(t *testing.T) {
	p := newPair(t)
	p.script(
		"GEOADD k 13.361389 38.115556 Palermo 15.087269 37.502669 Catania -73.9454966 40.7532385 NY",
		"GEOADD k 0 0 origin 0.00001 0 near 179.99 0.5 east -179.99 0.5 west",
		"GEOPOS k Palermo Catania nope NY origin near",
		"GEOPOS k",
		"GEOPOS nokey a b",
		"GEOHASH k Palermo Catania nope NY origin near east west",
		"GEOHASH k",
		"GEOHASH nokey a",
		"GEODIST k Palermo Catania",
		"GEODIST k Palermo Catania m",
		"GEODIST k Palermo Catania KM",
		"GEODIST k Palermo Catania ft",
		"GEODIST k Palermo Catania Mi",
		"GEODIST k Palermo NY km",
		"GEODIST k origin near",
		"GEODIST k origin origin",
		"GEODIST k east west",
		"GEODIST k Palermo Catania yd",
		"GEODIST k Palermo Catania km extra",
		"GEODIST k Palermo nope",
		"GEODIST k nope Palermo km",
		"GEODIST nokey a b",
		"GEODIST nokey a b parsec",
		"GEODIST k a",
		"SET str x",
		"GEOPOS str a",
		"GEOHASH str a",
		"GEODIST str a b",
		"GEODIST str a b parsec",
		// Scores set through ZADD that are no geohash of the limits.
		"ZADD w -5 neg 1e30 huge 9.3e18 big 2e19 bigger 1.5 frac 4503599627370495 top 9007199254740992 over 0 zero",
		"GEOPOS w neg huge big bigger frac top over zero",
		"GEOHASH w neg huge big bigger frac top over zero",
		"GEODIST w frac top",
		"GEODIST w zero zero",
		"GEODIST w neg top",
	)
	p.both("HELLO", "3")
	p.script("GEOPOS k Palermo nope", "GEOHASH k Palermo nope", "GEODIST k Palermo Catania", "GEODIST k a b",
		"GEODIST nokey a b", "GEOPOS nokey a")
}

func TestGeoSearchErrors(t *testing.T) {
	p := newPair(t)
	p.script(
		"GEOADD k 13.361389 38.115556 Palermo 15.087269 37.502669 Catania",
		"SET str x",
	)
	lines := []string{
		"GEORADIUS k 15 37 200 km",
		"GEORADIUS k 15 37 200",
		"GEORADIUS k 15 37 200 km withdist withdist",
		"GEORADIUS str 15 37 200 km",
		"GEORADIUS str 500 37 200 km",
		"GEORADIUS k 500 37 200 km",
		"GEORADIUS k x 37 200 km",
		"GEORADIUS k 15 x 200 km",
		"GEORADIUS k 15 37 x km",
		"GEORADIUS k 15 37 -1 km",
		"GEORADIUS k 15 37 1 parsec",
		"GEORADIUS k 15 37 200 KM COUNT 0",
		"GEORADIUS k 15 37 200 KM COUNT -1",
		"GEORADIUS k 15 37 200 KM COUNT x",
		"GEORADIUS k 15 37 200 KM COUNT",
		"GEORADIUS k 15 37 200 KM ANY",
		"GEORADIUS k 15 37 200 KM ANY COUNT 1",
		"GEORADIUS k 15 37 200 KM COUNT 1 ANY",
		"GEORADIUS k 15 37 200 KM STORE",
		"GEORADIUS k 15 37 200 KM STORE d WITHDIST",
		"GEORADIUS k 15 37 200 KM WITHHASH STOREDIST d",
		"GEORADIUS k 15 37 200 KM WITHCOORD STORE d COUNT x",
		"GEORADIUS k 15 37 200 KM bogus",
		"GEORADIUS k 15 37 200 KM FROMLONLAT 1 1",
		"GEORADIUS k 15 37 200 KM STOREDIST d ANY",
		"GEORADIUS_RO k 15 37 200 KM STORE d",
		"GEORADIUS_RO k 15 37 200 KM STOREDIST d",
		"GEORADIUS_RO k 15 37 200 KM WITHDIST ASC",
		"GEORADIUS nokey 15 37 200 KM",
		"GEORADIUS nokey 15 37 200 KM STORE d",
		"GEORADIUS nokey 15 37 200 KM STORE d WITHDIST",
		"GEORADIUS nokey 15 37 x KM",
		"GEORADIUSBYMEMBER k Palermo 200 km",
		"GEORADIUSBYMEMBER k nope 200 km",
		"GEORADIUSBYMEMBER k nope x km",
		"GEORADIUSBYMEMBER k Palermo x km",
		"GEORADIUSBYMEMBER k Palermo 1 x",
		"GEORADIUSBYMEMBER str Palermo 1 km",
		"GEORADIUSBYMEMBER nokey m x parsec",
		"GEORADIUSBYMEMBER nokey m 1 km STORE d",
		"GEORADIUSBYMEMBER nokey m 1 km WITHDIST bogus",
		"GEORADIUSBYMEMBER nokey m 1 km ANY",
		"GEORADIUSBYMEMBER_RO k Palermo 200 km STORE d",
		"GEORADIUSBYMEMBER_RO k Palermo 200 km WITHDIST COUNT 1",
		"GEOSEARCH k FROMLONLAT 15 37 BYRADIUS 200 km",
		"GEOSEARCH k FROMLONLAT 15 37",
		"GEOSEARCH k BYRADIUS 200 km",
		"GeoSearch k BYRADIUS 200 km ASC",
		"GeoSearch k FROMLONLAT 15 37 ASC",
		"GEOSEARCH k FROMLONLAT 15 37 FROMMEMBER Palermo BYRADIUS 1 km",
		"GEOSEARCH k FROMMEMBER Palermo FROMLONLAT 15 37 BYRADIUS 1 km",
		"GEOSEARCH k FROMMEMBER Palermo FROMMEMBER Catania BYRADIUS 1 km",
		"GEOSEARCH k FROMMEMBER nope BYRADIUS 1 km",
		"GEOSEARCH k FROMMEMBER Palermo BYRADIUS 1 km BYBOX 1 1 km",
		"GEOSEARCH k FROMMEMBER Palermo BYBOX 1 1 km BYRADIUS 1 km",
		"GEOSEARCH k FROMMEMBER Palermo BYBOX 1 1 km BYBOX 400 400 km",
		"GEOSEARCH k FROMMEMBER Palermo BYBOX -1 1 km",
		"GEOSEARCH k FROMMEMBER Palermo BYBOX 1 -1 km",
		"GEOSEARCH k FROMMEMBER Palermo BYBOX x -1 km",
		"GEOSEARCH k FROMMEMBER Palermo BYBOX 1 x km",
		"GEOSEARCH k FROMMEMBER Palermo BYBOX -1 x km",
		"GEOSEARCH k FROMMEMBER Palermo BYBOX 1 1 parsec",
		"GEOSEARCH k FROMMEMBER Palermo BYBOX 1 1",
		"GEOSEARCH k FROMMEMBER Palermo BYRADIUS 1",
		"GEOSEARCH k FROMLONLAT 15 BYRADIUS 1 km",
		"GEOSEARCH k FROMLONLAT 15 100 BYRADIUS 1 km",
		"GEOSEARCH k FROMMEMBER Palermo BYRADIUS 1 km STORE d",
		"GEOSEARCH k FROMMEMBER Palermo BYRADIUS 1 km STOREDIST",
		"GEOSEARCH k FROMMEMBER Palermo BYRADIUS 1 km ANY",
		"GEOSEARCH k FROMMEMBER Palermo BYRADIUS 1 km COUNT 0",
		"GEOSEARCH k BYRADIUS 1 km FROMMEMBER Palermo WITHDIST WITHHASH WITHCOORD",
		"GEOSEARCH nokey FROMMEMBER m BYRADIUS 1 km",
		"GEOSEARCH nokey FROMMEMBER m BYRADIUS x km",
		"GEOSEARCH nokey FROMMEMBER m",
		"GEOSEARCH str FROMMEMBER m BYRADIUS 1 km",
		"GEOSEARCHSTORE d k FROMMEMBER Palermo BYRADIUS 1 km WITHDIST",
		"GEOSEARCHSTORE d k FROMMEMBER Palermo BYRADIUS 1 km WITHCOORD STOREDIST",
		"GEOSEARCHSTORE d k FROMMEMBER Palermo WITHCOORD STOREDIST",
		"GEOSEARCHSTORE d k FROMMEMBER Palermo STOREDIST",
		"GEOSEARCHSTORE d k BYRADIUS 1 km STOREDIST",
		"geosearchSTORE d k BYRADIUS 1 km STOREDIST",
		"GEOSEARCHSTORE d k FROMMEMBER Palermo BYRADIUS 1 km ANY",
		"GEOSEARCHSTORE d k FROMMEMBER Palermo BYRADIUS 1 km STORE x",
		"GEOSEARCHSTORE d str FROMMEMBER Palermo BYRADIUS 1 km",
		"GEOSEARCHSTORE d nokey FROMMEMBER Palermo BYRADIUS 1 km",
		"GEORADIUS k 15",
		"GEORADIUSBYMEMBER k a 1",
		"GEOSEARCH k FROMMEMBER a BYRADIUS",
		"GEOSEARCHSTORE d k FROMMEMBER a BYRADIUS 1",
	}
	for _, l := range lines {
		p.eq(strings.Fields(l)...)
	}
	p.both("HELLO", "3")
	p.script("GEORADIUS nokey 15 37 200 KM", "GEOSEARCH k FROMMEMBER Palermo BYRADIUS 1 m")
}

func TestGeoSearchOptions(t *testing.T) {
	p := newPair(t)
	p.script(
		"GEOADD k 13.361389 38.115556 Palermo 15.087269 37.502669 Catania 12.758489 38.788135 edge1 17.241510 38.788135 edge2",
		"GEOADD k 15.087269 37.502669 twin 13.5 38 a 14 37.9 b 16 38.2 c",
	)
	opts := [][]string{
		nil, {"ASC"}, {"DESC"}, {"WITHDIST"}, {"WITHHASH"}, {"WITHCOORD"}, {"WITHDIST", "WITHHASH", "WITHCOORD"},
		{"COUNT", "2"}, {"COUNT", "2", "DESC"}, {"COUNT", "2", "ANY"}, {"COUNT", "1", "ANY", "ASC"}, {"COUNT", "100"},
		{"withcoord", "desc", "count", "3", "withdist"}, {"ASC", "DESC"}, {"COUNT", "3", "COUNT", "1"},
	}
	for _, unit := range []string{"m", "km", "ft", "mi", "KM", "Mi"} {
		radius := map[string]string{"m": "200000", "km": "200", "ft": "656168", "mi": "124", "KM": "200", "Mi": "124"}[unit]
		for _, o := range opts {
			p.eq(append([]string{"GEORADIUS", "k", "15", "37", radius, unit}, o...)...)
			p.eq(append([]string{"GEORADIUS_RO", "k", "15", "37", radius, unit}, o...)...)
			p.eq(append([]string{"GEORADIUSBYMEMBER", "k", "Palermo", radius, unit}, o...)...)
			p.eq(append([]string{"GEORADIUSBYMEMBER_RO", "k", "Catania", radius, unit}, o...)...)
			p.eq(append([]string{"GEOSEARCH", "k", "FROMLONLAT", "15", "37", "BYRADIUS", radius, unit}, o...)...)
			p.eq(append([]string{"GEOSEARCH", "k", "FROMMEMBER", "b", "BYBOX", radius, radius, unit}, o...)...)
		}
	}
	p.both("HELLO", "3")
	for _, o := range opts {
		p.eq(append([]string{"GEORADIUS", "k", "15", "37", "200", "km"}, o...)...)
		p.eq(append([]string{"GEOSEARCH", "k", "FROMMEMBER", "a", "BYBOX", "400", "300", "km"}, o...)...)
	}
}

func TestGeoStore(t *testing.T) {
	p := newPair(t)
	p.script(
		"GEOADD k 13.361389 38.115556 Palermo 15.087269 37.502669 Catania 13.5 38 a 14 37.9 b 16 38.2 c",
		"GEORADIUS k 15 37 200 km STORE d",
		"ZRANGE d 0 -1 WITHSCORES",
		"OBJECT ENCODING d",
		"GEORADIUS k 15 37 200 km STOREDIST d2 ASC",
		"ZRANGE d2 0 -1",
		"GEORADIUS k 15 37 200 km STORE d STOREDIST d3 COUNT 2",
		"ZRANGE d3 0 -1",
		"EXISTS d",
		"GEORADIUSBYMEMBER k Palermo 100 km STOREDIST d4 COUNT 2 DESC",
		"ZRANGE d4 0 -1",
		"GEORADIUSBYMEMBER k Palermo 100 mi STORE d5 ANY COUNT 2",
		"ZRANGE d5 0 -1 WITHSCORES",
		"GEOSEARCHSTORE d6 k FROMMEMBER a BYBOX 300 300 km",
		"ZRANGE d6 0 -1 WITHSCORES",
		"GEOSEARCHSTORE d7 k FROMMEMBER a BYBOX 300 300 km STOREDIST DESC COUNT 3",
		"ZRANGE d7 0 -1",
		"GEOSEARCHSTORE k k FROMMEMBER a BYRADIUS 50 km",
		"ZRANGE k 0 -1 WITHSCORES",
		"SET s x",
		"EXPIRE d6 100",
		"GEOSEARCHSTORE d6 k FROMMEMBER a BYRADIUS 50 km",
		"TTL d6",
		"GEOSEARCHSTORE s k FROMMEMBER a BYRADIUS 50 km",
		"TYPE s",
		// An empty result deletes the destination.
		"GEORADIUS k 0 0 1 m STORE d",
		"EXISTS d",
		"GEOSEARCHSTORE d2 k FROMLONLAT 0 0 BYRADIUS 1 m",
		"EXISTS d2",
		"GEOSEARCHSTORE d2 nokey FROMLONLAT 0 0 BYRADIUS 1 m",
		"GEORADIUS nokey 0 0 1 m STORE d3",
		"EXISTS d3",
		"GEORADIUSBYMEMBER nokey x 1 m STOREDIST d4",
		"EXISTS d4",
	)
	// Encoding of a big destination.
	args := []string{"GEOADD", "big"}
	for i := range 200 {
		args = append(args, geoFmt(float64(i%20)/100), geoFmt(float64(i/20)/100), fmt.Sprint("p", i))
	}
	p.eq(args...)
	p.script(
		"GEORADIUS big 0.1 0.05 100 km STORE bd", "OBJECT ENCODING bd", "ZRANGE bd 0 -1 WITHSCORES",
		"GEORADIUS big 0.1 0.05 100 km STOREDIST bd COUNT 128", "OBJECT ENCODING bd",
		"GEORADIUS big 0.1 0.05 100 km STOREDIST bd COUNT 129", "OBJECT ENCODING bd",
		"CONFIG SET zset-max-listpack-value 2",
		"GEORADIUS big 0.1 0.05 100 km STOREDIST bd COUNT 5", "OBJECT ENCODING bd",
		"CONFIG SET zset-max-listpack-value 64",
	)
	geoEqDistances(p, "bd")
	for _, k := range []string{"d2", "d3", "d4", "d7"} {
		p.eq("GEORADIUS", "k", "15", "37", "500", "km", "STOREDIST", k)
		geoEqDistances(p, k)
	}
	p.both("HELLO", "3")
	p.script("GEORADIUS big 0.1 0.05 1 km STORE bd", "GEOSEARCHSTORE bd big FROMLONLAT 50 50 BYRADIUS 1 m")
}

// geoPoints returns n seeded random points in the given ranges.
func geoPoints(r *rand.Rand, n int, lonMin, lonMax, latMin, latMax float64) [][2]float64 {
	pts := make([][2]float64, n)
	for i := range pts {
		pts[i] = [2]float64{lonMin + r.Float64()*(lonMax-lonMin), latMin + r.Float64()*(latMax-latMin)}
	}
	return pts
}

// geoLoad adds points to key on both servers as p0, p1, ...
func geoLoad(p *pair, key string, pts [][2]float64) {
	for start := 0; start < len(pts); start += 200 {
		args := []string{"GEOADD", key}
		for i := start; i < min(start+200, len(pts)); i++ {
			args = append(args, geoFmt(pts[i][0]), geoFmt(pts[i][1]), fmt.Sprint("p", i))
		}
		p.eq(args...)
	}
}

// TestGeoSearchRandom compares seeded random searches over indexes spread
// over the globe, near the poles, across the antimeridian and packed in
// a few meters, reply for reply and in order.
func TestGeoSearchRandom(t *testing.T) {
	p := newPair(t)
	r := rand.New(rand.NewPCG(4, 2026))
	const latMax = 85.05112878
	world := geoPoints(r, 400, -180, 180, -latMax, latMax)
	world = append(world, [2]float64{180, latMax}, [2]float64{-180, -latMax}, [2]float64{180, 0}, [2]float64{-180, 0},
		[2]float64{0, latMax}, [2]float64{0, -latMax}, [2]float64{0, 0})
	sets := []struct {
		key  string
		pts  [][2]float64
		lon  [2]float64 // where centers are drawn
		lat  [2]float64
		maxR float64 // largest radius, meters
	}{
		{"world", world, [2]float64{-180, 180}, [2]float64{-latMax, latMax}, 8e6},
		{"north", geoPoints(r, 150, -180, 180, 78, latMax), [2]float64{-180, 180}, [2]float64{75, latMax}, 2e6},
		{"south", geoPoints(r, 100, -180, 180, -latMax, -79), [2]float64{-180, 180}, [2]float64{-latMax, -76}, 2e6},
		{"anti", append(geoPoints(r, 100, 178, 180, -10, 10), geoPoints(r, 100, -180, -178, -10, 10)...),
			[2]float64{-180, 180}, [2]float64{-10, 10}, 5e5},
		{"dense", geoPoints(r, 200, 2.35, 2.35002, 48.85, 48.85002), [2]float64{2.349995, 2.350025},
			[2]float64{48.849995, 48.850025}, 50},
	}
	// Duplicates at one position: equal distances keep the scan order.
	for i := range 30 {
		sets[4].pts = append(sets[4].pts, [2]float64{2.35001, 48.85001 + float64(i%3)*1e-7})
	}
	var stored, differ int
	defer func() {
		// Bit for bit but for glibc's own rounding slips (see geoEqDistances).
		t.Logf("%d of %d stored distances differ in their last bit", differ, stored)
		if differ*100 > stored {
			t.Errorf("%d of %d stored distances differ", differ, stored)
		}
	}()
	units := []string{"m", "km", "ft", "mi"}
	conv := map[string]float64{"m": 1, "km": 1000, "ft": 0.3048, "mi": 1609.34}
	for _, s := range sets {
		geoLoad(p, s.key, s.pts)
		for range 150 {
			var center []string
			if r.IntN(3) == 0 {
				center = []string{"FROMMEMBER", fmt.Sprint("p", r.IntN(len(s.pts)))}
			} else {
				lon := s.lon[0] + r.Float64()*(s.lon[1]-s.lon[0])
				lat := s.lat[0] + r.Float64()*(s.lat[1]-s.lat[0])
				center = []string{"FROMLONLAT", geoFmt(lon), geoFmt(lat)}
			}
			unit := units[r.IntN(len(units))]
			// Radii on a log scale from 0.1 m to maxR.
			size := func() string {
				m := 0.1 * math.Pow(s.maxR/0.1, r.Float64())
				return strconv.FormatFloat(m/conv[unit], 'g', 6, 64)
			}
			var shape []string
			if r.IntN(2) == 0 {
				shape = []string{"BYRADIUS", size(), unit}
			} else {
				shape = []string{"BYBOX", size(), size(), unit}
			}
			q := append(append([]string{"GEOSEARCH", s.key}, center...), shape...)
			p.eq(q...)
			p.eq(append(q, "WITHDIST", "WITHCOORD", "WITHHASH")...)
			p.eq(append(q, "ASC", "WITHDIST")...)
			p.eq(append(q, "DESC")...)
			n := fmt.Sprint(1 + r.IntN(20))
			p.eq(append(q, "COUNT", n, "WITHDIST")...)
			p.eq(append(q, "COUNT", n, "ANY")...)
			st := append(append([]string{"GEOSEARCHSTORE", "dst", s.key}, center...), shape...)
			p.eq(append(st, "STOREDIST")...)
			k, d := geoEqDistances(p, "dst")
			stored, differ = stored+k, differ+d
			p.eq(st...)
			p.eq("ZRANGE", "dst", "0", "-1", "WITHSCORES")
			if shape[0] == "BYRADIUS" {
				var g []string
				if center[0] == "FROMMEMBER" {
					g = []string{"GEORADIUSBYMEMBER", s.key, center[1], shape[1], unit}
				} else {
					g = []string{"GEORADIUS", s.key, center[1], center[2], shape[1], unit}
				}
				p.eq(append(g, "WITHCOORD")...)
			}
		}
	}
}

// geoEqDistances compares a STOREDIST destination: the same members in the
// same order, and distances equal to 1e-13 relative. It returns how many
// distances it compared and how many differ at all: Redis computes them
// with glibc's sin, cos and asin, which are correctly rounded all but
// about 0.2% of the time, while Shoal's are always (package geo), and the
// scores show all 17 digits.
func geoEqDistances(p *pair, key string) (n, differ int) {
	p.t.Helper()
	parse := func(raw string) (members []string, scores []float64) {
		var vals []string
		for _, l := range strings.Split(raw, "\r\n") {
			if l != "" && l[0] != '*' && l[0] != '$' {
				vals = append(vals, l)
			}
		}
		for i := 0; i+1 < len(vals); i += 2 {
			f, err := strconv.ParseFloat(vals[i+1], 64)
			if err != nil {
				p.t.Fatalf("ZRANGE %s: bad score %q", key, vals[i+1])
			}
			members, scores = append(members, vals[i]), append(scores, f)
		}
		return members, scores
	}
	gm, gs := parse(p.shoal.do("ZRANGE", key, "0", "-1", "WITHSCORES"))
	wm, ws := parse(p.redis.do("ZRANGE", key, "0", "-1", "WITHSCORES"))
	if strings.Join(gm, " ") != strings.Join(wm, " ") {
		p.t.Errorf("ZRANGE %s members\n shoal: %v\n redis: %v", key, gm, wm)
		return 0, 0
	}
	for i := range gs {
		if gs[i] != ws[i] {
			differ++
		}
		if math.Abs(gs[i]-ws[i]) > 1e-13*math.Abs(ws[i]) {
			p.t.Errorf("ZRANGE %s: %s scored %v, redis %v", key, gm[i], gs[i], ws[i])
		}
	}
	return len(gs), differ
}

// TestGeoEdges puts members exactly on the edge of a radius or a box: on
// the center's meridian, where Redis measures the latitude difference
// alone (no trigonometry, so both servers compute the same bits).
func TestGeoEdges(t *testing.T) {
	p := newPair(t)
	p.eq("GEOADD", "e", "10", "40", "c", "10", "40.001", "n1", "10", "39.999", "s1", "10", "40.5", "n2",
		"10", "-40", "far", "-170", "40", "anti")
	raw := p.eq("GEOPOS", "e", "c", "n1", "s1", "n2", "far")
	var lats []float64
	lines := strings.Split(raw, "\r\n")
	for i := 0; i+4 < len(lines); i++ {
		if lines[i] == "*2" {
			f, err := strconv.ParseFloat(lines[i+4], 64)
			if err != nil {
				t.Fatalf("GEOPOS reply %q", raw)
			}
			lats = append(lats, f)
		}
	}
	if len(lats) != 5 {
		t.Fatalf("GEOPOS reply %q", raw)
	}
	const degToRad = float64(math.Pi) / 180
	const earth = 6372797.560856
	for _, lat := range lats[1:] {
		d := earth * math.Abs(lat*degToRad-lats[0]*degToRad)
		for _, r := range []float64{d, math.Nextafter(d, 0), math.Nextafter(d, math.Inf(1))} {
			rs := geoFmt(r)
			p.eq("GEOSEARCH", "e", "FROMMEMBER", "c", "BYRADIUS", rs, "m", "WITHDIST", "ASC")
			p.eq("GEORADIUSBYMEMBER", "e", "c", rs, "m", "WITHCOORD")
			p.eq("GEOSEARCH", "e", "FROMMEMBER", "c", "BYBOX", "1", geoFmt(2*r), "m", "DESC", "WITHDIST")
			p.eq("GEOSEARCHSTORE", "dst", "e", "FROMMEMBER", "c", "BYBOX", "1", geoFmt(2*r), "m", "STOREDIST")
			p.eq("ZRANGE", "dst", "0", "-1", "WITHSCORES")
		}
	}
	// Around the antimeridian and the poles' limits.
	p.script(
		"GEOADD w 179.9999 0 a -179.9999 0 b 180 0 c -180 0 d 0 85.05112878 n 0 -85.05112878 s 180 85.05112878 ne",
		"GEOSEARCH w FROMLONLAT 180 0 BYRADIUS 50 m WITHDIST ASC",
		"GEOSEARCH w FROMLONLAT -180 0 BYBOX 100 100 m WITHCOORD",
		"GEOSEARCH w FROMMEMBER a BYRADIUS 0.1 km WITHHASH",
		"GEOSEARCH w FROMLONLAT 90 85.05112878 BYRADIUS 5000 km WITHDIST",
		"GEOSEARCH w FROMLONLAT 90 -85.05112878 BYBOX 20000 20000 km WITHDIST",
		"GEOSEARCH w FROMLONLAT 0 0 BYRADIUS 0 m",
		"GEOSEARCH w FROMMEMBER n BYRADIUS 0 m WITHDIST",
		"GEOSEARCH w FROMMEMBER n BYBOX 0 0 m WITHDIST",
		"GEOSEARCH w FROMLONLAT 0 0 BYRADIUS inf m",
		"GEOSEARCH w FROMLONLAT 0 0 BYBOX inf 1 km",
		"GEOSEARCH w FROMLONLAT 0 0 BYRADIUS 1e300 m COUNT 3",
		"GEOSEARCH w FROMLONLAT 0 0 BYRADIUS 25000 km DESC WITHDIST",
	)
}

// TestGeoPropagation: GEOADD goes to replicas as the ZADD it amounts to,
// as Redis sends it; the stores go as they are; nothing that changed
// nothing is sent.
func TestGeoPropagation(t *testing.T) {
	srv := ownShoal(t)
	propagated := recordPropagation(srv)
	c := dial(t, srv.Addr().String())
	for _, cmd := range []string{
		"GEOADD k 13.361389 38.115556 Palermo", "GEOADD k 13.361389 38.115556 Palermo",
		"GEOADD k xx CH 15.087269 37.502669 Catania 13 38 Palermo", "GEOADD k NX 1 1 a 2 2 Palermo",
		"GEORADIUS k 13 38 100 km", "GEORADIUS k 13 38 100 km STORE d", "GEOSEARCHSTORE d2 k FROMLONLAT 0 0 BYRADIUS 1 m",
		"GEOSEARCHSTORE d k FROMLONLAT 0 0 BYRADIUS 1 m", "GEORADIUS nokey 0 0 1 m STORE d",
	} {
		c.do(strings.Fields(cmd)...)
	}
	want := []string{
		"zadd k 3479099956230698 Palermo",
		"zadd k xx CH 3479447370796909 Catania 3479065152021743 Palermo",
		"zadd k NX 3377822707026402 a 3378191666521995 Palermo",
		"GEORADIUS k 13 38 100 km STORE d",
		"GEOSEARCHSTORE d k FROMLONLAT 0 0 BYRADIUS 1 m",
	}
	if got := propagated(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("propagated:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
