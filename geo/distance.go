package geo

import "math"

// EarthRadius is the Earth's quadratic mean radius for WGS-84, in meters,
// the one Redis uses.
const EarthRadius = 6372797.560856

// degToRad is C's M_PI/180.0: the rounded pi divided in double precision.
const degToRad = float64(math.Pi) / 180

func degRad(a float64) float64 { return a * degToRad }
func radDeg(a float64) float64 { return a / degToRad }

// LatDistance is the distance along a meridian between two latitudes.
func LatDistance(lat1, lat2 float64) float64 {
	return EarthRadius * math.Abs(degRad(lat2)-degRad(lat1))
}

// Distance is the haversine great-circle distance in meters, as Redis
// computes it with glibc's correctly rounded functions (trig.go); on one
// meridian it takes Redis's shortcut (LatDistance).
func Distance(lon1, lat1, lon2, lat2 float64) float64 {
	return haversine(lon1, lat1, lon2, lat2, sin, cos, asin)
}

// fastDistance is Distance with Go's math functions, several times
// faster and within a few ulps of the sines, hence within fastSlack of
// Distance.
func fastDistance(lon1, lat1, lon2, lat2 float64) float64 {
	return haversine(lon1, lat1, lon2, lat2, math.Sin, math.Cos, math.Asin)
}

// FastSlack is fastSlack: the most Shape.Contains's distance estimate can
// be off at about r meters. Callers needing Distance only where two
// estimates, or an estimate and a rounding boundary, are closer than that
// (sorting, display) compute it just there.
func FastSlack(r float64) float64 { return fastSlack(r) }

func haversine(lon1, lat1, lon2, lat2 float64, sin, cos, asin func(float64) float64) float64 {
	v := sin((degRad(lon2) - degRad(lon1)) / 2)
	if v == 0 {
		return LatDistance(lat1, lat2)
	}
	lat1r, lat2r := degRad(lat1), degRad(lat2)
	u := sin((lat2r - lat1r) / 2)
	a := float64(u*u) + float64(float64(cos(lat1r)*cos(lat2r))*v*v)
	return 2.0 * EarthRadius * asin(math.Sqrt(a))
}

// fastSlack bounds |fastDistance - Distance| for a limit of r meters: a
// few ulps of relative error (asin's slope at most 6.4 up to 90% of half
// the circumference), but near the antipode, where asin is
// ill-conditioned, up to a fraction of a meter.
func fastSlack(r float64) float64 {
	if r < 0.9*math.Pi*EarthRadius {
		return r*1e-11 + 1e-7
	}
	return r*1e-9 + 1
}

// within reports whether the distance between the points is at most
// limit, deciding by fastDistance unless that is too close to call.
func within(lon1, lat1, lon2, lat2, limit float64) bool {
	ok, _ := withinDist(lon1, lat1, lon2, lat2, limit)
	return ok
}

// withinDist is within, also returning the fastDistance it computed.
func withinDist(lon1, lat1, lon2, lat2, limit float64) (bool, float64) {
	d := fastDistance(lon1, lat1, lon2, lat2)
	if slack := fastSlack(limit); d > limit+slack || d < limit-slack {
		return d <= limit, d
	}
	return Distance(lon1, lat1, lon2, lat2) <= limit, d
}

// InRadius reports whether the point (lon2, lat2) is at most radius meters
// from the center (lon1, lat1).
func InRadius(lon1, lat1, lon2, lat2, radius float64) bool {
	return within(lon1, lat1, lon2, lat2, radius)
}

// InBox reports whether the point (lon2, lat2) lies in the box of width
// by height meters centered at (lon1, lat1), as Redis tests it: the
// latitude distance, then the distance along the point's parallel, each
// within half the box.
func InBox(width, height, lon1, lat1, lon2, lat2 float64) bool {
	return LatDistance(lat2, lat1) <= height/2 && within(lon2, lat2, lon1, lat2, width/2)
}

// Unit returns the meters in one unit named u ("m", "km", "ft", "mi",
// any case), or false.
func Unit(u []byte) (float64, bool) {
	if len(u) > 2 {
		return 0, false
	}
	var lc [2]byte
	for i, c := range u {
		lc[i] = c | 0x20
	}
	switch string(lc[:len(u)]) {
	case "m":
		return 1, true
	case "km":
		return 1000, true
	case "ft":
		return 0.3048, true
	case "mi":
		return 1609.34, true
	}
	return 0, false
}

// AppendDistance appends d with four decimals as Redis's
// fixedpoint_d2string does: d*10^4 rounded half to even (llrint), so the
// result can differ from printf's "%.4f" in the last digit.
func AppendDistance(b []byte, d float64) []byte {
	if d == 0 {
		return append(b, "0.0000"...)
	}
	v := math.RoundToEven(d * 10000)
	var u uint64
	switch {
	case v < 0 && v >= -(1<<63):
		b = append(b, '-')
		u = uint64(-int64(v))
		if v == -(1 << 63) {
			u = 1 << 63
		}
	case v >= 0 && v < 1<<63:
		u = uint64(v)
	default: // llrint's answer to an overflow
		b = append(b, '-')
		u = 1 << 63
	}
	var buf [24]byte
	i := len(buf)
	for range 4 {
		i--
		buf[i] = byte('0' + u%10)
		u /= 10
	}
	i--
	buf[i] = '.'
	for first := true; first || u > 0; first = false {
		i--
		buf[i] = byte('0' + u%10)
		u /= 10
	}
	return append(b, buf[i:]...)
}
