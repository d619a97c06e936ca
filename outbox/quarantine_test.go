package outbox

import (
	"bytes"
	"context"
	"encoding/binary"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"dutybot/metrics"
	"dutybot/storage"
)

// syncBuffer is a log sink safe for the dispatcher's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// counterValue reads a counter with one label from a registry.
func counterValue(t *testing.T, reg *prometheus.Registry, name, label, value string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == label && l.GetValue() == value {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}

func seqKey(seq uint64) []byte {
	return binary.BigEndian.AppendUint64(nil, seq)
}

// A queued job that does not decode is moved to the quarantine (raw bytes
// and reason), logged and counted, and every other job is delivered: one
// found when the queue is loaded, and one that went bad after it was
// loaded, just before its turn.
func TestUndecodableJobQuarantined(t *testing.T) {
	for _, when := range []string{"before loading", "after loading"} {
		t.Run(when, func(t *testing.T) {
			e := newEnv(t, fast, false)
			reg := prometheus.NewRegistry()
			e.d.metrics = metrics.New(reg)
			var logs syncBuffer
			e.d.log = slog.New(slog.NewTextHandler(&logs, nil))

			poisoned := e.job(1, "poison")
			// With a Key the dispatcher reads the job at its turn (it keeps
			// only plain jobs from loading: TestKeptJobGoneBad).
			poisoned.Key = "poison"
			seqs := e.enqueue(e.job(1, "a"), e.job(2, "b"), poisoned, e.job(3, "c"), e.job(1, "d"))
			bad := seqs[2]
			poison := func() {
				t.Helper()
				if err := e.db.Update(func(tx *storage.Tx) error {
					return tx.PutRaw("outbox", seqKey(bad), []byte(`{"seq": 3, "chat_id": "not a number"`))
				}); err != nil {
					t.Fatal(err)
				}
			}
			if when == "before loading" {
				poison()
			} else {
				// The send of a holds chat 1 up until the job after it is bad.
				g := newGate(t)
				e.sender.setOnCall(func(ctx context.Context, c sendCall) error {
					if c.Job.Text == "a" {
						<-g.c
					}
					return nil
				})
				defer g.open()
				e.start()
				waitFor(t, "the send of a", func() bool { return len(e.sender.callsFor("a")) == 1 })
				poison()
				g.open()
			}
			if e.done == nil {
				e.start()
			}
			e.waitOutcomes(4)
			e.waitQueueEmpty()
			e.stop()

			if got := sortedTexts(e.hooks.deliveries()); strings.Join(got, ",") != "a,b,c,d" {
				t.Errorf("delivered %v, want a, b, c, d", got)
			}
			for _, c := range e.sender.all() {
				if c.Job.Seq == bad {
					t.Errorf("the undecodable job was sent: %+v", c.Job)
				}
			}
			var qs []storage.Quarantined
			e.db.View(func(tx *storage.Tx) error { qs = tx.QuarantinedRecords(); return nil })
			if len(qs) != 1 || qs[0].Bucket != "outbox" || !bytes.Equal(qs[0].Key, seqKey(bad)) ||
				!strings.Contains(string(qs[0].Raw), "not a number") || qs[0].Reason == "" || !qs[0].At.Equal(e.dom.Now()) {
				t.Errorf("quarantine = %+v, want the bad job with its bytes, a reason and the time", qs)
			}
			if n := counterValue(t, reg, "dutybot_quarantined_total", "bucket", "outbox"); n != 1 {
				t.Errorf("dutybot_quarantined_total{bucket=outbox} = %v, want 1", n)
			}
			if l := logs.String(); !strings.Contains(l, "level=ERROR") || !strings.Contains(l, "bucket=outbox") ||
				!strings.Contains(l, "key=0000000000000003") || !strings.Contains(l, "reason=") {
				t.Errorf("no error logged naming the bucket, key and reason:\n%s", l)
			}
		})
	}
}

// A plain job is kept from loading and sent from what was loaded: when its
// record goes bad meanwhile, the message still goes out once, and the bad
// record is moved aside when the delivery is recorded.
func TestKeptJobGoneBad(t *testing.T) {
	e := newEnv(t, fast, false)
	seqs := e.enqueue(e.job(1, "a"), e.job(1, "kept"), e.job(2, "b"))
	bad := seqs[1]
	g := newGate(t)
	e.sender.setOnCall(func(ctx context.Context, c sendCall) error {
		if c.Job.Text == "a" {
			<-g.c
		}
		return nil
	})
	e.start()
	waitFor(t, "the send of a", func() bool { return len(e.sender.callsFor("a")) == 1 })
	if err := e.db.Update(func(tx *storage.Tx) error {
		return tx.PutRaw("outbox", seqKey(bad), []byte(`{"seq": 2, "chat_id": "not a number"`))
	}); err != nil {
		t.Fatal(err)
	}
	g.open()
	waitFor(t, "the bad record moved aside", func() bool {
		var n int
		e.db.View(func(tx *storage.Tx) error { n = len(tx.QuarantinedRecords()); return nil })
		return n == 1
	})
	e.waitQueueEmpty()
	e.stop()
	if got := len(e.sender.callsFor("kept")); got != 1 {
		t.Errorf("the kept job was sent %d times, want once", got)
	}
	if got := sortedTexts(e.hooks.deliveries()); strings.Join(got, ",") != "a,b" {
		t.Errorf("recorded %v, want a and b (the bad record is not recorded)", got)
	}
}
