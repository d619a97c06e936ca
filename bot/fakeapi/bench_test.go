package fakeapi_test

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-telegram/bot"

	"dutybot/bot/fakeapi"
)

// BenchmarkPaidBroadcast sends b.N flagged sendMessage requests, one per
// user, through the real client from 64 goroutines over reused
// connections: the fake's share of a red warning sent at 1,000/s.
func BenchmarkPaidBroadcast(b *testing.B) {
	const workers = 64
	srv := fakeapi.New(fakeapi.Options{Token: token,
		// Telegram's rules with a paid rate no benchmark reaches, so every
		// bucket is taken and none refuses.
		Limits: &fakeapi.Limits{Global: 30, ChatPerSecond: 1, ChatBurst: 1, GroupPerMinute: 20, Paid: 1e9}})
	b.Cleanup(srv.Close)
	srv.SetStars(fakeapi.Stars(b.N) * fakeapi.PaidBroadcastFee)
	for i := range b.N {
		srv.AddUser(fakeapi.User{ID: int64(i + 1)})
	}
	tr := &http.Transport{MaxIdleConnsPerHost: workers}
	b.Cleanup(tr.CloseIdleConnections)
	tg, err := bot.New(token, bot.WithServerURL(srv.URL()), bot.WithSkipGetMe(),
		bot.WithHTTPClient(time.Second, &http.Client{Transport: tr, Timeout: 10 * time.Second}))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	var next atomic.Int64
	var failed atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				id := next.Add(1)
				if id > int64(b.N) {
					return
				}
				_, err := tg.SendMessage(ctx, &bot.SendMessageParams{ChatID: id,
					Text: "【红色预警】暴雨红色预警：请立即到岗，并回复“收到”。", AllowPaidBroadcast: true})
				if err != nil {
					failed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
	if n := failed.Load(); n > 0 {
		b.Fatalf("%d of %d sends failed", n, b.N)
	}
	if st := srv.Stats(); st.Sent != b.N || st.Paid != b.N {
		b.Fatalf("stats = %+v, want %d sent, all paid", st, b.N)
	}
}
