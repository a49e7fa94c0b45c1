// Package sqlite implements store.Store on SQLite through modernc.org/sqlite
// (pure Go, no cgo). One connection writes, so writers queue in database/sql
// instead of failing with SQLITE_BUSY; a small pool reads from WAL snapshots.
// The delivery ledger's writes, thousands a second, share transactions
// through a group-commit batcher (batch.go) rather than queue one by one.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/store"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// readConns bounds the read pool; WAL lets them run beside the writer.
const readConns = 4

// busyTimeout is how long a connection waits on another process's lock.
const busyTimeout = 5 * time.Second

// Store is a store.Store backed by one SQLite file.
type Store struct {
	w     *sql.DB  // exactly one connection: every write goes through it
	r     *sql.DB  // read-only connections
	batch *batcher // group commit of ledger writes, on w
	stmts *ledgerStmts
	reads *readStmts
	seal  sealer // subject documents in and out of the data column
	now   func() time.Time
	cache incidentCache // decoded incidents for delivery jobs
	// anyRetired is false until a push token is retired: LiveTokens then
	// needs no query.
	anyRetired atomic.Bool
	// afterResealBatch, for tests, runs after each batch ResealPlaintext
	// commits.
	afterResealBatch func()
}

var _ store.Store = (*Store)(nil)

// Options are the choices OpenWith takes beyond the file.
type Options struct {
	// DataKey, KeySize bytes (LoadOrCreateKey reads or makes one), seals
	// each subject's document, contacts included, so that a copy of the
	// database file does not hold them. Nil stores subjects in the clear,
	// for tests and tools; a database once opened with a key refuses to
	// open without it, or with another.
	DataKey []byte
}

// Open opens the database at path without a data key: see OpenWith.
func Open(path string) (*Store, error) {
	return OpenWith(path, Options{})
}

// OpenWith opens (creating if needed) the database file at path, and its
// parent directory, migrates the schema to the current version and checks
// that o.DataKey is the key its subjects are sealed with.
func OpenWith(path string, o Options) (*Store, error) {
	if path == "" || strings.Contains(path, "?") {
		return nil, incident.Invalid("path", "must be a file name without '?'")
	}
	seal, err := newSealer(o.DataKey)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("create database directory: %w", err)
	}
	w, err := openPool(path, writerParams(), 1)
	if err != nil {
		return nil, err
	}
	if err := migrate(context.Background(), w); err != nil {
		w.Close()
		return nil, err
	}
	if err := checkDataKey(context.Background(), w, o.DataKey); err != nil {
		w.Close()
		return nil, err
	}
	r, err := openPool(path, readerParams(), readConns)
	if err != nil {
		w.Close()
		return nil, err
	}
	stmts, err := prepareLedger(w)
	if err != nil {
		return nil, errors.Join(err, r.Close(), w.Close())
	}
	reads, err := prepareReads(r)
	if err != nil {
		return nil, errors.Join(err, stmts.close(), r.Close(), w.Close())
	}
	batch, err := newBatcher(w)
	if err != nil {
		return nil, errors.Join(err, reads.close(), stmts.close(), r.Close(), w.Close())
	}
	s := &Store{w: w, r: r, batch: batch, stmts: stmts, reads: reads, seal: seal, now: time.Now}
	if err := s.loadAnyRetired(); err != nil {
		return nil, errors.Join(err, s.Close())
	}
	return s, nil
}

// Close lets ledger writes already taken commit, refuses later ones, and
// closes both pools.
func (s *Store) Close() error {
	return errors.Join(s.batch.close(), s.stmts.close(), s.reads.close(), s.r.Close(), s.w.Close())
}

func openPool(path string, params url.Values, conns int) (*sql.DB, error) {
	db, err := sql.Open("sqlite", path+"?"+params.Encode())
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	db.SetConnMaxIdleTime(0) // keep connections: each one re-runs its pragmas
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, fmt.Errorf("open database: %w", err)
	}
	return db, nil
}

func writerParams() url.Values {
	v := url.Values{}
	v.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	v.Add("_pragma", "journal_mode(WAL)")
	v.Add("_pragma", "synchronous(NORMAL)")
	v.Add("_pragma", "foreign_keys(1)")
	// Zero what a write frees, freed pages included (ON; FAST leaves freed
	// pages as they were), so a rewritten or deleted row leaves nothing in
	// the file; ResealPlaintext's VACUUM clears what writes before it left.
	// The ledger and import benchmarks show no cost beyond their noise.
	v.Add("_pragma", "secure_delete(1)")
	// BEGIN IMMEDIATE takes the write lock up front, so a transaction never
	// fails half-way when another process holds it.
	v.Set("_txlock", "immediate")
	return v
}

func readerParams() url.Values {
	v := url.Values{}
	v.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	v.Add("_pragma", "query_only(1)")
	return v
}

// querier is what *sql.DB and *sql.Tx share, so reads work in and out of a
// transaction.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// inWriteTx runs fn in a write transaction and commits if it returns nil.
func (s *Store) inWriteTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	defer tx.Rollback() // no-op after Commit
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit transaction: %w", err)
	}
	return nil
}

// write runs one ledger write (ClaimAttempt, FinishAttempt, SetOutcome,
// MarkQueued) in a transaction it may share with others: see batcher.
func (s *Store) write(ctx context.Context, fn writeFunc) error {
	return s.batch.do(ctx, fn)
}

// inReadTx runs fn in a read transaction: one consistent snapshot.
func (s *Store) inReadTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.r.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin read: %w", err)
	}
	defer tx.Rollback()
	return fn(tx)
}
