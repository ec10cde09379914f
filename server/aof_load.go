package server

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/shoaldb/shoal/persistence"
)

// Loading the AOF at start-up, as Redis 7.0's loadAppendOnlyFiles: the
// base, then every incremental file in the manifest's order. A file may
// end with a torn command only if it is the last one, and then it is
// cut back to its last complete command when aof-load-truncated is yes.

// errAOFTorn reports a file that ends inside a command.
var errAOFTorn = errors.New("torn tail")

// loadAOFAtStart loads the data from the AOF (never from the RDB file,
// as Redis 7.0 with appendonly yes), then opens it for appending.
func (s *Server) loadAOFAtStart() error {
	// LOADING until the AOF is open for appending: a write accepted
	// before would be in no file.
	s.persist.loading.Store(true)
	defer s.persist.loading.Store(false)
	m, err := s.readManifest()
	if err != nil {
		return err
	}
	if m, err = s.upgradeOldAOF(m); err != nil {
		return err
	}
	if m != nil && (m.Base != nil || len(m.Incr) > 0) {
		if err := s.loadAOFFiles(m); err != nil {
			return err
		}
	}
	return s.openAOFAtStart(m)
}

// loadAOFFiles replays the base and incremental files of m.
func (s *Server) loadAOFFiles(m *persistence.Manifest) error {
	files := m.Incr
	if m.Base != nil {
		files = append([]persistence.AOFFile{*m.Base}, files...)
	}
	var total int64
	for _, f := range files {
		st, err := os.Stat(s.aofPath(f.Name))
		if err != nil {
			s.log.Warning("Unable to obtain the AOF file %s length. stat: %s", f.Name, errnoText(err))
			return fmt.Errorf("Fatal error: the AOF file %s listed in the manifest can't be read: %s", f.Name, errnoText(err))
		}
		total += st.Size()
	}
	if total == 0 {
		return nil
	}
	p := &s.persist
	p.mu.Lock()
	p.loadStart = time.Now()
	p.loadTotal = total
	p.loadDone.Store(0)
	p.mu.Unlock()
	start := time.Now()
	for i, f := range files {
		last := i == len(files)-1
		t0 := time.Now()
		kind := "incr"
		if f.Type == persistence.AOFBase {
			kind = "base"
		}
		if err := s.loadAOFFile(f.Name, last); err != nil {
			return err
		}
		s.log.Notice("DB loaded from %s file %s: %.3f seconds", kind, f.Name, time.Since(t0).Seconds())
		if f.Type == persistence.AOFBase {
			if st, err := os.Stat(s.aofPath(f.Name)); err == nil {
				s.aof.baseSize.Store(st.Size())
			}
		}
	}
	// Sizes after any truncation.
	var size int64
	for _, f := range files {
		if st, err := os.Stat(s.aofPath(f.Name)); err == nil {
			size += st.Size()
		}
	}
	s.aof.loadedSize = size
	s.dirty.Store(0)
	s.log.Notice("DB loaded from append only file: %.3f seconds", time.Since(start).Seconds())
	return nil
}

// loadAOFFile replays one file: an RDB (a base with the RDB preamble) or
// commands.
func (s *Server) loadAOFFile(name string, last bool) error {
	path := s.aofPath(name)
	f, err := os.Open(path)
	if err != nil {
		s.log.Warning("Fatal error: can't open the append log file %s for reading: %s", name, errnoText(err))
		return fmt.Errorf("Fatal error: can't open the append log file %s for reading: %s", name, errnoText(err))
	}
	defer f.Close()
	br := bufio.NewReaderSize(countingReader{f, &s.persist.loadDone}, 1<<20)
	var preamble int64 // the RDB preamble's length, before the commands
	if sig, _ := br.Peek(5); string(sig) == "REDIS" {
		// An old single-file AOF (named appendfilename) may continue with
		// commands after its RDB preamble: the RDB is then read a byte
		// at a time, so that not one byte past its end is consumed.
		oldStyle := name == s.config().AppendFilename
		var src io.Reader = br
		if oldStyle {
			s.log.Notice("Reading RDB preamble from AOF file...")
			src = &exactReader{r: br}
		} else {
			s.log.Notice("Reading RDB base file on AOF loading...")
		}
		if err := s.loadRDB(src); err != nil {
			what := "the RDB base file"
			if oldStyle {
				what = "the RDB preamble of the AOF file"
			}
			s.log.Warning("Error reading %s %s, AOF loading aborted", what, name)
			return fmt.Errorf("Error reading %s %s, AOF loading aborted: %v", what, name, err)
		}
		if !oldStyle {
			return nil
		}
		preamble = src.(*exactReader).n
		s.log.Notice("Reading the remaining AOF tail...")
	}
	valid, err := s.replayCommands(name, br)
	valid += preamble
	if err == nil {
		return nil
	}
	if err != errAOFTorn {
		return err
	}
	cfg := s.config()
	if aofOption(cfg, "aof-load-truncated") != "no" {
		s.log.Warning("!!! Warning: short read while loading the AOF file %s!!!", name)
		s.log.Warning("!!! Truncating the AOF %s at offset %d !!!", name, valid)
		if err := os.Truncate(path, valid); err != nil {
			s.log.Warning("Error truncating the AOF file %s: %s", name, errnoText(err))
		} else {
			s.log.Warning("AOF %s loaded anyway because aof-load-truncated is enabled", name)
			if !last {
				s.log.Warning("Fatal error: the truncated file is not the last file")
				return fmt.Errorf("Fatal error: the truncated file %s is not the last file", name)
			}
			return nil
		}
	}
	msg := fmt.Sprintf("Unexpected end of file reading the append only file %s. You can: "+
		"1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. "+
		"2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server.", name)
	s.log.Warning("%s", msg)
	return errors.New(msg)
}

// replayCommands runs a file's commands through a client with no
// connection. On a torn tail it returns errAOFTorn and the offset to cut
// the file at (before an unfinished MULTI).
func (s *Server) replayCommands(name string, r io.Reader) (valid int64, err error) {
	c := s.newInternalClient()
	c.noProp = true   // nothing is propagated while loading
	c.blk.deny = true // never blocks
	defer c.releaseHeld()
	rd := persistence.NewAOFReader(r)
	var beforeMulti int64
	for {
		at := rd.Offset()
		args, err := rd.Next()
		switch {
		case err == io.EOF:
			if c.has(clientMulti) {
				s.log.Warning("Revert incomplete MULTI/EXEC transaction in AOF file %s", name)
				c.discardTransaction()
				return beforeMulti, errAOFTorn
			}
			return rd.Offset(), nil
		case err == persistence.ErrAOFTruncated:
			if c.has(clientMulti) {
				c.discardTransaction()
				return beforeMulti, errAOFTorn
			}
			return rd.Offset(), errAOFTorn
		case err != nil:
			var fe *persistence.AOFFormatError
			if errors.As(err, &fe) {
				s.log.Warning("Bad file format reading the append only file %s: make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>", name)
				return 0, fmt.Errorf("Bad file format reading the append only file %s at offset %d (%s): make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>", name, fe.Offset, fe.Msg)
			}
			s.log.Warning("Unrecoverable error reading the append only file %s: %s", name, errnoText(err))
			return 0, fmt.Errorf("Unrecoverable error reading the append only file %s: %s", name, errnoText(err))
		}
		cmd := s.scriptCommand(c, args)
		if cmd == nil {
			s.log.Warning("Unknown command '%s' reading the append only file %s", args[0], name)
			return 0, fmt.Errorf("Unknown command '%s' reading the append only file %s at offset %d", args[0], name, at)
		}
		if (cmd.Arity > 0 && len(args) != cmd.Arity) || len(args) < -cmd.Arity {
			s.log.Warning("Bad file format reading the append only file %s: make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>", name)
			return 0, fmt.Errorf("Bad file format reading the append only file %s at offset %d (wrong number of arguments for '%s')", name, at, args[0])
		}
		if cmd.Name == "multi" {
			beforeMulti = at
		}
		c.args = args
		c.errored = false
		if c.has(clientMulti) && queuedInMulti(cmd) {
			c.queue(cmd)
		} else {
			c.call(cmd)
		}
		c.args = nil
		c.out = c.out[:0]
	}
}

// exactReader hands out one byte per Read, so a reader that reads only
// what it needs stops exactly at the end of what it parses.
type exactReader struct {
	r *bufio.Reader
	n int64 // bytes read
}

func (e *exactReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	c, err := e.r.ReadByte()
	if err != nil {
		return 0, err
	}
	p[0] = c
	e.n++
	return 1, nil
}
