package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"

	"dutybot/sandbox"
)

// sandboxCmd runs the bot against a local stand-in for Telegram with a web
// chat, until ctx ends (Ctrl-C).
func sandboxCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("sandbox", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", sandbox.DefaultConfig, "configuration file (its officials, units and policies)")
	host := fs.String("listen", sandbox.DefaultHost, "address to serve the page on; keep it on loopback")
	port := fs.Int("port", sandbox.DefaultPort, "port to try first (a free one if taken); 0 = any free port")
	speed := fs.Int("speed", sandbox.DefaultSpeed, fmt.Sprintf("divide escalation, check-in, spot-check and 熔断 timings by this (1 to %d); above 1 deadlines show seconds", sandbox.MaxSpeed))
	verbose := fs.Bool("v", false, "log the bot's info messages too, not only warnings")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "dutybot sandbox: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if h, p, err := net.SplitHostPort(*host); err == nil { // -listen 127.0.0.1:9000
		n, err := strconv.Atoi(p)
		if err != nil {
			fmt.Fprintf(stderr, "dutybot sandbox: -listen %s: bad port\n", *host)
			return 2
		}
		*host, *port = h, n
	}
	if *port < 0 || *port > 65535 {
		fmt.Fprintf(stderr, "dutybot sandbox: -port %d is not a port\n", *port)
		return 2
	}
	if *speed < 1 || *speed > sandbox.MaxSpeed { // 0 would mean "default" to sandbox.New
		fmt.Fprintf(stderr, "dutybot sandbox: -speed %d: want a factor from 1 to %d\n", *speed, sandbox.MaxSpeed)
		return 2
	}
	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelInfo
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	if ip := net.ParseIP(*host); (ip == nil && *host != "localhost") || (ip != nil && !ip.IsLoopback()) {
		log.Warn("the sandbox chat lets anyone who reaches it act as any official; it is meant for loopback", "listen", *host)
	}
	sb, err := sandbox.New(sandbox.Options{Config: *cfgPath, Host: *host, Port: *port, AnyPort: *port == 0,
		Speed: *speed, Log: log})
	if err != nil {
		fmt.Fprintf(stderr, "dutybot sandbox: %v\n", err)
		return 1
	}
	fmt.Fprint(stdout, sb.Banner())
	if err := sb.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintf(stderr, "dutybot sandbox: %v\n", err)
		return 1
	}
	fmt.Fprintln(stdout, "dutybot sandbox stopped; its temporary data is removed.")
	return 0
}
