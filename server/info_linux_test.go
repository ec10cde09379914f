package server

import (
	"os/exec"
	"strings"
	"testing"
)

// INFO's os field is uname's system, release and machine, as Redis prints
// them ("Linux 6.1.0-18-amd64 x86_64").
func TestUnameString(t *testing.T) {
	out, err := exec.Command("uname", "-s", "-r", "-m").Output()
	if err != nil {
		t.Skip("no uname command:", err)
	}
	if got, want := unameString(), strings.TrimSpace(string(out)); got != want {
		t.Errorf("unameString() = %q, uname -s -r -m says %q", got, want)
	}
	if systemMemory() <= 0 {
		t.Errorf("systemMemory() = %d", systemMemory())
	}
}
