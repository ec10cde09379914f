package server

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// SLOWLOG and LATENCY: what afterCall records about slow commands.

// Redis's limits on what a slowlog entry keeps of a command.
const (
	slowlogMaxArgs   = 32
	slowlogMaxString = 128
)

type slowEntry struct {
	id, ts, us int64
	args       [][]byte
	addr, name string
}

// slowlog keeps the newest entries, oldest first.
type slowlog struct {
	mu      sync.Mutex
	entries []slowEntry
	nextID  int64
}

func (l *slowlog) add(c *Client, cmd *Command, start time.Time, us int64, maxLen int) {
	args := loggedArgs(cmd, c.args)
	n := len(args)
	if n > slowlogMaxArgs {
		n = slowlogMaxArgs
	}
	kept := make([][]byte, n)
	for j := 0; j < n; j++ {
		a := args[j]
		switch {
		case n != len(args) && j == n-1:
			a = fmt.Appendf(nil, "... (%d more arguments)", len(args)-n+1)
		case len(a) > slowlogMaxString:
			a = fmt.Appendf(append([]byte(nil), a[:slowlogMaxString]...), "... (%d more bytes)", len(a)-slowlogMaxString)
		default:
			a = append([]byte(nil), a...)
		}
		kept[j] = a
	}
	e := slowEntry{ts: start.Unix(), us: us, args: kept, addr: c.addr, name: c.Name()}
	l.mu.Lock()
	e.id = l.nextID
	l.nextID++
	l.entries = append(l.entries, e)
	l.trimLocked(maxLen)
	l.mu.Unlock()
}

func (l *slowlog) trimLocked(maxLen int) {
	if over := len(l.entries) - maxLen; over > 0 {
		l.entries = append(l.entries[:0:0], l.entries[over:]...)
	}
}

func (l *slowlog) trim(maxLen int) {
	l.mu.Lock()
	l.trimLocked(maxLen)
	l.mu.Unlock()
}

func (l *slowlog) reset() {
	l.mu.Lock()
	l.entries = nil
	l.mu.Unlock()
}

// loggedArgs is what SLOWLOG and MONITOR show of a command: secrets are
// replaced by "(redacted)" as Redis's redactClientCommandArgument does.
func loggedArgs(cmd *Command, args [][]byte) [][]byte {
	redact := func(from, to int) [][]byte {
		out := append([][]byte(nil), args...)
		for i := from; i < to && i < len(out); i++ {
			out[i] = []byte("(redacted)")
		}
		return out
	}
	switch cmd.FullName() {
	case "auth":
		return redact(1, len(args))
	case "hello":
		for i := 2; i < len(args); i++ {
			if eqFold(args[i], "auth") {
				return redact(i+1, i+3)
			}
		}
	case "migrate":
		for i := 6; i < len(args); i++ {
			if eqFold(args[i], "auth") {
				return redact(i+1, i+2)
			}
			if eqFold(args[i], "auth2") {
				return redact(i+1, i+3)
			}
		}
	case "config|set":
		out := args
		table := configTable()
		for i := 2; i+1 < len(args); i += 2 {
			if d := lookupDirective(table, string(args[i])); d != nil && d.flags&dirSensitive != 0 {
				if &out[0] == &args[0] {
					out = append([][]byte(nil), args...)
				}
				out[i+1] = []byte("(redacted)")
			}
		}
		return out
	}
	return args
}

// SLOWLOG GET [count]
func cmdSlowlogGet(c *Client) {
	count := int64(10)
	if len(c.args) > 3 {
		c.writeError(fmt.Sprintf(errSubSyntax, sanitizeArg(string(c.args[1])), "SLOWLOG"))
		return
	}
	if len(c.args) == 3 {
		n, ok := parseInt(c.args[2])
		if !ok || n < -1 {
			c.writeError(errSlowlogCount)
			return
		}
		count = n
	}
	l := &c.srv.ext.slowlog
	l.mu.Lock()
	n := int64(len(l.entries))
	if count >= 0 && count < n {
		n = count
	}
	out := make([]slowEntry, n)
	for i := range out {
		out[i] = l.entries[len(l.entries)-1-i] // newest first
	}
	l.mu.Unlock()
	c.writeArray(len(out))
	for _, e := range out {
		c.writeArray(6)
		c.writeInt(e.id)
		c.writeInt(e.ts)
		c.writeInt(e.us)
		c.writeArray(len(e.args))
		for _, a := range e.args {
			c.writeBulk(a)
		}
		c.writeBulkString(e.addr)
		c.writeBulkString(e.name)
	}
}

func cmdSlowlogLen(c *Client) {
	l := &c.srv.ext.slowlog
	l.mu.Lock()
	n := len(l.entries)
	l.mu.Unlock()
	c.writeInt(int64(n))
}

func cmdSlowlogReset(c *Client) {
	c.srv.ext.slowlog.reset()
	c.writeOK()
}

func cmdSlowlogHelp(c *Client) {
	c.helpReply("slowlog", []string{
		"GET [<count>]",
		"    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
		"    Entries are made of:",
		"    id, timestamp, time in microseconds, arguments array, client IP and port,",
		"    client name",
		"LEN",
		"    Return the length of the slowlog.",
		"RESET",
		"    Reset the slowlog.",
	})
}

// ---- LATENCY ----

// latencyTSLen is how many per-second samples an event keeps (Redis's 160).
const latencyTSLen = 160

type latencySample struct{ time, ms int64 }

type latencySeries struct {
	idx     int
	samples [latencyTSLen]latencySample
	max     int64
}

// latencyMonitor records events whose latency reached
// latency-monitor-threshold: one sample per second per event, the highest.
type latencyMonitor struct {
	mu     sync.Mutex
	events map[string]*latencySeries
}

func (m *latencyMonitor) add(event string, now, ms int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ts := m.events[event]
	if ts == nil {
		ts = &latencySeries{}
		m.events[event] = ts
	}
	if ms > ts.max {
		ts.max = ms
	}
	prev := &ts.samples[(ts.idx+latencyTSLen-1)%latencyTSLen]
	if prev.time == now {
		prev.ms = max(prev.ms, ms)
		return
	}
	ts.samples[ts.idx] = latencySample{now, ms}
	ts.idx = (ts.idx + 1) % latencyTSLen
}

// reset drops the named events (all when names is nil); returns how many.
func (m *latencyMonitor) reset(names [][]byte) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	if names == nil {
		n := len(m.events)
		clear(m.events)
		return n
	}
	n := 0
	for _, name := range names {
		if _, ok := m.events[string(name)]; ok {
			delete(m.events, string(name))
			n++
		}
	}
	return n
}

// sortedEvents returns the event names in a stable order.
func (m *latencyMonitor) sortedEvents() []string {
	names := make([]string, 0, len(m.events))
	for name := range m.events {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

func cmdLatencyLatest(c *Client) {
	m := &c.srv.ext.latency
	m.mu.Lock()
	defer m.mu.Unlock()
	names := m.sortedEvents()
	c.writeArray(len(names))
	for _, name := range names {
		ts := m.events[name]
		last := ts.samples[(ts.idx+latencyTSLen-1)%latencyTSLen]
		c.writeArray(4)
		c.writeBulkString(name)
		c.writeInt(last.time)
		c.writeInt(last.ms)
		c.writeInt(ts.max)
	}
}

func cmdLatencyHistory(c *Client) {
	m := &c.srv.ext.latency
	m.mu.Lock()
	defer m.mu.Unlock()
	ts := m.events[string(c.args[2])]
	if ts == nil {
		c.writeArray(0)
		return
	}
	var samples []latencySample
	for j := 0; j < latencyTSLen; j++ {
		if s := ts.samples[(ts.idx+j)%latencyTSLen]; s.time != 0 {
			samples = append(samples, s)
		}
	}
	c.writeArray(len(samples))
	for _, s := range samples {
		c.writeArray(2)
		c.writeInt(s.time)
		c.writeInt(s.ms)
	}
}

func cmdLatencyReset(c *Client) {
	var names [][]byte
	if len(c.args) > 2 {
		names = c.args[2:]
	}
	c.writeInt(int64(c.srv.ext.latency.reset(names)))
}

// latencyStats is Redis's analysis of one event for LATENCY DOCTOR.
type latencyStats struct {
	samples, avg, min, max, mad, period int64
}

func (ts *latencySeries) analyze(now int64) latencyStats {
	var ls latencyStats
	var sum, oldest int64
	for _, s := range ts.samples {
		if s.time == 0 {
			continue
		}
		ls.samples++
		if ls.samples == 1 {
			ls.min, ls.max = s.ms, s.ms
		} else {
			ls.min, ls.max = min(ls.min, s.ms), max(ls.max, s.ms)
		}
		sum += s.ms
		if oldest == 0 || s.time < oldest {
			oldest = s.time
		}
	}
	if ls.samples == 0 {
		return ls
	}
	ls.avg = sum / ls.samples
	ls.period = max(now-oldest, 1)
	sum = 0
	for _, s := range ts.samples {
		if s.time != 0 {
			d := ls.avg - s.ms
			if d < 0 {
				d = -d
			}
			sum += d
		}
	}
	ls.mad = sum / ls.samples
	return ls
}

func cmdLatencyDoctor(c *Client) {
	s := c.srv
	cfg := s.config()
	m := &s.ext.latency
	m.mu.Lock()
	defer m.mu.Unlock()
	var b strings.Builder
	switch {
	case len(m.events) == 0 && cfg.LatencyThreshold == 0:
		b.WriteString("I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. If we weren't in a deep space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n")
	case len(m.events) == 0:
		b.WriteString("Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n")
	default:
		b.WriteString("Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n")
		var slowEnabled, slowTuning, slowInspect, largeObjects, scheduler bool
		now := time.Now().Unix()
		for i, name := range m.sortedEvents() {
			ts := m.events[name]
			ls := ts.analyze(now)
			if ls.samples == 0 {
				continue
			}
			fmt.Fprintf(&b, "%d. %s: %d latency spikes (average %dms, mean deviation %dms, period %.2f sec). Worst all time event %dms.",
				i+1, name, ls.samples, ls.avg, ls.mad, float64(ls.period)/float64(ls.samples), ts.max)
			b.WriteString("\n")
			switch name {
			case "command":
				if cfg.SlowlogSlowerThan < 0 || cfg.SlowlogMaxLen == 0 {
					slowEnabled = true
				} else if cfg.SlowlogSlowerThan/1000 > cfg.LatencyThreshold {
					slowTuning = true
				}
				slowInspect, largeObjects = true, true
			case "fast-command":
				scheduler = true
			}
		}
		b.WriteString("\nI have a few advices for you:\n\n")
		if slowEnabled {
			fmt.Fprintf(&b, "- There are latency issues with potentially slow commands you are using. Try to enable the Slow Log Redis feature using the command 'CONFIG SET slowlog-log-slower-than %d'. If the Slow log is disabled Redis is not able to log slow commands execution for you.\n", cfg.LatencyThreshold*1000)
		}
		if slowTuning {
			fmt.Fprintf(&b, "- Your current Slow Log configuration only logs events that are slower than your configured latency monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than %d'.\n", cfg.LatencyThreshold*1000)
		}
		if slowInspect {
			b.WriteString("- Check your Slow Log to understand what are the commands you are running which are too slow to execute. Please check https://redis.io/commands/slowlog for more information.\n")
		}
		if scheduler {
			b.WriteString("- The system is slow to execute Redis code paths not containing system calls. This usually means the system does not provide Redis CPU time to run for long periods. You should try to:\n" +
				"  1) Lower the system load.\n" +
				"  2) Use a computer / VM just for Redis if you are running other software in the same system.\n" +
				"  3) Check if you have a \"noisy neighbour\" problem.\n" +
				"  4) Check with 'redis-cli --intrinsic-latency 100' what is the intrinsic latency in your system.\n" +
				"  5) Check if the problem is allocator-related by recompiling Redis with MALLOC=libc, if you are using Jemalloc. However this may create fragmentation problems.\n")
		}
		if largeObjects {
			b.WriteString("- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. If you have very large objects that are often deleted, expired, or evicted, try to fragment those objects into multiple smaller objects.\n")
		}
	}
	c.writeVerbatim(b.String())
}

// LATENCY GRAPH event: Redis's ASCII sparkline of the event's samples,
// one column per sample, 4 rows high, with each sample's age below it.
func cmdLatencyGraph(c *Client) {
	m := &c.srv.ext.latency
	m.mu.Lock()
	defer m.mu.Unlock()
	name := string(c.args[2])
	ts := m.events[name]
	if ts == nil {
		c.writeError(fmt.Sprintf(errNoSamples, sanitizeArg(name)))
		return
	}
	var seq []sparkSample
	var lo, hi int64
	now := time.Now().Unix()
	for j := 0; j < latencyTSLen; j++ {
		s := ts.samples[(ts.idx+j)%latencyTSLen]
		if s.time == 0 {
			continue
		}
		if len(seq) == 0 {
			lo, hi = s.ms, s.ms
		} else {
			lo, hi = min(lo, s.ms), max(hi, s.ms)
		}
		seq = append(seq, sparkSample{s.ms, ageLabel(now - s.time)})
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s - high %d ms, low %d ms (all time high %d ms)\n", name, hi, lo, ts.max)
	b.WriteString(strings.Repeat("-", latencyGraphCols) + "\n")
	for j := 0; j < len(seq); j += latencyGraphCols {
		if j != 0 {
			b.WriteByte('\n')
		}
		renderSparkline(&b, seq[j:min(j+latencyGraphCols, len(seq))], lo, hi)
	}
	c.writeVerbatim(b.String())
}

const latencyGraphCols = 80

type sparkSample struct {
	value int64
	label string
}

// renderSparkline draws samples as Redis's sparkline does with its fill
// option: 4 rows of 3 levels each ("_o#", '|' below the top), a blank
// line, then the labels written vertically.
func renderSparkline(b *strings.Builder, seq []sparkSample, lo, hi int64) {
	const rows, charsetLen = 4, 3
	const fill = "_o#"
	relmax := float64(hi - lo)
	if relmax == 0 {
		relmax = 1
	}
	steps := charsetLen * rows
	line := make([]byte, len(seq))
	for row := 0; ; row++ {
		more := false
		for j := range line {
			line[j] = ' '
		}
		for j, s := range seq {
			step := int(float64(int(float64(s.value-lo)*float64(steps))) / relmax)
			step = min(max(step, 0), steps-1)
			if row < rows {
				more = true
				idx := step - (rows-row-1)*charsetLen
				if idx >= 0 && idx < charsetLen {
					line[j] = fill[idx]
				} else if idx >= charsetLen {
					line[j] = '|'
				}
				continue
			}
			if row == rows { // the margin above the labels
				more = true
				break
			}
			if k := row - rows - 1; k < len(s.label) {
				more = true
				line[j] = s.label[k]
			}
		}
		if !more {
			return
		}
		b.Write(line)
		b.WriteByte('\n')
	}
}

// LATENCY HISTOGRAM [command ...]: calls and a cumulative histogram of
// latencies in power-of-two microsecond buckets, per command.
func cmdLatencyHistogram(c *Client) {
	s := c.srv
	var cmds []*Command
	if len(c.args) == 2 {
		for _, cmd := range s.allCommands() {
			if cmd.stats.calls.Load() > 0 {
				cmds = append(cmds, cmd)
			}
		}
	} else {
		seen := map[*Command]bool{}
		for _, a := range c.args[2:] {
			cmd := s.lookupFullName(string(a))
			if cmd == nil {
				continue
			}
			var group []*Command
			if len(cmd.Subs) > 0 {
				group = cmd.Subs
			} else {
				group = []*Command{cmd}
			}
			for _, g := range group {
				if !seen[g] && g.stats.calls.Load() > 0 {
					seen[g] = true
					cmds = append(cmds, g)
				}
			}
		}
	}
	c.writeMap(len(cmds))
	for _, cmd := range cmds {
		h := &cmd.stats.hist
		c.writeBulkString(cmd.FullName())
		c.writeMap(2)
		c.writeBulkString("calls")
		c.writeInt(cmd.stats.calls.Load())
		c.writeBulkString("histogram_usec")
		buckets := h.cumulative()
		c.writeMap(len(buckets))
		for _, bk := range buckets {
			c.writeInt(bk[0])
			c.writeInt(bk[1])
		}
	}
}

func cmdLatencyHelp(c *Client) {
	c.helpReply("latency", []string{
		"DOCTOR",
		"    Return a human readable latency analysis report.",
		"GRAPH <event>",
		"    Return an ASCII latency graph for the <event> class.",
		"HISTORY <event>",
		"    Return time-latency samples for the <event> class.",
		"LATEST",
		"    Return the latest latency samples for all events.",
		"RESET [<event> ...]",
		"    Reset latency data of one or more <event> classes.",
		"    (default: reset all data for all event classes)",
		"HISTOGRAM [COMMAND ...]",
		"    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
		"    If no commands are specified then all histograms are replied.",
	})
}

// ageLabel is how the graph names a sample's age: 10s, 3m, 2h, 1d.
func ageLabel(secs int64) string {
	switch {
	case secs < 60:
		return strconv.FormatInt(secs, 10) + "s"
	case secs < 3600:
		return strconv.FormatInt(secs/60, 10) + "m"
	case secs < 86400:
		return strconv.FormatInt(secs/3600, 10) + "h"
	}
	return strconv.FormatInt(secs/86400, 10) + "d"
}
