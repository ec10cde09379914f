package tests

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

var crashRounds = flag.Int("crash-rounds", 10, "kill -9 rounds of the BGSAVE crash test")

// shoalBinary builds cmd/shoal once per test run.
var shoalBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "shoal-bin-*")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "shoal")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/shoaldb/shoal/cmd/shoal").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

// shoalProcess is a cmd/shoal process of a test.
type shoalProcess struct {
	cmd  *exec.Cmd
	addr string
	log  string // the file that takes its stdout and stderr
	done chan struct{}
}

// startShoalProcess runs cmd/shoal with the given arguments on a free port
// and waits until it answers PING (loading included).
func startShoalProcess(t testing.TB, args ...string) *shoalProcess {
	t.Helper()
	bin, err := shoalBinary()
	if err != nil {
		t.Fatal(err)
	}
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	args = append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--loglevel", "warning"}, args...)
	cmd := exec.Command(bin, args...)
	logf, _ := os.CreateTemp("", "shoal-log-*")
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &shoalProcess{cmd: cmd, addr: "127.0.0.1:" + strconv.Itoa(port), log: logf.Name(), done: make(chan struct{})}
	go func() {
		cmd.Wait()
		logf.Close()
		close(p.done)
	}()
	t.Cleanup(p.kill)
	rc := redis.NewClient(&redis.Options{Addr: p.addr, MaxRetries: -1})
	defer rc.Close()
	for i := 0; i < 1000; i++ {
		select {
		case <-p.done:
			log, _ := os.ReadFile(logf.Name())
			t.Fatalf("shoal exited at start-up: %s", log)
		default:
		}
		if rc.Ping(context.Background()).Val() == "PONG" {
			return p
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("shoal did not start")
	return nil
}

// kill sends SIGKILL and waits for the process to be gone.
func (p *shoalProcess) kill() {
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// TestBGSAVECrash kills the server with SIGKILL at random moments of BGSAVE
// under a transactional write load: every restart finds a complete
// snapshot (the money total holds), at least as new as the last BGSAVE
// reported done, and no temp file left behind.
func TestBGSAVECrash(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	const accounts, each = 5000, 100
	p := startShoalProcess(t, "--dir", dir, "--save", "", "--enable-debug-command", "yes")
	rc := redis.NewClient(&redis.Options{Addr: p.addr})
	// Filler so that a BGSAVE lasts long enough to be killed in the middle.
	rc.Do(ctx, "DEBUG", "POPULATE", 100000, "filler", 20)
	pipe := rc.Pipeline()
	for i := 0; i < accounts; i++ {
		pipe.Set(ctx, fmt.Sprintf("acct:%d", i), each, 0)
	}
	pipe.Set(ctx, "epoch", 0, 0)
	pipe.Exec(ctx)
	if err := rc.Save(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	rc.Close()
	mustHave := int64(0)
	midSave := 0
	for round := 0; round < *crashRounds; round++ {
		rc := redis.NewClient(&redis.Options{Addr: p.addr, MaxRetries: -1})
		var stop atomic.Bool
		var wg sync.WaitGroup
		for w := 0; w < 3; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for i := 0; !stop.Load(); i++ {
					a := fmt.Sprintf("acct:%d", rand.IntN(accounts))
					b := fmt.Sprintf("acct:%d", rand.IntN(accounts))
					_, err := rc.TxPipelined(ctx, func(p redis.Pipeliner) error {
						p.DecrBy(ctx, a, 7)
						p.IncrBy(ctx, b, 7)
						return nil
					})
					if err != nil {
						return // killed
					}
				}
			}(w)
		}
		epoch := rc.Incr(ctx, "epoch").Val()
		if err := rc.BgSave(ctx).Err(); err != nil {
			t.Fatalf("round %d: BGSAVE: %v", round, err)
		}
		if rand.IntN(3) == 0 {
			// Sometimes let it finish: then the file must hold this epoch.
			if waitBgsave(t, p.addr) == "ok" {
				mustHave = epoch
			}
		}
		time.Sleep(time.Duration(rand.IntN(60)) * time.Millisecond)
		if info := rc.Info(ctx, "persistence").Val(); strings.Contains(info, "rdb_bgsave_in_progress:1") {
			midSave++
		}
		p.kill()
		stop.Store(true)
		wg.Wait()
		rc.Close()

		p = startShoalProcess(t, "--dir", dir, "--save", "")
		if left, _ := filepath.Glob(filepath.Join(dir, "temp-*")); len(left) > 0 {
			t.Fatalf("round %d: temp files left after restart: %v", round, left)
		}
		rc = redis.NewClient(&redis.Options{Addr: p.addr})
		total := 0
		for i := 0; i < accounts; i++ {
			v, err := rc.Get(ctx, fmt.Sprintf("acct:%d", i)).Int()
			if err != nil {
				t.Fatalf("round %d: acct:%d: %v", round, i, err)
			}
			total += v
		}
		if total != accounts*each {
			t.Fatalf("round %d: total %d after restart, want %d: a half-written snapshot", round, total, accounts*each)
		}
		if got, _ := rc.Get(ctx, "epoch").Int64(); got < mustHave {
			t.Fatalf("round %d: epoch %d after restart, but the BGSAVE of epoch %d had finished", round, got, mustHave)
		}
		rc.Close()
	}
	t.Logf("%d of %d kills landed while a BGSAVE was running", midSave, *crashRounds)
}

// TestRDBCorruptRefusesStart: a damaged dump.rdb stops start-up with an
// error instead of serving partial data.
func TestRDBCorruptRefusesStart(t *testing.T) {
	bin, err := shoalBinary()
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string]string{
		"truncated":   "REDIS0010\xfa\x09redis-ver\x067.0.15\xfe\x00\xfb\x01\x00\x00\x03abc",
		"bad version": "REDIS0099\xff",
		"not rdb":     "hello world",
	} {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "dump.rdb"), []byte(data), 0o644)
		port, _ := freePort()
		cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--dir", dir, "--save", "")
		done := make(chan struct{})
		var out []byte
		go func() { out, err = cmd.CombinedOutput(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
			t.Fatalf("%s: shoal kept running on a corrupt dump.rdb", name)
		}
		if err == nil || !strings.Contains(string(out), "loading the DB") {
			t.Fatalf("%s: exit %v, output %q", name, err, out)
		}
	}
}

// TestSIGTERMSaves: SIGTERM with save points set saves before exiting, as
// Redis does; the data is there at the next start.
func TestSIGTERMSaves(t *testing.T) {
	dir := t.TempDir()
	p := startShoalProcess(t, "--dir", dir, "--save", "3600 1")
	c := dial(t, p.addr)
	mustOK(t, c.do("SET", "k", "kept"))
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		t.Fatal("no exit after SIGTERM")
	}
	p = startShoalProcess(t, "--dir", dir, "--save", "")
	if got := dial(t, p.addr).do("GET", "k"); got != "$4\r\nkept\r\n" {
		t.Fatalf("GET k after SIGTERM and restart = %q", got)
	}
}
