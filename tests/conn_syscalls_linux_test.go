//go:build linux

package tests

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"testing"
)

// TestSyscallsPerRequest: a client that sends one request at a time costs
// Shoal one read and one write system call per request, as it costs
// redis-server. Go's net.Conn makes a second read per request, the one
// that finds the socket empty before the goroutine waits; the connection
// loop waits without it (server/rawio_linux.go). Counted by the kernel in
// /proc/PID/io for a Shoal process of its own.
func TestSyscallsPerRequest(t *testing.T) {
	p := startShoalProcess(t, "--save", "")
	pid := p.cmd.Process.Pid
	c := dial(t, p.addr)
	c.do("PING")
	const n = 500
	r0, w0 := procIO(t, pid)
	for i := 0; i < n; i++ {
		if r := c.do("SET", "k", fmt.Sprint(i)); r != "+OK\r\n" {
			t.Fatalf("SET: %q", r)
		}
	}
	r1, w1 := procIO(t, pid)
	reads, writes := float64(r1-r0)/n, float64(w1-w0)/n
	t.Logf("per request: %.2f reads, %.2f writes", reads, writes)
	// A little room for the server's own file reads and a spurious wake-up.
	if reads > 1.2 || writes > 1.2 {
		t.Fatalf("per request: %.2f reads and %.2f writes, want 1 of each", reads, writes)
	}
}

// procIO returns the read and write system calls process pid has made.
func procIO(t *testing.T, pid int) (reads, writes int64) {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/io", pid))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, val, _ := strings.Cut(sc.Text(), ": ")
		switch name {
		case "syscr":
			fmt.Sscan(val, &reads)
		case "syscw":
			fmt.Sscan(val, &writes)
		}
	}
	return reads, writes
}
