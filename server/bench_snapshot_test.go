package server

import (
	"bytes"
	"io"
	"testing"
)

// Benchmarks of snapshot writing and RDB loading: the work SAVE, BGSAVE
// and start-up do per key (strings as DEBUG POPULATE makes them).

func populatedServer(b *testing.B, n int) *Server {
	cfg := DefaultConfig()
	cfg.Port = 0
	cfg.Save = ""
	cfg.EnableDebugCommand = "yes"
	s := New(cfg)
	c := s.newInternalClient()
	c.execute([][]byte{[]byte("DEBUG"), []byte("POPULATE"), []byte(itoa(n))})
	return s
}

func BenchmarkSnapshotWrite(b *testing.B) {
	const n = 200000
	s := populatedServer(b, n)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		sn, err := s.beginSnapshot(nil)
		if err != nil {
			b.Fatal(err)
		}
		if err := sn.writeRDB(io.Discard, false); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/key")
}

func BenchmarkRDBLoad(b *testing.B) {
	const n = 200000
	s := populatedServer(b, n)
	sn, _ := s.beginSnapshot(nil)
	var file bytes.Buffer
	if err := sn.writeRDB(&file, false); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		t := populatedServer(b, 0)
		b.StartTimer()
		if err := t.loadRDB(bytes.NewReader(file.Bytes())); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/key")
}
