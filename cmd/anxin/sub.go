package main

import (
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/anxin-city/anxin/config"
)

// subcommand splits "anxin <group> <command> [flags]": without a command
// it prints usage and fails; with help it prints usage and is done (ok
// false, err nil). Otherwise it answers the command, its arguments and a
// flag set that knows the configuration flags named.
func subcommand(group, usage string, cfg *config.Config, args []string, flags ...string) (sub string, rest []string, fs *flag.FlagSet, ok bool, err error) {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(os.Stderr, usage)
		if len(args) == 0 {
			return "", nil, nil, false, errors.New(group + ": which command?")
		}
		return "", nil, nil, false, nil
	}
	sub, rest = args[0], args[1:]
	fs = flag.NewFlagSet("anxin "+group+" "+sub, flag.ContinueOnError)
	cfg.Flags(fs, flags...)
	return sub, rest, fs, true, nil
}
