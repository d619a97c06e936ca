package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// parseArgs parses flags, before or after the positional arguments, and
// wants exactly want of them (named what). ok is false with the exit code.
func parseArgs(cmd string, fs *flag.FlagSet, args []string, want int, what string, stdout, stderr io.Writer) (pos []string, code int, ok bool) {
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: dutybot %s [flags] %s\n", cmd, what)
		fs.PrintDefaults()
	}
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fs.SetOutput(stdout)
				fs.Usage()
				return nil, 0, false
			}
			return nil, 2, false
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	switch {
	case len(pos) < want:
		fmt.Fprintf(stderr, "dutybot %s: name the %s\n", cmd, strings.ToLower(what))
		fs.Usage()
		return nil, 2, false
	case len(pos) > want:
		fmt.Fprintf(stderr, "dutybot %s: unexpected argument %q\n", cmd, pos[want])
		return nil, 2, false
	}
	return pos, 0, true
}
