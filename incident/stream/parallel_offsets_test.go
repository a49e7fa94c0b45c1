package stream

import (
	"context"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
)

func TestPartitionOffsetsCommitOnlyTheDonePrefix(t *testing.T) {
	p := newPartitionOffsets(0)
	if _, ok := p.commitOffset(); ok {
		t.Fatal("commit offset before anything was fetched")
	}
	// Offsets 10..14 with 13 missing (compacted away, or a transaction marker).
	seqs := map[int64]uint64{}
	for _, off := range []int64{10, 11, 12, 14} {
		seqs[off] = p.add(off)
	}
	steps := []struct {
		done  int64
		freed int
		want  int64
	}{
		{12, 0, 10}, // done out of order: 10 still blocks
		{14, 0, 10},
		{10, 1, 11},
		{11, 3, 15}, // 11, 12 and 14 leave together; the gap does not block
	}
	for _, s := range steps {
		if freed := p.markDone(seqs[s.done]); freed != s.freed {
			t.Errorf("done %d freed %d, want %d", s.done, freed, s.freed)
		}
		if got, ok := p.commitOffset(); !ok || got != s.want {
			t.Errorf("after %d done: commit offset %d (%v), want %d", s.done, got, ok, s.want)
		}
	}
	if freed := p.markDone(seqs[11]); freed != 0 {
		t.Errorf("a second mark freed %d", freed)
	}
}

func TestPartitionOffsetsRingGrowsAndWraps(t *testing.T) {
	p := newPartitionOffsets(3)
	var seqs []uint64
	// Wrap the ring first, then outgrow it while the head is mid-ring.
	for off := range int64(50) {
		seqs = append(seqs, p.add(off))
	}
	for _, s := range seqs[:40] {
		p.markDone(s)
	}
	for off := int64(50); off < 300; off++ {
		seqs = append(seqs, p.add(off))
	}
	if got, _ := p.commitOffset(); got != 40 {
		t.Fatalf("commit offset %d, want 40", got)
	}
	for i := len(seqs) - 1; i >= 41; i-- { // everything but 40, newest first
		p.markDone(seqs[i])
	}
	if got, _ := p.commitOffset(); got != 40 || p.n != 260 {
		t.Fatalf("commit offset %d with %d held, want 40 with 260", got, p.n)
	}
	if freed := p.markDone(seqs[40]); freed != 260 {
		t.Fatalf("freed %d, want 260", freed)
	}
	if got, _ := p.commitOffset(); got != 300 {
		t.Fatalf("commit offset %d, want 300", got)
	}
}

func TestOffsetBookWindowAccounting(t *testing.T) {
	ctx := context.Background()
	b := newOffsetBook(4)
	b.begin(7, map[int]int64{0: kafka.FirstOffset, 1: 1}) // partition 1 resumes at its committed 1
	var tickets []ticket
	for off := range int64(4) {
		if !b.acquire(ctx) {
			t.Fatal("acquire failed")
		}
		tk, restarted := b.track(int(off%2), off)
		if restarted {
			t.Fatal("restarted on a new offset")
		}
		tickets = append(tickets, tk)
	}
	full, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if b.acquire(full) {
		t.Fatal("acquired a fifth place in a window of 4")
	}
	b.done(tickets[2]) // partition 0, offset 2: 0 still pending
	if _, _, _, held := b.snapshot(); held != 4 {
		t.Fatalf("held %d, want 4", held)
	}
	b.done(tickets[0])
	if _, _, _, held := b.snapshot(); held != 2 {
		t.Fatalf("held %d after partition 0 completed, want 2", held)
	}
	plan := b.plan(7)
	if len(plan) != 1 || plan[0].po.partition != 0 || plan[0].offset != 3 {
		t.Fatalf("plan = %+v, want partition 0 at 3", plan)
	}
	b.acknowledge(plan)
	if again := b.plan(7); len(again) != 0 {
		t.Fatalf("plan after acknowledge = %+v, want nothing", again)
	}
	if stale := b.plan(6); stale != nil {
		t.Fatalf("plan for an old generation = %+v", stale)
	}

	// Partition 1 is read again from offset 1: its old marks stop counting and
	// its places are freed.
	b.acquire(ctx)
	tk, restarted := b.track(1, 1)
	if !restarted || b.live(tickets[1]) || !b.live(tk) {
		t.Fatalf("restart %v, old live %v, new live %v", restarted, b.live(tickets[1]), b.live(tk))
	}
	b.done(tickets[3]) // old tracker: no effect
	if _, _, _, held := b.snapshot(); held != 1 {
		t.Fatalf("held %d after restart, want 1", held)
	}
	b.end(7)
	if gen, parts, committed, held := b.snapshot(); held != 0 || len(parts) != 0 || committed[0] != 3 || gen != 7 {
		t.Fatalf("after end: gen %d parts %v committed %v held %d", gen, parts, committed, held)
	}
}

func TestRetryQueueHandsOverInDueOrder(t *testing.T) {
	q := newRetryQueue()
	now := time.Now()
	q.add(job{attempts: 2}, now.Add(40*time.Millisecond))
	q.add(job{attempts: 1}, now.Add(10*time.Millisecond))
	q.add(job{attempts: 3, ticket: ticket{po: &partitionOffsets{retired: true}}}, now.Add(20*time.Millisecond))
	if _, wait, ok := q.next(now); ok || wait != 10*time.Millisecond {
		t.Fatalf("next before due: ok %v wait %v", ok, wait)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := make(chan job)
	go q.run(ctx, out, func(tk ticket) bool { return tk.po == nil || !tk.po.retired })
	for _, want := range []int{1, 2} {
		select {
		case j := <-out:
			if j.attempts != want {
				t.Fatalf("got job %d, want %d", j.attempts, want)
			}
		case <-time.After(waitFor):
			t.Fatal("no job handed over")
		}
	}
	// The count drops just after the hand-over.
	deadline := time.Now().Add(waitFor)
	for q.waiting.Load() != 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if n := q.waiting.Load(); n != 0 {
		t.Errorf("waiting %d after all were handed over or dropped", n)
	}
}
