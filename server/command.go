package server

import (
	"sort"
	"sync/atomic"
)

// Flags describe a command the way Redis's command table does. Dispatch,
// locking, COMMAND INFO and ACL categories are all derived from them.
type Flags uint64

const (
	flagWrite Flags = 1 << iota
	flagReadonly
	flagDenyOOM
	flagModule
	flagAdmin
	flagPubsub
	flagNoScript
	flagBlocking
	flagLoading
	flagStale
	flagSkipMonitor
	flagSkipSlowlog
	flagAsking
	flagFast
	flagNoAuth
	flagMayReplicate
	flagSentinel
	flagOnlySentinel
	flagNoMandatoryKeys
	flagProtected
	flagModuleGetKeys
	flagModuleNoCluster
	flagNoMulti
	flagNoAsyncLoading
	flagMovableKeys
	flagAllowBusy
	flagModuleGetChannels
	flagTouchesArbitraryKeys

	// Shoal's own flags (not shown by COMMAND).

	// flagLockAll: the handler runs with every shard of every database
	// locked for writing (FLUSHALL, SWAPDB, MOVE, ...).
	flagLockAll
	// flagNoLock: the handler takes the locks it needs itself, shard by
	// shard (KEYS, SCAN, RANDOMKEY). Commands without keys need neither
	// flag: they lock nothing.
	flagNoLock
	// flagSubscribeOK: allowed to a RESP2 client in subscribed context.
	flagSubscribeOK
	// flagMutates: Redis calls the command readonly, yet it may rewrite a
	// value's representation in place (PFCOUNT caches the cardinality in
	// the HLL header) and is then propagated: its shards are locked for
	// writing.
	flagMutates
)

// redisFlagsMask selects the flags COMMAND reports.
const redisFlagsMask = flagLockAll - 1

// Handler runs one command for client c: parse c.args, act, reply. The
// shards of the command's keys are locked by the dispatcher.
type Handler func(c *Client)

// Command is one entry of the command table.
type Command struct {
	Name     string // lower case; a subcommand is "parent|sub"
	Arity    int    // Redis's convention: N exactly, -N at least N
	Flags    Flags
	ACL      string // ACL categories beyond those implied by Flags, e.g. "@string"
	First    int    // first key position, 0 = no keys
	Last     int    // last key position, negative counts from the end
	Step     int
	KeysFunc func(args [][]byte) []int // movable keys: the positions of the keys
	Handler  Handler
	Subs     []*Command // subcommands, for container commands such as CONFIG
	Doc      *CommandDoc
	Specs    []KeySpec
	Tips     []string

	parent  *Command
	subs    map[string]*Command
	stats   cmdStats
	fullPre string // "parent|" prefix for subcommands, "" for top level
}

// CommandDoc is what COMMAND DOCS reports for a command. Lists of flags are
// space-separated, in the order Redis prints them.
type CommandDoc struct {
	Summary    string
	Since      string
	Group      string
	Complexity string
	DocFlags   string // "deprecated", "syscmd"
	Deprecated string // deprecated_since
	Replaced   string // replaced_by
	History    [][2]string
	Args       []ArgDoc
}

// ArgDoc documents one argument of a command.
type ArgDoc struct {
	Name       string
	Type       string // string, integer, double, key, pattern, unix-time, pure-token, oneof, block
	KeySpec    int    // key_spec_index, reported for keys and when not 0
	Token      string // reported for pure tokens and when not empty
	Summary    string
	Since      string
	Deprecated string // deprecated_since
	Flags      string // "optional", "multiple", "multiple_token"
	Args       []ArgDoc
}

// KeySpec is a Redis 7 key specification as COMMAND INFO reports it.
type KeySpec struct {
	Notes       string
	Flags       string // "RW access update", ...
	BeginSearch string // "index", "keyword" or "unknown"
	BSIndex     int    // index: the position
	BSKeyword   string // keyword: the keyword
	BSStart     int    // keyword: startfrom
	FindKeys    string // "range", "keynum" or "unknown"
	FKLastKey   int    // range: lastkey
	FKKeyStep   int    // range and keynum: keystep
	FKLimit     int    // range: limit
	FKKeyNumIdx int    // keynum: keynumidx
	FKFirstKey  int    // keynum: firstkey
}

type cmdStats struct {
	calls    atomic.Int64
	usec     atomic.Int64
	rejected atomic.Int64
	failed   atomic.Int64
	hist     latencyHist // LATENCY HISTOGRAM and INFO latencystats
}

// FullName is the name Redis prints for the command: "get", "config|get".
func (cmd *Command) FullName() string { return cmd.fullPre + cmd.Name }

// locksWrite reports whether the command's shards are locked for writing
// and its changes propagated.
func (cmd *Command) locksWrite() bool { return cmd.Flags&(flagWrite|flagMutates) != 0 }

// keyPositions appends the positions of args that are keys.
func (cmd *Command) keyPositions(args [][]byte, out []int) []int {
	if cmd.KeysFunc != nil {
		return append(out, cmd.KeysFunc(args)...)
	}
	if cmd.First <= 0 {
		return out
	}
	last := cmd.Last
	if last < 0 {
		last = len(args) + last
	}
	step := cmd.Step
	if step <= 0 {
		step = 1
	}
	for i := cmd.First; i <= last && i < len(args); i += step {
		out = append(out, i)
	}
	return out
}

// commandTable is the one command table: every family contributes its list.
type commandTable struct {
	byName map[string]*Command
	sorted []*Command // top-level commands by name
}

// allFamilies lists the families whose commands make up the table.
func allFamilies() [][]*Command {
	return [][]*Command{
		stringCommands(),
		keyCommands(),
		connCommands(),
		serverCommands(),
		commandCommands(),
		listCommands(),
		hashCommands(),
		setCommands(),
		zsetCommands(),
		zsetRangeCommands(),
		sortCommands(),
		bitCommands(),
		hllCommands(),
		geoCommands(),
		multiCommands(),
		pubsubCommands(),
		scriptCommands(),
		functionCommands(),
		persistCommands(),
		aofCommands(),
		dumpCommands(),
	}
}

func newCommandTable() *commandTable {
	t := &commandTable{byName: make(map[string]*Command)}
	for _, fam := range allFamilies() {
		for _, cmd := range fam {
			if _, dup := t.byName[cmd.Name]; dup {
				panic("duplicate command " + cmd.Name)
			}
			t.byName[cmd.Name] = cmd
			t.sorted = append(t.sorted, cmd)
			if len(cmd.Subs) > 0 {
				cmd.subs = make(map[string]*Command, len(cmd.Subs))
				for _, sub := range cmd.Subs {
					sub.parent = cmd
					sub.fullPre = cmd.Name + "|"
					cmd.subs[sub.Name] = sub
				}
			}
		}
	}
	sort.Slice(t.sorted, func(i, j int) bool { return t.sorted[i].Name < t.sorted[j].Name })
	t.attachDocs()
	return t
}

// lookup finds a command by name, case-insensitively, without allocating.
func (t *commandTable) lookup(name []byte) *Command {
	var buf [32]byte
	return t.byName[string(lowerInto(buf[:], name))]
}

// lookupSub finds a subcommand of cmd.
func (cmd *Command) lookupSub(name []byte) *Command {
	var buf [64]byte
	return cmd.subs[string(lowerInto(buf[:], name))]
}

// lowerInto lower-cases name into buf; a name longer than buf, which no
// command has, gives a name no command has.
func lowerInto(buf, name []byte) []byte {
	if len(name) > len(buf) {
		return append(buf[:0], '\x00')
	}
	low := buf[:len(name)]
	for i, c := range name {
		if c >= 'A' && c <= 'Z' {
			c += 32
		}
		low[i] = c
	}
	return low
}

// numKeysAt gives the key positions of a command whose key count is
// argument idx (LMPOP, ZMPOP, SINTERCARD, EVAL, FCALL): the keys follow it.
func numKeysAt(idx int) func(args [][]byte) []int {
	return func(args [][]byte) []int {
		if idx >= len(args) {
			return nil
		}
		n, ok := parseInt(args[idx])
		if !ok || n < 1 || n > int64(len(args)-idx-1) {
			return nil
		}
		pos := make([]int, n)
		for i := range pos {
			pos[i] = idx + 1 + i
		}
		return pos
	}
}
