package persistence

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// RDB file opcodes (rdb.h).
const (
	opFunction2     = 245
	opFunctionPreGA = 246
	opModuleAux     = 247
	opIdle          = 248
	opFreq          = 249
	opAux           = 250
	opResizeDB      = 251
	opExpireTimeMS  = 252
	opExpireTime    = 253
	opSelectDB      = 254
	opEOF           = 255
)

// RDBVersion is the format version Shoal writes (Redis 7.0's).
const RDBVersion = 10

// writerFlush is the buffered size at which a Writer writes through.
const writerFlush = 64 << 10

// Writer writes an RDB file: Header, then Aux fields, Functions, and per
// database SelectDB and its Entries, then Finish. The first error sticks
// and is returned by every later call.
type Writer struct {
	w        io.Writer
	enc      encoder
	checksum bool
	crc      uint64
	buf      []byte
	err      error
}

// NewWriter writes to w, compressing strings with LZF when compress is
// set (rdbcompression) and ending with a CRC-64 when checksum is set
// (rdbchecksum).
func NewWriter(w io.Writer, compress, checksum bool) *Writer {
	wr := &Writer{w: w, checksum: checksum, buf: make([]byte, 0, writerFlush+4096)}
	if compress {
		wr.enc.z = new(LZF)
	}
	return wr
}

// flush writes the buffer through once it is big enough, or always when
// force is set.
func (w *Writer) flush(force bool) error {
	if w.err != nil || (!force && len(w.buf) < writerFlush) {
		return w.err
	}
	if w.checksum {
		w.crc = CRC64(w.crc, w.buf)
	}
	if _, err := w.w.Write(w.buf); err != nil {
		w.err = err
	}
	w.buf = w.buf[:0]
	return w.err
}

// Header writes the magic string and version.
func (w *Writer) Header() error {
	w.buf = append(w.buf, "REDIS0010"...)
	return w.flush(false)
}

// Aux writes an auxiliary field as rdbSaveAuxField does: both strings
// integer-encoded when they are integers (redis-bits, ctime, used-mem...).
func (w *Writer) Aux(key, val string) error {
	w.buf = append(w.buf, opAux)
	w.buf = AppendString(w.buf, strBytes(key), w.enc.z)
	w.buf = AppendString(w.buf, strBytes(val), w.enc.z)
	return w.flush(false)
}

// Function writes one function library's code.
func (w *Writer) Function(code string) error {
	w.buf = AppendString(append(w.buf, opFunction2), strBytes(code), w.enc.z)
	return w.flush(false)
}

// SelectDB starts database db, which holds keys keys of which expires
// have a TTL.
func (w *Writer) SelectDB(db int, keys, expires uint64) error {
	w.buf = AppendLen(append(w.buf, opSelectDB), uint64(db))
	w.buf = AppendLen(append(w.buf, opResizeDB), keys)
	w.buf = AppendLen(w.buf, expires)
	return w.flush(false)
}

// Entry writes a key and its value (see AppendValue); expireMs, when not
// zero, is its expiry time in Unix milliseconds.
func (w *Writer) Entry(key []byte, expireMs int64, kind uint8, str []byte, obj any) error {
	if expireMs != 0 {
		w.buf = binary.LittleEndian.AppendUint64(append(w.buf, opExpireTimeMS), uint64(expireMs))
	}
	t := valueType(obj)
	w.buf = AppendString(append(w.buf, t), key, w.enc.z)
	w.buf = w.enc.appendBody(w.buf, t, str, obj)
	return w.flush(false)
}

// Raw writes bytes already encoded.
func (w *Writer) Raw(b []byte) error {
	w.buf = append(w.buf, b...)
	return w.flush(false)
}

// Finish writes the EOF opcode and the checksum (zeros when checksums are
// off) and flushes.
func (w *Writer) Finish() error {
	w.buf = append(w.buf, opEOF)
	if err := w.flush(true); err != nil {
		return err
	}
	var crc uint64
	if w.checksum {
		crc = w.crc
	}
	w.buf = binary.LittleEndian.AppendUint64(w.buf, crc)
	return w.flush(true)
}

// Handler receives what Load reads. Byte slices passed to it may alias
// the reader's buffer and are valid only during the call: a handler
// copies what it keeps. Returning an error stops the load.
type Handler interface {
	Aux(key, val []byte) error
	Function(code []byte) error
	SelectDB(db int) error
	ResizeDB(keys, expires uint64)
	// Entry is one key: expireMs is its expiry in Unix milliseconds (0:
	// none), idle its LRU idle time in seconds (-1: not saved), freq its
	// LFU counter (-1: not saved).
	Entry(db int, key []byte, expireMs int64, kind uint8, str []byte, obj any, idle int64, freq int) error
}

// ErrChecksum is returned for a file whose CRC-64 does not match.
var ErrChecksum = errors.New("wrong RDB checksum")

// Load reads an RDB file of version 1 to 10, checking its checksum, and
// hands its contents to h. Empty collections are skipped, as Redis does.
func Load(src io.Reader, lim *Limits, h Handler) error {
	r := NewStreamReader(src)
	err := load(r, lim, h)
	if rerr := r.Err(); rerr != nil {
		return rerr
	}
	return err
}

var errShortRead = errors.New("short read or OOM loading DB. Unrecoverable error, aborting now")

func load(r *Reader, lim *Limits, h Handler) error {
	magic, ok := r.next(9)
	if !ok || string(magic[:5]) != "REDIS" {
		return errors.New("wrong signature trying to load DB from file")
	}
	version, err := strconv.Atoi(string(magic[5:]))
	if err != nil || version < 1 || version > RDBVersion {
		return fmt.Errorf("can't handle RDB format version %s", magic[5:])
	}
	d := decoder{r: r, lim: lim}
	var key []byte
	db := 0
	expire, idle, freq := int64(0), int64(-1), -1
	for {
		t, ok := r.ReadType()
		if !ok {
			return errShortRead
		}
		switch t {
		case opExpireTimeMS:
			p, ok := r.next(8)
			if !ok {
				return errShortRead
			}
			expire = int64(binary.LittleEndian.Uint64(p))
			continue
		case opExpireTime:
			p, ok := r.next(4)
			if !ok {
				return errShortRead
			}
			expire = int64(int32(binary.LittleEndian.Uint32(p))) * 1000
			continue
		case opFreq:
			p, ok := r.next(1)
			if !ok {
				return errShortRead
			}
			freq = int(p[0])
			continue
		case opIdle:
			n, err := d.length()
			if err != nil {
				return errShortRead
			}
			idle = int64(min(n, 1<<62))
			continue
		case opEOF:
			return checkCRC(r, version)
		case opSelectDB:
			n, err := d.length()
			if err != nil {
				return errShortRead
			}
			db = int(min(n, 1<<31))
			if err := h.SelectDB(db); err != nil {
				return err
			}
			continue
		case opResizeDB:
			keys, err1 := d.length()
			expires, err2 := d.length()
			if err1 != nil || err2 != nil {
				return errShortRead
			}
			h.ResizeDB(keys, expires)
			continue
		case opAux:
			k, err := d.str()
			if err != nil {
				return errShortRead
			}
			key = append(key[:0], k...)
			v, err := d.str()
			if err != nil {
				return errShortRead
			}
			if err := h.Aux(key, v); err != nil {
				return err
			}
			continue
		case opModuleAux:
			return errors.New("modules are not supported")
		case opFunction2:
			code, err := d.str()
			if err != nil {
				return errShortRead
			}
			if err := h.Function(code); err != nil {
				return err
			}
			continue
		case opFunctionPreGA:
			code, err := readPreGAFunction(&d)
			if err != nil {
				return err
			}
			if err := h.Function(code); err != nil {
				return err
			}
			continue
		}
		k, err := d.str()
		if err != nil {
			return errShortRead
		}
		key = append(key[:0], k...)
		kind, str, obj, err := d.value(t)
		switch {
		case errors.Is(err, ErrEmptyKey):
		case err != nil:
			return fmt.Errorf("key %q: %w", key, err)
		default:
			if err := h.Entry(db, key, expire, kind, str, obj, idle, freq); err != nil {
				return err
			}
		}
		expire, idle, freq = 0, -1, -1
	}
}

// readPreGAFunction reads a library saved by Redis 7.0's release
// candidates (name, engine, optional description, code) as the code
// FUNCTION LOAD would take.
func readPreGAFunction(d *decoder) ([]byte, error) {
	var parts [2][]byte
	for i := range parts {
		s, err := d.str()
		if err != nil {
			return nil, errShortRead
		}
		parts[i] = append([]byte(nil), s...)
	}
	hasDesc, err := d.length()
	if err != nil {
		return nil, errShortRead
	}
	if hasDesc != 0 {
		if _, err := d.str(); err != nil {
			return nil, errShortRead
		}
	}
	body, err := d.str()
	if err != nil {
		return nil, errShortRead
	}
	return fmt.Appendf(nil, "#!%s name=%s\n%s", parts[1], parts[0], body), nil
}

// checkCRC reads the checksum that follows EOF (version 5 on) and checks
// it against the bytes before it; a stored zero means none was computed.
func checkCRC(r *Reader, version int) error {
	if version < 5 {
		return nil
	}
	want := r.CRC()
	p, ok := r.next(8)
	if !ok {
		return errShortRead
	}
	if got := binary.LittleEndian.Uint64(p); got != 0 && got != want {
		return fmt.Errorf("%w expected: (%x) got (%x)", ErrChecksum, want, got)
	}
	return nil
}
