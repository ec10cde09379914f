package server

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// Logger writes Redis-style log lines: "pid:M 23 Nov 2026 10:00:00.123 * text".
type Logger struct {
	mu    sync.Mutex
	w     io.Writer
	level func() int
	pid   int
}

const (
	logDebug = iota
	logVerbose
	logNotice
	logWarning
)

var logMarks = [...]byte{'.', '-', '*', '#'}

func newLogger(cfg *Config) *Logger {
	var w io.Writer = os.Stdout
	if cfg.LogFile != "" {
		if f, err := os.OpenFile(cfg.LogFile, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644); err == nil {
			w = f
		}
	}
	return &Logger{w: w, pid: os.Getpid(), level: func() int { return cfg.LogLevel }}
}

// SetOutput redirects the log (tests silence it).
func (l *Logger) SetOutput(w io.Writer) {
	l.mu.Lock()
	l.w = w
	l.mu.Unlock()
}

func (l *Logger) logf(level int, format string, args ...any) {
	if level < l.level() {
		return
	}
	now := time.Now()
	msg := fmt.Sprintf(format, args...)
	l.mu.Lock()
	fmt.Fprintf(l.w, "%d:M %s.%03d %c %s\n", l.pid, now.Format("02 Jan 2006 15:04:05"), now.Nanosecond()/1e6, logMarks[level], msg)
	l.mu.Unlock()
}

func (l *Logger) Debug(f string, a ...any)   { l.logf(logDebug, f, a...) }
func (l *Logger) Verbose(f string, a ...any) { l.logf(logVerbose, f, a...) }
func (l *Logger) Notice(f string, a ...any)  { l.logf(logNotice, f, a...) }
func (l *Logger) Warning(f string, a ...any) { l.logf(logWarning, f, a...) }
