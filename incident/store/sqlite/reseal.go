package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/herald-notify/herald/incident"
)

// maxResealBatch bounds the rows one reseal transaction rewrites, so that
// the single writer connection is never held from deliveries for long.
const maxResealBatch = 10_000

// ErrNoDataKey answers ResealPlaintext on a store opened without a data
// key: there is nothing to seal with.
var ErrNoDataKey = errors.New("the store was opened without a data key")

// scrubPending is the store_meta name a reseal records with the first
// rows it seals, and removes once VACUUM has rebuilt the file: until then
// the file may still hold their plaintext, in space a write without
// secure_delete (an earlier Herald) freed and that no page rewrite since
// has zeroed, such as the spare room of interior pages.
const scrubPending = "plaintext_scrub_pending"

// plaintextRow is a subject row whose document is still plaintext JSON.
type plaintextRow struct {
	seq                   int64
	incidentID, subjectID string
	doc                   string
}

// ResealPlaintext seals every subject row the database still holds as
// plaintext JSON (written by an earlier Herald, or before the data key was
// set) and returns how many rows it sealed. It needs a data key: without
// one it returns ErrNoDataKey. It is meant to run in the background after
// open, beside deliveries:
//
//   - It finds plaintext rows on the read pool, batch at a time in seq
//     order, seals them outside any transaction, and rewrites each batch
//     in one short write transaction. Deliveries' writes wait for at most
//     one batch (and once for the VACUUM, below).
//   - A row is rewritten only if it still holds the plaintext read, so a
//     run beside another (another process on the same database) seals each
//     row once.
//   - It is idempotent and safe to interrupt: a batch commits whole or not
//     at all, and a later run finds whatever is left. When ctx ends it
//     returns the rows sealed so far with ctx's error.
//
// Rewriting a row does not erase its old bytes from the file. The writer
// zeroes what it frees (secure_delete, see writerParams), but an earlier
// Herald did not: its leftovers sit in free space that no later write
// touches. So once rows were sealed (by this run or an interrupted one),
// ResealPlaintext VACUUMs, which rebuilds every page. That holds the
// writer, and so every delivery, for as long as the rebuild takes (half a
// second for 100,000 people, 41 MB, in BenchmarkResealPlaintext), once:
// on the run that finishes an upgrade. It needs free space for a copy of
// the database in the temporary directory and in its WAL. Last, the WAL,
// which holds page images from before, is checkpointed into the database
// and truncated. An error there comes with the count of rows sealed,
// which stay sealed; the next run does what is left.
func (s *Store) ResealPlaintext(ctx context.Context, batch int) (int, error) {
	if batch < 1 || batch > maxResealBatch {
		return 0, incident.Invalid("batch", "must be between 1 and %d, got %d", maxResealBatch, batch)
	}
	if s.seal.aead == nil {
		return 0, fmt.Errorf("reseal plaintext subjects: %w", ErrNoDataKey)
	}
	sealed := 0
	for after := int64(0); ; {
		rows, err := s.plaintextAfter(ctx, after, batch)
		if err != nil {
			return sealed, err
		}
		if len(rows) == 0 {
			break
		}
		n, err := s.resealRows(ctx, rows)
		sealed += n
		if err != nil {
			return sealed, err
		}
		after = rows[len(rows)-1].seq
		if s.afterResealBatch != nil {
			s.afterResealBatch()
		}
	}
	if err := s.scrubIfPending(ctx); err != nil {
		return sealed, err
	}
	return sealed, s.truncateWAL(ctx)
}

// plaintextAfter reads up to limit plaintext subject rows after seq after,
// in seq order, from a read snapshot: finding them takes no write lock.
func (s *Store) plaintextAfter(ctx context.Context, after int64, limit int) ([]plaintextRow, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT seq, incident_id, subject_id, data FROM subjects
		WHERE seq > ? AND substr(data, 1, 1) = '{' ORDER BY seq LIMIT ?`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("find plaintext subjects: %w", err)
	}
	defer rows.Close()
	var found []plaintextRow
	for rows.Next() {
		var p plaintextRow
		if err := rows.Scan(&p.seq, &p.incidentID, &p.subjectID, &p.doc); err != nil {
			return nil, fmt.Errorf("find plaintext subjects: %w", err)
		}
		found = append(found, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find plaintext subjects: %w", err)
	}
	return found, nil
}

// resealRows seals rows, then rewrites them in one write transaction, each
// only if it still holds the plaintext read. It returns how many it
// rewrote: none if the transaction failed.
func (s *Store) resealRows(ctx context.Context, rows []plaintextRow) (int, error) {
	sealed := make([]string, len(rows))
	for i, p := range rows {
		var err error
		if sealed[i], err = s.seal.sealDoc(p.incidentID, p.subjectID, []byte(p.doc)); err != nil {
			return 0, err
		}
	}
	rewritten := 0
	err := s.inWriteTx(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `UPDATE subjects SET data = ? WHERE seq = ? AND data = ?`)
		if err != nil {
			return fmt.Errorf("prepare reseal: %w", err)
		}
		defer stmt.Close()
		for i, p := range rows {
			n, err := rowsAffected(stmt.ExecContext(ctx, sealed[i], p.seq, p.doc))
			if err != nil {
				return fmt.Errorf("reseal subject %s of incident %s: %w", p.subjectID, p.incidentID, err)
			}
			rewritten += int(n)
		}
		if rewritten == 0 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO store_meta (name, value) VALUES (?, ?)
			ON CONFLICT (name) DO NOTHING`, scrubPending, formatTime(s.now())); err != nil {
			return fmt.Errorf("record the scrub a reseal needs: %w", err)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return rewritten, nil
}

// scrubIfPending VACUUMs the database if a reseal sealed rows since the
// last VACUUM: see ResealPlaintext.
func (s *Store) scrubIfPending(ctx context.Context) error {
	var since string
	err := s.r.QueryRowContext(ctx, `SELECT value FROM store_meta WHERE name = ?`, scrubPending).Scan(&since)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read whether a reseal needs a scrub: %w", err)
	}
	if _, err := s.w.ExecContext(ctx, `VACUUM`); err != nil {
		return fmt.Errorf("vacuum after reseal: %w", err)
	}
	return s.inWriteTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM store_meta WHERE name = ?`, scrubPending); err != nil {
			return fmt.Errorf("record the scrub after reseal done: %w", err)
		}
		return nil
	})
}

// truncateWAL checkpoints the whole WAL into the database and truncates it
// to nothing: until then it may hold page images from before the reseal,
// plaintext included.
func (s *Store) truncateWAL(ctx context.Context) error {
	var busy, frames, checkpointed int
	if err := s.w.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &frames, &checkpointed); err != nil {
		return fmt.Errorf("checkpoint the WAL after reseal: %w", err)
	}
	if busy != 0 {
		return errors.New("checkpoint the WAL after reseal: another connection kept it busy; " +
			"it may hold plaintext page images until a later complete checkpoint")
	}
	return nil
}
