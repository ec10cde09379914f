package server

import (
	"bytes"
	"math"
	"sort"
	"strconv"

	"github.com/shoaldb/shoal/datatypes"
)

// SORT and SORT_RO, after Redis's sort.c. BY and GET patterns read keys
// that are not among the command's arguments, so both commands run with
// every shard locked (flagLockAll).

func sortCommands() []*Command {
	return []*Command{
		{Name: "sort", Arity: -2, Flags: flagWrite | flagDenyOOM | flagMovableKeys | flagLockAll,
			ACL: "@set @sortedset @list @dangerous", First: 1, Last: 1, Step: 1, KeysFunc: sortKeys, Handler: cmdSort},
		{Name: "sort_ro", Arity: -2, Flags: flagReadonly | flagMovableKeys | flagLockAll,
			ACL: "@set @sortedset @list @dangerous", First: 1, Last: 1, Step: 1, KeysFunc: sortROKeys, Handler: cmdSort},
	}
}

// sortKeys is Redis's sortGetKeys: the sorted key and the last STORE
// destination, skipping the arguments of LIMIT, GET and BY.
func sortKeys(args [][]byte) []int {
	keys := []int{1}
	store := 0
	for i := 2; i < len(args); i++ {
		switch {
		case eqFold(args[i], "limit"):
			i += 2
		case eqFold(args[i], "get"), eqFold(args[i], "by"):
			i++
		case eqFold(args[i], "store") && i+1 < len(args):
			store = i + 1
		}
	}
	if store > 0 {
		keys = append(keys, store)
	}
	return keys
}

func sortROKeys(args [][]byte) []int { return []int{1} }

// sortOpts is a parsed SORT command line.
type sortOpts struct {
	desc, alpha, dontSort  bool
	limitStart, limitCount int64
	by                     []byte   // nil: the elements themselves
	gets                   [][]byte // GET patterns
	store                  []byte   // nil: reply
}

// parseSort parses SORT's options in Redis's order, replying to errors.
func (c *Client) parseSort(readonly bool) (o sortOpts, ok bool) {
	o.limitCount = -1
	args := c.args
	for j := 2; j < len(args); j++ {
		left := len(args) - j - 1
		a := args[j]
		switch {
		case eqFold(a, "asc"):
			o.desc = false
		case eqFold(a, "desc"):
			o.desc = true
		case eqFold(a, "alpha"):
			o.alpha = true
		case eqFold(a, "limit") && left >= 2:
			var ok1, ok2 bool
			o.limitStart, ok1 = parseInt(args[j+1])
			if ok1 {
				o.limitCount, ok2 = parseInt(args[j+2])
			}
			if !ok1 || !ok2 {
				c.writeError(errNotInt)
				return o, false
			}
			j += 2
		case !readonly && eqFold(a, "store") && left >= 1:
			o.store = args[j+1]
			j++
		case eqFold(a, "by") && left >= 1:
			o.by = args[j+1]
			// A pattern without '*' names no per-element key: don't sort.
			o.dontSort = bytes.IndexByte(o.by, '*') < 0
			j++
		case eqFold(a, "get") && left >= 1:
			o.gets = append(o.gets, args[j+1])
			j++
		default:
			c.writeError(errSyntax)
			return o, false
		}
	}
	return o, true
}

// sortElem is one element being sorted with its weight.
type sortElem struct {
	val   string
	score float64
	cmp   []byte // ALPHA BY: the weight; nil when the BY key is missing
}

// SORT key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC]
// [ALPHA] [STORE destination], and SORT_RO without STORE.
func cmdSort(c *Client) {
	o, ok := c.parseSort(c.cmd.Name == "sort_ro")
	if !ok {
		return
	}
	e := c.lookupRead(c.args[1])
	if e != nil && e.Type != TypeList && e.Type != TypeSet && e.Type != TypeZSet {
		c.writeError(errWrongType)
		return
	}
	// Redis converts a sorted set it sorts to its skiplist encoding, and it
	// shows in OBJECT ENCODING.
	if e != nil && e.Type == TypeZSet {
		before := e.memUsage()
		e.obj.(*datatypes.ZSet).ToSkiplist()
		c.changed(e, before)
	}
	// A set has no order of its own: sort it when the result is stored, so
	// replicas get the same list.
	if o.dontSort && e != nil && e.Type == TypeSet && o.store != nil {
		o.dontSort, o.alpha, o.by = false, true, nil
	}

	n := int64(0)
	if e != nil {
		n = int64(e.obj.(collection).Len())
	}
	start := max(o.limitStart, 0)
	end := n - 1
	if o.limitCount >= 0 && o.limitCount-1 <= math.MaxInt64-start {
		end = start + o.limitCount - 1
	}
	if start >= n {
		start, end = n-1, n-2
	}
	end = min(end, n-1)

	elems := c.sortLoad(e, &o, start, end)
	if o.dontSort && e != nil && e.Type != TypeSet {
		// Lists and sorted sets loaded just the range, in their order.
		end -= start
		start = 0
	}
	if !o.dontSort {
		if !c.sortWeights(elems, &o) {
			c.writeError(errSortScores)
			return
		}
		sort.SliceStable(elems, func(i, j int) bool { return sortCmp(&elems[i], &elems[j], &o) < 0 })
	}

	var out []sortElem // the range to output
	if end >= start {
		out = elems[start : end+1]
	}
	outLen := int64(len(out))
	if len(o.gets) > 0 {
		outLen *= int64(len(o.gets))
	}
	if o.store == nil {
		c.writeArray(int(outLen))
		for _, el := range out {
			if len(o.gets) == 0 {
				c.writeBulkString(el.val)
			}
			for _, pat := range o.gets {
				if v, ok := c.sortLookup(pat, el.val); ok {
					c.writeBulk(v)
				} else {
					c.writeNull()
				}
			}
		}
		return
	}
	dirty := c.dirty
	l := datatypes.NewList()
	for _, el := range out {
		if len(o.gets) == 0 {
			l.PushBackString(el.val)
		}
		for _, pat := range o.gets {
			v, _ := c.sortLookup(pat, el.val) // a missing value stores ""
			l.PushBack(v)
		}
	}
	if outLen > 0 {
		c.storeObj(o.store, TypeList, l)
		c.dirty = dirty + int(outLen)
		c.notify(notifyList, "sortstore", o.store)
	} else if c.deleteKey(o.store) {
		c.notify(notifyGeneric, "del", o.store)
	}
	c.writeInt(outLen)
}

// sortLoad collects the elements to sort: everything, or with nothing to
// sort in a list or sorted set, just the range start..end in its order
// (reversed for DESC).
func (c *Client) sortLoad(e *Entry, o *sortOpts, start, end int64) []sortElem {
	if e == nil {
		return nil
	}
	var elems []sortElem
	switch e.Type {
	case TypeList:
		l := listOf(e)
		if o.dontSort {
			for i := start; i <= end; i++ {
				idx := i
				if o.desc {
					idx = int64(l.Len()) - 1 - i
				}
				elems = append(elems, sortElem{val: l.Index(int(idx))})
			}
			return elems
		}
		elems = make([]sortElem, l.Len())
		for i := range elems {
			elems[i].val = l.Index(i)
		}
	case TypeSet:
		s := setOf(e)
		elems = make([]sortElem, 0, s.Len())
		s.Each(func(m []byte) bool {
			elems = append(elems, sortElem{val: string(m)})
			return true
		})
	case TypeZSet:
		z := e.obj.(*datatypes.ZSet)
		if o.dontSort {
			if end < start {
				return nil
			}
			add := func(_ int, it datatypes.ZItem) bool {
				elems = append(elems, sortElem{val: it.Member})
				return int64(len(elems)) < end-start+1
			}
			if o.desc {
				z.Descend(z.Len()-1-int(start), add)
			} else {
				z.Ascend(int(start), add)
			}
			return elems
		}
		elems = make([]sortElem, 0, z.Len())
		z.Ascend(0, func(_ int, it datatypes.ZItem) bool {
			elems = append(elems, sortElem{val: it.Member})
			return true
		})
	}
	return elems
}

// sortWeights computes each element's weight: its BY value or itself, as
// a number unless ALPHA. It reports false if a number does not parse.
func (c *Client) sortWeights(elems []sortElem, o *sortOpts) bool {
	ok := true
	for i := range elems {
		el := &elems[i]
		var w []byte
		if o.by != nil {
			v, found := c.sortLookup(o.by, el.val)
			if !found {
				continue // weight 0, or a missing ALPHA weight
			}
			w = v
		} else {
			w = []byte(el.val)
		}
		if o.alpha {
			if o.by != nil {
				el.cmp = append([]byte{}, w...)
			}
			continue
		}
		f, good := sortWeight(w)
		if !good {
			ok = false
		}
		el.score = f
	}
	return ok
}

// sortCmp is Redis's sortCompare.
func sortCmp(a, b *sortElem, o *sortOpts) int {
	var cmp int
	switch {
	case !o.alpha:
		switch {
		case a.score > b.score:
			cmp = 1
		case a.score < b.score:
			cmp = -1
		default:
			cmp = compareStrings(a.val, b.val)
		}
	case o.by != nil:
		switch {
		case a.cmp == nil && b.cmp == nil:
			cmp = 0
		case a.cmp == nil:
			cmp = -1
		case b.cmp == nil:
			cmp = 1
		default:
			cmp = bytes.Compare(a.cmp, b.cmp)
		}
	default:
		cmp = compareStrings(a.val, b.val)
	}
	if o.desc {
		return -cmp
	}
	return cmp
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// sortLookup is Redis's lookupKeyByPattern: "#" is the element itself;
// otherwise the first '*' of the pattern is replaced by the element to
// name a string key, or with "->field" after the '*', a hash field.
func (c *Client) sortLookup(pat []byte, elem string) ([]byte, bool) {
	if len(pat) == 1 && pat[0] == '#' {
		return []byte(elem), true
	}
	star := bytes.IndexByte(pat, '*')
	if star < 0 {
		return nil, false
	}
	keyPat, field := pat, []byte(nil)
	if f := bytes.Index(pat[star+1:], []byte("->")); f >= 0 && star+1+f+2 < len(pat) {
		keyPat, field = pat[:star+1+f], pat[star+1+f+2:]
	}
	key := make([]byte, 0, len(keyPat)+len(elem))
	key = append(key, keyPat[:star]...)
	key = append(key, elem...)
	key = append(key, keyPat[star+1:]...)
	e := c.lookupRead(key)
	if e == nil {
		return nil, false
	}
	if field != nil {
		if e.Type != TypeHash {
			return nil, false
		}
		return hashOf(e).Get(field)
	}
	if e.Type != TypeString {
		return nil, false
	}
	return e.Str(), true
}

// sortWeight parses b as SORT's weights are parsed: C's strtod over the whole
// string (up to a NUL), leading white space allowed, failing on NaN and
// on overflow or inexact underflow (ERANGE).
func sortWeight(b []byte) (float64, bool) {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	for len(b) > 0 && (b[0] == ' ' || (b[0] >= '\t' && b[0] <= '\r')) {
		b = b[1:]
	}
	if len(b) == 0 {
		return 0, true // strtod parses nothing and stops at the end
	}
	if bytes.IndexByte(b, '_') >= 0 {
		return 0, false
	}
	s := string(b)
	body := s
	if body[0] == '+' || body[0] == '-' {
		body = body[1:]
	}
	hex := len(body) > 1 && body[0] == '0' && (body[1] == 'x' || body[1] == 'X')
	if hex && !bytes.ContainsAny([]byte(body), "pP") {
		s += "p0" // C accepts a hexadecimal float without exponent
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) {
		return 0, false
	}
	if f == 0 && !hex && !allZeroMantissa(body) {
		return 0, false // underflow to zero
	}
	if f != 0 && math.Abs(f) < 0x1p-1022 && !hex {
		return 0, false // subnormal: inexact underflow
	}
	return f, true
}

// allZeroMantissa reports whether a decimal number's digits before any
// exponent are all zero.
func allZeroMantissa(s string) bool {
	for i := 0; i < len(s); i++ {
		switch ch := s[i]; {
		case ch == 'e' || ch == 'E':
			return true
		case ch >= '1' && ch <= '9':
			return false
		}
	}
	return true
}
