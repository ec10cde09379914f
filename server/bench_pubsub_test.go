package server

import (
	"fmt"
	"io"
	"testing"
)

// BenchmarkPublish publishes 64-byte messages in bursts of 16 (a
// publisher's pipeline) to n subscribers on loopback sockets, which read
// and discard: the hub, the encoding, the queues and the writes.
func BenchmarkPublish(b *testing.B) {
	for _, n := range []int{1, 100} {
		b.Run(fmt.Sprint(n, "subscribers"), func(b *testing.B) {
			s := startConnTestServer(b)
			confirm := "*3\r\n$9\r\nsubscribe\r\n$4\r\nchan\r\n:1\r\n"
			for i := 0; i < n; i++ {
				nc, _ := connTestDial(b, s)
				nc.Write([]byte("SUBSCRIBE chan\r\n"))
				buf := make([]byte, len(confirm))
				if _, err := io.ReadFull(nc, buf); err != nil {
					b.Fatal(err)
				}
				go io.Copy(io.Discard, nc)
			}
			c := s.newInternalClient()
			args := [][]byte{[]byte("PUBLISH"), []byte("chan"), make([]byte, 64)}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				c.out = c.out[:0]
				c.execute(args)
				if i%16 == 15 {
					c.wakeSubscribers()
				}
			}
			c.wakeSubscribers()
		})
	}
}
