package bot

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
)

// log records what the queue ran, in order.
type runLog struct {
	mu  sync.Mutex
	got []string
}

func (l *runLog) add(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.got = append(l.got, s)
}

func (l *runLog) list() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.got)
}

func TestImportQueueKeepsEachChatsOrder(t *testing.T) {
	var q importQueue
	var log runLog
	release := make(chan struct{})
	for i := range 3 {
		for _, chat := range []int64{1, 2} {
			name := fmt.Sprintf("%d.%d", chat, i)
			ok := q.submit(1, chat, func() { log.add("accepted " + name) }, func() {
				if name == "1.0" {
					<-release // the first file of chat 1 takes long
				}
				log.add("done " + name)
			})
			if !ok {
				t.Fatalf("%s refused", name)
			}
		}
	}
	close(release)
	q.wait()
	got := log.list()
	pos := func(s string) int { return slices.Index(got, s) }
	for _, chat := range []int64{1, 2} {
		for i := range 3 {
			name := fmt.Sprintf("%d.%d", chat, i)
			if pos("accepted "+name) > pos("done "+name) {
				t.Errorf("%s done before it was accepted: %v", name, got)
			}
			if i > 0 && pos("done "+name) < pos(fmt.Sprintf("done %d.%d", chat, i-1)) {
				t.Errorf("%s done before the file sent before it: %v", name, got)
			}
		}
	}
}

func TestImportQueueBoundsWorkAndBacklog(t *testing.T) {
	var q importQueue
	var mu sync.Mutex
	running, most := 0, 0
	release := make(chan struct{})
	job := func() {
		mu.Lock()
		running++
		most = max(most, running)
		mu.Unlock()
		<-release
		mu.Lock()
		running--
		mu.Unlock()
	}
	for i := range maxQueuedImports {
		if !q.submit(2, int64(i), func() {}, job) {
			t.Fatalf("file %d refused", i)
		}
	}
	if q.submit(2, 999, func() {}, job) {
		t.Error("a file beyond maxQueuedImports was accepted")
	}
	// Two files start; the others wait for them.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		mu.Lock()
		n := running
		mu.Unlock()
		if n == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d files started, want 2", n)
		}
	}
	close(release)
	q.wait()
	if most != 2 {
		t.Errorf("%d files worked on at once, want 2", most)
	}
	if !q.submit(2, 999, func() {}, func() {}) {
		t.Error("a file was refused once the queue had emptied")
	}
	q.wait()
}
