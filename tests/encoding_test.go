package tests

import "testing"

// OBJECT ENCODING of strings depends on how the value was made, not only on
// its content: APPEND/SETRANGE make "raw", INCRBYFLOAT makes "embstr".
func TestStringEncodingHistory(t *testing.T) {
	p := newPair(t)
	p.script(
		"SET a 123", "OBJECT ENCODING a",
		"APPEND a 4", "OBJECT ENCODING a", "GET a",
		"SET a 12345", "OBJECT ENCODING a",
		"SET s hello", "SETRANGE s 1 a", "OBJECT ENCODING s",
		"SET s hello", "OBJECT ENCODING s",
		"INCRBYFLOAT f 3", "OBJECT ENCODING f", "GET f",
		"INCRBYFLOAT f 0.5", "OBJECT ENCODING f",
		"INCR f2", "OBJECT ENCODING f2",
		"SET big 012345678901234567890123456789012345678901234", "OBJECT ENCODING big",
		"APPEND new x", "OBJECT ENCODING new",
		// A key SETRANGE creates is raw; RENAME, MOVE and COPY keep the encoding.
		"SETRANGE sr 2 xy", "OBJECT ENCODING sr",
		"SET c 12", "APPEND c 3", "COPY c c2", "OBJECT ENCODING c2",
		"RENAME c c3", "OBJECT ENCODING c3",
		"MOVE c3 1", "SELECT 1", "OBJECT ENCODING c3", "SELECT 0",
	)
}
