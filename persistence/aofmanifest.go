package persistence

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// The manifest of Redis 7.0's multi-part append-only file: one line per
// file, "file <name> seq <n> type <b|h|i>", the base first, then history
// files, then the incremental files in the order they are replayed.

// AOF file types in a manifest.
const (
	AOFBase    = 'b'
	AOFHistory = 'h'
	AOFIncr    = 'i'
)

// AOFFile is one line of a manifest.
type AOFFile struct {
	Name string
	Seq  int64
	Type byte
}

// Manifest lists the files of an append-only file.
type Manifest struct {
	Base    *AOFFile  // nil when there is none yet
	History []AOFFile // replaced files not deleted yet
	Incr    []AOFFile // replayed after the base, in order
}

// manifestMaxLine is the longest line Redis reads from a manifest.
const manifestMaxLine = 1024

// ManifestError is a manifest Redis would refuse to start with: Msg is
// its wording, Line and Text the offending line (0 and "" when none).
type ManifestError struct {
	Line int
	Text string
	Msg  string
}

func (e *ManifestError) Error() string {
	if e.Line == 0 {
		return e.Msg
	}
	return fmt.Sprintf("%s (line %d: '%s')", e.Msg, e.Line, e.Text)
}

// ParseManifest reads a manifest with Redis's checks.
func ParseManifest(data []byte) (*Manifest, error) {
	m := &Manifest{}
	var maxSeq int64
	linenum := 0
	for len(data) > 0 {
		// fgets: a line ends at '\n' or after manifestMaxLine bytes.
		n := bytes.IndexByte(data, '\n')
		raw := data
		if n >= 0 && n < manifestMaxLine {
			raw, data = data[:n+1], data[n+1:]
		} else if len(data) > manifestMaxLine {
			raw, data = data[:manifestMaxLine], data[manifestMaxLine:]
		} else {
			data = nil
		}
		linenum++
		if raw[0] == '#' {
			continue
		}
		if raw[len(raw)-1] != '\n' {
			return nil, &ManifestError{Msg: "The AOF manifest file contains too long line"}
		}
		line := strings.Trim(string(raw), " \t\r\n")
		bad := func(msg string) error { return &ManifestError{Line: linenum, Text: line, Msg: msg} }
		if line == "" {
			return nil, bad("Invalid AOF manifest file format")
		}
		argv, ok := SplitArgs(line)
		if !ok || len(argv) < 6 || len(argv)%2 != 0 {
			return nil, bad("Invalid AOF manifest file format")
		}
		var f AOFFile
		named := false
		for i := 0; i < len(argv); i += 2 {
			switch strings.ToLower(argv[i]) {
			case "file":
				f.Name, named = argv[i+1], true
				if strings.ContainsAny(f.Name, "/\\") {
					return nil, bad("File can't be a path, just a filename")
				}
			case "seq":
				f.Seq = atoll(argv[i+1])
			case "type":
				if argv[i+1] != "" {
					f.Type = argv[i+1][0]
				}
			}
		}
		if !named || f.Name == "" || f.Seq == 0 || f.Type == 0 {
			return nil, bad("Invalid AOF manifest file format")
		}
		switch f.Type {
		case AOFBase:
			if m.Base != nil {
				return nil, bad("Found duplicate base file information")
			}
			m.Base = &f
		case AOFHistory:
			m.History = append(m.History, f)
		case AOFIncr:
			if f.Seq <= maxSeq {
				return nil, bad("Found a non-monotonic sequence number")
			}
			m.Incr = append(m.Incr, f)
			maxSeq = f.Seq
		default:
			return nil, bad("Unknown AOF file type")
		}
	}
	if linenum == 0 {
		return nil, &ManifestError{Msg: "Found an empty AOF manifest"}
	}
	return m, nil
}

// atoll is C's: leading spaces, a sign, digits; anything else stops it.
func atoll(s string) int64 {
	s = strings.TrimLeft(s, " \t\n\v\f\r")
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	j := i
	for j < len(s) && s[j] >= '0' && s[j] <= '9' {
		j++
	}
	n, err := strconv.ParseInt(s[:j], 10, 64)
	if err != nil {
		return 0
	}
	return n
}

// Format writes the manifest as Redis does: base, history, incr.
func (m *Manifest) Format() []byte {
	var b []byte
	line := func(f *AOFFile) {
		b = append(b, "file "...)
		b = appendManifestName(b, f.Name)
		b = append(b, " seq "...)
		b = strconv.AppendInt(b, f.Seq, 10)
		b = append(b, " type "...)
		b = append(b, f.Type, '\n')
	}
	if m.Base != nil {
		line(m.Base)
	}
	for i := range m.History {
		line(&m.History[i])
	}
	for i := range m.Incr {
		line(&m.Incr[i])
	}
	return b
}

// Clone is a deep copy, to change while the original stays in use.
func (m *Manifest) Clone() *Manifest {
	c := &Manifest{
		History: append([]AOFFile(nil), m.History...),
		Incr:    append([]AOFFile(nil), m.Incr...),
	}
	if m.Base != nil {
		b := *m.Base
		c.Base = &b
	}
	return c
}

// needsQuotes is Redis's sdsneedsrepr.
func needsQuotes(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' || c == '"' || c <= ' ' || c >= 0x7f {
			return true
		}
	}
	return false
}

// appendManifestName writes a name bare, or quoted and escaped the way
// Redis's sdscatrepr does when it holds spaces, quotes or unprintables.
func appendManifestName(b []byte, name string) []byte {
	if !needsQuotes(name) {
		return append(b, name...)
	}
	b = append(b, '"')
	for i := 0; i < len(name); i++ {
		switch c := name[i]; c {
		case '\\', '"':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, `\n`...)
		case '\r':
			b = append(b, `\r`...)
		case '\t':
			b = append(b, `\t`...)
		case '\a':
			b = append(b, `\a`...)
		case '\b':
			b = append(b, `\b`...)
		default:
			if c < ' ' || c >= 0x7f {
				b = append(b, fmt.Sprintf(`\x%02x`, c)...)
			} else {
				b = append(b, c)
			}
		}
	}
	return append(b, '"')
}

// SplitArgs splits a line as Redis's sdssplitargs: words separated by
// spaces, "double quotes" with C escapes and \xHH, 'single quotes' with
// only \'. A closing quote must end the word. ok is false on unbalanced
// quotes.
func SplitArgs(line string) (args []string, ok bool) {
	i := 0
	for {
		for i < len(line) && isSpace(line[i]) {
			i++
		}
		if i >= len(line) {
			return args, true
		}
		var cur []byte
		inq, insq := false, false
		for done := false; !done; {
			if inq {
				if i >= len(line) {
					return nil, false
				}
				c := line[i]
				switch {
				case c == '\\' && i+3 < len(line) && line[i+1] == 'x' && isHex(line[i+2]) && isHex(line[i+3]):
					cur = append(cur, hexVal(line[i+2])<<4|hexVal(line[i+3]))
					i += 3
				case c == '\\' && i+1 < len(line):
					i++
					switch e := line[i]; e {
					case 'n':
						cur = append(cur, '\n')
					case 'r':
						cur = append(cur, '\r')
					case 't':
						cur = append(cur, '\t')
					case 'b':
						cur = append(cur, '\b')
					case 'a':
						cur = append(cur, '\a')
					default:
						cur = append(cur, e)
					}
				case c == '"':
					if i+1 < len(line) && !isSpace(line[i+1]) {
						return nil, false
					}
					done = true
				default:
					cur = append(cur, c)
				}
			} else if insq {
				if i >= len(line) {
					return nil, false
				}
				c := line[i]
				switch {
				case c == '\\' && i+1 < len(line) && line[i+1] == '\'':
					i++
					cur = append(cur, '\'')
				case c == '\'':
					if i+1 < len(line) && !isSpace(line[i+1]) {
						return nil, false
					}
					done = true
				default:
					cur = append(cur, c)
				}
			} else {
				if i >= len(line) {
					break
				}
				switch c := line[i]; {
				case isSpace(c):
					done = true
				case c == '"':
					inq = true
				case c == '\'':
					insq = true
				default:
					cur = append(cur, c)
				}
			}
			if i < len(line) {
				i++
			}
		}
		args = append(args, string(cur))
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == 0 }

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func hexVal(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}
