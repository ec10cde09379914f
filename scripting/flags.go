package scripting

import (
	"bytes"
	"strings"
)

// Flags are a script's or function's declared flags (Redis 7's shebang
// "#!lua flags=no-writes,allow-oom" and register_function's flags).
type Flags uint8

const (
	FlagNoWrites Flags = 1 << iota
	FlagAllowOOM
	FlagAllowStale
	FlagNoCluster
	FlagAllowCrossSlot
)

// flagNames in Redis's order (FUNCTION LIST prints them so).
var flagNames = [...]struct {
	name string
	flag Flags
}{
	{"no-writes", FlagNoWrites},
	{"allow-oom", FlagAllowOOM},
	{"allow-stale", FlagAllowStale},
	{"no-cluster", FlagNoCluster},
	{"allow-cross-slot-keys", FlagAllowCrossSlot},
}

// flagByName returns the flag a name stands for.
func flagByName(name string) (Flags, bool) {
	for _, f := range flagNames {
		if f.name == name {
			return f.flag, true
		}
	}
	return 0, false
}

// Names lists the flags set in f, in Redis's order.
func (f Flags) Names() []string {
	var out []string
	for _, n := range flagNames {
		if f&n.flag != 0 {
			out = append(out, n.name)
		}
	}
	return out
}

// parseEvalShebang reads an EVAL script's "#!lua flags=..." first line.
// Without one a script has no flags and Redis's pre-7 rules apply.
func parseEvalShebang(body []byte) (flags Flags, shebang bool, errMsg string) {
	if !bytes.HasPrefix(body, []byte("#!")) {
		return 0, false, ""
	}
	end := bytes.IndexByte(body, '\n')
	if end < 0 {
		return 0, true, "ERR Invalid script shebang"
	}
	parts := strings.Fields(string(body[:end]))
	if len(parts) == 0 || parts[0] != "#!lua" {
		return 0, true, "ERR Unexpected engine in script shebang: " + firstOr(parts, "")
	}
	for _, opt := range parts[1:] {
		list, ok := strings.CutPrefix(opt, "flags=")
		if !ok {
			return 0, true, "ERR Unknown lua shebang option: " + opt
		}
		for _, name := range strings.Split(list, ",") {
			if name == "" {
				continue
			}
			f, ok := flagByName(name)
			if !ok {
				return 0, true, "ERR Unexpected flag in script shebang: " + name
			}
			flags |= f
		}
	}
	return flags, true, ""
}

func firstOr(s []string, def string) string {
	if len(s) > 0 {
		return s[0]
	}
	return def
}

// withoutShebang turns a shebang line into a comment, so the script
// compiles and its line numbers stay those Redis reports.
func withoutShebang(body []byte) []byte {
	if !bytes.HasPrefix(body, []byte("#!")) {
		return body
	}
	out := make([]byte, len(body))
	copy(out, body)
	out[0], out[1] = '-', '-'
	return out
}
