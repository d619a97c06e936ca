package bot

import "sync"

// maxQueuedImports bounds the roster files accepted in chat and not yet
// answered; a file sent beyond it is refused with a request to send it
// again later. A queued file is only its Telegram file id until its turn.
const maxQueuedImports = 32

// importQueue runs the roster files sent in chat off the update shards: a
// few at once (roster.import.workers), each chat's files one after another
// in the order sent, so a later version of a roster is imported after an
// earlier one. The zero value is ready to use.
type importQueue struct {
	mu     sync.Mutex
	slots  chan struct{}      // a token per file being worked on
	chats  map[int64][]func() // files of each chat with a file in the queue, after the one running
	queued int                // files accepted and not finished
	wg     sync.WaitGroup
}

// submit queues job, a file of chat, unless the queue is full. accepted
// runs before job can start, so that what it sends ("checking") comes
// before job's answer. workers sets the number of files worked on at once
// the first time.
func (q *importQueue) submit(workers int, chat int64, accepted, job func()) bool {
	q.mu.Lock()
	if q.queued >= maxQueuedImports {
		q.mu.Unlock()
		return false
	}
	if q.slots == nil {
		q.slots = make(chan struct{}, max(workers, 1))
		q.chats = make(map[int64][]func())
	}
	q.queued++
	ready := make(chan struct{})
	run := func() {
		<-ready
		job()
	}
	pending, running := q.chats[chat]
	if running {
		q.chats[chat] = append(pending, run)
	} else {
		q.chats[chat] = nil
		q.wg.Add(1)
	}
	q.mu.Unlock()

	accepted()
	close(ready)
	if !running {
		go q.drain(chat, run)
	}
	return true
}

// drain runs the files of chat, first job, until none is left.
func (q *importQueue) drain(chat int64, job func()) {
	defer q.wg.Done()
	for job != nil {
		q.slots <- struct{}{}
		job()
		<-q.slots
		q.mu.Lock()
		q.queued--
		if pending := q.chats[chat]; len(pending) > 0 {
			job, q.chats[chat] = pending[0], pending[1:]
		} else {
			job = nil
			delete(q.chats, chat)
		}
		q.mu.Unlock()
	}
}

// wait waits for the files in the queue to be done.
func (q *importQueue) wait() { q.wg.Wait() }
