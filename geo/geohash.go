// Package geo is the math behind Redis's geo commands: the 52-bit
// interleaved geohash a sorted set stores as a member's score, the
// standard base-32 geohash string, great-circle distances, and the
// geohash boxes a radius or box search scans. It knows nothing of the
// network or of sorted sets; its results match redis-server 7.0 bit for bit
// (the same float operations in the same order).
package geo

import (
	"math"
	"math/bits"
	"strconv"
)

// The coordinate limits of EPSG:900913, the only positions Redis indexes.
const (
	LonMin = -180.0
	LonMax = 180.0
	LatMin = -85.05112878
	LatMax = 85.05112878
)

// StepMax is the precision of a stored score: 26 bits per coordinate.
const StepMax = 26

// Hash is a geohash cell: Step bits of latitude and of longitude,
// interleaved (latitude in the even bits, longitude in the odd ones).
// The zero Hash (Step 0) marks an unused neighbour.
type Hash struct {
	Bits uint64
	Step uint8
}

// IsZero reports whether h is the unused cell.
func (h Hash) IsZero() bool { return h.Bits == 0 && h.Step == 0 }

// Area is the rectangle a cell covers.
type Area struct {
	LonMin, LonMax, LatMin, LatMax float64
}

// spread moves the 32 bits of v to the even bit positions of a uint64.
func spread(v uint32) uint64 {
	x := uint64(v)
	x = (x | x<<16) & 0x0000FFFF0000FFFF
	x = (x | x<<8) & 0x00FF00FF00FF00FF
	x = (x | x<<4) & 0x0F0F0F0F0F0F0F0F
	x = (x | x<<2) & 0x3333333333333333
	x = (x | x<<1) & 0x5555555555555555
	return x
}

// squash gathers the even bits of x into a uint32; spread's inverse.
func squash(x uint64) uint32 {
	x &= 0x5555555555555555
	x = (x | x>>1) & 0x3333333333333333
	x = (x | x>>2) & 0x0F0F0F0F0F0F0F0F
	x = (x | x>>4) & 0x00FF00FF00FF00FF
	x = (x | x>>8) & 0x0000FFFF0000FFFF
	x = (x | x>>16) & 0x00000000FFFFFFFF
	return uint32(x)
}

// Interleave puts lat's bits in the even positions and lon's in the odd.
func Interleave(lat, lon uint32) uint64 { return spread(lat) | spread(lon)<<1 }

// Deinterleave splits bits into its latitude and longitude halves.
func Deinterleave(bits uint64) (lat, lon uint32) { return squash(bits), squash(bits >> 1) }

// inLimits reports whether lon, lat is a position Redis can index.
func inLimits(lon, lat float64) bool {
	return lon >= LonMin && lon <= LonMax && lat >= LatMin && lat <= LatMax
}

// encodeIn is geohashEncode over the given ranges. A coordinate at the top
// of its range yields an offset of 2^step, which spills into the next bit
// as it does in Redis.
func encodeIn(lonMin, lonMax, latMin, latMax, lon, lat float64, step uint8) (Hash, bool) {
	if step == 0 || step > 32 || !inLimits(lon, lat) ||
		lat < latMin || lat > latMax || lon < lonMin || lon > lonMax {
		return Hash{}, false
	}
	latOff := (lat - latMin) / (latMax - latMin)
	lonOff := (lon - lonMin) / (lonMax - lonMin)
	scale := float64(uint64(1) << step)
	latOff *= scale
	lonOff *= scale
	return Hash{Bits: Interleave(uint32(latOff), uint32(lonOff)), Step: step}, true
}

// Encode returns the cell of step bits holding lon, lat (false outside the
// limits).
func Encode(lon, lat float64, step uint8) (Hash, bool) {
	return encodeIn(LonMin, LonMax, LatMin, LatMax, lon, lat, step)
}

// Score is the sorted-set score of lon, lat: its cell at full precision.
// The position must be within the limits.
func Score(lon, lat float64) float64 {
	h, _ := Encode(lon, lat, StepMax)
	return float64(h.Bits)
}

// Decode returns the area of cell h.
func Decode(h Hash) Area {
	lat, lon := Deinterleave(h.Bits)
	div := float64(uint64(1) << h.Step)
	const latScale, lonScale = LatMax - LatMin, LonMax - LonMin
	// float64() around each product keeps the compiler from fusing it with
	// the sum: Redis's C code rounds every operation.
	return Area{
		LatMin: LatMin + float64(float64(lat)/div*latScale),
		LatMax: LatMin + float64(float64(uint32(lat+1))/div*latScale),
		LonMin: LonMin + float64(float64(lon)/div*lonScale),
		LonMax: LonMin + float64(float64(uint32(lon+1))/div*lonScale),
	}
}

// Center is the middle of the area, the position a score stands for,
// clamped to the limits (only cells of scores set through ZADD reach out).
func (a Area) Center() (lon, lat float64) {
	lon = min(max((a.LonMin+a.LonMax)/2, LonMin), LonMax)
	lat = min(max((a.LatMin+a.LatMax)/2, LatMin), LatMax)
	return lon, lat
}

// ScoreBits converts a score to an integer as Redis's (uint64_t) cast does
// on x86-64: scores out of range (only set through ZADD) give the same
// garbage cells there and here.
func ScoreBits(score float64) uint64 {
	const two63 = 9223372036854775808.0
	const indefinite = 1 << 63 // cvttsd2si's answer to an out-of-range value
	if !(score >= two63) {
		if score >= -two63 {
			return uint64(int64(score))
		}
		return indefinite
	}
	score -= two63
	if score >= two63 {
		return indefinite ^ 1<<63
	}
	return uint64(int64(score)) ^ 1<<63
}

// DecodeScore returns the position a sorted-set score stands for.
func DecodeScore(score float64) (lon, lat float64) {
	return Decode(Hash{Bits: ScoreBits(score), Step: StepMax}).Center()
}

// AppendGeohash appends the 11-character base-32 geohash of lon, lat. Redis
// re-encodes the position over the standard latitude range (-90..90) and,
// having only 52 bits, pads the 11th character with '0'.
func AppendGeohash(b []byte, lon, lat float64) []byte {
	const alphabet = "0123456789bcdefghjkmnpqrstuvwxyz"
	h, _ := encodeIn(-180, 180, -90, 90, lon, lat, StepMax)
	for i := range 10 {
		b = append(b, alphabet[(h.Bits>>(52-(i+1)*5))&0x1f])
	}
	return append(b, '0')
}

// AppendCoord appends a coordinate as Redis's "human" long double format
// does: 17 decimals ("%.17Lf"), trailing zeros and dot removed, no "-0".
func AppendCoord(b []byte, f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(b, "inf"...)
	case math.IsInf(f, -1):
		return append(b, "-inf"...)
	case math.IsNaN(f):
		return append(b, "nan"...)
	}
	start := len(b)
	if q, ok := fixed17(math.Abs(f)); ok {
		if q != 0 && f < 0 {
			b = append(b, '-')
		}
		b = strconv.AppendUint(b, q/1e17, 10)
		if frac := q % 1e17; frac != 0 {
			var d [18]byte
			d[0] = '.'
			for i := 17; i > 0; i-- {
				d[i] = byte('0' + frac%10)
				frac /= 10
			}
			n := 18
			for d[n-1] == '0' {
				n--
			}
			b = append(b, d[:n]...)
		}
		return b
	}
	b = strconv.AppendFloat(b, f, 'f', 17, 64)
	for b[len(b)-1] == '0' {
		b = b[:len(b)-1]
	}
	if b[len(b)-1] == '.' {
		b = b[:len(b)-1]
	}
	if string(b[start:]) == "-0" {
		b = append(b[:start], '0')
	}
	return b
}

// fixed17 is a*10^17 rounded half to even, exactly, for 2^-10 <= a < 184
// (and 0): the fast path of AppendCoord, where strconv would take its
// slow exact path for each of the 17 decimals.
func fixed17(a float64) (uint64, bool) {
	if a == 0 {
		return 0, true
	}
	if !(a >= 1.0/1024 && a < 184) {
		return 0, false
	}
	fb := math.Float64bits(a)
	mant := fb&(1<<52-1) | 1<<52
	shift := uint(1075 - int(fb>>52&0x7ff)) // a = mant / 2^shift, 45 <= shift <= 62
	hi, lo := bits.Mul64(mant, 1e17)
	q := hi<<(64-shift) | lo>>shift
	rem, half := lo&(1<<shift-1), uint64(1)<<(shift-1)
	if rem > half || rem == half && q&1 == 1 {
		q++
	}
	return q, true
}
