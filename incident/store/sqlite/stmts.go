package sqlite

import (
	"database/sql"
	"errors"
	"fmt"
)

// ledgerStmts are the ledger's hot writes, prepared once on the writer:
// parsing them anew on every call cost more than running them.
type ledgerStmts struct {
	claim, finish, outcome, markQueued *sql.Stmt
}

func prepareLedger(w *sql.DB) (*ledgerStmts, error) {
	st := &ledgerStmts{}
	err := prepareAll(w,
		prepared{&st.claim, claimSQL}, prepared{&st.finish, finishSQL},
		prepared{&st.outcome, outcomeSQL}, prepared{&st.markQueued, markQueuedSQL})
	return st, err
}

func (st *ledgerStmts) close() error {
	return closeAll(st.claim, st.finish, st.outcome, st.markQueued)
}

// readStmts are the reads every delivery job makes, prepared once on the
// read pool (database/sql prepares them on each connection as it is used).
type readStmts struct {
	delivery, attempts *sql.Stmt
}

func prepareReads(r *sql.DB) (*readStmts, error) {
	st := &readStmts{}
	err := prepareAll(r, prepared{&st.delivery, deliverySQL}, prepared{&st.attempts, attemptsSQL})
	return st, err
}

func (st *readStmts) close() error { return closeAll(st.delivery, st.attempts) }

// prepared names a statement to prepare and where to keep it.
type prepared struct {
	dst   **sql.Stmt
	query string
}

// prepareAll prepares every statement, or none: on failure it closes those
// it had prepared.
func prepareAll(db *sql.DB, ps ...prepared) error {
	for i, p := range ps {
		stmt, err := db.Prepare(p.query)
		if err != nil {
			for _, done := range ps[:i] {
				(*done.dst).Close()
			}
			return fmt.Errorf("prepare statement: %w", err)
		}
		*p.dst = stmt
	}
	return nil
}

func closeAll(stmts ...*sql.Stmt) error {
	var errs []error
	for _, stmt := range stmts {
		errs = append(errs, stmt.Close())
	}
	return errors.Join(errs...)
}
