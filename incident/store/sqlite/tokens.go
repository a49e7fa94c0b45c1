package sqlite

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/herald-notify/herald/incident"
)

// tokenHash is what retired_tokens keeps of a push token: the token itself
// is a contact detail.
func tokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// RetireTokens records the tokens' hashes; a token retired before keeps its
// first retirement time.
func (s *Store) RetireTokens(ctx context.Context, tokens []string) error {
	for i, tok := range tokens {
		if tok == "" {
			return incident.Invalid(fmt.Sprintf("tokens[%d]", i), "is empty")
		}
	}
	if len(tokens) == 0 {
		return nil
	}
	at := formatTime(s.now())
	defer s.anyRetired.Store(true) // set even on failure: a needless query is harmless
	return s.inWriteTx(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO retired_tokens (token_hash, retired_at)
			VALUES (?, ?) ON CONFLICT (token_hash) DO NOTHING`)
		if err != nil {
			return fmt.Errorf("prepare token retirement: %w", err)
		}
		defer stmt.Close()
		for i, tok := range tokens {
			if _, err := stmt.ExecContext(ctx, tokenHash(tok), at); err != nil {
				return fmt.Errorf("retire tokens[%d]: %w", i, err)
			}
		}
		return nil
	})
}

// tokenChunk bounds the parameters of one lookup, far below SQLite's limit.
const tokenChunk = 500

// LiveTokens drops the retired tokens, keeping the others in order. A
// subject has a handful of tokens: one IN query per chunk looks them up.
//
// Until a token is retired the answer is known without a query: every push
// delivery asks, and most deployments retire few tokens. (Another process
// on the same file retiring one is noticed at the next Open; meanwhile a
// send to that token is refused by FCM and retired again, harmlessly.)
func (s *Store) LiveTokens(ctx context.Context, tokens []string) ([]string, error) {
	if !s.anyRetired.Load() {
		return slices.Clone(tokens), nil
	}
	gone := map[string]bool{}
	for chunk := range slices.Chunk(tokens, tokenChunk) {
		if err := retiredAmong(ctx, s.r, chunk, gone); err != nil {
			return nil, err
		}
	}
	live := make([]string, 0, len(tokens))
	for _, tok := range tokens {
		if !gone[tokenHash(tok)] {
			live = append(live, tok)
		}
	}
	return live, nil
}

// retiredAmong adds to gone the hashes of tokens that are retired.
func retiredAmong(ctx context.Context, q querier, tokens []string, gone map[string]bool) error {
	hashes := make([]any, len(tokens))
	for i, tok := range tokens {
		hashes[i] = tokenHash(tok)
	}
	marks := strings.TrimSuffix(strings.Repeat("?,", len(tokens)), ",")
	retired, err := queryStrings(ctx, q,
		`SELECT token_hash FROM retired_tokens WHERE token_hash IN (`+marks+`)`, hashes...)
	if err != nil {
		return fmt.Errorf("look up retired tokens: %w", err)
	}
	for _, h := range retired {
		gone[h] = true
	}
	return nil
}

// loadAnyRetired tells whether the database holds retired tokens already.
func (s *Store) loadAnyRetired() error {
	var any bool
	if err := s.r.QueryRow(`SELECT EXISTS (SELECT 1 FROM retired_tokens)`).Scan(&any); err != nil {
		return fmt.Errorf("read retired tokens: %w", err)
	}
	s.anyRetired.Store(any)
	return nil
}
