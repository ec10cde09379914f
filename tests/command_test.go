package tests

// The COMMAND family: every command in Shoal's table must be described
// exactly as redis-server 7.0.15 describes it (COMMAND INFO, COMMAND DOCS),
// and COMMAND's lists, filters and GETKEYS must agree with Redis.
//
// Redis lists commands and subcommands in hash-table order, which differs
// from one process to the next; those lists are compared as sets.

import (
	"bufio"
	"bytes"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// rnode is a parsed reply: its header line (with a bulk's payload) and, for
// aggregates, its elements (a map's keys and values alternate).
type rnode struct {
	head string
	kids []*rnode
}

func parseReply(t testing.TB, raw string) *rnode {
	t.Helper()
	rd := bufio.NewReader(strings.NewReader(raw))
	n, err := readNode(rd)
	if err != nil {
		t.Fatalf("parsing %q: %v", raw, err)
	}
	return n
}

func readNode(rd *bufio.Reader) (*rnode, error) {
	kind, err := rd.Peek(1)
	if err != nil {
		return nil, err
	}
	if !strings.ContainsRune("*~%>", rune(kind[0])) {
		// A scalar: the harness's reader copies it whole.
		var b bytes.Buffer
		err := readReply(rd, &b)
		return &rnode{head: b.String()}, err
	}
	line, err := rd.ReadString('\n')
	if err != nil {
		return nil, err
	}
	count, err := strconv.Atoi(line[1 : len(line)-2])
	if err != nil {
		return nil, err
	}
	if line[0] == '%' {
		count *= 2
	}
	n := &rnode{head: line}
	for i := 0; i < count; i++ {
		k, err := readNode(rd)
		if err != nil {
			return nil, err
		}
		n.kids = append(n.kids, k)
	}
	return n, nil
}

func (n *rnode) String() string {
	var b strings.Builder
	n.write(&b)
	return b.String()
}

func (n *rnode) write(b *strings.Builder) {
	b.WriteString(n.head)
	for _, k := range n.kids {
		k.write(b)
	}
}

// text is a bulk or status node's value.
func (n *rnode) text() string {
	h := n.head
	if h[0] == '$' {
		if i := strings.IndexByte(h, '\n'); i >= 0 && len(h) >= i+3 {
			return h[i+1 : len(h)-2]
		}
		return ""
	}
	return strings.TrimSuffix(h[1:], "\r\n")
}

// setKids replaces an aggregate's elements, fixing its header's count.
func (n *rnode) setKids(kids []*rnode, pairs bool) {
	count := len(kids)
	if pairs && n.head[0] == '%' {
		count /= 2
	}
	n.head = n.head[:1] + strconv.Itoa(count) + "\r\n"
	n.kids = kids
}

// normInfo normalizes a COMMAND INFO entry: its subcommands restricted to
// the names in keep, sorted.
func normInfo(n *rnode, keep map[string]bool) {
	if len(n.kids) != 10 {
		return
	}
	subs := n.kids[9]
	var out []*rnode
	for _, s := range subs.kids {
		if len(s.kids) > 0 && keep[s.kids[0].text()] {
			normInfo(s, keep)
			out = append(out, s)
		}
	}
	if len(subs.kids) > 0 {
		sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
		subs.setKids(out, false)
	}
}

// normDocs normalizes a COMMAND DOCS entry (the map after the name): its
// subcommands map restricted to keep, sorted by name.
func normDocs(n *rnode, keep map[string]bool) {
	for i := 0; i+1 < len(n.kids); i += 2 {
		if n.kids[i].text() != "subcommands" {
			continue
		}
		subs := n.kids[i+1]
		type pair struct{ k, v *rnode }
		var ps []pair
		for j := 0; j+1 < len(subs.kids); j += 2 {
			if keep[subs.kids[j].text()] {
				normDocs(subs.kids[j+1], keep)
				ps = append(ps, pair{subs.kids[j], subs.kids[j+1]})
			}
		}
		sort.Slice(ps, func(a, b int) bool { return ps[a].k.text() < ps[b].k.text() })
		var kids []*rnode
		for _, p := range ps {
			kids = append(kids, p.k, p.v)
		}
		subs.setKids(kids, true)
	}
}

// shoalCommandNames lists Shoal's commands and subcommands (COMMAND LIST).
func shoalCommandNames(t testing.TB, c *rconn) map[string]bool {
	t.Helper()
	names := map[string]bool{}
	for _, k := range parseReply(t, c.do("COMMAND", "LIST")).kids {
		names[k.text()] = true
	}
	if len(names) == 0 {
		t.Fatal("COMMAND LIST is empty")
	}
	return names
}

func sortedNames(m map[string]bool) []string {
	var out []string
	for n := range m {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// TestCommandDocsComplete fails when a command of Shoal's table has no
// documentation metadata (run tools/gencommanddocs, or fix the name).
func TestCommandDocsComplete(t *testing.T) {
	c := dial(t, testEnv.shoalAddr)
	for _, name := range sortedNames(shoalCommandNames(t, c)) {
		docs := parseReply(t, c.do("COMMAND", "DOCS", name))
		if len(docs.kids) != 2 {
			t.Errorf("COMMAND DOCS %s: no entry", name)
			continue
		}
		entry := docs.kids[1]
		ok := false
		for i := 0; i+1 < len(entry.kids); i += 2 {
			if entry.kids[i].text() == "summary" && entry.kids[i+1].text() != "" {
				ok = true
			}
		}
		if !ok {
			t.Errorf("command %q has no documentation metadata in server/commanddocs.go", name)
		}
	}
}

// TestCommandInfoDocsMatchRedis compares COMMAND INFO and COMMAND DOCS of
// every command in Shoal's table with Redis's, in RESP2 and RESP3.
func TestCommandInfoDocsMatchRedis(t *testing.T) {
	for _, proto := range []string{"2", "3"} {
		t.Run("RESP"+proto, func(t *testing.T) {
			p := newPair(t)
			p.both("HELLO", proto)
			names := shoalCommandNames(t, p.shoal)
			for _, name := range sortedNames(names) {
				for _, sub := range []string{"INFO", "DOCS"} {
					got := parseReply(t, p.shoal.do("COMMAND", sub, name))
					want := parseReply(t, p.redis.do("COMMAND", sub, name))
					for _, n := range []*rnode{got, want} {
						if sub == "INFO" {
							normInfo(n.kids[0], names)
						} else if len(n.kids) == 2 {
							normDocs(n.kids[1], names)
						}
					}
					if got.String() != want.String() {
						t.Errorf("COMMAND %s %s\n shoal: %q\n redis: %q", sub, name, got, want)
					}
				}
			}
		})
	}
}

// TestCommandAll compares COMMAND, COMMAND INFO and COMMAND DOCS without
// names (every command) entry by entry, and COMMAND COUNT.
func TestCommandAll(t *testing.T) {
	for _, proto := range []string{"2", "3"} {
		t.Run("RESP"+proto, func(t *testing.T) {
			p := newPair(t)
			p.both("HELLO", proto)
			names := shoalCommandNames(t, p.shoal)

			byName := func(all *rnode) map[string]string {
				m := map[string]string{}
				for _, e := range all.kids {
					if len(e.kids) == 10 {
						normInfo(e, names)
						m[e.kids[0].text()] = e.String()
					}
				}
				return m
			}
			all := parseReply(t, p.shoal.do("COMMAND"))
			if got := p.shoal.do("COMMAND", "INFO"); got != all.String() {
				t.Errorf("COMMAND INFO without names differs from COMMAND")
			}
			count := p.shoal.do("COMMAND", "COUNT")
			if want := ":" + strconv.Itoa(len(all.kids)) + "\r\n"; count != want {
				t.Errorf("COMMAND COUNT = %q, COMMAND has %d entries", count, len(all.kids))
			}
			got, want := byName(all), byName(parseReply(t, p.redis.do("COMMAND")))
			for name, e := range got {
				if !names[name] || e != want[name] {
					t.Errorf("COMMAND entry %s\n shoal: %q\n redis: %q", name, e, want[name])
				}
			}

			docPairs := func(all *rnode) map[string]string {
				m := map[string]string{}
				for i := 0; i+1 < len(all.kids); i += 2 {
					normDocs(all.kids[i+1], names)
					m[all.kids[i].text()] = all.kids[i+1].String()
				}
				return m
			}
			docs := parseReply(t, p.shoal.do("COMMAND", "DOCS"))
			if len(got) != len(docs.kids)/2 {
				t.Errorf("COMMAND DOCS has %d entries, COMMAND %d", len(docs.kids)/2, len(got))
			}
			wantDocs := docPairs(parseReply(t, p.redis.do("COMMAND", "DOCS")))
			for name, d := range docPairs(docs) {
				if d != wantDocs[name] {
					t.Errorf("COMMAND DOCS entry %s\n shoal: %q\n redis: %q", name, d, wantDocs[name])
				}
			}
		})
	}
}

// TestCommandList compares COMMAND LIST and its filters with Redis's,
// restricted to the commands Shoal has.
func TestCommandList(t *testing.T) {
	p := newPair(t)
	names := shoalCommandNames(t, p.shoal)
	set := func(raw string) []string {
		var out []string
		for _, k := range parseReply(t, raw).kids {
			out = append(out, k.text())
		}
		sort.Strings(out)
		return out
	}
	filters := [][]string{{}, {"FILTERBY", "MODULE", "json"}, {"filterby", "pattern", "*"},
		{"FILTERBY", "PATTERN", "c*"}, {"FILTERBY", "PATTERN", "*|*"}, {"FILTERBY", "PATTERN", "CONFIG|[gs]et"},
		{"FILTERBY", "PATTERN", "nothing-matches"}, {"FILTERBY", "ACLCAT", "nonexistent"}}
	for _, cat := range strings.Fields("keyspace read write set sortedset list hash string bitmap hyperloglog geo " +
		"stream pubsub admin fast slow blocking dangerous connection transaction scripting") {
		filters = append(filters, []string{"FILTERBY", "ACLCAT", cat})
	}
	filters = append(filters, []string{"FILTERBY", "aclcat", "READ"}, []string{"FILTERBY", "ACLCAT", "@read"})
	for _, f := range filters {
		args := append([]string{"COMMAND", "LIST"}, f...)
		got := set(p.shoal.do(args...))
		var want []string
		for _, n := range set(p.redis.do(args...)) {
			if names[n] {
				want = append(want, n)
			}
		}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("%s\n shoal: %v\n redis: %v", quoteArgs(args), got, want)
		}
	}
}

// TestCommandErrors covers COMMAND's argument errors and HELP.
func TestCommandErrors(t *testing.T) {
	p := newPair(t)
	for _, proto := range []string{"2", "3"} {
		p.both("HELLO", proto)
		p.script(
			"COMMAND HELP",
			"command help",
			"COMMAND HELP extra",
			"COMMAND FOO",
			"COMMAND COUNT extra",
			"COMMAND LIST FILTERBY",
			"COMMAND LIST FILTERBY pattern",
			"COMMAND LIST FILTERBY nope x",
			"COMMAND LIST FILTERBY pattern x extra",
			"COMMAND LIST FILTERBY pattern x FILTERBY pattern y",
			"COMMAND LIST foo",
			"COMMAND LIST FILTERBY module x",
			"COMMAND INFO nope",
			"COMMAND INFO nope nope2",
			"COMMAND INFO get|x",
			"COMMAND INFO command|nope",
			"COMMAND INFO command|count|x",
			"COMMAND INFO |count",
			"COMMAND INFO command|",
			"COMMAND INFO command|count COMMAND|COUNT nope",
			"COMMAND INFO CoMmAnD|HeLp",
			"COMMAND DOCS nope",
			"COMMAND DOCS nope command|nope",
			"COMMAND DOCS COMMAND|COUNT nope command|help",
			"COMMAND GETKEYS",
			"COMMAND GETKEYS get",
			"COMMAND GETKEYSANDFLAGS get",
			"COMMAND GETKEYS nope x",
			"COMMAND GETKEYS command count",
			"COMMAND GETKEYS command nope",
			"COMMAND GETKEYS command|count x",
			"COMMAND GETKEYSANDFLAGS command count",
		)
	}
}

// getKeysCases are command lines for GETKEYS and GETKEYSANDFLAGS; a case
// runs once Shoal has its command.
var getKeysCases = []string{
	"get a", "GET a", "get a b", "get", "set a b", "set a b get", "set a b GET", "set a b ex 10 get", "set a",
	"del a b c", "exists a", "mset a 1 b 2", "mset a 1 b", "mget a b c", "msetnx a 1 b 2",
	"rename a b", "renamenx a b", "copy a b", "copy a b db 1 replace", "move a 1", "touch a b", "unlink a b",
	"type a", "ttl a", "expire a 10", "persist a", "object encoding a", "object help", "object freq a",
	"dump a", "restore a 0 x", "sort a", "sort a store b", "sort a by x get y store b", "sort_ro a",
	"lmove a b left right", "blmove a b left right 0", "rpoplpush a b", "lpush a x", "blpop a b 0", "brpop a 0",
	"lmpop 2 a b left", "lmpop 0 a left", "lmpop x a left", "blmpop 0 2 a b left", "lmpop 3 a b left",
	"sadd a x", "sinter a b", "sintercard 2 a b", "sintercard 3 a b", "sintercard 0 a", "sinterstore d a b",
	"smove a b x", "sunionstore d a", "sdiffstore d a b",
	"zadd a 1 x", "zunionstore d 2 a b", "zunionstore d 0 a", "zunionstore d 5 a", "zunionstore d x a",
	"zinterstore d 1 a weights 1", "zunion 2 a b", "zinter 1 a", "zdiff 2 a b", "zdiffstore d 2 a b",
	"zrangestore d a 0 1", "zmpop 2 a b min", "bzmpop 0 1 a min", "bzpopmin a b 0", "zintercard 2 a b",
	"hset a f v", "hget a f", "incr a", "append a x", "getex a", "getdel a", "lcs a b", "setrange a 0 x",
	"bitop and d a b", "bitfield a get u8 0", "bitfield a set u8 0 1", "bitfield a incrby u8 0 1",
	"bitfield a", "bitfield_ro a get u8 0", "bitcount a", "pfadd a x", "pfcount a b", "pfmerge d a b",
	"xadd s * f v", "xread streams a b 0 0", "xread streams a b 0", "xread count 1 streams a 0",
	"xreadgroup group g c streams a 0", "xread streams", "xgroup create s g $", "xinfo stream s",
	"eval x 2 a b", "eval x 0", "eval x 1", "eval x -1 a", "evalsha x 1 a", "eval_ro x 1 a", "fcall f 1 a",
	"fcall_ro f 0", "migrate h p k 0 0", "migrate h p k 0 0 KEYS a b", "migrate h p \"\" 0 0 KEYS a b",
	"georadius k 1 1 1 m store x", "georadius k 1 1 1 m storedist x", "georadiusbymember k m 1 m store x",
	"geosearchstore d s frommember m byradius 1 m", "geoadd k 1 1 m",
	"publish ch msg", "spublish ch msg", "subscribe a b", "ssubscribe a", "sunsubscribe a b",
	"ping", "ping x", "echo x", "config get x", "config set x y", "client list", "memory usage a",
	"debug object a", "watch a b", "flushall", "dbsize", "scan 0", "keys *", "randomkey",
	"pexpireat a 1", "expiretime a", "getrange a 0 1", "incrbyfloat a 1", "psetex a 1 x",
	"lpos a x", "lrange a 0 1", "spop a", "srandmember a", "smismember a x", "hrandfield a",
}

func TestCommandGetKeys(t *testing.T) {
	p := newPair(t)
	names := shoalCommandNames(t, p.shoal)
	ran := 0
	for _, line := range getKeysCases {
		args := strings.Fields(line)
		for i, a := range args {
			if a == `""` {
				args[i] = ""
			}
		}
		if !hasCommand(names, args) {
			continue // not in Shoal yet
		}
		ran++
		p.eq(append([]string{"COMMAND", "GETKEYS"}, args...)...)
		p.eq(append([]string{"COMMAND", "GETKEYSANDFLAGS"}, args...)...)
	}
	if ran == 0 {
		t.Fatal("no GETKEYS case ran")
	}
	p.both("HELLO", "3")
	p.script("COMMAND GETKEYSANDFLAGS set a b", "COMMAND GETKEYS del a b", "COMMAND GETKEYS get")
}

// hasCommand reports whether Shoal has the command (and subcommand) of args.
func hasCommand(names map[string]bool, args []string) bool {
	name := strings.ToLower(args[0])
	if !names[name] {
		return false
	}
	for n := range names {
		if strings.HasPrefix(n, name+"|") && len(args) > 1 {
			return names[name+"|"+strings.ToLower(args[1])]
		}
	}
	return true
}
