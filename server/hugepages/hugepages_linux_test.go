package hugepages

import (
	"bytes"
	"os"
	"os/exec"
	"strconv"
	"testing"
)

// TestReserveGivesHugePages: memory allocated from a reservation is backed
// by huge pages once touched (where the kernel has them to give). It
// measures in a fresh process, whose heap has no free space of its own
// that the allocation could take instead.
func TestReserveGivesHugePages(t *testing.T) {
	if New() == nil {
		t.Skip("transparent huge pages are not in madvise mode here")
	}
	if os.Getenv("HUGEPAGES_CHILD") == "" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestReserveGivesHugePages$", "-test.count=1")
		cmd.Env = append(os.Environ(), "HUGEPAGES_CHILD=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		return
	}
	a := New()
	before := anonHugeBytes(t)
	a.Reserve(128 << 20)
	buf := make([]byte, 64<<20) // the lowest free space that fits: the reservation
	for i := 0; i < len(buf); i += 4096 {
		buf[i] = 1
	}
	gained := anonHugeBytes(t) - before
	if gained < 8<<20 {
		t.Fatalf("touching 64 MiB of reserved heap gained %d bytes of huge pages", gained)
	}
	if n := a.Advise(); n == 0 {
		t.Fatal("Advise found no heap mapping")
	}
}

// anonHugeBytes is AnonHugePages of this process.
func anonHugeBytes(t *testing.T) int64 {
	data, err := os.ReadFile("/proc/self/smaps_rollup")
	if err != nil {
		t.Skip(err)
	}
	for _, line := range bytes.Split(data, []byte("\n")) {
		if f := bytes.Fields(line); len(f) == 3 && string(f[0]) == "AnonHugePages:" {
			kb, _ := strconv.ParseInt(string(f[1]), 10, 64)
			return kb << 10
		}
	}
	t.Skip("no AnonHugePages in smaps_rollup")
	return 0
}
