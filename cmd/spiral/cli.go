package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"

	"github.com/spiralrisk/spiral/experiments"
)

// errHelp is returned when the user asked for help; it is not a failure.
var errHelp = errors.New("help requested")

// inputError marks bad usage or bad input: exit status 2.
type inputError struct{ err error }

func (e inputError) Error() string { return e.err.Error() }
func (e inputError) Unwrap() error { return e.err }

func badInput(format string, args ...any) error { return inputError{fmt.Errorf(format, args...)} }

// exitCode is 2 for bad usage or input, 1 for any other failure.
func exitCode(err error) int {
	var ie inputError
	var se *experiments.Error
	if errors.As(err, &ie) || errors.As(err, &se) {
		return 2
	}
	return 1
}

const usage = `spiral stress-tests DeFi lending pools and stablecoins by Monte Carlo.

Usage:
  spiral run [scenario.yaml | preset] [flags]   run a scenario (default: the embedded baseline)
  spiral sweep sweep.yaml [flags]               run every variant of a sweep (the flags of run)
  spiral merge <out> [--wait D]                 check the parts of a sharded run, aggregate them, write _SUCCESS
  spiral report <out>                           recompute the aggregates, charts, report.pdf and report.md from the Parquet
  spiral replay <out | scenario> --path N       re-run one path with every step traced: its summary, and its
                                                series as Parquet (--variant V of a sweep, --out FILE)
  spiral validate scenario.yaml                 check a scenario and print it with every default filled in
                                                (and a summary of each position book read from a file)
  spiral calibrate prices.csv [--model M]       fit price processes (gbm, merton, garch-t) to a price history
  spiral breakpoint scenario.yaml --shock S --target 'column>x' [--prob p]
                                                find the smallest shock that breaks a target (reverse stress test)
  spiral list                                   list the embedded experiments
  spiral version                                print the version

Run "spiral run -h" for the flags of run.
Exit status: 0 success, 1 run failure, 2 bad usage or bad input.
`

// run is the whole program: it parses args, writes results to stdout and
// diagnostics to stderr, and returns an error whose exitCode is the status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return badInput("no command given")
	}
	verb, rest := args[0], args[1:]
	switch verb {
	case "run":
		return cmdRun(ctx, rest, stdout, stderr)
	case "validate":
		return cmdValidate(rest, stdout, stderr)
	case "list":
		return cmdList(rest, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "spiral", version())
		return nil
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return errHelp
	case "calibrate":
		return cmdCalibrate(ctx, rest, stdout, stderr)
	case "merge":
		return cmdMerge(ctx, rest, stdout, stderr)
	case "report":
		return cmdReport(ctx, rest, stdout, stderr)
	case "breakpoint":
		return cmdBreakpoint(ctx, rest, stdout, stderr)
	case "sweep":
		return cmdSweep(ctx, rest, stdout, stderr)
	case "replay":
		return cmdReplay(ctx, rest, stdout, stderr)
	default:
		fmt.Fprint(stderr, usage)
		return badInput("unknown command %q", verb)
	}
}

// parse parses flags and positional arguments in any order (the standard
// flag package stops at the first positional argument).
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, errHelp
			}
			return nil, inputError{err}
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		if args[0] == "--" {
			return append(positional, args[1:]...), nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

func newFlagSet(name string, stderr io.Writer, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: spiral %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

func cmdValidate(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("validate", stderr, "validate scenario.yaml|preset")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return badInput("validate takes one scenario file or preset name, got %d arguments", len(pos))
	}
	sc, err := experiments.Load(pos[0])
	if err != nil {
		return err
	}
	if _, err := sc.Config(); err != nil {
		return err
	}
	if err := sc.CheckVariants(); err != nil {
		return err
	}
	if _, err = stdout.Write(sc.Resolved()); err != nil {
		return err
	}
	if err := printVariants(stdout, sc); err != nil { // sweep.go
		return err
	}
	return printBooks(stderr, sc.FileBooks()) // books.go
}

func cmdList(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("list", stderr, "list")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return badInput("list takes no arguments")
	}
	for _, p := range experiments.List() {
		line, _, _ := strings.Cut(strings.TrimSpace(p.Description), "\n")
		fmt.Fprintf(stdout, "%-24s %s\n", p.Name, line)
	}
	return nil
}

// seedFlag is --seed S of run, sweep, breakpoint and replay: an unsigned
// 64-bit decimal integer (the manifest's and the Parquet metadata's form),
// read strictly so that "1e3" or "12abc" is an error, not seed 1 or 12.
type seedFlag struct {
	value uint64
	set   bool
}

func (s *seedFlag) String() string { return strconv.FormatUint(s.value, 10) }

func (s *seedFlag) Set(v string) error {
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return fmt.Errorf("want an unsigned decimal integer below 2^64, got %q", v)
	}
	s.value, s.set = n, true
	return nil
}

// addSeedFlag defines --seed on fs.
func addSeedFlag(fs *flag.FlagSet, s *seedFlag) {
	fs.Var(s, "seed", "random seed `S` (unsigned 64-bit decimal), overriding the scenario's")
}

// overrideScenario applies --paths (when pathsSet) and --seed to sc, as
// run, sweep, breakpoint and replay do.
func overrideScenario(sc *experiments.Scenario, paths int, pathsSet bool, seed seedFlag) error {
	if pathsSet {
		if paths < 1 {
			return badInput("--paths must be ≥ 1, got %d", paths)
		}
		sc.Paths = paths
	}
	if seed.set {
		sc.Seed = seed.value
	}
	return nil
}

// shardFlag is "i/n": this process runs shard i (0-based) of n.
type shardFlag struct{ index, count int }

func (s *shardFlag) String() string { return fmt.Sprintf("%d/%d", s.index, s.count) }

func (s *shardFlag) Set(v string) error {
	a, b, ok := strings.Cut(v, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return fmt.Errorf("want i/n with 0 ≤ i < n, got %q", v)
	}
	s.index, s.count = i, n
	return nil
}

// pathRange splits paths evenly over count shards and returns shard
// index's range.
func pathRange(paths, index, count int) (first, n int) {
	first = int(int64(paths) * int64(index) / int64(count))
	last := int(int64(paths) * int64(index+1) / int64(count))
	return first, last - first
}

// buildVersion is set by `make build`:
// -ldflags "-X main.buildVersion=$(git describe --always --dirty)".
var buildVersion string

// version identifies the build in manifests and Parquet metadata, where
// merge refuses to mix parts of different builds: the release or
// buildVersion (else "devel", with the VCS revision when the build recorded
// it), and GOAMD64, which decides whether floating point is fused and so
// whether results are bit-identical (DESIGN §3). A build that names no
// commit, or a commit with uncommitted changes ("-dirty", or
// vcs.modified), could be any of many different programs under that name,
// so it also carries the first 12 hex digits of its executable's SHA-256
// ("+exe.<digest>"): two such builds never pass for one.
func version() string {
	v, amd64, modified := "devel", "", false
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				if v == "devel" {
					v += "+" + s.Value[:min(12, len(s.Value))]
				}
			case "vcs.modified":
				modified = s.Value == "true"
			case "GOAMD64":
				amd64 = s.Value
			}
		}
	}
	if buildVersion != "" {
		v, modified = buildVersion, false
	}
	if v == "devel" || modified || strings.HasSuffix(v, "-dirty") {
		if d := executableDigest(); d != "" {
			v += "+exe." + d
		}
	}
	if amd64 != "" {
		v += " GOAMD64=" + amd64
	}
	return v
}

// executableDigest is the first 12 hex digits of the SHA-256 of the running
// executable, "" if it cannot be read; computed once.
var executableDigest = sync.OnceValue(func() string {
	path, err := os.Executable()
	if err != nil {
		return ""
	}
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return ""
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
})
