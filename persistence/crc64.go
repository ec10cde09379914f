// Package persistence holds the byte formats Redis persists and exchanges:
// its CRC-64, LZF compression and RDB string encoding. DUMP payloads,
// FUNCTION DUMP and RDB files are built from them.
package persistence

import "encoding/binary"

// crcPoly is the Jones polynomial 0xad93d23594c935a9, bit-reversed: Redis's
// CRC-64 is reflected on input and output, starts from the caller's value
// and is not inverted at the end.
const crcPoly = 0x95ac9329ac4bc9b5

// crcTables are the slicing-by-8 tables: crcTables[0] is the classic
// byte-at-a-time table, crcTables[k][b] the CRC of byte b followed by k
// zero bytes. Built once, never written afterwards.
var crcTables = makeCRCTables()

func makeCRCTables() *[8][256]uint64 {
	t := new([8][256]uint64)
	for i := range 256 {
		crc := uint64(i)
		for range 8 {
			if crc&1 != 0 {
				crc = crc>>1 ^ crcPoly
			} else {
				crc >>= 1
			}
		}
		t[0][i] = crc
	}
	for i := range 256 {
		crc := t[0][i]
		for k := 1; k < 8; k++ {
			crc = t[0][crc&0xff] ^ crc>>8
			t[k][i] = crc
		}
	}
	return t
}

// CRC64 continues Redis's crc64(crc, p): CRC64(0, data) is the checksum
// DUMP payloads and RDB files end with (stored little-endian).
func CRC64(crc uint64, p []byte) uint64 {
	t := crcTables
	for len(p) >= 8 {
		crc ^= binary.LittleEndian.Uint64(p)
		crc = t[7][crc&0xff] ^ t[6][crc>>8&0xff] ^ t[5][crc>>16&0xff] ^ t[4][crc>>24&0xff] ^
			t[3][crc>>32&0xff] ^ t[2][crc>>40&0xff] ^ t[1][crc>>48&0xff] ^ t[0][crc>>56]
		p = p[8:]
	}
	for _, b := range p {
		crc = t[0][byte(crc)^b] ^ crc>>8
	}
	return crc
}
