package server

import (
	"bufio"
	"io"
	"math"
	"strconv"

	"github.com/shoaldb/shoal/datatypes"
	"github.com/shoaldb/shoal/persistence"
)

// A base in commands (aof-use-rdb-preamble no, appendonly.aof.N.base.aof):
// the snapshot is written as an RDB into a pipe and read back entry by
// entry, each turned into the commands that rebuild it, as Redis's
// rewriteAppendOnlyFileRio writes them.

// aofItemsPerCmd is Redis's AOF_REWRITE_ITEMS_PER_CMD.
const aofItemsPerCmd = 64

// writeCommandBase writes sn to w as commands.
func (s *Server) writeCommandBase(sn *snapshot, w io.Writer) error {
	pr, pw := io.Pipe()
	wrote := make(chan error, 1)
	go func() {
		err := sn.writeRDB(pw, true)
		pw.CloseWithError(err)
		wrote <- err
	}()
	cfg := s.config()
	lim := &persistence.Limits{
		SetMaxIntsetEntries:    cfg.SetMaxIntsetEntries,
		HashMaxListpackEntries: cfg.HashMaxListpackEntries,
		HashMaxListpackValue:   cfg.HashMaxListpackValue,
		ZSetMaxListpackEntries: cfg.ZSetMaxListpackEntries,
		ZSetMaxListpackValue:   cfg.ZSetMaxListpackValue,
		Seed:                   s.dbs[0].seed,
	}
	cw := &commandBase{w: bufio.NewWriterSize(w, 1<<16), db: -1}
	err := persistence.Load(pr, lim, cw)
	pr.CloseWithError(io.ErrClosedPipe) // stops the writer if Load ended early
	if werr := <-wrote; err == nil {
		err = werr
	}
	if err == nil {
		err = cw.err
	}
	if err == nil {
		err = cw.w.Flush()
	}
	return err
}

// commandBase is a persistence.Handler writing commands.
type commandBase struct {
	w   *bufio.Writer
	db  int
	buf []byte
	err error
}

func (b *commandBase) emit(args ...[]byte) {
	b.buf = persistence.AppendAOFCommand(b.buf[:0], args)
	if _, err := b.w.Write(b.buf); err != nil && b.err == nil {
		b.err = err
	}
}

func (b *commandBase) Aux(key, val []byte) error { return nil }

func (b *commandBase) Function(code []byte) error {
	b.emit([]byte("FUNCTION"), []byte("LOAD"), code)
	return b.err
}

func (b *commandBase) SelectDB(db int) error { return nil }

func (b *commandBase) ResizeDB(keys, expires uint64) {}

func (b *commandBase) Entry(db int, key []byte, exp int64, kind uint8, str []byte, obj any, idle int64, freq int) error {
	if db != b.db {
		b.emit([]byte("SELECT"), []byte(strconv.Itoa(db)))
		b.db = db
	}
	switch o := obj.(type) {
	case nil:
		b.emit([]byte("SET"), key, str)
	case *datatypes.List:
		b.batched("RPUSH", key, o.Len(), func(add func(...[]byte)) {
			for i := 0; i < o.Len(); i++ {
				add([]byte(o.Index(i)))
			}
		})
	case *datatypes.Set:
		b.batched("SADD", key, o.Len(), func(add func(...[]byte)) {
			o.Each(func(m []byte) bool { add(m); return true })
		})
	case *datatypes.ZSet:
		b.batched("ZADD", key, o.Len(), func(add func(...[]byte)) {
			o.Ascend(0, func(_ int, it datatypes.ZItem) bool {
				add(formatScore(it.Score), []byte(it.Member))
				return true
			})
		})
	case *datatypes.Hash:
		b.batched("HMSET", key, o.Len(), func(add func(...[]byte)) {
			o.Each(func(f, v []byte) bool { add(f, v); return true })
		})
	}
	if exp != 0 {
		b.emit([]byte("PEXPIREAT"), key, []byte(strconv.FormatInt(exp, 10)))
	}
	return b.err
}

// batched writes a collection as commands of at most aofItemsPerCmd
// items each.
func (b *commandBase) batched(name string, key []byte, n int, each func(add func(...[]byte))) {
	args := [][]byte{[]byte(name), key}
	left := n
	each(func(item ...[]byte) {
		for _, it := range item {
			// Copied: an intset's members are formatted into a scratch
			// buffer.
			args = append(args, append([]byte(nil), it...))
		}
		if (len(args)-2)/len(item) == min(aofItemsPerCmd, left) {
			b.emit(args...)
			left -= (len(args) - 2) / len(item)
			args = args[:2]
		}
	})
	if len(args) > 2 {
		b.emit(args...)
	}
}

// formatScore writes a score as Redis's "%.17g".
func formatScore(f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return []byte("inf")
	case math.IsInf(f, -1):
		return []byte("-inf")
	}
	return strconv.AppendFloat(nil, f, 'g', 17, 64)
}
