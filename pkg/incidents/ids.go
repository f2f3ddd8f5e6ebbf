package incidents

import (
	"crypto/rand"
	"time"
)

// Incident ids are ULIDs: 26 characters of Crockford base32 (48-bit
// millisecond timestamp + 80 random bits). They sort roughly by creation
// time, are URL-safe and are not guessable across orgs.
const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// IDLen is the length of an incident id.
const IDLen = 26

// NewID returns a new ULID for t.
func NewID(t time.Time) string {
	var b [16]byte
	ms := uint64(t.UnixMilli())
	for i := 5; i >= 0; i-- {
		b[i] = byte(ms)
		ms >>= 8
	}
	_, _ = rand.Read(b[6:])
	// 128 bits → 26 base32 chars (first char carries 3 bits).
	var out [IDLen]byte
	var acc uint64
	hi := uint64(b[0])<<56 | uint64(b[1])<<48 | uint64(b[2])<<40 | uint64(b[3])<<32 |
		uint64(b[4])<<24 | uint64(b[5])<<16 | uint64(b[6])<<8 | uint64(b[7])
	lo := uint64(b[8])<<56 | uint64(b[9])<<48 | uint64(b[10])<<40 | uint64(b[11])<<32 |
		uint64(b[12])<<24 | uint64(b[13])<<16 | uint64(b[14])<<8 | uint64(b[15])
	for i := IDLen - 1; i >= 0; i-- {
		acc = lo & 31
		out[i] = crockford[acc]
		lo = lo>>5 | hi<<59
		hi >>= 5
	}
	return string(out[:])
}

// ValidID reports whether id is a well-formed incident id.
func ValidID(id string) bool {
	if len(id) != IDLen || id[0] > '7' {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z') || c == 'I' || c == 'L' || c == 'O' || c == 'U' {
			return false
		}
	}
	return true
}
