package fakeapi

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
)

// BenchmarkServeSend is the fake's own cost of one flagged sendMessage,
// from the request as go-telegram/bot sends it (multipart form) to the
// answer, without the network or the client.
func BenchmarkServeSend(b *testing.B) {
	const users = 10_000
	// Every bucket is taken, none refuses: b.N sends go round 10,000
	// officials on a clock that hardly moves.
	balance := Stars(1 << 62)
	s := New(Options{Token: "1:bench", Stars: &balance,
		Limits: &Limits{Global: 30, ChatPerSecond: 1e9, ChatBurst: 1e9, GroupPerMinute: 20, Paid: 1e12, PaidBurst: 1e9}})
	b.Cleanup(s.Close)
	bodies := make([][]byte, users)
	var ct string
	for i := range users {
		s.AddUser(User{ID: int64(i + 1)})
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		_ = w.SetBoundary("2f2d1b6c8e5a4f3d9c7b0a1e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f9e")
		_ = w.WriteField("chat_id", strconv.Itoa(i+1))
		_ = w.WriteField("text", "【红色预警】暴雨红色预警：请立即到岗，并回复“收到”。")
		_ = w.WriteField("allow_paid_broadcast", "true")
		_ = w.Close()
		bodies[i] = buf.Bytes()
		ct = w.FormDataContentType()
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		r := httptest.NewRequest(http.MethodPost, "/bot1:bench/sendMessage", bytes.NewReader(bodies[i%users]))
		r.Header.Set("Content-Type", ct)
		w := httptest.NewRecorder()
		s.serve(w, r)
		if w.Code != http.StatusOK {
			b.Fatalf("answer %d: %s", w.Code, w.Body)
		}
	}
}
