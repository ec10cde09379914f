package persistence

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/maphash"
	"math"
	"strconv"
	"unsafe"

	"github.com/shoaldb/shoal/datatypes"
)

// Kinds of values, numbered as the server's Entry types.
const (
	KindString uint8 = 0
	KindList   uint8 = 1
	KindSet    uint8 = 2
	KindZSet   uint8 = 3
	KindHash   uint8 = 4
)

// RDB value types (rdb.h).
const (
	TypeString          = 0
	TypeList            = 1
	TypeSet             = 2
	TypeZSet            = 3
	TypeHash            = 4
	TypeZSet2           = 5
	TypeModulePreGA     = 6
	TypeModule2         = 7
	TypeHashZipmap      = 9
	TypeListZiplist     = 10
	TypeSetIntset       = 11
	TypeZSetZiplist     = 12
	TypeHashZiplist     = 13
	TypeListQuicklist   = 14
	TypeStreamListpacks = 15
	TypeHashListpack    = 16
	TypeZSetListpack    = 17
	TypeListQuicklist2  = 18
	TypeStream2         = 19
)

// Quicklist node containers in TypeListQuicklist2.
const (
	qlPlain  = 1
	qlPacked = 2
)

// listNodeLimit is the size Redis's default list-max-listpack-size (-2)
// gives a quicklist node; listNodeOverhead is its per-entry estimate.
const (
	listNodeLimit    = 8192
	listNodeOverhead = 8
)

// ErrEmptyKey is what ReadValue returns for a well-formed but empty
// collection: RESTORE rejects it, loading a file skips the key.
var ErrEmptyKey = errors.New("empty keys are not allowed")

var errBadValue = errors.New("bad data format")

// Limits are the configuration that decides the encoding a loaded value
// gets, as it does for a value built by commands.
type Limits struct {
	SetMaxIntsetEntries    int64
	HashMaxListpackEntries int64
	HashMaxListpackValue   int64
	ZSetMaxListpackEntries int64
	ZSetMaxListpackValue   int64
	Seed                   maphash.Seed // for sets and sorted sets
}

// DefaultLimits are Redis's defaults.
func DefaultLimits(seed maphash.Seed) *Limits {
	return &Limits{512, 512, 64, 128, 64, seed}
}

// encoder holds what value encoding reuses between values.
type encoder struct {
	z       *LZF   // nil: no compression
	scratch []byte // listpacks and intsets being built
}

// AppendValue appends the RDB type byte and the value, as Redis 7.0
// writes a value of the same encoding. z compresses strings (nil: no
// compression). kind is the server's Entry type; str is a string's bytes,
// obj a collection (*datatypes.List, *Set, *ZSet, *Hash).
func AppendValue(dst []byte, kind uint8, str []byte, obj any, z *LZF) []byte {
	e := encoder{z: z}
	return e.appendValue(dst, kind, str, obj)
}

func (e *encoder) appendValue(dst []byte, kind uint8, str []byte, obj any) []byte {
	t := valueType(obj)
	return e.appendBody(append(dst, t), t, str, obj)
}

// valueType is the RDB type Redis saves a value of obj's encoding as.
func valueType(obj any) byte {
	switch v := obj.(type) {
	case *datatypes.List:
		return TypeListQuicklist2
	case *datatypes.Set:
		if v.IsIntset() {
			return TypeSetIntset
		}
		return TypeSet
	case *datatypes.Hash:
		if v.Encoding() == "listpack" {
			return TypeHashListpack
		}
		return TypeHash
	case *datatypes.ZSet:
		if v.Encoding() == "listpack" {
			return TypeZSetListpack
		}
		return TypeZSet2
	}
	return TypeString
}

// appendBody appends a value of RDB type t without the type byte.
func (e *encoder) appendBody(dst []byte, t byte, str []byte, obj any) []byte {
	switch t {
	case TypeListQuicklist2:
		return e.appendList(dst, obj.(*datatypes.List))
	case TypeSetIntset:
		v := obj.(*datatypes.Set)
		ints := make([]int64, 0, v.Len())
		v.Each(func(m []byte) bool {
			n, _ := strconv.ParseInt(string(m), 10, 64)
			ints = append(ints, n)
			return true
		})
		e.scratch = appendIntset(e.scratch[:0], ints)
		return AppendString(dst, e.scratch, e.z)
	case TypeSet:
		v := obj.(*datatypes.Set)
		dst = AppendLen(dst, uint64(v.Len()))
		v.Each(func(m []byte) bool {
			dst = AppendString(dst, m, e.z)
			return true
		})
		return dst
	case TypeHashListpack:
		b := newLPBuilder(e.scratch[:0])
		obj.(*datatypes.Hash).Each(func(f, val []byte) bool {
			b.add(f)
			b.add(val)
			return true
		})
		e.scratch = b.finish()
		return AppendString(dst, e.scratch, e.z)
	case TypeHash:
		v := obj.(*datatypes.Hash)
		dst = AppendLen(dst, uint64(v.Len()))
		v.Each(func(f, val []byte) bool {
			dst = AppendString(dst, f, e.z)
			dst = AppendString(dst, val, e.z)
			return true
		})
		return dst
	case TypeZSetListpack:
		b := newLPBuilder(e.scratch[:0])
		var num [32]byte
		obj.(*datatypes.ZSet).Ascend(0, func(_ int, it datatypes.ZItem) bool {
			b.add(strBytes(it.Member))
			b.add(appendScore(num[:0], it.Score))
			return true
		})
		e.scratch = b.finish()
		return AppendString(dst, e.scratch, e.z)
	case TypeZSet2:
		// Redis walks its skiplist from the highest score down.
		v := obj.(*datatypes.ZSet)
		dst = AppendLen(dst, uint64(v.Len()))
		v.Descend(v.Len()-1, func(_ int, it datatypes.ZItem) bool {
			dst = AppendString(dst, strBytes(it.Member), e.z)
			dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(it.Score))
			return true
		})
		return dst
	}
	return AppendString(dst, str, e.z)
}

// appendList writes a quicklist of listpack nodes, splitting where
// Redis's default node size would.
func (e *encoder) appendList(dst []byte, l *datatypes.List) []byte {
	// Count the nodes first: the count comes before them.
	nodes, size := 0, listNodeLimit
	for i := range l.Len() {
		n := len(l.Index(i))
		if size+n+listNodeOverhead > listNodeLimit {
			nodes, size = nodes+1, lpHeaderLen+1
		}
		size += lpEntrySize(n)
	}
	dst = AppendLen(dst, uint64(nodes))
	b := newLPBuilder(e.scratch[:0])
	for i := range l.Len() {
		s := strBytes(l.Index(i))
		if b.n > 0 && b.size()-1+len(s)+listNodeOverhead > listNodeLimit {
			e.scratch = b.finish()
			dst = AppendString(AppendLen(dst, qlPacked), e.scratch, e.z)
			b = newLPBuilder(e.scratch[:0])
		}
		b.add(s)
	}
	if b.n > 0 {
		e.scratch = b.finish()
		dst = AppendString(AppendLen(dst, qlPacked), e.scratch, e.z)
	}
	return dst
}

// lpEntrySize bounds the listpack bytes of an n-byte element from above
// (integers take less), which is all node splitting needs.
func lpEntrySize(n int) int {
	h := 5
	switch {
	case n < 64:
		h = 1
	case n < 4096:
		h = 2
	}
	return h + n + backlenSize(h+n)
}

// appendScore formats a score as Redis's d2string does for a listpack.
func appendScore(dst []byte, f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(dst, "inf"...)
	case math.IsInf(f, -1):
		return append(dst, "-inf"...)
	case f == 0:
		return append(dst, '0')
	case f > -(1<<52) && f < 1<<52 && f == math.Trunc(f):
		return strconv.AppendInt(dst, int64(f), 10)
	}
	return strconv.AppendFloat(dst, f, 'g', 17, 64)
}

// ReadValue reads a value of RDB type t, building it in the encoding
// Redis would give it under lim. A string's str may alias the reader's
// buffer. Malformed input is an error, an empty collection ErrEmptyKey.
func ReadValue(r *Reader, t byte, lim *Limits) (kind uint8, str []byte, obj any, err error) {
	d := decoder{r: r, lim: lim}
	return d.value(t)
}

// decoder reads values; field keeps a hash field or zset member while
// its value is read (a stream reader may reuse the buffer).
type decoder struct {
	r     *Reader
	lim   *Limits
	field []byte
}

func (d *decoder) str() ([]byte, error) {
	s, ok := d.r.ReadString()
	if !ok {
		return nil, errBadValue
	}
	return s, nil
}

func (d *decoder) length() (uint64, error) {
	n, enc, ok := d.r.ReadLen()
	if !ok || enc {
		return 0, errBadValue
	}
	return n, nil
}

func (d *decoder) value(t byte) (uint8, []byte, any, error) {
	switch t {
	case TypeString:
		s, err := d.str()
		return KindString, s, nil, err
	case TypeList:
		return d.plainList()
	case TypeSet:
		return d.plainSet()
	case TypeZSet, TypeZSet2:
		return d.plainZSet(t == TypeZSet2)
	case TypeHash:
		return d.plainHash()
	case TypeListQuicklist, TypeListQuicklist2:
		return d.quicklist(t == TypeListQuicklist2)
	case TypeHashZipmap, TypeListZiplist, TypeSetIntset, TypeZSetZiplist,
		TypeHashZiplist, TypeHashListpack, TypeZSetListpack:
		blob, err := d.str()
		if err != nil {
			return 0, nil, nil, err
		}
		return d.blob(t, blob)
	case TypeStreamListpacks, TypeStream2:
		return 0, nil, nil, errors.New("streams are not supported yet")
	case TypeModulePreGA, TypeModule2:
		return 0, nil, nil, errors.New("modules are not supported")
	}
	return 0, nil, nil, fmt.Errorf("unknown RDB encoding type %d", t)
}

// count reads a collection's length, which must not be zero.
func (d *decoder) count() (uint64, error) {
	n, err := d.length()
	if err == nil && n == 0 {
		err = ErrEmptyKey
	}
	return n, err
}

func (d *decoder) plainList() (uint8, []byte, any, error) {
	n, err := d.count()
	if err != nil {
		return 0, nil, nil, err
	}
	l := datatypes.NewList()
	for ; n > 0; n-- {
		s, err := d.str()
		if err != nil {
			return 0, nil, nil, err
		}
		l.PushBack(s)
	}
	return KindList, nil, l, nil
}

var errDupMember = errors.New("duplicate set members detected")

func (d *decoder) plainSet() (uint8, []byte, any, error) {
	n, err := d.count()
	if err != nil {
		return 0, nil, nil, err
	}
	// Too many members for an intset: a hashtable from the start.
	maxIntset := d.lim.SetMaxIntsetEntries
	if n > uint64(min(max(maxIntset, 0), 1<<30)) {
		maxIntset = 0
	}
	s := datatypes.NewSet(d.lim.Seed)
	for ; n > 0; n-- {
		m, err := d.str()
		if err != nil {
			return 0, nil, nil, err
		}
		if !s.Add(m, maxIntset) {
			return 0, nil, nil, errDupMember
		}
	}
	return KindSet, nil, s, nil
}

var errDupField = errors.New("duplicate hash fields or zset members detected")

func (d *decoder) plainZSet(binary2 bool) (uint8, []byte, any, error) {
	n, err := d.count()
	if err != nil {
		return 0, nil, nil, err
	}
	z := datatypes.NewZSet(d.lim.Seed)
	z.ToSkiplist()
	for ; n > 0; n-- {
		m, err := d.str()
		if err != nil {
			return 0, nil, nil, err
		}
		d.field = append(d.field[:0], m...)
		var score float64
		if binary2 {
			p, ok := d.r.next(8)
			if !ok {
				return 0, nil, nil, errBadValue
			}
			score = math.Float64frombits(binary.LittleEndian.Uint64(p))
		} else if score, err = d.asciiDouble(); err != nil {
			return 0, nil, nil, err
		}
		if math.IsNaN(score) {
			return 0, nil, nil, errors.New("zset with NAN score detected")
		}
		if !z.Set(d.field, score, datatypes.ZLimits{}) {
			return 0, nil, nil, errDupField
		}
	}
	// Sorted sets are not saved in order: convert once loaded.
	z.FitSmall(datatypes.ZLimits{MaxEntries: d.lim.ZSetMaxListpackEntries, MaxValue: d.lim.ZSetMaxListpackValue})
	return KindZSet, nil, z, nil
}

// asciiDouble reads RDB_TYPE_ZSET's score: a length byte (253 nan, 254
// +inf, 255 -inf) and that many characters.
func (d *decoder) asciiDouble() (float64, error) {
	n, ok := d.r.ReadType()
	if !ok {
		return 0, errBadValue
	}
	switch n {
	case 253:
		return math.NaN(), nil
	case 254:
		return math.Inf(1), nil
	case 255:
		return math.Inf(-1), nil
	}
	p, ok := d.r.next(uint64(n))
	if !ok {
		return 0, errBadValue
	}
	f, err := strconv.ParseFloat(string(p), 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, errBadValue
	}
	return f, nil
}

func (d *decoder) plainHash() (uint8, []byte, any, error) {
	n, err := d.count()
	if err != nil {
		return 0, nil, nil, err
	}
	maxEntries, maxValue := int(d.lim.HashMaxListpackEntries), int(d.lim.HashMaxListpackValue)
	if n > uint64(max(maxEntries, 0)) {
		maxEntries = 0 // a hashtable from the start
	}
	h := datatypes.NewHash()
	for ; n > 0; n-- {
		f, err := d.str()
		if err != nil {
			return 0, nil, nil, err
		}
		d.field = append(d.field[:0], f...)
		v, err := d.str()
		if err != nil {
			return 0, nil, nil, err
		}
		if !h.Set(d.field, v, maxEntries, maxValue) {
			return 0, nil, nil, errDupField
		}
	}
	return KindHash, nil, h, nil
}

func (d *decoder) quicklist(v2 bool) (uint8, []byte, any, error) {
	nodes, err := d.count()
	if err != nil {
		return 0, nil, nil, err
	}
	l := datatypes.NewList()
	push := func(s []byte) error { l.PushBack(s); return nil }
	for ; nodes > 0; nodes-- {
		container := uint64(qlPacked)
		if v2 {
			if container, err = d.length(); err != nil {
				return 0, nil, nil, err
			}
			if container != qlPacked && container != qlPlain {
				return 0, nil, nil, errors.New("quicklist integrity check failed")
			}
		}
		data, err := d.str()
		if err != nil {
			return 0, nil, nil, err
		}
		if len(data) == 0 {
			return 0, nil, nil, errBadValue
		}
		switch {
		case container == qlPlain:
			l.PushBack(data)
		case v2:
			_, err = walkListpack(data, push)
		default:
			_, err = walkZiplist(data, push)
		}
		if err != nil {
			return 0, nil, nil, err
		}
	}
	if l.Len() == 0 {
		return 0, nil, nil, ErrEmptyKey
	}
	return KindList, nil, l, nil
}

// blob decodes the value types stored as one string.
func (d *decoder) blob(t byte, b []byte) (uint8, []byte, any, error) {
	lim := d.lim
	switch t {
	case TypeListZiplist:
		l := datatypes.NewList()
		n, err := walkZiplist(b, func(s []byte) error { l.PushBack(s); return nil })
		if err == nil && n == 0 {
			err = ErrEmptyKey
		}
		return KindList, nil, l, err
	case TypeSetIntset:
		n, err := walkIntset(b, func([]byte) error { return nil })
		if err != nil {
			return 0, nil, nil, err
		}
		maxIntset := lim.SetMaxIntsetEntries
		if int64(n) > maxIntset {
			maxIntset = 0
		}
		s := datatypes.NewSet(lim.Seed)
		_, err = walkIntset(b, func(m []byte) error { s.Add(m, maxIntset); return nil })
		return KindSet, nil, s, err
	case TypeHashZipmap, TypeHashZiplist, TypeHashListpack:
		return d.pairs(t, b, func(n int) pairSink {
			h := datatypes.NewHash()
			// Zipmaps also convert for long values; the others only when
			// there are too many fields.
			maxEntries, maxValue := int(lim.HashMaxListpackEntries), math.MaxInt
			if t == TypeHashZipmap {
				maxValue = int(lim.HashMaxListpackValue)
			}
			if n > maxEntries {
				maxEntries = 0
			}
			return pairSink{h, func(f, v []byte) bool { return h.Set(f, v, maxEntries, maxValue) }}
		})
	case TypeZSetZiplist, TypeZSetListpack:
		return d.pairs(t, b, func(n int) pairSink {
			z := datatypes.NewZSet(lim.Seed)
			zl := datatypes.ZLimits{MaxEntries: math.MaxInt64, MaxValue: math.MaxInt64}
			if int64(n) > lim.ZSetMaxListpackEntries {
				z.ToSkiplist()
			}
			return pairSink{z, func(m, v []byte) bool {
				score, err := strconv.ParseFloat(string(v), 64)
				if err != nil && !errors.Is(err, strconv.ErrRange) || math.IsNaN(score) {
					return false
				}
				return z.Set(m, score, zl)
			}}
		})
	}
	return 0, nil, nil, errBadValue
}

// pairSink receives the pairs of a hash or sorted set blob; add reports
// false for a duplicate or a bad score.
type pairSink struct {
	obj any
	add func(a, b []byte) bool
}

// pairs validates a blob of alternating fields and values, then builds
// the value with the sink made for its number of pairs.
func (d *decoder) pairs(t byte, b []byte, sink func(pairs int) pairSink) (uint8, []byte, any, error) {
	walk := walkListpack
	switch t {
	case TypeHashZipmap:
		walk = walkZipmap
	case TypeHashZiplist, TypeZSetZiplist:
		walk = walkZiplist
	}
	n, err := walk(b, nil)
	if t == TypeHashZipmap {
		n *= 2 // walkZipmap counts pairs
	}
	switch {
	case err != nil:
		return 0, nil, nil, err
	case n%2 != 0:
		return 0, nil, nil, errBadValue
	case n == 0:
		return 0, nil, nil, ErrEmptyKey
	}
	s := sink(n / 2)
	first := true
	_, err = walk(b, func(e []byte) error {
		if first {
			d.field = append(d.field[:0], e...)
		} else if !s.add(d.field, e) {
			return errDupField
		}
		first = !first
		return nil
	})
	if err != nil {
		return 0, nil, nil, err
	}
	kind := KindHash
	if t == TypeZSetZiplist || t == TypeZSetListpack {
		kind = KindZSet
	}
	return kind, nil, s.obj, nil
}

// strBytes views s as bytes without copying; they must not be changed.
func strBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }
