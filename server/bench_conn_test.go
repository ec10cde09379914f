package server

import (
	"bytes"
	"fmt"
	"io"
	"testing"
)

// BenchmarkConnRoundTrip is a request's whole path through a loopback
// socket, the connection loop's reads and writes included: SET requests
// sent one per round trip (P1) or 16 at a time (P16). ns/op is per
// request; allocs count the client's side too.
func BenchmarkConnRoundTrip(b *testing.B) {
	for _, depth := range []int{1, 16} {
		b.Run(fmt.Sprintf("P%d", depth), func(b *testing.B) {
			s := startConnTestServer(b)
			nc, rd := connTestDial(b, s)
			req := bytes.Repeat([]byte("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n"), depth)
			want := bytes.Repeat([]byte("+OK\r\n"), depth)
			got := make([]byte, len(want))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i += depth {
				if _, err := nc.Write(req); err != nil {
					b.Fatal(err)
				}
				if _, err := io.ReadFull(rd, got); err != nil || !bytes.Equal(got, want) {
					b.Fatalf("reply %q, %v", got, err)
				}
			}
		})
	}
}
