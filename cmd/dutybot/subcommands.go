package main

import (
	"fmt"
	"io"
)

// cmdFunc runs one subcommand with its arguments and returns the exit code.
type cmdFunc func(args []string, stdout, stderr io.Writer) int

// subcommands runs the subcommand of group named by args[0], printing usage
// for help and for a missing or unknown name, so "dutybot roster", "dutybot
// ledger" and "dutybot quarantine" answer alike.
func subcommands(group, usage string, cmds map[string]cmdFunc, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	if run, ok := cmds[args[0]]; ok {
		return run(args[1:], stdout, stderr)
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "dutybot %s: unknown command %q\n%s", group, args[0], usage)
	return 2
}
