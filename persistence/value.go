package persistence

import (
	"encoding/binary"
	"errors"
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
// gives a quicklist node; listEntryOverhead is quicklist's estimate of an
// element's bytes beyond its own when it decides whether it fits.
const (
	listNodeLimit     = 8192
	listEntryOverhead = 8
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

// appendList writes a quicklist of listpack nodes, split where Redis's
// default list-max-listpack-size (-2: 8 KB) splits them. The nodes are
// built first, in scratch, as their number comes before them.
func (e *encoder) appendList(dst []byte, l *datatypes.List) []byte {
	var ends []int // where each node ends in scratch
	b := newLPBuilder(e.scratch[:0])
	for i := range l.Len() {
		s := strBytes(l.Index(i))
		if b.n > 0 && b.size()+len(s)+listEntryOverhead > listNodeLimit {
			b.finish()
			ends = append(ends, len(b.buf))
			b = lpBuilder{buf: b.buf, start: len(b.buf)}
			b.buf = append(b.buf, 0, 0, 0, 0, 0, 0)
		}
		b.add(s)
	}
	if b.n > 0 {
		b.finish()
		ends = append(ends, len(b.buf))
	}
	e.scratch = b.buf
	dst = AppendLen(dst, uint64(len(ends)))
	start := 0
	for _, end := range ends {
		dst = AppendString(AppendLen(dst, qlPacked), e.scratch[start:end], e.z)
		start = end
	}
	return dst
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

// strBytes views s as bytes without copying; they must not be changed.
func strBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }
