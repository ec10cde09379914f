package scripting

import (
	"os"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"
)

func TestCMsgpackDbg(t *testing.T) {
	in, _ := os.ReadFile("/tmp/mp/last.bin")
	L := newMsgpackState(t)
	t0 := time.Now()
	out, err := mpCall(L, "unpack", lua.LString(in))
	t.Log(len(out), err, time.Since(t0))
}
