package server

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/shoaldb/shoal/persistence"
)

// The AOF's files: the directory, the manifest and its safe replacement,
// naming, and opening at start-up.

// aofOption reads an AOF directive Shoal keeps among the passive ones.
func aofOption(cfg *Config, name string) string { return cfg.other[name] }

// aofDir is dir/appenddirname.
func (s *Server) aofDir() string {
	cfg := s.config()
	return filepath.Join(cfg.Dir, aofOption(cfg, "appenddirname"))
}

func (s *Server) aofPath(name string) string { return filepath.Join(s.aofDir(), name) }

func (s *Server) manifestName() string { return s.config().AppendFilename + ".manifest" }

// baseName is the base file's name: an RDB, or commands with
// aof-use-rdb-preamble no.
func (s *Server) baseName(seq int64) string {
	cfg := s.config()
	suffix := ".base.rdb"
	if aofOption(cfg, "aof-use-rdb-preamble") == "no" {
		suffix = ".base.aof"
	}
	return cfg.AppendFilename + "." + strconv.FormatInt(seq, 10) + suffix
}

func (s *Server) incrName(seq int64) string {
	return s.config().AppendFilename + "." + strconv.FormatInt(seq, 10) + ".incr.aof"
}

// readManifest loads the manifest, or returns nil when there is none.
func (s *Server) readManifest() (*persistence.Manifest, error) {
	data, err := os.ReadFile(s.aofPath(s.manifestName()))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("Fatal error: can't open the AOF manifest file %s for reading: %s", s.manifestName(), errnoText(err))
	}
	m, err := persistence.ParseManifest(data)
	if err != nil {
		s.log.Warning("*** FATAL AOF MANIFEST FILE ERROR ***")
		var me *persistence.ManifestError
		if errors.As(err, &me) && me.Line > 0 {
			s.log.Warning("Reading the manifest file, at line %d", me.Line)
			s.log.Warning(">>> '%s'", me.Text)
			s.log.Warning("%s", me.Msg)
		} else {
			s.log.Warning("%v", err)
		}
		return nil, fmt.Errorf("Fatal error in the AOF manifest %s: %v", s.manifestName(), err)
	}
	return m, nil
}

// persistManifest replaces the manifest the safe way: a temp file,
// fsynced, renamed over it, then the directory fsynced.
func (s *Server) persistManifest(m *persistence.Manifest) error {
	dir := s.aofDir()
	tmp := filepath.Join(dir, "temp-"+s.manifestName())
	err := writeFileSync(tmp, m.Format())
	if err == nil {
		err = os.Rename(tmp, filepath.Join(dir, s.manifestName()))
	}
	if err == nil {
		err = syncDir(dir)
	}
	if err != nil {
		os.Remove(tmp)
		s.log.Warning("Can't persist the AOF manifest file %s: %s", s.manifestName(), errnoText(err))
	}
	return err
}

// writeFileSync writes data to a new file at path and fsyncs it.
func writeFileSync(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// createIncr creates an empty incremental file, durable in its directory.
func (s *Server) createIncr(seq int64) (*os.File, error) {
	f, err := os.OpenFile(s.aofPath(s.incrName(seq)), os.O_CREATE|os.O_WRONLY|os.O_TRUNC|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syncDir(s.aofDir()); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// deleteHistory removes the history files a rewrite left, then persists
// the manifest without them. Called with fmu held.
func (s *Server) deleteHistory() {
	a := &s.aof
	m := a.manifest
	if m == nil || len(m.History) == 0 || aofOption(s.config(), "aof-disable-auto-gc") == "yes" {
		return
	}
	for _, h := range m.History {
		s.log.Notice("Removing the history file %s in the background", h.Name)
		os.Remove(s.aofPath(h.Name))
	}
	next := m.Clone()
	next.History = nil
	if s.persistManifest(next) == nil {
		a.manifest = next
	}
}

// upgradeOldAOF moves an old single-file appendonly.aof from dir into the
// AOF directory as its base, as Redis 7.0 does on its first start.
func (s *Server) upgradeOldAOF(m *persistence.Manifest) (*persistence.Manifest, error) {
	cfg := s.config()
	old := filepath.Join(cfg.Dir, cfg.AppendFilename)
	if _, err := os.Stat(old); err != nil {
		return m, nil
	}
	_, dirErr := os.Stat(s.aofDir())
	_, inDirErr := os.Stat(s.aofPath(cfg.AppendFilename))
	empty := m == nil || (m.Base == nil && len(m.Incr) == 0)
	baseOnly := m != nil && m.Base != nil && len(m.Incr) == 0 && m.Base.Name == cfg.AppendFilename && inDirErr != nil
	if dirErr == nil && !empty && !baseOnly {
		return m, nil
	}
	if err := os.MkdirAll(s.aofDir(), 0o755); err != nil {
		return nil, fmt.Errorf("Can't create AOF directory %s: %s", s.aofDir(), errnoText(err))
	}
	next := &persistence.Manifest{Base: &persistence.AOFFile{Name: cfg.AppendFilename, Seq: 1, Type: persistence.AOFBase}}
	if m != nil {
		next.History = m.History
	}
	if err := s.persistManifest(next); err != nil {
		return nil, err
	}
	if err := os.Rename(old, s.aofPath(cfg.AppendFilename)); err != nil {
		return nil, fmt.Errorf("Error trying to rename the existing AOF to the AOF directory: %s", errnoText(err))
	}
	syncDir(cfg.Dir)
	syncDir(s.aofDir())
	s.log.Notice("Successfully migrated an old-style AOF into the AOF directory %s.", aofOption(cfg, "appenddirname"))
	return next, nil
}

// openAOFAtStart makes the AOF ready to append after loading: a base
// created from the (empty) data when there is none, the last incremental
// file opened or a new one created, the manifest persisted.
func (s *Server) openAOFAtStart(m *persistence.Manifest) error {
	a := &s.aof
	a.fmu.Lock()
	defer a.fmu.Unlock()
	if err := os.MkdirAll(s.aofDir(), 0o755); err != nil {
		return fmt.Errorf("Can't create AOF directory %s: %s", s.aofDir(), errnoText(err))
	}
	// Leftovers of a rewrite or a manifest update a crash interrupted.
	for _, pat := range []string{"temp-rewriteaof-bg-*.aof", "temp-*.manifest"} {
		names, _ := filepath.Glob(filepath.Join(s.aofDir(), pat))
		for _, n := range names {
			os.Remove(n)
		}
	}
	if m == nil {
		m = &persistence.Manifest{}
	}
	a.baseSeq, a.incrSeq = 0, 0
	if m.Base != nil {
		a.baseSeq = m.Base.Seq
	}
	if n := len(m.Incr); n > 0 {
		a.incrSeq = m.Incr[n-1].Seq
	}
	changed := false
	if m.Base == nil && len(m.Incr) == 0 {
		seq := a.baseSeq + 1
		if err := s.writeBase(s.baseName(seq), nil); err != nil {
			return err
		}
		m.Base = &persistence.AOFFile{Name: s.baseName(seq), Seq: seq, Type: persistence.AOFBase}
		a.baseSeq = seq
		changed = true
		s.log.Notice("Creating AOF base file %s on server start", m.Base.Name)
	}
	var f *os.File
	var size int64
	if n := len(m.Incr); n > 0 {
		name := m.Incr[n-1].Name
		var err error
		f, err = os.OpenFile(s.aofPath(name), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return fmt.Errorf("Can't open the append-only file %s: %s", name, errnoText(err))
		}
		if st, err := f.Stat(); err == nil {
			size = st.Size()
		}
		s.log.Notice("Opening AOF incr file %s on server start", name)
	} else {
		a.incrSeq++
		var err error
		if f, err = s.createIncr(a.incrSeq); err != nil {
			return fmt.Errorf("Can't open the append-only file %s: %s", s.incrName(a.incrSeq), errnoText(err))
		}
		m.Incr = append(m.Incr, persistence.AOFFile{Name: s.incrName(a.incrSeq), Seq: a.incrSeq, Type: persistence.AOFIncr})
		changed = true
		s.log.Notice("Creating AOF incr file %s on server start", s.incrName(a.incrSeq))
	}
	if changed {
		if err := s.persistManifest(m); err != nil {
			f.Close()
			return err
		}
	}
	a.manifest = m
	s.deleteHistory()
	a.otherSize.Store(a.loadedSize - size)
	if a.otherSize.Load() < 0 {
		a.otherSize.Store(0)
	}
	s.startWriter(f, size)
	s.setFeeding(true)
	return nil
}

// writeBase writes a base file from a new snapshot of the data (nil
// onCut: start-up), the safe way: a temp file, fsynced, renamed.
func (s *Server) writeBase(name string, onCut func()) error {
	sn, err := s.beginSnapshot(onCut)
	if err != nil {
		return err
	}
	_, err = s.writeBaseFile(sn, name)
	return err
}

// writeBaseFile writes sn as the base file name and returns its size.
func (s *Server) writeBaseFile(sn *snapshot, name string) (int64, error) {
	dir := s.aofDir()
	tmp := filepath.Join(dir, fmt.Sprintf("temp-rewriteaof-bg-%d.aof", s.pid))
	f, err := os.Create(tmp)
	if err != nil {
		sn.end()
		s.log.Warning("Opening the temp file for AOF rewrite in rewriteAppendOnlyFile(): %s", errnoText(err))
		return 0, err
	}
	w := &syncWriter{f: f, every: 4 << 20}
	if strings.HasSuffix(name, ".aof") {
		err = s.writeCommandBase(sn, w)
	} else {
		err = sn.writeRDB(w, true)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(dir, name))
	}
	if err == nil {
		err = syncDir(dir)
	}
	if err != nil {
		os.Remove(tmp)
		if err != errSnapshotAborted {
			s.log.Warning("Write error writing append only file on disk: %s", errnoText(err))
		}
		return 0, err
	}
	return w.written, nil
}
