package tests

// Tests of the blocking list commands: differential scenarios run against
// both servers with several connections each, and a concurrency test of
// Shoal alone.

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// scenario runs the same steps against each server (a fresh, flushed one
// for each) and requires identical transcripts. The steps get the server's
// address and record what they observe with rec.
func scenario(t *testing.T, steps func(t *testing.T, addr string, rec func(string))) {
	t.Helper()
	needRedis(t)
	run := func(addr string) []string {
		dial(t, addr).do("FLUSHALL")
		var out []string
		steps(t, addr, func(s string) { out = append(out, s) })
		return out
	}
	got, want := run(testEnv.shoalAddr), run(testEnv.redisAddr)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("transcripts differ\n shoal: %q\n redis: %q", got, want)
	}
}

var blockedRe = regexp.MustCompile(`blocked_clients:(\d+)`)

// blockedClients reads INFO's blocked_clients through c.
func blockedClients(c *rconn) int {
	c.t.Helper()
	m := blockedRe.FindStringSubmatch(c.do("INFO", "clients"))
	if m == nil {
		c.t.Fatalf("no blocked_clients in INFO")
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// waitBlocked waits until the server has n blocked clients.
func waitBlocked(t *testing.T, c *rconn, n int) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for blockedClients(c) != n {
		if time.Now().After(deadline) {
			t.Fatalf("blocked_clients never reached %d (is %d)", n, blockedClients(c))
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func TestBlockServedByPush(t *testing.T) {
	scenario(t, func(t *testing.T, addr string, rec func(string)) {
		waiter, pusher := dial(t, addr), dial(t, addr)
		waiter.send("BLPOP", "l", "0")
		waitBlocked(t, pusher, 1)
		rec(pusher.do("RPUSH", "l", "a", "b"))
		rec(waiter.reply())
		rec(pusher.do("LRANGE", "l", "0", "-1"))
		rec(strconv.Itoa(blockedClients(pusher)))

		waiter.send("BRPOP", "l2", "l3", "0")
		waitBlocked(t, pusher, 1)
		rec(pusher.do("LPUSH", "l3", "x", "y"))
		rec(waiter.reply())

		// RESP3 replies.
		waiter.do("HELLO", "3") // the reply has the client id
		waiter.send("BLPOP", "l4", "0")
		waitBlocked(t, pusher, 1)
		rec(pusher.do("RPUSH", "l4", "z"))
		rec(waiter.reply())
		waiter.send("BLMPOP", "0", "2", "m1", "m2", "RIGHT", "COUNT", "2")
		waitBlocked(t, pusher, 1)
		rec(pusher.do("RPUSH", "m2", "1", "2", "3"))
		rec(waiter.reply())
		rec(pusher.do("LRANGE", "m2", "0", "-1"))
	})
}

func TestBlockTimeout(t *testing.T) {
	scenario(t, func(t *testing.T, addr string, rec func(string)) {
		c := dial(t, addr)
		for _, cmd := range []string{"BLPOP nokey 0.1", "BRPOP a b 0.1", "BLMOVE nokey d LEFT RIGHT 0.1",
			"BRPOPLPUSH nokey d 0.1", "BLMPOP 0.1 2 a b LEFT", "BLMPOP 0.1 1 a RIGHT COUNT 3"} {
			rec(c.do(splitWords(cmd)...))
		}
		rec(c.do("EXISTS", "d"))
		c.do("HELLO", "3")
		for _, cmd := range []string{"BLPOP nokey 0.1", "BLMOVE nokey d LEFT RIGHT 0.1", "BRPOPLPUSH nokey d 0.1",
			"BLMPOP 0.1 1 a LEFT"} {
			rec(c.do(splitWords(cmd)...))
		}
	})
}

func TestBlockImmediateAndErrors(t *testing.T) {
	p := newPair(t)
	p.script(
		"RPUSH k2 x y", "RPUSH k3 z", "BLPOP k1 k2 k3 0", "BRPOP k1 k2 k3 0", "BLPOP k1 k2 k3 0", "EXISTS k2",
		"RPUSH s1 a b c", "BLMOVE s1 d1 LEFT RIGHT 0", "BLMOVE s1 d1 RIGHT LEFT 0", "BRPOPLPUSH s1 d1 0",
		"LRANGE d1 0 -1", "EXISTS s1", "BLMOVE d1 d1 LEFT RIGHT 0", "LRANGE d1 0 -1",
		"RPUSH m 1 2 3", "BLMPOP 0 2 nokey m LEFT COUNT 2", "BLMPOP 0 1 m RIGHT COUNT 5", "EXISTS m",
		// Timeouts.
		"BLPOP l -1", "BLPOP l abc", "BLPOP l 1e400", "BLPOP l nan", "BLPOP l inf",
		"BLPOP l 9223372036854775807", "BLPOP l -inf", "BLPOP l 1e17", "BLPOP l 1e", "BLPOP l ''",
		// Odd but valid timeouts, on a list with data.
		"RPUSH full 1 2 3 4", "BLPOP full -0.0001", "BLPOP full 0x10", "BLPOP full 9223372036854775.807",
		"BLPOP full 1e15", "BRPOP l -1", "BLMOVE a b LEFT LEFT -1",
		"BLMOVE a b LEFT LEFT x", "BLMOVE a b UP LEFT x", "BLMOVE a b LEFT UP -1", "BRPOPLPUSH a b -1",
		"BRPOPLPUSH a b x", "BLMPOP -1 1 a LEFT", "BLMPOP x 1 a LEFT", "BLMPOP x 0 a LEFT", "BLMPOP x 1 a UP",
		"BLMPOP 0 0 a LEFT", "BLMPOP 0 -1 a LEFT", "BLMPOP 0 5 a LEFT", "BLMPOP 0 1 a LEFT COUNT 0",
		"BLMPOP 0 1 a LEFT COUNT 1 COUNT 1", "BLMPOP 0 1 a LEFT FOO",
		// Wrong types.
		"SET s x", "BLPOP s 0", "BLPOP nokey s 0", "BRPOP s 0", "RPUSH k4 1", "BLPOP k4 s 0", "BLPOP s k4 0",
		"BLMOVE s d LEFT LEFT 0", "RPUSH k5 1", "BLMOVE k5 s LEFT LEFT 0", "BRPOPLPUSH k5 s 0", "LLEN k5",
		"BLMPOP 0 2 s k5 LEFT", "BLMPOP 0 2 nokey s LEFT",
		"COMMAND GETKEYS BLMPOP 0 2 a b LEFT", "COMMAND GETKEYS LMPOP 2 a b RIGHT COUNT 1",
		"COMMAND GETKEYS BLPOP a b c 0", "COMMAND GETKEYS BLMOVE a b LEFT LEFT 0",
		"COMMAND GETKEYS LMPOP 0 a LEFT", "COMMAND GETKEYS LMPOP 5 a LEFT", "COMMAND GETKEYS BLMPOP 0 x a LEFT",
		"COMMAND GETKEYS LMPOP 1 a", "COMMAND GETKEYS BRPOPLPUSH a b 0",
	)
}

func TestBlockOldestFirst(t *testing.T) {
	scenario(t, func(t *testing.T, addr string, rec func(string)) {
		ctl := dial(t, addr)
		var ws []*rconn
		for i := range 3 {
			w := dial(t, addr)
			w.send("BLPOP", "q", "0")
			waitBlocked(t, ctl, i+1)
			ws = append(ws, w)
		}
		// One push of three elements serves the three, oldest first.
		rec(ctl.do("RPUSH", "q", "a", "b", "c"))
		for _, w := range ws {
			rec(w.reply())
		}
		rec(ctl.do("EXISTS", "q"))
		// Three pushes of one element each, waiters on several keys.
		for i, w := range ws {
			w.send("BRPOP", "q", "q"+strconv.Itoa(i), "0")
			waitBlocked(t, ctl, i+1)
		}
		rec(ctl.do("RPUSH", "q", "1"))
		rec(ws[0].reply())
		rec(ctl.do("RPUSH", "q2", "2"))
		rec(ws[2].reply())
		rec(ctl.do("RPUSH", "q", "3"))
		rec(ws[1].reply())
		rec(strconv.Itoa(blockedClients(ctl)))
	})
}

func TestBlockMoveChain(t *testing.T) {
	scenario(t, func(t *testing.T, addr string, rec func(string)) {
		ctl, a, b := dial(t, addr), dial(t, addr), dial(t, addr)
		a.send("BLMOVE", "l1", "l2", "LEFT", "RIGHT", "0")
		waitBlocked(t, ctl, 1)
		b.send("BRPOPLPUSH", "l2", "l3", "0")
		waitBlocked(t, ctl, 2)
		rec(ctl.do("LPUSH", "l1", "x"))
		rec(a.reply())
		rec(b.reply())
		for _, k := range []string{"l1", "l2", "l3"} {
			rec(ctl.do("LRANGE", k, "0", "-1"))
		}
		rec(strconv.Itoa(blockedClients(ctl)))
		// A waiter on the key a BLMOVE pushes to is served by it.
		c := dial(t, addr)
		c.send("BLPOP", "l5", "0")
		waitBlocked(t, ctl, 1)
		rec(ctl.do("BLMOVE", "l3", "l5", "LEFT", "LEFT", "0"))
		rec(c.reply())
		rec(ctl.do("EXISTS", "l3", "l5"))
		// A blocked rotation of one key.
		c.send("BLMOVE", "rot", "rot", "LEFT", "RIGHT", "0")
		waitBlocked(t, ctl, 1)
		rec(ctl.do("RPUSH", "rot", "1", "2"))
		rec(c.reply())
		rec(ctl.do("LRANGE", "rot", "0", "-1"))
		// LMOVE into a missing destination wakes its waiters too.
		c.send("BRPOP", "l6", "0")
		waitBlocked(t, ctl, 1)
		rec(ctl.do("RPUSH", "l7", "v"))
		rec(ctl.do("LMOVE", "l7", "l6", "LEFT", "LEFT"))
		rec(c.reply())
	})
}

func TestBlockUnblock(t *testing.T) {
	scenario(t, func(t *testing.T, addr string, rec func(string)) {
		ctl, w := dial(t, addr), dial(t, addr)
		id := strings.TrimSpace(strings.TrimPrefix(w.do("CLIENT", "ID"), ":"))
		rec(ctl.do("CLIENT", "UNBLOCK", id))
		w.send("BLPOP", "l", "0")
		waitBlocked(t, ctl, 1)
		rec(ctl.do("CLIENT", "UNBLOCK", id, "FOO"))
		rec(ctl.do("CLIENT", "UNBLOCK", id, "TIMEOUT"))
		rec(w.reply())
		w.send("BLMOVE", "l", "d", "LEFT", "LEFT", "0")
		waitBlocked(t, ctl, 1)
		rec(ctl.do("CLIENT", "UNBLOCK", id))
		rec(w.reply())
		w.send("BLMPOP", "0", "1", "l", "LEFT")
		waitBlocked(t, ctl, 1)
		rec(ctl.do("CLIENT", "UNBLOCK", id, "ERROR"))
		rec(w.reply())
		rec(strconv.Itoa(blockedClients(ctl)))
		// The client is usable afterwards, and a later push stays in place.
		rec(w.do("PING"))
		rec(ctl.do("RPUSH", "l", "a"))
		rec(ctl.do("LRANGE", "l", "0", "-1"))
	})
}

func TestBlockCounts(t *testing.T) {
	scenario(t, func(t *testing.T, addr string, rec func(string)) {
		ctl, a, b := dial(t, addr), dial(t, addr), dial(t, addr)
		rec(strconv.Itoa(blockedClients(ctl)))
		a.send("BLPOP", "x", "0")
		waitBlocked(t, ctl, 1)
		b.send("BRPOP", "y", "x", "0")
		waitBlocked(t, ctl, 2)
		rec(ctl.do("RPUSH", "x", "1"))
		rec(a.reply())
		rec(strconv.Itoa(blockedClients(ctl)))
		rec(ctl.do("RPUSH", "y", "2"))
		rec(b.reply())
		rec(strconv.Itoa(blockedClients(ctl)))

		// A client that disconnects while blocked is forgotten; a push
		// afterwards stays in the list.
		a.send("BLPOP", "z", "0")
		waitBlocked(t, ctl, 1)
		a.nc.Close()
		waitBlocked(t, ctl, 0)
		rec(ctl.do("RPUSH", "z", "kept"))
		rec(ctl.do("LRANGE", "z", "0", "-1"))
	})
}

func TestBlockPipelined(t *testing.T) {
	scenario(t, func(t *testing.T, addr string, rec func(string)) {
		ctl, w := dial(t, addr), dial(t, addr)
		// Commands pipelined behind a blocking one run after it is served.
		w.writeRaw(append(append(encodeCommand("BLPOP", "p", "0"), encodeCommand("LLEN", "p")...),
			encodeCommand("PING")...))
		waitBlocked(t, ctl, 1)
		rec(ctl.do("RPUSH", "p", "a", "b"))
		for range 3 {
			rec(w.reply())
		}
		// Commands sent while blocked wait for the blocking one too.
		w.send("BLPOP", "p2", "0")
		waitBlocked(t, ctl, 1)
		w.send("ECHO", "sent while blocked")
		w.send("LLEN", "p2")
		time.Sleep(20 * time.Millisecond) // let the server read them
		rec(strconv.Itoa(blockedClients(ctl)))
		rec(ctl.do("LPUSH", "p2", "x", "y"))
		for range 3 {
			rec(w.reply())
		}
		// And after a timeout.
		w.writeRaw(append(encodeCommand("BRPOP", "nokey", "0.05"), encodeCommand("ECHO", "after")...))
		rec(w.reply())
		rec(w.reply())
	})
}

func TestBlockWrongTypeLater(t *testing.T) {
	// The destination of a blocked BLMOVE becomes a string; the source is
	// pushed to afterwards.
	scenario(t, func(t *testing.T, addr string, rec func(string)) {
		ctl, w := dial(t, addr), dial(t, addr)
		w.send("BLMOVE", "src", "dst", "LEFT", "LEFT", "0")
		waitBlocked(t, ctl, 1)
		rec(ctl.do("SET", "dst", "str"))
		rec(ctl.do("RPUSH", "src", "a"))
		rec(w.reply())
		rec(ctl.do("LRANGE", "src", "0", "-1"))
		rec(ctl.do("GET", "dst"))
		rec(strconv.Itoa(blockedClients(ctl)))
	})
}

// TestBlockManyClients: poppers and pushers race on three keys; every
// pushed element reaches exactly one popper. With timeout 0 each popper
// takes its exact share and a stranded element hangs it (the read deadline
// catches that); with a short timeout the poppers also race their
// timeouts against wakes.
func TestBlockManyClients(t *testing.T) {
	t.Run("forever", func(t *testing.T) { manyClients(t, "0") })
	t.Run("timeouts", func(t *testing.T) { manyClients(t, "0.05") })
}

func manyClients(t *testing.T, timeout string) {
	const (
		poppers   = 20
		pushers   = 5
		perPusher = 400
		total     = pushers * perPusher
	)
	quota := 0 // pops per popper; 0: until all are received
	if timeout == "0" {
		quota = total / poppers
	}
	addr := testEnv.shoalAddr
	dial(t, addr).do("FLUSHALL")
	keys := []string{"mk0", "mk1", "mk2"}

	var mu sync.Mutex
	seen := make(map[string]int, total)
	received := 0
	errs := make(chan error, poppers+pushers)
	var wg sync.WaitGroup
	stop := make(chan struct{}) // closed once every element is received

	for i := range poppers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := dialNoFail(addr)
			if c == nil {
				errs <- fmt.Errorf("popper %d: dial failed", i)
				return
			}
			defer c.nc.Close()
			for got := 0; quota == 0 || got < quota; {
				select {
				case <-stop:
					return
				default:
				}
				// Rotate the key order so every key is some client's first.
				ks := append(append([]string{"BLPOP"}, keys[i%3:]...), keys[:i%3]...)
				if i%2 == 1 {
					ks[0] = "BRPOP"
				}
				r, err := c.tryDo(append(ks, timeout)...)
				if err != nil {
					errs <- fmt.Errorf("popper %d: %v", i, err)
					return
				}
				if r == "*-1\r\n" {
					continue
				}
				parts := strings.Split(r, "\r\n")
				if len(parts) < 5 || parts[0] != "*2" {
					errs <- fmt.Errorf("popper %d: reply %q", i, r)
					return
				}
				got++
				mu.Lock()
				seen[parts[4]]++
				received++
				done := received == total
				mu.Unlock()
				if done {
					close(stop)
				}
			}
		}()
	}
	var pw sync.WaitGroup
	for i := range pushers {
		pw.Add(1)
		go func() {
			defer pw.Done()
			c := dialNoFail(addr)
			if c == nil {
				errs <- fmt.Errorf("pusher %d: dial failed", i)
				return
			}
			defer c.nc.Close()
			for j := 0; j < perPusher; j += 2 {
				cmd := "RPUSH"
				if j%4 == 0 {
					cmd = "LPUSH"
				}
				k := keys[(i+j)%3]
				e1, e2 := fmt.Sprintf("e%d-%d", i, j), fmt.Sprintf("e%d-%d", i, j+1)
				if _, err := c.tryDo(cmd, k, e1, e2); err != nil {
					errs <- fmt.Errorf("pusher %d: %v", i, err)
					return
				}
			}
		}()
	}
	pw.Wait()

	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	select {
	case <-finished:
	case err := <-errs:
		t.Fatal(err)
	case <-time.After(20 * time.Second):
		mu.Lock()
		defer mu.Unlock()
		t.Fatalf("poppers did not finish: received %d of %d", received, total)
	}
	select {
	case err := <-errs:
		t.Fatal(err)
	default:
	}
	if len(seen) != total {
		t.Fatalf("received %d distinct elements, want %d", len(seen), total)
	}
	for e, n := range seen {
		if n != 1 {
			t.Errorf("element %s received %d times", e, n)
		}
	}
	ctl := dial(t, addr)
	if r := ctl.do("EXISTS", keys[0], keys[1], keys[2]); r != ":0\r\n" {
		t.Errorf("lists not empty at the end: %q", r)
	}
	waitBlocked(t, ctl, 0)
}

// dialNoFail dials for a goroutine other than the test's: nil on error,
// and the connection is the caller's to close.
func dialNoFail(addr string) *rconn {
	nc, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return nil
	}
	return &rconn{nc: nc, rd: bufio.NewReader(nc)}
}

// tryDo is do with errors returned instead of failing the test.
func (c *rconn) tryDo(args ...string) (string, error) {
	c.nc.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.nc.Write(encodeCommand(args...)); err != nil {
		return "", err
	}
	c.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	var b bytes.Buffer
	err := readReply(c.rd, &b)
	return b.String(), err
}

func TestBlockKeysAndDBs(t *testing.T) {
	scenario(t, func(t *testing.T, addr string, rec func(string)) {
		ctl, w := dial(t, addr), dial(t, addr)
		// A key given twice is served once.
		w.send("BLPOP", "k", "k", "0")
		waitBlocked(t, ctl, 1)
		rec(ctl.do("RPUSH", "k", "1", "2"))
		rec(w.reply())
		rec(ctl.do("LRANGE", "k", "0", "-1"))
		// Waiters wait on a key of their own database.
		rec(w.do("SELECT", "1"))
		w.send("BRPOP", "k2", "0")
		waitBlocked(t, ctl, 1)
		rec(ctl.do("RPUSH", "k2", "db0"))
		rec(strconv.Itoa(blockedClients(ctl)))
		rec(ctl.do("SELECT", "1"))
		rec(ctl.do("RPUSH", "k2", "db1"))
		rec(w.reply())
		rec(ctl.do("EXISTS", "k2"))
		rec(ctl.do("SELECT", "0"))
		rec(ctl.do("LRANGE", "k2", "0", "-1"))
		// A key created with another type does not serve the waiter.
		w.send("BLPOP", "k3", "0.2")
		waitBlocked(t, ctl, 1)
		rec(ctl.do("SELECT", "1"))
		rec(ctl.do("SET", "k3", "str"))
		rec(w.reply())
	})
}

func TestBlockServedByKeyCommands(t *testing.T) {
	// Lists that arrive by RENAME, COPY or MOVE serve waiters too.
	scenario(t, func(t *testing.T, addr string, rec func(string)) {
		ctl, w := dial(t, addr), dial(t, addr)
		for _, step := range [][]string{
			{"RENAME", "src", "dst"},
			{"COPY", "src", "dst"},
		} {
			rec(ctl.do("RPUSH", "src", "v"))
			w.send("BLPOP", "dst", "0")
			waitBlocked(t, ctl, 1)
			rec(ctl.do(step...))
			rec(w.reply())
			rec(ctl.do("DEL", "src", "dst"))
		}
		rec(ctl.do("SELECT", "1"))
		rec(ctl.do("RPUSH", "src", "v"))
		w.send("BLPOP", "src", "0")
		waitBlocked(t, ctl, 1)
		rec(ctl.do("MOVE", "src", "0"))
		rec(w.reply())
		// SWAPDB brings a list into the waiter's database.
		rec(ctl.do("RPUSH", "swapped", "v"))
		rec(ctl.do("SELECT", "0"))
		w.send("BLPOP", "swapped", "0")
		waitBlocked(t, ctl, 1)
		rec(ctl.do("SWAPDB", "0", "1"))
		rec(w.reply())
		rec(ctl.do("SWAPDB", "0", "1"))
	})
}
