package server

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/shoaldb/shoal/datatypes"
)

// ---- CONFIG GET / SET / RESETSTAT / REWRITE / HELP ----

// CONFIG GET parameter [parameter ...]
func cmdConfigGet(c *Client) {
	cfg := c.srv.config()
	table := configTable()
	type pair struct{ name, val string }
	var out []pair
	matched := map[string]bool{} // canonical names already in the reply
	for _, a := range c.args[2:] {
		pat := string(a)
		if !strings.ContainsAny(pat, "[*?") {
			if d := lookupDirective(table, pat); d != nil && !matched[d.name] {
				matched[d.name] = true
				out = append(out, pair{pat, d.get(cfg)})
			}
			continue
		}
		for i := range table {
			d := &table[i]
			for _, n := range []string{d.name, d.alias} {
				if n == "" || matched[n] {
					continue
				}
				if datatypes.GlobMatch(a, []byte(n), true) {
					matched[n] = true
					out = append(out, pair{n, d.get(cfg)})
				}
			}
		}
	}
	c.writeMap(len(out))
	for _, p := range out {
		c.writeBulkString(p.name)
		c.writeBulkString(p.val)
	}
}

// CONFIG SET parameter value [parameter value ...]: all or nothing.
func cmdConfigSet(c *Client) {
	if len(c.args)%2 != 0 {
		c.writeError(errSyntax)
		return
	}
	s := c.srv
	table := configTable()
	var unknown, errArg string
	var setErr error
	var picked []*directive
	for i := 2; i < len(c.args); i += 2 {
		name := string(c.args[i])
		d := lookupDirective(table, name)
		if d == nil {
			// Only the first problem is reported, whichever kind it is.
			if unknown == "" && setErr == nil {
				unknown = name
			}
			continue
		}
		if unknown != "" || setErr != nil {
			continue
		}
		switch {
		case d.flags&dirImmutable != 0:
			setErr, errArg = errors.New("can't set immutable config"), name
		case d.flags&dirProtected != 0 && !c.allowedBy(s.config().EnableProtectedConfigs):
			setErr, errArg = errors.New("can't set protected config"), name
		}
		for _, p := range picked {
			if p == d && setErr == nil {
				setErr, errArg = errors.New("duplicate parameter"), name
			}
		}
		picked = append(picked, d)
	}
	if unknown != "" {
		c.writeError(fmt.Sprintf(errConfigUnknown, sanitizeArg(unknown)))
		return
	}
	if setErr != nil {
		c.writeError(fmt.Sprintf(errConfigSetFailed, sanitizeArg(errArg), setErr.Error()))
		return
	}
	// Apply every value to a copy; swap it in only if all are valid.
	s.cfgMu.Lock()
	defer s.cfgMu.Unlock()
	old := s.config()
	next := old.clone()
	for i, d := range picked {
		if err := d.set(next, []string{string(c.args[3+2*i])}); err != nil {
			name := d.name
			if d.alias != "" && strings.EqualFold(d.alias, string(c.args[2+2*i])) {
				name = d.alias
			}
			c.writeError(fmt.Sprintf(errConfigSetFailed, name, err.Error()))
			return
		}
	}
	if next.Port != old.Port || strings.Join(next.Bind, " ") != strings.Join(old.Bind, " ") {
		if err := s.rebind(next); err != nil {
			c.writeError(fmt.Sprintf(errConfigSetFailed, "bind", "Failed to bind to specified addresses."))
			return
		}
	}
	s.cfg.Store(next)
	s.configChanged(old, next)
	c.writeOK()
}

// allowedBy applies an enable-*-command / enable-protected-configs value:
// "yes", or "local" from a loopback connection.
func (c *Client) allowedBy(setting string) bool {
	switch setting {
	case "yes":
		return true
	case "local":
		return c.conn == nil || isLoopbackPeer(c.conn.RemoteAddr())
	}
	return false
}

// sanitizeArg is how Redis quotes a user's name in an error (no newlines).
func sanitizeArg(s string) string {
	return string(appendSanitized(nil, []byte(s), len(s)))
}

// configChanged makes changes that need more than a new Config take effect.
func (s *Server) configChanged(old, next *Config) {
	if next.MaxMemory > 0 && (next.MaxMemory < old.MaxMemory || old.MaxMemory == 0) {
		// Redis evicts at once when the limit drops below what is used.
		s.ext.mem.invalidate()
		if next.MaxMemoryPolicy != policyNoEviction {
			s.evictIfNeeded(next)
		}
	}
	if next.SlowlogMaxLen < old.SlowlogMaxLen {
		s.ext.slowlog.trim(next.SlowlogMaxLen)
	}
	s.aofConfigChanged(old, next)
}

// rebind is CONFIG SET port/bind: listen on the new addresses first and
// close the old listeners only once all of them succeed.
func (s *Server) rebind(next *Config) error {
	var lns []net.Listener
	for _, addr := range next.Bind {
		optional := strings.HasPrefix(addr, "-")
		addr = strings.TrimPrefix(addr, "-")
		if addr == "*" {
			addr = "0.0.0.0"
		}
		ln, err := net.Listen("tcp", net.JoinHostPort(addr, strconv.Itoa(next.Port)))
		if err != nil {
			if optional {
				continue
			}
			for _, l := range lns {
				l.Close()
			}
			return err
		}
		lns = append(lns, ln)
	}
	if len(lns) == 0 {
		return errors.New("no address")
	}
	old := s.listeners
	s.listeners = lns
	for _, ln := range lns {
		s.wg.Add(1)
		go s.acceptLoop(ln)
	}
	for _, ln := range old {
		ln.Close()
	}
	return nil
}

func cmdConfigResetStat(c *Client) {
	s := c.srv
	s.stats.reset()
	for _, cmd := range s.commands.sorted {
		cmd.stats.reset()
		for _, sub := range cmd.Subs {
			sub.stats.reset()
		}
	}
	s.ext.statsReset() // not the slowlog nor the latency monitor, as in Redis
	c.writeOK()
}

func (st *cmdStats) reset() {
	st.calls.Store(0)
	st.usec.Store(0)
	st.rejected.Store(0)
	st.failed.Store(0)
	st.hist.reset()
}

func cmdConfigHelp(c *Client) {
	c.helpReply("config", []string{
		"GET <pattern>",
		"    Return parameters matching the glob-like <pattern> and their values.",
		"SET <directive> <value>",
		"    Set the configuration <directive> to <value>.",
		"RESETSTAT",
		"    Reset statistics reported by the INFO command.",
		"REWRITE",
		"    Rewrite the configuration file.",
	})
}

// CONFIG REWRITE: the config file with every directive that differs from
// its default set to its current value, comments and order kept.
func cmdConfigRewrite(c *Client) {
	s := c.srv
	cfg := s.config()
	if cfg.ConfigFile == "" {
		c.writeError(errNoConfigFile)
		return
	}
	if err := rewriteConfigFile(cfg); err != nil {
		s.log.Warning("CONFIG REWRITE failed: %v", err)
		c.writeError("ERR Rewriting config file: " + err.Error())
		return
	}
	s.log.Notice("CONFIG REWRITE executed with success.")
	c.writeOK()
}

func rewriteConfigFile(cfg *Config) error {
	data, err := os.ReadFile(cfg.ConfigFile)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	table := configTable()
	def := DefaultConfig()
	done := map[string]bool{}
	var out []string
	for _, line := range strings.Split(strings.TrimRight(string(data), "\n"), "\n") {
		trimmed := strings.TrimSpace(line)
		words, ok := splitArgs([]byte(trimmed), nil)
		if trimmed == "" || trimmed[0] == '#' || !ok || len(words) == 0 {
			if !strings.HasPrefix(trimmed, "# Generated by CONFIG REWRITE") {
				out = append(out, line)
			}
			continue
		}
		d := lookupDirective(table, string(words[0]))
		if d == nil {
			out = append(out, line)
			continue
		}
		if done[d.name] {
			continue // later lines of a repeated directive are folded in
		}
		done[d.name] = true
		out = append(out, rewriteLines(d, cfg)...)
	}
	var added []string
	for i := range table {
		d := &table[i]
		if done[d.name] || d.get(cfg) == d.get(def) {
			continue
		}
		added = append(added, rewriteLines(d, cfg)...)
	}
	if len(added) > 0 {
		out = append(out, "# Generated by CONFIG REWRITE")
		out = append(out, added...)
	}
	tmp := filepath.Join(filepath.Dir(cfg.ConfigFile), ".shoal-rewrite.tmp")
	if err := os.WriteFile(tmp, []byte(strings.Join(out, "\n")+"\n"), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, cfg.ConfigFile)
}

// rewriteLines renders a directive's current value as config file lines.
func rewriteLines(d *directive, cfg *Config) []string {
	v := d.get(cfg)
	if d.name == "save" && v != "" {
		w := strings.Fields(v)
		var lines []string
		for i := 0; i+1 < len(w); i += 2 {
			lines = append(lines, "save "+w[i]+" "+w[i+1])
		}
		return lines
	}
	if d.flags&dirMulti != 0 && v != "" {
		return []string{d.name + " " + v}
	}
	if v != "" && !strings.ContainsAny(v, " \t\r\n\"'\\") {
		return []string{d.name + " " + v}
	}
	return []string{d.name + " " + string(appendRepr(nil, []byte(v)))}
}
