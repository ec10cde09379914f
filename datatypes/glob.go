// Package datatypes holds Shoal's value types and the pure algorithms on
// them: no network, no locks, no clock.
package datatypes

// GlobMatch reports whether s matches the glob pattern p with the rules of
// Redis's stringmatchlen: * ? [abc] [^abc] [a-z] and \ escapes. nocase folds
// ASCII case. Redis's quirks are kept: an unterminated class ends at the end
// of the pattern, a reversed range [z-a] is the range [a-z], a backslash at
// the end of the pattern is literal, and an empty string matches only the
// empty pattern (callers special-case "*").
func GlobMatch(p, s []byte, nocase bool) bool {
	skipLonger := false
	return globMatch(p, s, nocase, &skipLonger, 0)
}

// maxGlobNesting bounds the recursion '*' causes, as Redis does since 7.0.
const maxGlobNesting = 1000

// globMatch matches p against s. skipLonger is set when a '*' found that no
// suffix of the string matches the rest of the pattern: then no earlier '*'
// can succeed by taking more of the string, and the search stops (Redis's
// guard against exponential patterns like "a*a*a*a*b").
func globMatch(p, s []byte, nocase bool, skipLonger *bool, nesting int) bool {
	if nesting > maxGlobNesting {
		return false
	}
	for len(p) > 0 && len(s) > 0 {
		switch p[0] {
		case '*':
			for len(p) > 1 && p[1] == '*' {
				p = p[1:]
			}
			if len(p) == 1 {
				return true
			}
			for ; len(s) > 0; s = s[1:] {
				if globMatch(p[1:], s, nocase, skipLonger, nesting+1) {
					return true
				}
				if *skipLonger {
					return false
				}
			}
			*skipLonger = true
			return false
		case '?':
			p = p[1:]
		case '[':
			var ok bool
			if ok, p = matchClass(p[1:], s[0], nocase); !ok {
				return false
			}
		case '\\':
			if len(p) >= 2 {
				p = p[1:]
			}
			fallthrough
		default:
			if !equalFold(p[0], s[0], nocase) {
				return false
			}
			p = p[1:]
		}
		s = s[1:]
		if len(s) == 0 {
			for len(p) > 0 && p[0] == '*' {
				p = p[1:]
			}
		}
	}
	return len(p) == 0 && len(s) == 0
}

// matchClass matches c against the class whose body starts p (just after
// '['); it returns the pattern after the closing ']', or an empty pattern
// when the class is unterminated.
func matchClass(p []byte, c byte, nocase bool) (bool, []byte) {
	not := len(p) > 0 && p[0] == '^'
	if not {
		p = p[1:]
	}
	match := false
	for len(p) > 0 && p[0] != ']' {
		switch {
		case p[0] == '\\' && len(p) >= 2:
			// An escaped byte is compared exactly, even with nocase.
			p = p[1:]
			if p[0] == c {
				match = true
			}
		case len(p) >= 3 && p[1] == '-':
			lo, hi, x := p[0], p[2], c
			if lo > hi {
				lo, hi = hi, lo
			}
			if nocase {
				lo, hi, x = lower(lo), lower(hi), lower(x)
			}
			if x >= lo && x <= hi {
				match = true
			}
			p = p[2:]
		case equalFold(p[0], c, nocase):
			match = true
		}
		p = p[1:]
	}
	if len(p) > 0 {
		p = p[1:] // the ']'
	}
	return match != not, p
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 32
	}
	return c
}

func equalFold(a, b byte, nocase bool) bool {
	if nocase {
		return lower(a) == lower(b)
	}
	return a == b
}
