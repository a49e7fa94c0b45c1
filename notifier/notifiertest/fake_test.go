package notifiertest_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/herald-notify/herald/notifier/notifiertest"
)

type msg struct {
	body string
	n    int
}

func TestRecorderNumbersConcurrentMessagesOnce(t *testing.T) {
	var r notifiertest.Recorder[msg]
	const workers, each = 4, 25
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range each {
				r.RecordNumbered(msg{body: "x"}, func(m *msg, n int) { m.n = n })
			}
		})
	}
	wg.Wait()
	r.Record(msg{body: "last"})
	got := r.Messages()
	if r.Accepted() != workers*each+1 || len(got) != workers*each+1 {
		t.Fatalf("accepted %d, holds %d, want %d", r.Accepted(), len(got), workers*each+1)
	}
	ns := make([]int, 0, len(got))
	for _, m := range got[:workers*each] {
		ns = append(ns, m.n)
	}
	slices.Sort(ns)
	for i, n := range ns {
		if n != i+1 {
			t.Fatalf("numbers %v, want 1..%d each once", ns, workers*each)
		}
	}
	if got[len(got)-1].body != "last" {
		t.Errorf("Record did not append in order: last is %+v", got[len(got)-1])
	}
}

func TestRecorderMessagesIsACopy(t *testing.T) {
	var r notifiertest.Recorder[msg]
	r.Record(msg{body: "kept"})
	r.Messages()[0].body = "changed"
	if got := r.Messages()[0].body; got != "kept" {
		t.Errorf("stored message became %q through a returned slice", got)
	}
}

func TestRecorderWait(t *testing.T) {
	var r notifiertest.Recorder[msg]
	never := make(chan struct{})
	if !r.Wait(context.Background(), never) {
		t.Error("Wait without a delay reported giving up")
	}
	r.SetDelay(50 * time.Millisecond)
	if r.Delay() != 50*time.Millisecond {
		t.Errorf("Delay = %v, want 50ms", r.Delay())
	}
	start := time.Now()
	if !r.Wait(context.Background(), never) || time.Since(start) < 50*time.Millisecond {
		t.Errorf("Wait returned after %v, want the full 50ms", time.Since(start))
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if r.Wait(ctx, never) {
		t.Error("Wait outlasted a cancelled context")
	}
	stopped := make(chan struct{})
	close(stopped)
	if r.Wait(context.Background(), stopped) {
		t.Error("Wait outlasted a closed stop channel")
	}
}

func TestHTTPReplyWritesStatusHeaderBody(t *testing.T) {
	rep := &notifiertest.HTTPReply{Status: 429, Header: map[string]string{"Retry-After": "1"}, Body: "slow down"}
	w := httptest.NewRecorder()
	rep.Write(w, httptest.NewRequest(http.MethodPost, "/", nil), nil)
	if w.Code != 429 || w.Header().Get("Retry-After") != "1" || w.Body.String() != "slow down" {
		t.Errorf("wrote %d %v %q", w.Code, w.Header(), w.Body.String())
	}
}

func TestHTTPReplyHangEndsWithStop(t *testing.T) {
	stop := make(chan struct{})
	time.AfterFunc(50*time.Millisecond, func() { close(stop) })
	w := httptest.NewRecorder()
	start := time.Now()
	(&notifiertest.HTTPReply{Hang: true}).Write(w, httptest.NewRequest(http.MethodPost, "/", nil), stop)
	if took := time.Since(start); took < 50*time.Millisecond || took > 2*time.Second {
		t.Errorf("hang lasted %v, want until stop (50ms)", took)
	}
	if w.Body.Len() != 0 {
		t.Errorf("a hanging reply wrote %q", w.Body.String())
	}
}
