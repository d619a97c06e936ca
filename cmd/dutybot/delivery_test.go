package main

import (
	"testing"

	"dutybot/config"
)

// check-config says how fast the bot sends and what paid broadcast costs.
func TestDeliveryLine(t *testing.T) {
	cases := []struct {
		name string
		d    config.Delivery
		want string
	}{
		{"free", config.Delivery{GlobalPerSecond: 30, ChatPerSecond: 1},
			"delivery: 30 messages/s, 1/s per chat, 8 on their way at once; paid broadcast off"},
		{"paid red weather", config.Delivery{GlobalPerSecond: 30, ChatPerSecond: 1,
			PaidBroadcast: config.PaidBroadcast{Levels: []string{"red"}, Kinds: []string{"weather"}, PerSecond: 1000}},
			"delivery: 30 messages/s, 1/s per chat, 64 on their way at once; paid broadcast for the first calls of red alerts (weather) at 1000/s, 0.1 Star a message"},
		{"paid, workers set", config.Delivery{GlobalPerSecond: 30, ChatPerSecond: 1, Workers: 100,
			PaidBroadcast: config.PaidBroadcast{Levels: []string{"orange", "red"}, PerSecond: 500}},
			"delivery: 30 messages/s, 1/s per chat, 100 on their way at once; paid broadcast for the first calls of orange, red alerts (every kind) at 500/s, 0.1 Star a message"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := deliveryLine(&config.Config{Delivery: c.d}); got != c.want {
				t.Errorf("deliveryLine = %q\nwant %q", got, c.want)
			}
		})
	}
}
