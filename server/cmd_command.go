package server

import (
	"sort"
	"strings"

	"github.com/shoaldb/shoal/datatypes"
)

// The COMMAND family: COMMAND, COMMAND COUNT/LIST/INFO/DOCS/GETKEYS, all
// derived from the command table. Arity, flags, key positions and ACL
// categories come from the table; the documentation (summary, arguments,
// key specifications, tips) from commanddocs.go, generated from Redis.
//
// Redis lists commands and subcommands in its hash tables' order, which
// changes with every process; Shoal lists them by name.

// commandMeta is the part of a command's description that is documentation,
// not behaviour.
type commandMeta struct {
	Doc   CommandDoc
	Specs []KeySpec
	Tips  []string
}

func commandCommands() []*Command {
	const f = flagLoading | flagStale
	return []*Command{
		{Name: "command", Arity: -1, Flags: f, ACL: "@connection", Handler: cmdCommand, Subs: []*Command{
			{Name: "count", Arity: 2, Flags: f, ACL: "@connection", Handler: cmdCommandCount},
			{Name: "docs", Arity: -2, Flags: f, ACL: "@connection", Handler: cmdCommandDocs},
			{Name: "getkeys", Arity: -4, Flags: f, ACL: "@connection", Handler: cmdCommandGetKeys},
			{Name: "getkeysandflags", Arity: -4, Flags: f, ACL: "@connection", Handler: cmdCommandGetKeysAndFlags},
			{Name: "help", Arity: 2, Flags: f, ACL: "@connection", Handler: cmdCommandHelp},
			{Name: "info", Arity: -2, Flags: f, ACL: "@connection", Handler: cmdCommandInfo},
			{Name: "list", Arity: -2, Flags: f, ACL: "@connection", Handler: cmdCommandList},
		}},
	}
}

// attachDocs gives every command of the table its documentation metadata.
func (t *commandTable) attachDocs() {
	docs := redisCommandDocs()
	attach := func(cmd *Command) {
		if m := docs[cmd.FullName()]; m != nil {
			cmd.Doc, cmd.Specs, cmd.Tips = &m.Doc, m.Specs, m.Tips
		}
	}
	for _, cmd := range t.sorted {
		attach(cmd)
		for _, sub := range cmd.Subs {
			attach(sub)
		}
	}
}

// COMMAND: the info of every command.
func cmdCommand(c *Client) {
	cmds := c.srv.commands.sorted
	c.writeArray(len(cmds))
	for _, cmd := range cmds {
		c.writeCommandInfo(cmd)
	}
}

func cmdCommandCount(c *Client) { c.writeInt(int64(len(c.srv.commands.sorted))) }

// COMMAND INFO [name ...]
func cmdCommandInfo(c *Client) {
	if len(c.args) == 2 {
		cmdCommand(c)
		return
	}
	c.writeArray(len(c.args) - 2)
	for _, name := range c.args[2:] {
		if cmd := c.srv.commands.lookupFullName(name); cmd != nil {
			c.writeCommandInfo(cmd)
		} else {
			c.writeNull()
		}
	}
}

// COMMAND DOCS [name ...]: unknown names are left out.
func cmdCommandDocs(c *Client) {
	var cmds []*Command
	if len(c.args) == 2 {
		cmds = c.srv.commands.sorted
	} else {
		for _, name := range c.args[2:] {
			if cmd := c.srv.commands.lookupFullName(name); cmd != nil {
				cmds = append(cmds, cmd)
			}
		}
	}
	c.writeMap(len(cmds))
	for _, cmd := range cmds {
		c.writeBulkString(cmd.FullName())
		c.writeCommandDocs(cmd)
	}
}

// COMMAND LIST [FILTERBY MODULE name | ACLCAT category | PATTERN pattern]
func cmdCommandList(c *Client) {
	match := func(*Command) bool { return true }
	if len(c.args) > 2 {
		if len(c.args) != 5 || !eqFold(c.args[2], "filterby") {
			c.writeError(errSyntax)
			return
		}
		arg := c.args[4]
		switch {
		case eqFold(c.args[3], "module"):
			match = func(*Command) bool { return false } // Shoal has no modules
		case eqFold(c.args[3], "aclcat"):
			cat := aclCategoryBit(string(arg))
			match = func(cmd *Command) bool { return cmd.aclCategories()&cat != 0 }
		case eqFold(c.args[3], "pattern"):
			match = func(cmd *Command) bool { return datatypes.GlobMatch(arg, []byte(cmd.FullName()), true) }
		default:
			c.writeError(errSyntax)
			return
		}
	}
	var names []string
	for _, cmd := range c.srv.commands.sorted {
		if match(cmd) {
			names = append(names, cmd.FullName())
		}
		for _, sub := range sortedSubs(cmd) {
			if match(sub) {
				names = append(names, sub.FullName())
			}
		}
	}
	c.writeArray(len(names))
	for _, n := range names {
		c.writeBulkString(n)
	}
}

func cmdCommandHelp(c *Client) {
	c.helpReply("command", []string{
		"(no subcommand)",
		"    Return details about all Redis commands.",
		"COUNT",
		"    Return the total number of commands in this Redis server.",
		"LIST",
		"    Return a list of all commands in this Redis server.",
		"INFO [<command-name> ...]",
		"    Return details about multiple Redis commands.",
		"    If no command names are given, documentation details for all",
		"    commands are returned.",
		"DOCS [<command-name> ...]",
		"    Return documentation details about multiple Redis commands.",
		"    If no command names are given, documentation details for all",
		"    commands are returned.",
		"GETKEYS <full-command>",
		"    Return the keys from a full Redis command.",
		"GETKEYSANDFLAGS <full-command>",
		"    Return the keys and the access flags from a full Redis command.",
	})
}

// lookupFullName finds a command by the name COMMAND INFO and DOCS take:
// "get" or "config|get", case-insensitively.
func (t *commandTable) lookupFullName(name []byte) *Command {
	parent, sub, isSub := strings.Cut(string(name), "|")
	cmd := t.lookup([]byte(parent))
	if !isSub || cmd == nil {
		return cmd
	}
	if cmd.subs == nil || strings.Contains(sub, "|") {
		return nil
	}
	return cmd.lookupSub([]byte(sub))
}

// sortedSubs returns cmd's subcommands by name.
func sortedSubs(cmd *Command) []*Command {
	subs := append([]*Command(nil), cmd.Subs...)
	sort.Slice(subs, func(i, j int) bool { return subs[i].Name < subs[j].Name })
	return subs
}

// redisFlagNames lists the flags COMMAND INFO shows, in Redis's order.
// may_replicate, sentinel, only_sentinel, protected and the module flags
// are hidden by Redis 7.0 too.
func redisFlagNames() [20]struct {
	flag Flags
	name string
} {
	return [...]struct {
		flag Flags
		name string
	}{
		{flagWrite, "write"}, {flagReadonly, "readonly"}, {flagDenyOOM, "denyoom"},
		{flagModule, "module"}, {flagAdmin, "admin"}, {flagPubsub, "pubsub"},
		{flagNoScript, "noscript"}, {flagBlocking, "blocking"}, {flagLoading, "loading"},
		{flagStale, "stale"}, {flagSkipMonitor, "skip_monitor"}, {flagSkipSlowlog, "skip_slowlog"},
		{flagAsking, "asking"}, {flagFast, "fast"}, {flagNoAuth, "no_auth"},
		{flagNoMandatoryKeys, "no_mandatory_keys"}, {flagNoAsyncLoading, "no_async_loading"},
		{flagNoMulti, "no_multi"}, {flagMovableKeys, "movablekeys"}, {flagAllowBusy, "allow_busy"},
	}
}

// ACL categories, as bits in Redis's order (ACL CAT and COMMAND INFO list
// them so); aclCategoryList names them in the same order.
const (
	aclKeyspace uint64 = 1 << iota
	aclRead
	aclWrite
	aclSet
	aclSortedSet
	aclList
	aclHash
	aclString
	aclBitmap
	aclHyperLogLog
	aclGeo
	aclStream
	aclPubsub
	aclAdmin
	aclFast
	aclSlow
	aclBlocking
	aclDangerous
	aclConnection
	aclTransaction
	aclScripting
)

const aclCategoryList = "keyspace read write set sortedset list hash string bitmap hyperloglog geo " +
	"stream pubsub admin fast slow blocking dangerous connection transaction scripting"

// aclCategoryBit returns the bit of a category name ("string", any case),
// 0 if there is none.
func aclCategoryBit(name string) uint64 {
	for i, cat := range strings.Fields(aclCategoryList) {
		if strings.EqualFold(cat, name) {
			return 1 << i
		}
	}
	return 0
}

// aclCategories returns the command's categories: its own (cmd.ACL, e.g.
// "@string @dangerous") plus those Redis implies from its flags.
func (cmd *Command) aclCategories() uint64 {
	var cats uint64
	for _, name := range strings.Fields(cmd.ACL) {
		cats |= aclCategoryBit(strings.TrimPrefix(name, "@"))
	}
	f := cmd.Flags
	if f&flagWrite != 0 {
		cats |= aclWrite
	}
	// Scripting commands are not @read even when read-only (EVAL_RO).
	if f&flagReadonly != 0 && cats&aclScripting == 0 {
		cats |= aclRead
	}
	if f&flagAdmin != 0 {
		cats |= aclAdmin | aclDangerous
	}
	if f&flagPubsub != 0 {
		cats |= aclPubsub
	}
	if f&flagFast != 0 {
		cats |= aclFast
	}
	if f&flagBlocking != 0 {
		cats |= aclBlocking
	}
	if cats&aclFast == 0 {
		cats |= aclSlow
	}
	return cats
}
