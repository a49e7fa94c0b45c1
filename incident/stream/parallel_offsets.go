package stream

import (
	"container/heap"
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/segmentio/kafka-go"
)

// pendingOffset is one fetched message as the commit bookkeeping sees it:
// its offset and whether its handler reached a final state. Nothing else of
// the message is kept, so a full window costs 16 bytes a message.
type pendingOffset struct {
	offset int64
	done   bool
}

// partitionOffsets tracks the offsets fetched from one partition in one
// generation, in fetch order, as a ring whose head is the oldest message not
// yet done. Everything before the head is done, so the head's offset is what
// may be committed (Kafka's "next offset to read").
type partitionOffsets struct {
	partition int
	ring      []pendingOffset
	head, n   int
	headSeq   uint64 // sequence number of ring[head]; sequence numbers never repeat in one tracker
	next      int64  // offset after the last one fetched; -1 before the first
	committed int64  // last offset the broker acknowledged in this generation; -1 none
	retired   bool   // the generation ended or the partition was re-fetched: marks no longer count
}

func newPartitionOffsets(partition int) *partitionOffsets {
	return &partitionOffsets{partition: partition, ring: make([]pendingOffset, 64), next: -1, committed: -1}
}

// add appends a fetched offset and returns its sequence number.
func (p *partitionOffsets) add(offset int64) uint64 {
	if p.n == len(p.ring) {
		p.grow()
	}
	p.ring[(p.head+p.n)%len(p.ring)] = pendingOffset{offset: offset}
	p.n++
	p.next = offset + 1
	return p.headSeq + uint64(p.n) - 1
}

func (p *partitionOffsets) grow() {
	bigger := make([]pendingOffset, 2*len(p.ring))
	for i := range p.n {
		bigger[i] = p.ring[(p.head+i)%len(p.ring)]
	}
	p.ring, p.head = bigger, 0
}

// markDone records that the message with sequence number seq is final and
// drops the done prefix. It returns how many messages became committable.
func (p *partitionOffsets) markDone(seq uint64) int {
	if seq < p.headSeq || seq-p.headSeq >= uint64(p.n) {
		return 0
	}
	p.ring[(p.head+int(seq-p.headSeq))%len(p.ring)].done = true
	freed := 0
	for p.n > 0 && p.ring[p.head].done {
		p.head = (p.head + 1) % len(p.ring)
		p.n--
		p.headSeq++
		freed++
	}
	return freed
}

// commitOffset returns the offset below which every fetched message is done,
// and false when nothing was fetched yet.
func (p *partitionOffsets) commitOffset() (int64, bool) {
	if p.n > 0 {
		return p.ring[p.head].offset, true
	}
	return p.next, p.next >= 0
}

// ticket names one dispatched message in its tracker.
type ticket struct {
	po  *partitionOffsets
	seq uint64
}

// plannedCommit is the committable offset of a tracker that moved since its
// last acknowledged commit.
type plannedCommit struct {
	po     *partitionOffsets
	offset int64
}

// commitPlan is what one commit sends.
type commitPlan []plannedCommit

func (p commitPlan) offsets(topic string) map[string]map[int]int64 {
	parts := make(map[int]int64, len(p))
	for _, c := range p {
		parts[c.po.partition] = c.offset
	}
	return map[string]map[int]int64{topic: parts}
}

// offsetBook is the shared state of fetchers, handlers and the committer:
// the current generation's trackers, and the window of fetched messages that
// are not yet committable. One lock guards it; every operation is short.
type offsetBook struct {
	window chan struct{} // one token per held message, or per fetch waiting for one

	mu         sync.Mutex
	generation int32
	parts      map[int]*partitionOffsets
	committed  map[int]int64 // last acknowledged offset per partition, across generations
}

func newOffsetBook(window int) *offsetBook {
	return &offsetBook{window: make(chan struct{}, window), parts: map[int]*partitionOffsets{}, committed: map[int]int64{}}
}

// acquire takes one place in the window, waiting while it is full.
func (b *offsetBook) acquire(ctx context.Context) bool {
	select {
	case b.window <- struct{}{}:
		return true
	case <-ctx.Done():
		return false
	}
}

func (b *offsetBook) release(n int) {
	for range n {
		<-b.window
	}
}

// begin starts tracking a new generation's partitions, dropping whatever
// the previous generation left. starts maps each partition to the offset the
// group had committed for it (negative: none), which need not be sent again.
func (b *offsetBook) begin(generation int32, starts map[int]int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.retireLocked()
	b.generation = generation
	for p, start := range starts {
		po := newPartitionOffsets(p)
		po.committed = max(start, -1)
		b.parts[p] = po
	}
}

// end drops the trackers of generation, if it is still the current one.
func (b *offsetBook) end(generation int32) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.generation == generation {
		b.retireLocked()
	}
}

// clear drops every tracker (Run is over).
func (b *offsetBook) clear() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.retireLocked()
}

func (b *offsetBook) retireLocked() {
	for p, po := range b.parts {
		po.retired = true
		b.release(po.n)
		delete(b.parts, p)
	}
}

// track records a fetched offset, which already holds a window place. An
// offset below one fetched before means the partition is being read again
// from an older position: its tracker starts over, and the old marks stop
// counting. It reports whether that happened.
func (b *offsetBook) track(partition int, offset int64) (ticket, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	po, ok := b.parts[partition]
	restarted := ok && offset < po.next
	if !ok || restarted {
		if restarted {
			po.retired = true
			b.release(po.n)
		}
		po = newPartitionOffsets(partition)
		b.parts[partition] = po
	}
	return ticket{po: po, seq: po.add(offset)}, restarted
}

// done marks a message final; its window place and those of the done
// messages after it are freed once everything before them is done too.
func (b *offsetBook) done(t ticket) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !t.po.retired {
		b.release(t.po.markDone(t.seq))
	}
}

// live reports whether a message still belongs to a tracked partition, so
// retrying it is worth the effort.
func (b *offsetBook) live(t ticket) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return !t.po.retired
}

// plan returns the offsets of generation that moved past their last commit.
func (b *offsetBook) plan(generation int32) commitPlan {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.generation != generation {
		return nil
	}
	var plan commitPlan
	for _, po := range b.parts {
		if off, ok := po.commitOffset(); ok && off > po.committed {
			plan = append(plan, plannedCommit{po, off})
		}
	}
	return plan
}

// acknowledge records that the broker stored plan.
func (b *offsetBook) acknowledge(plan commitPlan) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, c := range plan {
		c.po.committed = max(c.po.committed, c.offset)
		b.committed[c.po.partition] = c.offset
	}
}

// snapshot returns the current generation, its partitions, the committed
// offsets and how many window places are taken.
func (b *offsetBook) snapshot() (int32, []int, map[int]int64, int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	parts := make([]int, 0, len(b.parts))
	for p := range b.parts {
		parts = append(parts, p)
	}
	committed := make(map[int]int64, len(b.committed))
	for p, off := range b.committed {
		committed[p] = off
	}
	return b.generation, parts, committed, len(b.window)
}

// job is one message on its way to a handler.
type job struct {
	msg      kafka.Message
	ticket   ticket
	backoff  backoff
	attempts int
	lastErr  string // the handler's last error, so a repeated one is logged once
}

// retryQueue holds failed messages until their backoff is over. One
// goroutine (run) hands due ones back to the workers, so a waiting message
// costs no goroutine and no worker.
type retryQueue struct {
	mu      sync.Mutex
	items   retryHeap
	wake    chan struct{}
	waiting atomic.Int64 // added and not yet handed over or dropped
}

func newRetryQueue() *retryQueue { return &retryQueue{wake: make(chan struct{}, 1)} }

func (q *retryQueue) add(j job, due time.Time) {
	q.waiting.Add(1)
	q.mu.Lock()
	heap.Push(&q.items, retryItem{due: due, job: j})
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// next pops the earliest job if it is due; otherwise it says how long until
// one is, or -1 when none waits.
func (q *retryQueue) next(now time.Time) (job, time.Duration, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.items) == 0 {
		return job{}, -1, false
	}
	if wait := q.items[0].due.Sub(now); wait > 0 {
		return job{}, wait, false
	}
	return heap.Pop(&q.items).(retryItem).job, 0, true
}

// run hands due jobs to out until ctx ends, dropping those whose partition
// is no longer tracked (live reports false).
func (q *retryQueue) run(ctx context.Context, out chan<- job, live func(ticket) bool) {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		j, wait, ok := q.next(time.Now())
		if ok {
			if live(j.ticket) {
				select {
				case out <- j:
				case <-ctx.Done():
					return
				}
			}
			q.waiting.Add(-1)
			continue
		}
		if wait < 0 {
			wait = time.Hour
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			return
		case <-q.wake:
		case <-timer.C:
		}
	}
}

// clear drops every waiting job (Run is over; they stay uncommitted).
func (q *retryQueue) clear() {
	q.mu.Lock()
	q.items = nil
	q.waiting.Store(0)
	q.mu.Unlock()
}

type retryItem struct {
	due time.Time
	job job
}

// retryHeap orders waiting jobs by due time (container/heap).
type retryHeap []retryItem

func (h retryHeap) Len() int           { return len(h) }
func (h retryHeap) Less(i, j int) bool { return h[i].due.Before(h[j].due) }
func (h retryHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *retryHeap) Push(x any)        { *h = append(*h, x.(retryItem)) }
func (h *retryHeap) Pop() any {
	old := *h
	it := old[len(old)-1]
	old[len(old)-1] = retryItem{} // let the message go
	*h = old[:len(old)-1]
	return it
}
