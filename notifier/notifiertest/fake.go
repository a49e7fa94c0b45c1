package notifiertest

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// Recorder is the state every local fake provider keeps whatever its
// protocol: the messages it accepted, in order, and how long it waits
// before answering. It is safe for concurrent use; the zero value is ready.
// Fakes hold one in an unexported field and forward to it, so that their
// own methods keep their protocol-specific documentation.
type Recorder[M any] struct {
	mu    sync.Mutex
	delay time.Duration
	msgs  []M
}

// SetDelay makes Wait last d.
func (r *Recorder[M]) SetDelay(d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.delay = d
}

// Delay is the wait set last.
func (r *Recorder[M]) Delay() time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.delay
}

// Wait sleeps for the delay in force; false if ctx or stop ended first,
// so a fake stores nothing for a client that gave up meanwhile.
func (r *Recorder[M]) Wait(ctx context.Context, stop <-chan struct{}) bool {
	d := r.Delay()
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
	case <-stop:
	}
	return false
}

// Record stores m as accepted.
func (r *Recorder[M]) Record(m M) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, m)
}

// RecordNumbered stores m as the n-th accepted message (from 1), after
// number has given it the id the provider answers with, and returns it.
// Numbering and storing under one lock keeps ids distinct under
// concurrent sends.
func (r *Recorder[M]) RecordNumbered(m M, number func(m *M, n int)) M {
	r.mu.Lock()
	defer r.mu.Unlock()
	number(&m, len(r.msgs)+1)
	r.msgs = append(r.msgs, m)
	return m
}

// Messages returns a copy of what was accepted, in order.
func (r *Recorder[M]) Messages() []M {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]M(nil), r.msgs...)
}

// Accepted is how many messages were accepted.
func (r *Recorder[M]) Accepted() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.msgs)
}

// HTTPReply is a canned answer from a fake HTTP provider (Twilio, FCM);
// the providers' packages build their error bodies.
type HTTPReply struct {
	Status int
	Header map[string]string
	Body   string
	Hang   bool // hold the request until the client gives up (at most 5s)
}

// Write answers r with the reply. A Hang reply answers nothing and returns
// when the client gives up, stop closes or 5s pass.
func (rep *HTTPReply) Write(w http.ResponseWriter, r *http.Request, stop <-chan struct{}) {
	if rep.Hang {
		select {
		case <-r.Context().Done():
		case <-stop:
		case <-time.After(5 * time.Second):
		}
		return
	}
	for k, v := range rep.Header {
		w.Header().Set(k, v)
	}
	w.WriteHeader(rep.Status)
	fmt.Fprint(w, rep.Body)
}
