package scripting

import (
	"testing"

	lua "github.com/yuin/gopher-lua"
)

func BenchmarkCMsgpackDbgErr(b *testing.B) {
	L := newMsgpackState(b)
	in := lua.LString("\xbe\xbe\xbe")
	for i := 0; i < b.N; i++ {
		mpCall(L, "unpack", in)
	}
}
func BenchmarkCMsgpackDbgOK(b *testing.B) {
	L := newMsgpackState(b)
	in := lua.LString("\x93\x01\x02\x03")
	for i := 0; i < b.N; i++ {
		mpCall(L, "unpack", in)
	}
}
