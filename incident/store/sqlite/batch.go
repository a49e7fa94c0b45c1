package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
)

// maxBatch caps the ledger writes one transaction carries, so one commit
// never keeps its callers waiting long.
const maxBatch = 256

// errClosed answers a ledger write that arrives once Close has begun.
var errClosed = errors.New("sqlite store is closed")

// writeFunc is one ledger write. It runs inside a transaction shared with
// other callers' writes and must use only tx and ctx, which is not the
// caller's: a cancelled statement would interrupt, and so roll back, the
// whole shared transaction.
type writeFunc func(ctx context.Context, tx *sql.Tx) error

type writeOp struct {
	ctx  context.Context // the caller's: checked before fn runs, never passed to it
	fn   writeFunc
	done chan error // buffered, so the batcher never waits on a caller who left
}

// batcher is group commit for the ledger: at thousands of deliveries a
// second each claim, result and outcome would otherwise be its own
// transaction on the single writer connection. One goroutine takes every
// write that queued while the previous batch committed, runs each in its
// own savepoint (a failing write is undone alone and fails only its
// caller), commits once and answers each caller. An idle batcher adds no
// delay: a lone write is a batch of one.
type batcher struct {
	db      *sql.DB
	ops     chan *writeOp // holds up to a batch while the previous one commits
	stop    chan struct{} // closed by close: take no more writes
	stopped chan struct{} // closed by run once every write it took is answered
	once    sync.Once
	stmts   savepointStmts
	stats   batchStats
}

// batchStats counts batches and the writes they carried.
type batchStats struct{ batches, writes atomic.Int64 }

// savepointStmts are prepared once: each write runs two or three of them.
type savepointStmts struct{ open, release, undo *sql.Stmt }

func newBatcher(db *sql.DB) (*batcher, error) {
	b := &batcher{db: db, ops: make(chan *writeOp, maxBatch), stop: make(chan struct{}), stopped: make(chan struct{})}
	st := &b.stmts
	if err := prepareAll(db, prepared{&st.open, `SAVEPOINT op`},
		prepared{&st.release, `RELEASE op`}, prepared{&st.undo, `ROLLBACK TO op`}); err != nil {
		return nil, err
	}
	go b.run()
	return b, nil
}

// do hands fn to the batcher and waits for its batch to commit. A caller
// whose ctx ends first gets ctx's error; fn then may or may not have run
// and committed, as with any write cancelled in flight.
func (b *batcher) do(ctx context.Context, fn writeFunc) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	op := &writeOp{ctx: ctx, fn: fn, done: make(chan error, 1)}
	select {
	case b.ops <- op:
	case <-ctx.Done():
		return ctx.Err()
	case <-b.stop:
		return errClosed
	}
	select {
	case err := <-op.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	case <-b.stopped:
		return b.answerAfterStop(op)
	}
}

// answerAfterStop: run answers every write it took before it ends, so an
// unanswered write once it has ended slipped into ops after the last drain
// and was never run.
func (b *batcher) answerAfterStop(op *writeOp) error {
	select {
	case err := <-op.done:
		return err
	default:
		return errClosed
	}
}

// close stops taking writes, commits those already handed in, and waits for
// the batcher to end.
func (b *batcher) close() error {
	b.once.Do(func() { close(b.stop) })
	<-b.stopped
	return closeAll(b.stmts.open, b.stmts.release, b.stmts.undo)
}

func (b *batcher) run() {
	defer close(b.stopped)
	for {
		select {
		case op := <-b.ops:
			b.commit(b.gather(op))
		case <-b.stop:
			b.drain()
			return
		}
	}
}

// drain commits the writes handed in before close.
func (b *batcher) drain() {
	for {
		select {
		case op := <-b.ops:
			b.commit(b.gather(op))
		default:
			return
		}
	}
}

// gather takes first and every write already waiting, up to maxBatch.
//
// It yields once first: the callers the last commit answered are runnable
// and about to hand in their next write, and one yield lets them, for
// batches several times larger at load. Idle, there is no one to yield to
// and it returns at once; it never waits on a timer.
func (b *batcher) gather(first *writeOp) []*writeOp {
	runtime.Gosched()
	batch := []*writeOp{first}
	for len(batch) < maxBatch {
		select {
		case op := <-b.ops:
			batch = append(batch, op)
		default:
			return b.count(batch)
		}
	}
	return b.count(batch)
}

func (b *batcher) count(batch []*writeOp) []*writeOp {
	b.stats.batches.Add(1)
	b.stats.writes.Add(int64(len(batch)))
	return batch
}

// commit runs the batch in one transaction and answers every caller: with
// its own write's error, or with the transaction's if that failed.
func (b *batcher) commit(batch []*writeOp) {
	errs := make([]error, len(batch))
	txErr := b.runBatch(batch, errs)
	for i, op := range batch {
		if errs[i] == nil {
			errs[i] = txErr
		}
		op.done <- errs[i]
	}
}

// runBatch fills errs with each write's own error and returns an error that
// failed the transaction as a whole (nothing of the batch committed).
//
// Writes almost never fail (a lost claim is a result, not an error), so
// the batch first runs without savepoints, which cost a third of the
// writer's time. If any write fails, that attempt is rolled back whole and
// the batch runs again with a savepoint per write.
func (b *batcher) runBatch(batch []*writeOp, errs []error) error {
	if b.runPlain(batch, errs) {
		return nil
	}
	clear(errs)
	return b.runIsolated(batch, errs)
}

// runPlain runs the batch in one transaction without savepoints and
// reports whether it committed. It commits only if every write succeeded.
func (b *batcher) runPlain(batch []*writeOp, errs []error) bool {
	ctx := context.Background() // see writeFunc
	tx, err := b.db.BeginTx(ctx, nil)
	if err != nil {
		return false
	}
	defer tx.Rollback() // no-op after Commit
	for i, op := range batch {
		if errs[i] = op.ctx.Err(); errs[i] != nil {
			continue // its caller has left: do not write on its behalf
		}
		if err := op.fn(ctx, tx); err != nil {
			return false
		}
	}
	return tx.Commit() == nil
}

// runIsolated runs each write in its own savepoint, so a failing write is
// undone alone and fails only its caller.
func (b *batcher) runIsolated(batch []*writeOp, errs []error) error {
	ctx := context.Background() // see writeFunc
	tx, err := b.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	defer tx.Rollback() // no-op after Commit
	for i, op := range batch {
		if errs[i] = op.ctx.Err(); errs[i] != nil {
			continue // its caller has left: do not write on its behalf
		}
		if errs[i], err = b.runOp(ctx, tx, op.fn); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit transaction: %w", err)
	}
	return nil
}

// runOp runs fn inside a savepoint, undoing it alone if it fails. txErr is
// a failure of the savepoint itself: the transaction can no longer be
// trusted.
func (b *batcher) runOp(ctx context.Context, tx *sql.Tx, fn writeFunc) (opErr, txErr error) {
	if _, err := tx.StmtContext(ctx, b.stmts.open).ExecContext(ctx); err != nil {
		return nil, fmt.Errorf("open savepoint: %w", err)
	}
	if opErr = fn(ctx, tx); opErr != nil {
		if _, err := tx.StmtContext(ctx, b.stmts.undo).ExecContext(ctx); err != nil {
			return opErr, fmt.Errorf("roll back to savepoint: %w", err)
		}
	}
	if _, err := tx.StmtContext(ctx, b.stmts.release).ExecContext(ctx); err != nil {
		return opErr, fmt.Errorf("release savepoint: %w", err)
	}
	return opErr, nil
}
