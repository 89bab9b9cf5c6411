package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spiralrisk/spiral/report"
)

// cmdReport is `spiral report <out>`: it recomputes the aggregates, the
// charts, report.md and report.pdf (and manifest.json and _SUCCESS) of an
// output directory from its Parquet parts alone. The parts are not
// touched; every file is rewritten atomically, and running it again gives
// the same files. An incomplete directory is refused with exit status 2
// and the list of what is missing.
func cmdReport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("report", stderr, "report <out>")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return badInput("report takes one output directory, got %d arguments", len(pos))
	}
	dir := pos[0]
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		if err == nil {
			err = errors.New("not a directory")
		}
		return badInput("report %s: %v", dir, err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	lock, err := lockRange(dir, 0, 0)
	if errors.Is(err, errLocked) {
		return badInput("report %s: a run is still writing there (%v); wait for it to end", dir, err)
	}
	if err != nil {
		return inputError{fmt.Errorf("report %s: %w", dir, err)}
	}
	defer lock.Release()
	agg, err := report.Recompute(dir, report.MergeOptions{Args: append([]string{"spiral", "report"}, args...)})
	var ce *report.CheckError
	if errors.As(err, &ce) {
		return inputError{err}
	}
	if err != nil {
		return err
	}
	w := &checkedWriter{w: stdout}
	fmt.Fprintf(w, "%s: %d paths, seed %d\n", agg.Scenario, agg.Paths, agg.Seed)
	printRisk(w, agg)
	printNotes(w, agg)
	fmt.Fprintf(w, "wrote %s and %s\n", filepath.Join(dir, report.ReportPDF), filepath.Join(dir, report.ReportMarkdown))
	return w.err
}

// printRisk prints the headline risk metrics of every variant and the
// convergence verdict.
func printRisk(w io.Writer, agg *report.Aggregate) {
	for _, v := range agg.Variants {
		if len(agg.Variants) > 1 {
			fmt.Fprintf(w, "variant %s\n", v.Variant)
		}
		fmt.Fprintf(w, "%-38s %-18s %12s  %s\n", "risk metric", "horizon", "value", "[95 % CI]")
		for _, r := range v.Risk {
			fmt.Fprintf(w, "%-38s %-18s %12s  [%s, %s]\n", r.Label, r.Horizon, r.Format(r.Value), r.Format(r.CILow), r.Format(r.CIHigh))
		}
		if c := v.Convergence; c != nil {
			fmt.Fprintln(w, c.Summary)
		}
	}
}
