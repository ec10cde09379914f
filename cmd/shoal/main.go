// Command shoal runs a Shoal server. Its command line is redis-server's:
//
//	shoal [/path/to/redis.conf] [--directive value ...]
//	shoal - [--directive value ...]     (config read from stdin)
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/shoaldb/shoal/server"
	"github.com/shoaldb/shoal/server/cores"
	"github.com/shoaldb/shoal/server/hugepages"
)

func main() {
	args := os.Args[1:]
	if len(args) == 1 && (args[0] == "-v" || args[0] == "--version") {
		fmt.Println("Shoal server v=7.0.15 (Redis-compatible)")
		return
	}
	if len(args) == 1 && (args[0] == "-h" || args[0] == "--help") {
		fmt.Fprintln(os.Stderr, "Usage: shoal [/path/to/redis.conf] [options] [-]")
		fmt.Fprintln(os.Stderr, "       shoal - (read config from stdin)")
		fmt.Fprintln(os.Stderr, "Examples:")
		fmt.Fprintln(os.Stderr, "       shoal /etc/redis/6379.conf")
		fmt.Fprintln(os.Stderr, "       shoal --port 7777")
		fmt.Fprintln(os.Stderr, "       shoal --port 7777 --replicaof 127.0.0.1 8888")
		fmt.Fprintln(os.Stderr, "       shoal --maxmemory 1gb --maxmemory-policy allkeys-lru")
		return
	}
	file, options, fromStdin := splitCommandLine(args)
	text := ""
	if file != "" {
		data, err := os.ReadFile(file)
		if err != nil {
			// Redis's serverLog format, before the server exists.
			now := time.Now()
			fmt.Printf("%d:C %s.%03d # Fatal error, can't open config file '%s': %s\n", os.Getpid(),
				now.Format("02 Jan 2006 15:04:05"), now.Nanosecond()/1e6, file, errText(err))
			os.Exit(1)
		}
		text = string(data)
	}
	if fromStdin {
		data, _ := io.ReadAll(os.Stdin)
		text += string(data)
	}
	if options != "" {
		text += "\n" + options
	}
	cfg, err := server.LoadConfig(text)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if file != "" {
		if abs, err := filepath.Abs(file); err == nil {
			cfg.ConfigFile = abs
		}
	}
	srv := server.New(cfg)
	stop := make(chan os.Signal, 2)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	shutdown := make(chan struct{}, 1)
	srv.OnShutdown(func() {
		select {
		case shutdown <- struct{}{}:
		default:
		}
	})
	// Huge pages for the heap (server/hugepages): room for the dataset
	// about to be loaded first, then the heap's growth as it comes.
	hp := hugepages.New()
	hp.ReserveFor(srv.StartupDataSize())
	go hp.Run(100 * time.Millisecond)
	srv.BeginLoading()
	if err := srv.Start(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// As Redis, the server listens while it loads: clients get LOADING.
	if err := srv.LoadData(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// Loading ran on every core; from now on the scheduler follows the load.
	go cores.Run(srv.BackgroundJobs, srv.Log().Debug, srv.Log().Verbose)
	for {
		select {
		case sig := <-stop:
			name := "SIGTERM"
			if sig == syscall.SIGINT {
				name = "SIGINT"
			}
			fmt.Printf("%d:signal-handler (%d) Received %s scheduling shutdown...\n", os.Getpid(), time.Now().Unix(), name)
		case <-shutdown:
		}
		// A second signal while shutting down exits at once, as Redis does.
		finished := make(chan struct{})
		go func() {
			select {
			case <-stop:
				fmt.Printf("%d:signal-handler (%d) You insist... exiting now.\n", os.Getpid(), time.Now().Unix())
				os.Exit(1)
			case <-finished:
			}
		}()
		err := srv.Shutdown(context.Background())
		close(finished)
		// When the final save fails the server keeps running, as Redis's.
		if err == nil {
			return
		}
	}
}

// errText is strerror's wording for the common cases.
func errText(err error) string {
	switch {
	case os.IsNotExist(err):
		return "No such file or directory"
	case os.IsPermission(err):
		return "Permission denied"
	}
	return err.Error()
}

// splitCommandLine does what redis-server's main does with its arguments:
// an optional config file first ("-" reads stdin), then "--name value..."
// options, each turned into one config line with its values quoted as
// sdscatrepr quotes them. A bare "--save" means save "".
func splitCommandLine(args []string) (file, options string, fromStdin bool) {
	j := 0
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		file = args[0]
		j = 1
	}
	var b strings.Builder
	handledLast := true
	for ; j < len(args); j++ {
		a := args[j]
		switch {
		case a == "-" && (j == 0 || j == len(args)-1):
			fromStdin = true
		case handledLast && strings.HasPrefix(a, "--"):
			if b.Len() > 0 {
				b.WriteByte('\n')
			}
			b.WriteString(a[2:])
			b.WriteByte(' ')
			if len(strings.Fields(a)) == 1 {
				// Only the name: its values follow in the next arguments.
				handledLast = false
				nextIsOption := j != len(args)-1 && strings.HasPrefix(args[j+1], "--")
				if strings.EqualFold(a, "--save") && (nextIsOption || j == len(args)-1) {
					b.WriteString(`""`)
					handledLast = nextIsOption
				}
			}
		default:
			b.WriteString(repr(a))
			b.WriteByte(' ')
			handledLast = true
		}
	}
	return file, b.String(), fromStdin
}

// repr quotes s as Redis's sdscatrepr does.
func repr(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\', '"':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\a':
			b.WriteString(`\a`)
		case '\b':
			b.WriteString(`\b`)
		default:
			if c >= 0x20 && c < 0x7f {
				b.WriteByte(c)
			} else {
				fmt.Fprintf(&b, `\x%02x`, c)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}
