package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/spiralrisk/spiral/report"
)

// mergePoll is how often `merge --wait` looks again.
var mergePoll = 15 * time.Second

func cmdMerge(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("merge", stderr, "merge <out> [--wait D] [--quiet]")
	wait := fs.Duration("wait", 0, "wait up to `D` (e.g. 6h) for shards that are still running or missing, checking every 15 s")
	quiet := fs.Bool("quiet", false, "no progress output")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return badInput("merge takes one output directory, got %d arguments", len(pos))
	}
	if *wait < 0 {
		return badInput("--wait must be ≥ 0, got %v", *wait)
	}
	dir := pos[0]
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		if err == nil {
			err = errors.New("not a directory")
		}
		return badInput("merge %s: %v", dir, err)
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	deadline := time.Now().Add(*wait)
	for {
		agg, err := mergeOnce(dir, append([]string{"spiral", "merge"}, args...))
		if err == nil {
			w := &checkedWriter{w: stdout}
			fmt.Fprintf(w, "%s: merged %d paths, seed %d\n", agg.Scenario, agg.Paths, agg.Seed)
			printHeadline(w, agg, agg.Liquidations)
			fmt.Fprintf(w, "wrote %s\n", dir)
			return w.err
		}
		var ce *report.CheckError
		retry := errors.Is(err, errLocked) || errors.As(err, &ce) && ce.Incomplete
		if !retry || time.Now().Add(mergePoll).After(deadline) {
			if errors.Is(err, errLocked) {
				return badInput("merge %s: a run is still writing there (%v); wait for it, or use --wait", dir, err)
			}
			if ce != nil {
				return inputError{err}
			}
			return err
		}
		if !*quiet {
			log.Info("waiting for the shards", "dir", dir, "reason", firstLine(err.Error()))
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%v while waiting for the shards of %s", context.Cause(ctx), dir)
		case <-time.After(mergePoll):
		}
	}
}

// mergeOnce merges dir under a lock of the whole directory.
func mergeOnce(dir string, args []string) (*report.Aggregate, error) {
	lock, err := lockRange(dir, 0, 0)
	if err != nil {
		return nil, err
	}
	defer lock.Release()
	return report.Merge(dir, report.MergeOptions{Args: args})
}

func firstLine(s string) string {
	for i, r := range s {
		if r == '\n' {
			return s[:i]
		}
	}
	return s
}
