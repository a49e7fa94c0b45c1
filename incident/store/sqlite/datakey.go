package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// dataKeyFingerprint is the store_meta name of the fingerprint
// (keyFingerprint) of the key the database's subjects are sealed with.
const dataKeyFingerprint = "data_key_fingerprint"

// checkDataKey makes sure the database and the key given agree: the first
// open with a key records its fingerprint; later opens must bring the same
// key. A database that has recorded one is never opened without a key,
// which would write its new subjects in the clear and fail on the sealed.
// A database without a fingerprint (written without a key, or before
// sealing) opens either way: its plaintext rows stay readable.
func checkDataKey(ctx context.Context, w *sql.DB, key []byte) error {
	tx, err := w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("check data key: %w", err)
	}
	defer tx.Rollback()
	var recorded string
	err = tx.QueryRowContext(ctx, `SELECT value FROM store_meta WHERE name = ?`, dataKeyFingerprint).Scan(&recorded)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("check data key: read fingerprint: %w", err)
	}
	switch {
	case key == nil && recorded == "":
		return nil
	case key == nil:
		return fmt.Errorf("check data key: %w: the database's subjects are sealed with data key %s and no key was given",
			ErrDataKey, recorded)
	case recorded == "":
		if _, err := tx.ExecContext(ctx, `INSERT INTO store_meta (name, value) VALUES (?, ?)`,
			dataKeyFingerprint, keyFingerprint(key)); err != nil {
			return fmt.Errorf("check data key: record fingerprint: %w", err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("check data key: record fingerprint: %w", err)
		}
		return nil
	case recorded != keyFingerprint(key):
		return fmt.Errorf("check data key: %w: the database's subjects are sealed with data key %s, the key given is %s",
			ErrDataKey, recorded, keyFingerprint(key))
	}
	return nil
}
