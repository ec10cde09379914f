package persistence

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/shoaldb/shoal/datatypes"
)

// Reading values: every value type Redis 7.0 can load, built in the
// encoding Redis would give it under the configured limits.

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
