package incidents

import (
	"crypto/rand"
	"encoding/binary"
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
	var random [10]byte
	_, _ = rand.Read(random[:])
	// hi: 48-bit timestamp then 16 random bits; lo: the other 64 random bits.
	hi := uint64(t.UnixMilli())<<16 | uint64(binary.BigEndian.Uint16(random[:2]))
	lo := binary.BigEndian.Uint64(random[2:])
	// 128 bits → 26 base32 chars (first char carries 3 bits).
	var out [IDLen]byte
	for i := IDLen - 1; i >= 0; i-- {
		out[i] = crockford[lo&31]
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
