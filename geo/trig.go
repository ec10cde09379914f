package geo

import "math"

// Redis computes distances with glibc's sin, cos and asin, which are
// (almost always) correctly rounded; Go's math package is not, and differs
// in the last bit about a third of the time, which shows in STOREDIST
// scores (printed with 17 digits) and in the order of near-equal
// distances. These versions evaluate in double-double arithmetic (about
// 106 bits) and round once, so they agree with glibc except in the rare
// cases where glibc itself is not correctly rounded.

// dd is an unevaluated sum hi+lo with |lo| <= ulp(hi)/2.
type dd struct{ hi, lo float64 }

// twoProd is a*b exactly (math.FMA is an instruction on CPUs that have
// it, which all current x86-64 and arm64 ones do).
func twoProd(a, b float64) dd {
	p := a * b
	return dd{p, math.FMA(a, b, -p)}
}

func twoSum(a, b float64) dd {
	s := a + b
	v := s - a
	return dd{s, (a - (s - v)) + (b - v)}
}

func fastTwoSum(a, b float64) dd {
	s := a + b
	return dd{s, b - (s - a)}
}

func ddMul(a, b dd) dd {
	p := twoProd(a.hi, b.hi)
	return fastTwoSum(p.hi, p.lo+(a.hi*b.lo+a.lo*b.hi))
}

func ddAdd(a, b dd) dd {
	s := twoSum(a.hi, b.hi)
	return fastTwoSum(s.hi, s.lo+(a.lo+b.lo))
}

// sinTail and cosTail are the coefficients from k = 5 on.
func sinTail(t float64) float64 {
	const (
		k5, k6, k7, k8 = -1.0 / 39916800, 1.0 / 6227020800, -1.0 / 1307674368000, 1.0 / 355687428096000
		k9, k10, k11   = -1.0 / 121645100408832000, 1.0 / 51090942171709440000, -1.0 / 25852016738884976640000
		k12            = 1.0 / 15511210043330985984000000
	)
	return k5 + t*(k6+t*(k7+t*(k8+t*(k9+t*(k10+t*(k11+t*k12))))))
}

func cosTail(t float64) float64 {
	const (
		k5, k6, k7, k8 = -1.0 / 3628800, 1.0 / 479001600, -1.0 / 87178291200, 1.0 / 20922789888000
		k9, k10, k11   = -1.0 / 6402373705728000, 1.0 / 2432902008176640000, -1.0 / 1124000727777607680000
		k12            = 1.0 / 620448401733239439360000
	)
	return k5 + t*(k6+t*(k7+t*(k8+t*(k9+t*(k10+t*(k11+t*k12))))))
}

// The Taylor series of sin is x * (1 + t*(-1/3! + t*(1/5! - ...))) and
// that of cos 1 + t*(-1/2! + t*(1/4! - ...)), with t = x*x. The first
// coefficients are double-doubles (the double nearest each and the double
// nearest the rest); from the sixth on, plain doubles (sinTail, cosTail)
// are enough: they weigh on the last bits' last bits only.

// step is p*t + c.
func step(p, t, c dd) dd { return ddAdd(ddMul(p, t), c) }

// sinDD is sin(x) in double-double for |x| <= 2.
func sinDD(x float64) dd {
	t := twoProd(x, x)
	p := step(dd{sinTail(t.hi), 0}, t, dd{1.0 / 362880, -1.858393274046472e-22})
	p = step(p, t, dd{-1.0 / 5040, -1.7209558293420705e-22})
	p = step(p, t, dd{1.0 / 120, 1.1564823173178714e-19})
	p = step(p, t, dd{-1.0 / 6, -9.25185853854297e-18})
	p = step(p, t, dd{1, 0})
	q := twoProd(x, p.hi)
	return fastTwoSum(q.hi, q.lo+x*p.lo)
}

// cosDD is cos(x) in double-double for |x| <= 2.
func cosDD(x float64) dd {
	t := twoProd(x, x)
	p := step(dd{cosTail(t.hi), 0}, t, dd{1.0 / 40320, 2.1511947866775882e-23})
	p = step(p, t, dd{-1.0 / 720, 5.300543954373577e-20})
	p = step(p, t, dd{1.0 / 24, 2.3129646346357427e-18})
	p = step(p, t, dd{-1.0 / 2, 0})
	return step(p, t, dd{1, 0})
}

// accurate reports whether x is in the domain of sinDD and cosDD; beyond
// it (only bounding boxes of huge radii go there) math's versions serve.
func accurate(x float64) bool { return x >= -1.6 && x <= 1.6 }

// small bounds the arguments whose series correction x*t*(...) is tiny
// enough (under 2e-5 of x) to be summed in plain doubles: its rounding
// errors then move the result across a rounding boundary only once in
// tens of thousands, like the slips of glibc itself.
const small = 0.01

// sin is the correctly rounded sine (for |x| <= 1.6).
func sin(x float64) float64 {
	switch {
	case x > -small && x < small:
		t := x * x
		return x + x*(t*(-1.0/6+t*(1.0/120-t*(1.0/5040))))
	case !accurate(x):
		return math.Sin(x)
	}
	return sinDD(x).hi
}

// cos is the correctly rounded cosine for |x| <= 1.5 (beyond, the result
// is too small for cosDD's absolute accuracy; latitudes stop at 1.4844).
func cos(x float64) float64 {
	if x < -1.5 || x > 1.5 {
		return math.Cos(x)
	}
	return cosDD(x).hi
}

// sinPrecise is sin(x) for |x| <= 1.6 with its whole series in
// double-double, to about 1e-31: asin's Newton step divides z - sin(y)
// by cos(y), tiny when z nears 1.
func sinPrecise(x float64) dd {
	coefs := [...]dd{
		{-0.16666666666666666, -9.25185853854297e-18}, {0.008333333333333333, 1.1564823173178714e-19},
		{-0.0001984126984126984, -1.7209558293420705e-22}, {2.7557319223985893e-06, -1.858393274046472e-22},
		{-2.505210838544172e-08, 1.448814070935912e-24}, {1.6059043836821613e-10, 1.2585294588752098e-26},
		{-7.647163731819816e-13, -7.03872877733453e-30}, {2.8114572543455206e-15, 1.6508842730861433e-31},
		{-8.22063524662433e-18, -2.2141894119604265e-34}, {1.9572941063391263e-20, -1.3643503830087908e-36},
		{-3.868170170630684e-23, 8.843177655482344e-40}, {6.446950284384474e-26, -1.9330404233703465e-42},
		{-9.183689863795546e-29, -1.4303150396787322e-45}, {1.1309962886447716e-31, 1.0498015412959506e-47},
		{-1.216125041553518e-34, -5.586290567888806e-51}, {1.151633562077195e-37, -6.09957445788454e-54},
		{-9.67759295863189e-41, -3.202295548645562e-57}, {7.265460179153071e-44, -4.364097149354446e-61},
	}
	t := twoProd(x, x)
	var p dd
	for i := len(coefs) - 1; i >= 0; i-- {
		p = step(p, t, coefs[i])
	}
	p = step(p, t, dd{1, 0})
	q := twoProd(x, p.hi)
	return fastTwoSum(q.hi, q.lo+x*p.lo)
}

// asin is the correctly rounded arcsine of z in [0, 1]: its series for
// small z, otherwise math.Asin refined by one Newton step on sin (with its
// second-order term; the step is tiny, so cos needs no extra precision).
func asin(z float64) float64 {
	if z >= 0 && z < small {
		t := z * z
		return z + z*(t*(1.0/6+t*(3.0/40+t*(15.0/336+t*(105.0/3456)))))
	}
	y := math.Asin(z)
	if !(z > 0 && z <= 1) {
		return y // NaN
	}
	var s dd
	if y < 1.1 {
		s = sinDD(y) // cos(y) > 0.45: sinDD's 3e-22 are enough
	} else {
		s = sinPrecise(y)
	}
	r := ddAdd(dd{z, 0}, dd{-s.hi, -s.lo}).hi // z - sin(y)
	c := math.Cos(y)
	d := r / c
	d = (r + d*d/2*s.hi) / c
	return twoSum(y, d).hi
}
