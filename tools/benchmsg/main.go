//go:build linux

// Command benchmsg measures what redis-benchmark cannot: PUBLISH fan-out
// to 1, 100 and 1,000 subscribers (messages delivered per second) and
// MULTI/EXEC transactions of 10 SETs (transactions per second), on Shoal
// and on redis-server side by side, alternating which goes first, and
// prints the medians and the shoal/redis ratios with their geomean.
//
//	go build -o /tmp/shoal ./cmd/shoal
//	go run ./tools/benchmsg -shoal /tmp/shoal [-rounds 2] [-modes "pinned unpinned"]
//
// pinned: the servers on CPU 1, this program on CPU 0 (as bench.sh pins
// redis-benchmark). Everything is on loopback; every run is bounded by its
// message count and a timeout.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"os/exec"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

func main() {
	shoalBin := flag.String("shoal", "", "Shoal binary (required)")
	redisBin := flag.String("redis", "redis-server", "redis-server binary")
	rounds := flag.Int("rounds", 2, "A/B rounds per workload; medians are reported")
	modes := flag.String("modes", "pinned unpinned", "pinned and/or unpinned")
	only := flag.String("only", "", "run only the workloads whose name contains this")
	showCPU := flag.Bool("cpu", false, "print every run with the server's CPU time")
	flag.Parse()
	if *shoalBin == "" {
		fmt.Fprintln(os.Stderr, "benchmsg: -shoal is required")
		os.Exit(2)
	}
	type result struct{ redis, shoal []float64 }
	var all []float64
	for _, mode := range strings.Fields(*modes) {
		pinned := mode == "pinned"
		if pinned {
			var set unix.CPUSet
			set.Set(0)
			if err := unix.SchedSetaffinity(0, &set); err != nil {
				fmt.Fprintln(os.Stderr, "benchmsg: pin:", err)
				os.Exit(1)
			}
			runtime.GOMAXPROCS(1)
		}
		servers := map[string]*server{}
		for _, name := range []string{"redis", "shoal"} {
			bin := *redisBin
			if name == "shoal" {
				bin = *shoalBin
			}
			s, err := startServer(bin, pinned)
			if err != nil {
				fmt.Fprintln(os.Stderr, "benchmsg:", err)
				os.Exit(1)
			}
			defer s.stop()
			servers[name] = s
		}
		fmt.Printf("\n%s\n| workload | redis | shoal | ratio |\n|---|---|---|---|\n", mode)
		for _, w := range workloads() {
			if !strings.Contains(w.name, *only) {
				continue
			}
			res := result{}
			for r := 0; r < *rounds; r++ {
				order := []string{"redis", "shoal"}
				if r%2 == 1 {
					order = []string{"shoal", "redis"}
				}
				for _, name := range order {
					cpu0 := servers[name].cpu()
					v, err := w.run(servers[name].addr)
					if *showCPU {
						fmt.Printf("  %s %s: %.0f/s, server CPU %.2fs\n", w.name, name, v, servers[name].cpu()-cpu0)
					}
					if err != nil {
						fmt.Fprintf(os.Stderr, "benchmsg: %s on %s: %v\n", w.name, name, err)
						os.Exit(1)
					}
					if name == "redis" {
						res.redis = append(res.redis, v)
					} else {
						res.shoal = append(res.shoal, v)
					}
				}
			}
			a, b := median(res.redis), median(res.shoal)
			all = append(all, b/a)
			fmt.Printf("| %s | %.0f | %.0f | %.2f |\n", w.name, a, b, b/a)
		}
		runtime.GOMAXPROCS(runtime.NumCPU())
		var set unix.CPUSet
		for i := 0; i < runtime.NumCPU(); i++ {
			set.Set(i)
		}
		unix.SchedSetaffinity(0, &set)
	}
	logSum := 0.0
	for _, r := range all {
		logSum += math.Log(r)
	}
	fmt.Printf("\ngeomean ratio (shoal/redis): %.3f\n", math.Exp(logSum/float64(len(all))))
}

type workload struct {
	name string
	run  func(addr string) (float64, error)
}

func workloads() []workload {
	var ws []workload
	for _, subs := range []struct{ n, msgs int }{{1, 200000}, {100, 20000}, {1000, 2000}} {
		subs := subs
		ws = append(ws, workload{
			name: fmt.Sprintf("PUBLISH to %d subscribers (msgs delivered/s)", subs.n),
			run:  func(addr string) (float64, error) { return publish(addr, subs.n, subs.msgs) },
		})
	}
	ws = append(ws, workload{
		name: "MULTI + 10 SET + EXEC, 50 clients (tx/s)",
		run:  func(addr string) (float64, error) { return multiExec(addr, 50, 2000) },
	})
	return ws
}

// publish subscribes n connections to a channel, publishes msgs 64-byte
// messages from one pipelining connection and returns the messages
// delivered per second until every subscriber has all of them.
func publish(addr string, n, msgs int) (float64, error) {
	payload := strings.Repeat("m", 64)
	message := fmt.Sprintf("*3\r\n$7\r\nmessage\r\n$4\r\nchan\r\n$%d\r\n%s\r\n", len(payload), payload)
	want := int64(len(message)) * int64(msgs)
	var ready, done sync.WaitGroup
	errs := make(chan error, n+1)
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for i := 0; i < n; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			return 0, err
		}
		conns = append(conns, c)
		confirm := "*3\r\n$9\r\nsubscribe\r\n$4\r\nchan\r\n:1\r\n"
		if _, err := c.Write([]byte("SUBSCRIBE chan\r\n")); err != nil {
			return 0, err
		}
		ready.Add(1)
		done.Add(1)
		go func(c net.Conn) {
			defer done.Done()
			c.SetReadDeadline(time.Now().Add(120 * time.Second))
			buf := make([]byte, len(confirm))
			if _, err := io.ReadFull(c, buf); err != nil || string(buf) != confirm {
				errs <- fmt.Errorf("subscribe: %q %v", buf, err)
				ready.Done()
				return
			}
			ready.Done()
			if _, err := io.CopyN(io.Discard, c, want); err != nil {
				errs <- fmt.Errorf("subscriber: %v", err)
			}
		}(c)
	}
	ready.Wait()
	pub, err := net.Dial("tcp", addr)
	if err != nil {
		return 0, err
	}
	defer pub.Close()
	cmd := fmt.Sprintf("*3\r\n$7\r\nPUBLISH\r\n$4\r\nchan\r\n$%d\r\n%s\r\n", len(payload), payload)
	const depth = 16
	batch := []byte(strings.Repeat(cmd, depth))
	start := time.Now()
	go func() {
		rd := bufio.NewReader(pub)
		for i := 0; i < msgs; i++ {
			if _, err := rd.ReadSlice('\n'); err != nil {
				errs <- fmt.Errorf("publisher: %v", err)
				return
			}
		}
	}()
	for sent := 0; sent < msgs; sent += depth {
		b := batch
		if msgs-sent < depth {
			b = batch[:len(cmd)*(msgs-sent)]
		}
		if _, err := pub.Write(b); err != nil {
			return 0, err
		}
		time.Sleep(0) // let the readers run on a single-CPU client
	}
	done.Wait()
	elapsed := time.Since(start)
	select {
	case err := <-errs:
		return 0, err
	default:
	}
	return float64(n) * float64(msgs) / elapsed.Seconds(), nil
}

// multiExec runs txs transactions of MULTI, 10 SETs and EXEC from each of
// clients connections and returns transactions per second.
func multiExec(addr string, clients, txs int) (float64, error) {
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	start := time.Now()
	for i := 0; i < clients; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			return 0, err
		}
		defer c.Close()
		var req strings.Builder
		req.WriteString("*1\r\n$5\r\nMULTI\r\n")
		for k := 0; k < 10; k++ {
			key := "tx:" + strconv.Itoa(i) + ":" + strconv.Itoa(k)
			fmt.Fprintf(&req, "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$3\r\nval\r\n", len(key), key)
		}
		req.WriteString("*1\r\n$4\r\nEXEC\r\n")
		raw := []byte(req.String())
		wg.Add(1)
		go func() {
			defer wg.Done()
			rd := bufio.NewReader(c)
			c.SetDeadline(time.Now().Add(120 * time.Second))
			for t := 0; t < txs; t++ {
				if _, err := c.Write(raw); err != nil {
					errs <- err
					return
				}
				// +OK, 10 x +QUEUED, then *10 and 10 x +OK.
				for line := 0; line < 22; line++ {
					if _, err := rd.ReadSlice('\n'); err != nil {
						errs <- err
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	select {
	case err := <-errs:
		return 0, err
	default:
	}
	return float64(clients*txs) / elapsed.Seconds(), nil
}

type server struct {
	cmd  *exec.Cmd
	addr string
}

func startServer(bin string, pinned bool) (*server, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	args := []string{bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"}
	if pinned {
		args = append([]string{"taskset", "-c", "1"}, args...)
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = os.TempDir()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{cmd: cmd, addr: "127.0.0.1:" + strconv.Itoa(port)}
	for i := 0; i < 100; i++ {
		if c, err := net.Dial("tcp", s.addr); err == nil {
			c.Close()
			return s, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.stop()
	return nil, fmt.Errorf("%s did not start", bin)
}

// cpu is the server process's user+system CPU time in seconds.
func (s *server) cpu() float64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(s.cmd.Process.Pid) + "/stat")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / 100 // clock ticks
}

func (s *server) stop() {
	s.cmd.Process.Kill()
	s.cmd.Wait()
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
