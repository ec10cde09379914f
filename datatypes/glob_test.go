package datatypes

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

func TestGlobMatchTable(t *testing.T) {
	cases := []struct {
		p, s   string
		nocase bool
		want   bool
	}{
		{"*", "", false, false}, // Redis: only the empty pattern matches ""
		{"", "", false, true},
		{"", "a", false, false},
		{"*", "abc", false, true},
		{"**", "abc", false, true},
		{"a*", "a", false, true},
		{"a*b", "ab", false, true},
		{"a*b", "axxb", false, true},
		{"a*b", "axxbc", false, false},
		{"h?llo", "hello", false, true},
		{"h?llo", "hllo", false, false},
		{"h[ae]llo", "hallo", false, true},
		{"h[ae]llo", "hillo", false, false},
		{"h[^e]llo", "hallo", false, true},
		{"h[^e]llo", "hello", false, false},
		{"h[a-b]llo", "hbllo", false, true},
		{"h[b-a]llo", "hbllo", false, true}, // reversed range
		{"[a-c]", "d", false, false},
		{"[a", "a", false, true}, // unterminated class
		{"[", "a", false, false},
		{"[^", "a", false, true},
		{"[]", "a", false, false},
		{"[]]", "]", false, false}, // "[]" then a literal ']'
		{"[]]", "]]", false, false},
		{"[\\]]", "]", false, true},
		{"[a-]", "b", false, false},
		{"[a-]", "]", false, true}, // the range is a..']' reversed
		{"\\*", "*", false, true},
		{"\\*", "a", false, false},
		{"a\\", "a\\", false, true}, // trailing backslash is literal
		{"\\\\", "\\", false, true},
		{"HELLO", "hello", true, true},
		{"[A-C]", "b", true, true},
		{"[\\A]", "a", true, false}, // escaped bytes compare exactly
		{"[^A]", "a", true, false},
		{"a*", "a", false, true},
		{"*a*", "a", false, true},
		{"a*a*a*a*a*a*a*a*a*a*a*a*b", strings.Repeat("a", 60), false, false},
	}
	for _, c := range cases {
		if got := GlobMatch([]byte(c.p), []byte(c.s), c.nocase); got != c.want {
			t.Errorf("GlobMatch(%q, %q, %v) = %v, want %v", c.p, c.s, c.nocase, got, c.want)
		}
	}
}

// TestGlobNoExponentialBlowup is Redis's guard (CVE-2022-36021): patterns
// with many stars fail fast on strings that do not match.
func TestGlobNoExponentialBlowup(t *testing.T) {
	p := []byte(strings.Repeat("*a", 50) + "b")
	s := []byte(strings.Repeat("a", 5000))
	start := time.Now()
	if GlobMatch(p, s, false) {
		t.Fatal("matched")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("took %v", d)
	}
}

// A reference matcher, written differently: the pattern is first split into
// tokens the way Redis reads it, then matched by dynamic programming.
type globToken struct {
	kind  byte // '*', '?', 'c' (class) or 'l' (literal)
	lit   byte
	not   bool
	items [][2]byte // class members as ranges; an escaped byte is exact
	exact []bool
}

func tokenize(p []byte) []globToken {
	var toks []globToken
	for i := 0; i < len(p); {
		switch p[i] {
		case '*', '?':
			toks = append(toks, globToken{kind: p[i]})
			i++
		case '\\':
			if i+1 < len(p) {
				i++
			}
			toks = append(toks, globToken{kind: 'l', lit: p[i]})
			i++
		case '[':
			i++
			tok := globToken{kind: 'c'}
			if i < len(p) && p[i] == '^' {
				tok.not = true
				i++
			}
			for i < len(p) && p[i] != ']' {
				switch {
				case p[i] == '\\' && i+1 < len(p):
					tok.items = append(tok.items, [2]byte{p[i+1], p[i+1]})
					tok.exact = append(tok.exact, true)
					i += 2
				case i+2 < len(p) && p[i+1] == '-':
					lo, hi := p[i], p[i+2]
					if lo > hi {
						lo, hi = hi, lo
					}
					tok.items = append(tok.items, [2]byte{lo, hi})
					tok.exact = append(tok.exact, false)
					i += 3
				default:
					tok.items = append(tok.items, [2]byte{p[i], p[i]})
					tok.exact = append(tok.exact, false)
					i++
				}
			}
			i++ // ']' (or past the end)
			toks = append(toks, tok)
		default:
			toks = append(toks, globToken{kind: 'l', lit: p[i]})
			i++
		}
	}
	return toks
}

func (tok *globToken) matches(c byte, nocase bool) bool {
	switch tok.kind {
	case '?':
		return true
	case 'l':
		return equalFold(tok.lit, c, nocase)
	}
	in := false
	for i, r := range tok.items {
		lo, hi, x := r[0], r[1], c
		if nocase && !tok.exact[i] {
			lo, hi, x = lower(lo), lower(hi), lower(x)
		}
		if x >= lo && x <= hi {
			in = true
		}
	}
	return in != tok.not
}

func refGlob(p, s []byte, nocase bool) bool {
	if len(s) == 0 {
		return len(p) == 0
	}
	toks := tokenize(p)
	// m[j] reports whether the tokens so far match s[:j].
	m := make([]bool, len(s)+1)
	m[0] = true
	for _, tok := range toks {
		next := make([]bool, len(s)+1)
		for j := 0; j <= len(s); j++ {
			if tok.kind == '*' {
				next[j] = m[j] || (j > 0 && next[j-1])
			} else if j > 0 {
				next[j] = m[j-1] && tok.matches(s[j-1], nocase)
			}
		}
		m = next
	}
	return m[len(s)]
}

func TestGlobAgainstReference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte("abAB-^[]\\*?")
	gen := func(max int) []byte {
		b := make([]byte, r.IntN(max+1))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		return b
	}
	for i := 0; i < 200000; i++ {
		p, s, nocase := gen(8), gen(5), r.IntN(2) == 0
		if got, want := GlobMatch(p, s, nocase), refGlob(p, s, nocase); got != want {
			t.Fatalf("GlobMatch(%q, %q, %v) = %v, reference says %v", p, s, nocase, got, want)
		}
	}
}

func FuzzGlob(f *testing.F) {
	f.Add([]byte("h[a-e]l*o"), []byte("hello"), false)
	f.Add([]byte("[^\\]]*?"), []byte("x]y"), true)
	f.Fuzz(func(t *testing.T, p, s []byte, nocase bool) {
		if len(p) > 64 || len(s) > 64 {
			return
		}
		if got, want := GlobMatch(p, s, nocase), refGlob(p, s, nocase); got != want {
			t.Fatalf("GlobMatch(%q, %q, %v) = %v, reference says %v", p, s, nocase, got, want)
		}
	})
}
