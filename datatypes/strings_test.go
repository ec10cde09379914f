package datatypes

import (
	"bytes"
	"math"
	"math/big"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

func TestLCSExample(t *testing.T) {
	seq, runs := LCS([]byte("ohmytext"), []byte("mynewtext"))
	if string(seq) != "mytext" {
		t.Fatalf("seq %q", seq)
	}
	want := []LCSRun{{4, 7, 5, 8}, {2, 3, 0, 1}} // as redis-server's LCS IDX
	if len(runs) != len(want) || runs[0] != want[0] || runs[1] != want[1] {
		t.Fatalf("runs %v, want %v", runs, want)
	}
	if seq, runs := LCS(nil, []byte("abc")); len(seq) != 0 || len(runs) != 0 {
		t.Fatalf("empty: %q %v", seq, runs)
	}
}

// lcsLen is a naive model: the LCS length by memoized recursion.
func lcsLen(a, b string) int {
	memo := map[[2]int]int{}
	var f func(i, j int) int
	f = func(i, j int) int {
		if i == len(a) || j == len(b) {
			return 0
		}
		k := [2]int{i, j}
		if v, ok := memo[k]; ok {
			return v
		}
		v := max(f(i+1, j), f(i, j+1))
		if a[i] == b[j] {
			v = max(v, 1+f(i+1, j+1))
		}
		memo[k] = v
		return v
	}
	return f(0, 0)
}

// The runs must be matching, disjoint, in descending order, and spell the
// subsequence backwards; the subsequence must be as long as the model's.
func TestLCSRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := 0; n < 500; n++ {
		a, b := randWord(rng, 30), randWord(rng, 30)
		seq, runs := LCS([]byte(a), []byte(b))
		if len(seq) != lcsLen(a, b) {
			t.Fatalf("LCS(%q, %q) = %q, want length %d", a, b, seq, lcsLen(a, b))
		}
		var spelled []byte
		lastA, lastB := len(a), len(b)
		for _, r := range runs {
			if a[r.AStart:r.AEnd+1] != b[r.BStart:r.BEnd+1] || r.AEnd >= lastA || r.BEnd >= lastB ||
				r.AEnd-r.AStart != r.BEnd-r.BStart {
				t.Fatalf("LCS(%q, %q): bad run %v in %v", a, b, r, runs)
			}
			lastA, lastB = r.AStart, r.BStart
			spelled = append([]byte(a[r.AStart:r.AEnd+1]), spelled...)
		}
		if !bytes.Equal(spelled, seq) {
			t.Fatalf("LCS(%q, %q): runs %v spell %q, not %q", a, b, runs, spelled, seq)
		}
	}
}

func randWord(rng *rand.Rand, n int) string {
	b := make([]byte, rng.IntN(n+1))
	for i := range b {
		b[i] = "abc"[rng.IntN(3)]
	}
	return string(b)
}

// Expected texts are redis-server 7.0.15's INCRBYFLOAT replies for 0 + s.
func TestParseFormatLongDouble(t *testing.T) {
	cases := []struct{ in, out string }{
		{"10.5", "10.5"}, {"5.0e3", "5000"}, {".5", "0.5"}, {"5.", "5"}, {"+1.5", "1.5"}, {"0x1p3", "8"},
		{"0x1.8p1", "3"}, {"-0", "0"}, {"0e-99999", "0"}, {"1e-4940", "0"}, {"0x1p-16445", "0"},
		{"0x1p-18", "0.00000381469726562"}, {"0x3p-18", "0.00001144409179688"}, {"1e17", "100000000000000000"},
		{"0.000000000000000005", "0"}, {"0.000000000000000015", "0.00000000000000002"},
		{"-0.000000000000000001", "0"}, {"1e20", "100000000000000000000"}, {"0.1", "0.1"},
	}
	for _, tc := range cases {
		f, ok := ParseLongDouble([]byte(tc.in))
		if !ok {
			t.Errorf("%q: not parsed", tc.in)
			continue
		}
		if got := string(FormatLongDouble(f)); got != tc.out {
			t.Errorf("%q: formatted %q, want %q", tc.in, got, tc.out)
		}
	}
	if got := string(FormatLongDouble(mustLD(t, "1e4000")))[:40]; got != "9999999999999999999965463873099623784932" {
		t.Errorf("1e4000 formats as %s...", got)
	}
	invalid := []string{"", " 1", "1 ", "\t1", "abc", "nan", "-nan", "nan(1)", "1e", "1e+", "0x", "0x1p", "0xp1", ".",
		"-", "+", "--1", "1e4933", "1e-5000", "0x1p16384", "0x1p-16446", "0x1.ffffffffffffffffp16383", "1_0", "0b1",
		"1\x00", "infin", strings.Repeat("1", 5120)}
	for _, s := range invalid {
		if _, ok := ParseLongDouble([]byte(s)); ok {
			t.Errorf("%q parsed", s)
		}
	}
	for _, s := range []string{"inf", "-Infinity", "0x1.1p-16446", "0x1.fffffffffffffffep16383", "1e4932", "1." + strings.Repeat("0", 5117)} {
		if _, ok := ParseLongDouble([]byte(s)); !ok {
			t.Errorf("%q not parsed", s)
		}
	}
}

func mustLD(t *testing.T, s string) *big.Float {
	t.Helper()
	f, ok := ParseLongDouble([]byte(s))
	if !ok {
		t.Fatalf("%q not parsed", s)
	}
	return f
}

func TestAddLongDouble(t *testing.T) {
	cases := []struct{ a, b, out string }{
		{"10.5", "0.1", "10.6"}, {"10.6", "5.0e3", "5010.60000000000000009"}, {"0.1", "0.2", "0.3"},
		{"1e4932", "-1e4932", "0"}, {"-1.5", "1", "-0.5"}, {"9223372036854775807", "1", "9223372036854775808"},
	}
	for _, tc := range cases {
		sum, ok := AddLongDouble(mustLD(t, tc.a), mustLD(t, tc.b))
		if !ok {
			t.Errorf("%s + %s failed", tc.a, tc.b)
			continue
		}
		if got := string(FormatLongDouble(sum)); got != tc.out {
			t.Errorf("%s + %s = %s, want %s", tc.a, tc.b, got, tc.out)
		}
	}
	for _, p := range [][2]string{{"1e4932", "1e4932"}, {"inf", "1"}, {"inf", "-inf"}, {"-1.18e4932", "-1e4932"}} {
		if _, ok := AddLongDouble(mustLD(t, p[0]), mustLD(t, p[1])); ok {
			t.Errorf("%s + %s should be infinite or NaN", p[0], p[1])
		}
	}
}

// FuzzParseLongDouble cross-checks decimal inputs against strconv: a number
// well inside float64's range must parse, within a float64 rounding.
func FuzzParseLongDouble(f *testing.F) {
	for _, s := range []string{"1.5", "-2e10", ".5e-3", "0x1p3", "inf", "1e400", "nan"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ld, ok := ParseLongDouble([]byte(s))
		v, err := strconv.ParseFloat(s, 64)
		decimal := s != "" && strings.Trim(s, "0123456789.eE+-") == "" && !strings.Contains(s, "_")
		if !decimal || err != nil || math.IsInf(v, 0) || (v != 0 && math.Abs(v) < 1e-300) {
			return
		}
		if !ok {
			t.Fatalf("%q: strconv reads %v, ParseLongDouble refuses it", s, v)
		}
		got, _ := ld.Float64()
		if got != v && math.Abs(got-v) > math.Abs(v)*1e-15 {
			t.Fatalf("%q: %v, strconv %v", s, got, v)
		}
	})
}
