package server

import (
	"errors"
	"fmt"
	"math"
	"os"
	"strings"
)

// Reading configuration text: redis.conf files and the command line.

// parseConfigInt parses an integer directive value; with memory, units such
// as 1gb, 100mb, 5k are accepted as Redis's memtoull does.
func parseConfigInt(s string, memory bool) (int64, error) {
	if memory {
		if n, ok := memToBytes(s); ok {
			return n, nil
		}
		return 0, errors.New("argument must be a memory value")
	}
	n, ok := parseInt([]byte(s))
	if !ok {
		return 0, errors.New("argument couldn't be parsed into an integer")
	}
	return n, nil
}

// memToBytes parses a memory value as Redis's memtoull does: digits (none
// reads as 0) and an optional unit b, k, kb, m, mb, g, gb (k=1000,
// kb=1024, ...). Like Redis, an overflow wraps instead of failing, which
// the range check then rejects.
func memToBytes(s string) (int64, bool) {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	var mul uint64
	switch strings.ToLower(s[i:]) {
	case "", "b":
		mul = 1
	case "k":
		mul = 1000
	case "kb":
		mul = 1024
	case "m":
		mul = 1000 * 1000
	case "mb":
		mul = 1024 * 1024
	case "g":
		mul = 1000 * 1000 * 1000
	case "gb":
		mul = 1024 * 1024 * 1024
	default:
		return 0, false
	}
	if i >= 128 {
		return 0, false
	}
	var n uint64
	for _, ch := range s[:i] {
		d := uint64(ch - '0')
		if n > (math.MaxUint64-d)/10 {
			n = math.MaxUint64 // strtoull saturates
			break
		}
		n = n*10 + d
	}
	return int64(n * mul), true
}

// LoadConfig builds a configuration from redis.conf-style text (a config
// file's content followed by the command line's --directive pairs, as
// redis-server joins them). Errors name the line as Redis does.
func LoadConfig(text string) (*Config, error) {
	cfg := DefaultConfig()
	if err := cfg.load(configTable(), text, map[*directive]bool{}, 0); err != nil {
		return nil, err
	}
	return cfg, nil
}

// load applies config text; include lines load their file the same way
// (its errors then name its own lines, as Redis's do).
func (cfg *Config) load(table []directive, text string, seen map[*directive]bool, depth int) error {
	for i, raw := range strings.Split(text, "\n") {
		line := strings.TrimSpace(raw)
		if line == "" || line[0] == '#' {
			continue
		}
		words, ok := splitArgs([]byte(line), nil)
		if !ok {
			return configError(i+1, line, "Unbalanced quotes in configuration line")
		}
		if len(words) == 0 {
			continue
		}
		name := strings.ToLower(string(words[0]))
		vals := make([]string, len(words)-1)
		for j, w := range words[1:] {
			vals[j] = string(w)
		}
		switch name {
		case "include":
			if len(vals) != 1 {
				return configError(i+1, line, "Bad directive or wrong number of arguments")
			}
			data, err := os.ReadFile(vals[0])
			if err != nil || depth > 16 {
				return fmt.Errorf("Fatal error, can't open config file '%s': %s", vals[0], errnoText(err))
			}
			if err := cfg.load(table, string(data), seen, depth+1); err != nil {
				return err
			}
			continue
		case "rename-command", "user", "loadmodule":
			continue // ACL users, modules and renames are not supported: accepted
		}
		d := lookupDirective(table, name)
		if d == nil {
			return configError(i+1, line, "Bad directive or wrong number of arguments")
		}
		if len(vals) == 0 || (d.flags&dirMulti == 0 && len(vals) != 1) {
			return configError(i+1, line, "wrong number of arguments")
		}
		// Repeated "save" lines add up ("save 900 1" then "save 300 10");
		// the first one replaces the default, and save "" clears them.
		if d.name == "save" && seen[d] && !(len(vals) == 1 && vals[0] == "") {
			if prev := d.get(cfg); prev != "" {
				vals = append(strings.Fields(prev), vals...)
			}
		}
		seen[d] = true
		if err := d.set(cfg, vals); err != nil {
			return configError(i+1, line, err.Error())
		}
	}
	return nil
}

// errnoText is strerror's wording for the usual file errors.
func errnoText(err error) string {
	switch {
	case err == nil:
		return "Too many levels of symbolic links"
	case os.IsNotExist(err):
		return "No such file or directory"
	case os.IsPermission(err):
		return "Permission denied"
	}
	return err.Error()
}

func configError(line int, text, msg string) error {
	return fmt.Errorf("\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line %d\n>>> '%s'\n%s", line, text, msg)
}
