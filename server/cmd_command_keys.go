package server

import "strings"

// COMMAND GETKEYS and GETKEYSANDFLAGS: which arguments of a command line are
// keys, found the way Redis 7.0 finds them.

func cmdCommandGetKeys(c *Client)         { c.commandGetKeys(false) }
func cmdCommandGetKeysAndFlags(c *Client) { c.commandGetKeys(true) }

// commandGetKeys answers COMMAND GETKEYS and GETKEYSANDFLAGS for the
// command line in c.args[2:].
func (c *Client) commandGetKeys(withFlags bool) {
	args := c.args[2:]
	cmd := c.srv.commands.lookup(args[0])
	if cmd != nil && cmd.subs != nil && len(args) >= 2 {
		cmd = cmd.lookupSub(args[1])
	}
	switch {
	case cmd == nil:
		c.writeError(errGetKeysNoCommand)
		return
	case !cmd.hasKeys():
		c.writeError(errGetKeysNoKeys)
		return
	case (cmd.Arity > 0 && len(args) != cmd.Arity) || len(args) < -cmd.Arity:
		c.writeError(errGetKeysArity)
		return
	}
	keys := cmd.keyRefs(args)
	if len(keys) == 0 && cmd.Flags&flagNoMandatoryKeys == 0 {
		c.writeError(errGetKeysInvalid)
		return
	}
	c.writeArray(len(keys))
	for _, k := range keys {
		if withFlags {
			c.writeArray(2)
			c.writeBulk(args[k.pos])
			c.writeFlagList(k.flags)
		} else {
			c.writeBulk(args[k.pos])
		}
	}
}

// keyRef is a key argument found by GETKEYS and its access flags.
type keyRef struct {
	pos   int
	flags string
}

// hasKeys reports whether the command can take keys: a key-finding function
// or a key specification that is not marked not_key.
func (cmd *Command) hasKeys() bool {
	if cmd.KeysFunc != nil {
		return true
	}
	if cmd.Doc == nil {
		return cmd.First > 0 // no specs known: the table's positions
	}
	for i := range cmd.Specs {
		if !hasWord(cmd.Specs[i].Flags, "not_key") {
			return true
		}
	}
	return false
}

// keyRefs finds the keys of a command line the way Redis 7.0 does: by the
// key specifications when they are complete and their flags fixed,
// otherwise by the table's key positions (Redis's getkeys functions).
func (cmd *Command) keyRefs(args [][]byte) []keyRef {
	hasSpec, varFlags := false, false
	for i := range cmd.Specs {
		hasSpec = hasSpec || !hasWord(cmd.Specs[i].Flags, "not_key")
		varFlags = varFlags || hasWord(cmd.Specs[i].Flags, "variable_flags")
	}
	if hasSpec && !varFlags {
		if refs, ok := keysFromSpecs(cmd.Specs, args); ok {
			return refs
		}
	}
	// Redis falls back on the command's getkeys function: the table's
	// key positions are Shoal's.
	var refs []keyRef
	for _, p := range cmd.keyPositions(args, nil) {
		refs = append(refs, keyRef{p, cmd.keyFlagsAt(args, p)})
	}
	return refs
}

// keysFromSpecs applies the key specifications to args; ok is false when
// one of them cannot (unknown search, bad key count, incomplete spec).
func keysFromSpecs(specs []KeySpec, args [][]byte) (refs []keyRef, ok bool) {
	argc := len(args)
	for i := range specs {
		s := &specs[i]
		if hasWord(s.Flags, "not_key") {
			continue
		}
		first := 0
		switch s.BeginSearch {
		case "index":
			first = s.BSIndex
		case "keyword":
			start, end := s.BSStart, argc-1
			if start <= 0 {
				start, end = argc+s.BSStart, 1
			}
			for j := start; j != end; {
				if j >= argc || j < 1 {
					break
				}
				if strings.EqualFold(string(args[j]), s.BSKeyword) {
					first = j + 1
					break
				}
				if start <= end {
					j++
				} else {
					j--
				}
			}
			if first == 0 {
				continue // keyword not found: no keys from this spec
			}
		default:
			return nil, false
		}
		var last, step int
		switch s.FindKeys {
		case "range":
			step = s.FKKeyStep
			switch {
			case s.FKLastKey >= 0:
				last = first + s.FKLastKey
			case s.FKLimit == 0:
				last = argc + s.FKLastKey
			default:
				last = first + (argc-first)/s.FKLimit + s.FKLastKey
			}
		case "keynum":
			step = s.FKKeyStep
			if s.FKKeyNumIdx >= argc || first+s.FKKeyNumIdx >= argc {
				return nil, false
			}
			n, okNum := parseInt(args[first+s.FKKeyNumIdx])
			if !okNum || n < 0 || n > int64(argc) {
				return nil, false
			}
			first += s.FKFirstKey
			last = first + int(n) - 1
		default:
			return nil, false
		}
		if last >= argc || last < first || first >= argc || step < 1 {
			return nil, false
		}
		for j := first; j <= last; j += step {
			refs = append(refs, keyRef{j, s.Flags})
		}
		if hasWord(s.Flags, "incomplete") {
			return nil, false
		}
	}
	return refs, true
}

// keyFlagsAt gives the access flags of the key at args[p] when the table's
// key positions found it, as Redis's getkeys functions report them.
func (cmd *Command) keyFlagsAt(args [][]byte, p int) string {
	switch cmd.FullName() {
	case "set": // OW unless GET returns the old value
		for _, a := range args[3:] {
			if eqFold(a, "get") {
				return "RW access update"
			}
		}
		return "OW update"
	case "bitfield": // RO unless a SET or INCRBY writes
		for _, a := range args[2:] {
			if eqFold(a, "set") || eqFold(a, "incrby") {
				return "RW access update"
			}
		}
		return "RO access"
	}
	// The spec that describes position p: by index, else by a keyword
	// before it, else the last one whose position is unknown (SORT STORE).
	var byKeyword, unknown *KeySpec
	for i := range cmd.Specs {
		s := &cmd.Specs[i]
		switch s.BeginSearch {
		case "index":
			if s.BSIndex == p {
				return specFlags(s)
			}
		case "keyword":
			for _, a := range args[1:p] {
				if strings.EqualFold(string(a), s.BSKeyword) {
					byKeyword = s
				}
			}
		default:
			unknown = s
		}
	}
	switch {
	case byKeyword != nil:
		return specFlags(byKeyword)
	case unknown != nil:
		return specFlags(unknown)
	case len(cmd.Specs) > 0:
		return specFlags(&cmd.Specs[0])
	}
	return ""
}

// specFlags is a spec's flags without those about the spec itself.
func specFlags(s *KeySpec) string {
	var out []string
	for _, f := range strings.Fields(s.Flags) {
		if f != "incomplete" && f != "variable_flags" {
			out = append(out, f)
		}
	}
	return strings.Join(out, " ")
}

// hasWord reports whether the space-separated list has w.
func hasWord(list, w string) bool {
	for _, f := range strings.Fields(list) {
		if f == w {
			return true
		}
	}
	return false
}
