package sqlite

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/herald-notify/herald/incident"
)

// KeySize is the length of a data key in bytes: AES-256.
const KeySize = 32

// sealPrefix marks a subject document sealed with the data key; the digit
// names the format (AES-256-GCM, 12-byte nonce, base64 of nonce||sealed),
// so a later format can sit beside it.
const sealPrefix = "hs1:"

// ErrDataKey is in the chain of every error that says the store's data key
// does not match its database: a wrong key, a missing key, or a sealed
// subject that does not open.
var ErrDataKey = errors.New("data key does not match")

// sealer seals each subject's document (contacts included) so that a copy
// of the database file holds no contact details. Without a key (aead nil)
// it writes plaintext JSON, as before sealing existed. Either way it reads
// plaintext JSON, which a database written before sealing holds. One AEAD
// serves every goroutine: crypto/cipher's GCM is safe for concurrent use.
type sealer struct {
	aead cipher.AEAD
}

// newSealer builds the sealer for key; a nil key stores plaintext.
func newSealer(key []byte) (sealer, error) {
	if key == nil {
		return sealer{}, nil
	}
	if len(key) != KeySize {
		return sealer{}, incident.Invalid("data_key", "must be %d bytes, got %d", KeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return sealer{}, fmt.Errorf("data key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return sealer{}, fmt.Errorf("data key: %w", err)
	}
	return sealer{aead: aead}, nil
}

// keyFingerprint names a key without revealing it: the first 8 bytes of
// its SHA-256, in hex.
func keyFingerprint(key []byte) string {
	sum := sha256.Sum256(key)
	return hex.EncodeToString(sum[:8])
}

// sealSubject encodes sub for the data column of its row in incidentID.
func (s sealer) sealSubject(incidentID string, sub incident.Subject) (string, error) {
	doc, err := json.Marshal(sub)
	if err != nil {
		return "", fmt.Errorf("encode subject %s: %w", sub.ID, err)
	}
	if s.aead == nil {
		return string(doc), nil
	}
	return s.sealDoc(incidentID, sub.ID, doc)
}

// sealDoc seals the JSON document of subject subjectID's row in incidentID.
// It needs a key (aead set).
func (s sealer) sealDoc(incidentID, subjectID string, doc []byte) (string, error) {
	nonceSize := s.aead.NonceSize()
	sealed := make([]byte, nonceSize, nonceSize+len(doc)+s.aead.Overhead())
	if _, err := rand.Read(sealed); err != nil {
		return "", fmt.Errorf("seal subject %s: %w", subjectID, err)
	}
	sealed = s.aead.Seal(sealed, sealed[:nonceSize], doc, rowBinding(incidentID, subjectID))
	out := make([]byte, len(sealPrefix)+base64.StdEncoding.EncodedLen(len(sealed)))
	copy(out, sealPrefix)
	base64.StdEncoding.Encode(out[len(sealPrefix):], sealed)
	return string(out), nil
}

// openSubject decodes the data column of subject subjectID's row in
// incidentID into sub. Its errors name the subject, never the data.
func (s sealer) openSubject(incidentID, subjectID, stored string, sub *incident.Subject) error {
	doc, err := s.open(incidentID, subjectID, stored)
	if err != nil {
		return fmt.Errorf("subject %s of incident %s: %w", subjectID, incidentID, err)
	}
	if err := json.Unmarshal(doc, sub); err != nil {
		return fmt.Errorf("subject %s of incident %s: decode stored subject: %w", subjectID, incidentID, err)
	}
	return nil
}

func (s sealer) open(incidentID, subjectID, stored string) ([]byte, error) {
	encoded, sealed := strings.CutPrefix(stored, sealPrefix)
	switch {
	case !sealed && strings.HasPrefix(stored, "{"):
		return []byte(stored), nil // written before sealing, or without a key
	case !sealed:
		return nil, errors.New("stored subject is neither sealed (" + sealPrefix + ") nor JSON")
	case s.aead == nil:
		return nil, fmt.Errorf("%w: the subject is sealed and the store was opened without a data key", ErrDataKey)
	}
	raw, err := base64.StdEncoding.DecodeString(encoded)
	nonceSize := s.aead.NonceSize()
	if err != nil || len(raw) < nonceSize+s.aead.Overhead() {
		return nil, errors.New("stored subject is sealed but malformed")
	}
	doc, err := s.aead.Open(raw[nonceSize:nonceSize], raw[:nonceSize], raw[nonceSize:], rowBinding(incidentID, subjectID))
	if err != nil {
		// GCM cannot tell a wrong key from altered data or data moved from
		// another row; a wrong key is by far the likeliest.
		return nil, fmt.Errorf("%w: the sealed subject does not open with this key (or was altered, or copied from another row)", ErrDataKey)
	}
	return doc, nil
}

// rowBinding is the additional data of a subject's seal: its row's
// identity, so a sealed value copied onto another subject's row, or
// another incident's, does not open.
func rowBinding(incidentID, subjectID string) []byte {
	b := make([]byte, 0, len(incidentID)+1+len(subjectID))
	b = append(b, incidentID...)
	b = append(b, 0)
	return append(b, subjectID...)
}
