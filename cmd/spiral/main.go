// Command spiral stress-tests DeFi lending pools by Monte Carlo.
//
// Usage:
//
//	spiral run [scenario.yaml | preset] [flags]   run a scenario (the embedded baseline when none is given)
//	spiral merge <out>                            check a sharded run's parts, aggregate them, write _SUCCESS
//	spiral report <out>                           recompute aggregates, charts and the report from the Parquet
//	spiral replay <out | scenario> --path N       re-run one path with every step traced
//	spiral validate scenario.yaml                 check a scenario and print it resolved
//	spiral list                                   the embedded experiments
//	spiral version                                the build's version
//
// Run "spiral help" or "spiral <verb> -h" for the flags. Exit status: 0 on
// success, 1 when a run fails, 2 on bad usage or bad input.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
)

func main() {
	ctx, stop := interruptContext(os.Stderr)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(exitStatus(err, os.Stderr))
}

// exitStatus prints err and returns the exit status for it.
func exitStatus(err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	if errors.Is(err, errHelp) {
		return 0
	}
	fmt.Fprintf(stderr, "spiral: %v\n", err)
	return exitCode(err)
}
