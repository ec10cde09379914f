package geo

import "math"

// mercatorMax is half the Earth's circumference in Web Mercator meters,
// the scale Redis estimates search steps against.
const mercatorMax = 20037726.37

// Shape is the area of a search: a circle of Radius or a Width by Height
// box around (Lon, Lat). Sizes are in the query's unit; Conv is the
// meters in one unit.
type Shape struct {
	Lon, Lat      float64
	Box           bool
	Radius        float64
	Width, Height float64
	Conv          float64
}

// Range is the score interval [Min, Max) of one geohash cell.
type Range struct{ Min, Max float64 }

// EstimateSteps is the cell precision (1..26) whose cells are about as big
// as a search of rangeMeters, made coarser near the poles where cells
// shrink.
func EstimateSteps(rangeMeters, lat float64) uint8 {
	if rangeMeters == 0 {
		return StepMax
	}
	step := 1
	for rangeMeters < mercatorMax {
		rangeMeters *= 2
		step++
	}
	step -= 2 // so the range fits the cells in most cases
	if lat > 66 || lat < -66 {
		step--
		if lat > 80 || lat < -80 {
			step--
		}
	}
	return uint8(min(max(step, 1), StepMax))
}

// halfSizes are the half height and half width of the shape in meters.
func (s *Shape) halfSizes() (height, width float64) {
	if s.Box {
		return s.Conv * (s.Height / 2), s.Conv * (s.Width / 2)
	}
	return s.Conv * s.Radius, s.Conv * s.Radius
}

// BoundingBox returns the longitudes and latitudes that enclose the shape.
// Longitude spans are measured on the parallel nearest the pole (the
// widest), as Redis does.
func (s *Shape) BoundingBox() (minLon, minLat, maxLon, maxLat float64) {
	height, width := s.halfSizes()
	latDelta := radDeg(height / EarthRadius)
	top := radDeg(width / EarthRadius / cos(degRad(s.Lat+latDelta)))
	bottom := radDeg(width / EarthRadius / cos(degRad(s.Lat-latDelta)))
	d := top
	if s.Lat < 0 {
		d = bottom
	}
	return s.Lon - d, s.Lat - latDelta, s.Lon + d, s.Lat + latDelta
}

// Neighbor directions in the order Redis scans them after the center.
const (
	North = iota
	South
	East
	West
	NorthEast
	NorthWest
	SouthEast
	SouthWest
)

// moveLon shifts the cell one step east (d > 0) or west, wrapping around.
func moveLon(h Hash, d int) Hash {
	lon := h.Bits & 0xaaaaaaaaaaaaaaaa
	lat := h.Bits & 0x5555555555555555
	fill := uint64(0x5555555555555555) >> (64 - 2*uint(h.Step))
	if d > 0 {
		lon += fill + 1
	} else {
		lon = (lon | fill) - (fill + 1)
	}
	lon &= 0xaaaaaaaaaaaaaaaa >> (64 - 2*uint(h.Step))
	h.Bits = lon | lat
	return h
}

// moveLat shifts the cell one step north (d > 0) or south, wrapping around.
func moveLat(h Hash, d int) Hash {
	lon := h.Bits & 0xaaaaaaaaaaaaaaaa
	lat := h.Bits & 0x5555555555555555
	fill := uint64(0xaaaaaaaaaaaaaaaa) >> (64 - 2*uint(h.Step))
	if d > 0 {
		lat += fill + 1
	} else {
		lat = (lat | fill) - (fill + 1)
	}
	lat &= 0x5555555555555555 >> (64 - 2*uint(h.Step))
	h.Bits = lon | lat
	return h
}

// Neighbors returns the eight cells around h, indexed by North...SouthWest.
func Neighbors(h Hash) [8]Hash {
	var n [8]Hash
	n[North] = moveLat(h, 1)
	n[South] = moveLat(h, -1)
	n[East] = moveLon(h, 1)
	n[West] = moveLon(h, -1)
	n[NorthEast] = moveLat(moveLon(h, 1), 1)
	n[NorthWest] = moveLat(moveLon(h, -1), 1)
	n[SouthEast] = moveLat(moveLon(h, 1), -1)
	n[SouthWest] = moveLat(moveLon(h, -1), -1)
	return n
}

// Cells returns the center cell of the search and its eight neighbours
// (zero Hashes for those that cannot hold a match), in Redis's scan
// order: center, N, S, E, W, NE, NW, SE, SW.
func (s *Shape) Cells() [9]Hash {
	minLon, minLat, maxLon, maxLat := s.BoundingBox()
	radius := s.Radius
	if s.Box {
		radius = math.Sqrt(float64(s.Width/2*(s.Width/2)) + float64(s.Height/2*(s.Height/2)))
	}
	radius *= s.Conv
	step := EstimateSteps(radius, s.Lat)
	h, _ := Encode(s.Lon, s.Lat, step)
	n := Neighbors(h)

	// Coarser cells when the shape pokes out of the neighbours.
	if step > 1 && (Decode(n[North]).LatMax < maxLat || Decode(n[South]).LatMin > minLat ||
		Decode(n[East]).LonMax < maxLon || Decode(n[West]).LonMin > minLon) {
		step--
		h, _ = Encode(s.Lon, s.Lat, step)
		n = Neighbors(h)
	}
	// Drop the neighbours on a side the shape does not reach.
	if step >= 2 {
		a := Decode(h)
		if a.LatMin < minLat {
			n[South], n[SouthWest], n[SouthEast] = Hash{}, Hash{}, Hash{}
		}
		if a.LatMax > maxLat {
			n[North], n[NorthEast], n[NorthWest] = Hash{}, Hash{}, Hash{}
		}
		if a.LonMin < minLon {
			n[West], n[SouthWest], n[NorthWest] = Hash{}, Hash{}, Hash{}
		}
		if a.LonMax > maxLon {
			n[East], n[SouthEast], n[NorthEast] = Hash{}, Hash{}, Hash{}
		}
	}
	return [9]Hash{h, n[North], n[South], n[East], n[West],
		n[NorthEast], n[NorthWest], n[SouthEast], n[SouthWest]}
}

// CellRange is the score interval of the members inside cell h.
func CellRange(h Hash) Range {
	shift := 52 - 2*uint(h.Step)
	return Range{float64(h.Bits << shift), float64((h.Bits + 1) << shift)}
}

// Ranges fills out with the score intervals to scan, in order, and returns
// how many there are. Like Redis it skips unused cells and a cell equal to
// the one scanned just before it (big radii make neighbours coincide), but
// never compares with the center cell, which can then be scanned twice.
func (s *Shape) Ranges(out *[9]Range) int {
	cells := s.Cells()
	n, last := 0, 0
	for i, h := range cells {
		if h.IsZero() || last != 0 && h == cells[last] {
			continue
		}
		out[n] = CellRange(h)
		n++
		last = i
	}
	return n
}

// Contains decodes a member's score and reports whether the point is in
// the shape, with an estimate of its distance from the center (within
// FastSlack of Distance): computed on the way for a radius, and for a
// box for the points inside.
func (s *Shape) Contains(score float64) (lon, lat, fastDist float64, ok bool) {
	lon, lat = DecodeScore(score)
	if s.Box {
		if ok = InBox(s.Width*s.Conv, s.Height*s.Conv, s.Lon, s.Lat, lon, lat); ok {
			fastDist = fastDistance(s.Lon, s.Lat, lon, lat)
		}
		return lon, lat, fastDist, ok
	}
	ok, fastDist = withinDist(s.Lon, s.Lat, lon, lat, s.Radius*s.Conv)
	return lon, lat, fastDist, ok
}

// Distance is the distance in meters from the center to lon, lat.
func (s *Shape) Distance(lon, lat float64) float64 { return Distance(s.Lon, s.Lat, lon, lat) }
