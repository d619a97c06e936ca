package outbox

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"dutybot/storage"
)

// Deliveries made while others are being recorded are recorded together,
// one transaction for many, and each leaves the queue exactly once.
func TestDeliveriesRecordedInGroups(t *testing.T) {
	lim := fast
	lim.Workers = 32
	e := newEnv(t, lim, false)
	var jobs []storage.Job
	for c := range 256 {
		jobs = append(jobs, e.job(int64(c+1), fmt.Sprintf("to %d", c+1)))
	}
	e.enqueue(jobs...)
	// Sends finish in waves of 16, so that several deliveries are always
	// waiting for the recorder at once.
	var mu sync.Mutex
	waiting := 0
	wave := make(chan struct{})
	g := newGate(t)
	e.sender.setOnCall(func(ctx context.Context, c sendCall) error {
		mu.Lock()
		waiting++
		w := wave
		if waiting == 16 {
			waiting = 0
			close(wave)
			wave = make(chan struct{})
		}
		mu.Unlock()
		select {
		case <-w:
		case <-g.c:
		}
		return nil
	})
	e.start()
	e.waitOutcomes(len(jobs))
	e.waitQueueEmpty()
	e.stopWith(g.open)

	if got := len(e.hooks.deliveries()); got != len(jobs) {
		t.Errorf("%d deliveries recorded, want %d", got, len(jobs))
	}
	seen := map[string]bool{}
	for _, d := range e.hooks.deliveries() {
		if seen[d.Job.Text] {
			t.Errorf("%q recorded twice", d.Job.Text)
		}
		seen[d.Job.Text] = true
	}
	if c := e.sender.count(); c != len(jobs) {
		t.Errorf("%d sends, want %d", c, len(jobs))
	}
	if commits := e.hooks.commits(); commits >= len(jobs)/2 {
		t.Errorf("%d commits for %d deliveries; want them grouped", commits, len(jobs))
	}
}

// When recording one delivery of a group fails, the group is recorded one
// by one: the others are recorded at once, the failing one again later,
// and nothing is sent twice.
func TestGroupWithFailingRecordRecordsTheRest(t *testing.T) {
	lim := fast
	lim.Workers = 8
	e := newEnv(t, lim, false)
	var jobs []storage.Job
	for c := range 8 {
		jobs = append(jobs, e.job(int64(c+1), fmt.Sprintf("to %d", c+1)))
	}
	e.enqueue(jobs...)
	// Every send waits until all eight are in flight, so they reach the
	// recorder together; the first Delivered fails.
	var mu sync.Mutex
	started := 0
	all := make(chan struct{})
	g := newGate(t)
	e.sender.setOnCall(func(ctx context.Context, c sendCall) error {
		mu.Lock()
		started++
		if started == len(jobs) {
			close(all)
		}
		mu.Unlock()
		select {
		case <-all:
		case <-g.c:
		}
		return nil
	})
	e.hooks.mu.Lock()
	e.hooks.deliveredErrs = []error{errors.New("disk full")}
	e.hooks.mu.Unlock()
	e.start()
	e.waitOutcomes(len(jobs))
	e.waitQueueEmpty()
	e.stopWith(g.open)

	if c := e.sender.count(); c != len(jobs) {
		t.Errorf("%d sends, want %d: a failed recording must not send again", c, len(jobs))
	}
	if r := e.hooks.rejected; r != 1 {
		t.Errorf("Delivered refused %d times, want the scripted 1", r)
	}
	seen := map[string]int{}
	for _, d := range e.hooks.deliveries() {
		seen[d.Job.Text]++
	}
	for _, j := range jobs {
		if seen[j.Text] != 1 {
			t.Errorf("%q recorded %d times, want 1", j.Text, seen[j.Text])
		}
	}
}
