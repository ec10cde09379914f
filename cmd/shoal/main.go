// Command shoal runs a Shoal server. Its command line is redis-server's:
//
//	shoal [/path/to/redis.conf] [--directive value ...]
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/shoaldb/shoal/server"
)

func main() {
	if len(os.Args) > 1 && (os.Args[1] == "-v" || os.Args[1] == "--version") {
		fmt.Println("Shoal server v=7.0.15 (Redis-compatible)")
		return
	}
	if len(os.Args) > 1 && (os.Args[1] == "-h" || os.Args[1] == "--help") {
		fmt.Println("Usage: shoal [/path/to/redis.conf] [--directive value ...]")
		fmt.Println("Example: shoal --port 7000 --maxmemory 1gb --maxmemory-policy allkeys-lru")
		return
	}
	text, err := configText(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	cfg, err := server.LoadConfig(text)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	srv := server.New(cfg)
	stop := make(chan os.Signal, 2)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	srv.OnShutdown(func() { stop <- syscall.SIGTERM })
	if err := srv.Start(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	sig := <-stop
	if sig == syscall.SIGINT {
		fmt.Fprintln(os.Stderr, "Received SIGINT scheduling shutdown...")
	}
	srv.Shutdown(context.Background())
}

// configText joins a config file's content and the command line's
// "--name value..." options into one redis.conf text, as redis-server does:
// each --name starts a new line and the words after it are its arguments.
func configText(args []string) (string, error) {
	var b strings.Builder
	if len(args) > 0 && !strings.HasPrefix(args[0], "--") {
		data, err := os.ReadFile(args[0])
		if err != nil {
			return "", fmt.Errorf("Fatal error, can't open config file '%s': %v", args[0], err)
		}
		b.Write(data)
		b.WriteByte('\n')
		args = args[1:]
	}
	first := true
	for _, a := range args {
		if strings.HasPrefix(a, "--") && len(a) > 2 {
			if !first {
				b.WriteByte('\n')
			}
			b.WriteString(a[2:])
			first = false
			continue
		}
		b.WriteByte(' ')
		b.WriteString(quoteConfigArg(a))
	}
	b.WriteByte('\n')
	return b.String(), nil
}

// quoteConfigArg quotes a word so the config parser reads it back as one
// argument (empty values and values with spaces, as in --save "").
func quoteConfigArg(a string) string {
	if a != "" && !strings.ContainsAny(a, " \t\"'\\") {
		return a
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(a); i++ {
		c := a[i]
		if c == '"' || c == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	b.WriteByte('"')
	return b.String()
}
