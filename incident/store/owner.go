package store

import (
	"crypto/rand"
	"encoding/hex"
)

// NewOwner names a lease holder (Store.Lease): random, so unique per
// process start.
func NewOwner() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // crypto/rand never fails on supported platforms
	return hex.EncodeToString(b)
}
