package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/spiralrisk/spiral/engine"
	"github.com/spiralrisk/spiral/experiments"
	"github.com/spiralrisk/spiral/report"
)

type runFlags struct {
	out       string
	paths     int
	seed      seedFlag
	workers   int
	shard     shardFlag
	shards    int
	resume    bool
	quiet     bool
	overwrite bool
	chunk     int
	partPaths int
}

func cmdRun(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return execute(ctx, "run", args, stdout, stderr)
}

// execute is `spiral run` and `spiral sweep`: one code path for both. A run
// is the sweep of one variant ("base"). The work is the units (variant,
// path), variant k's path p being unit k·paths + p; a shard takes an even
// share of the units, which may span the end of one variant and the start
// of the next (report.Segment), and locks and resumes them as a run does
// its paths.
func execute(ctx context.Context, verb string, args []string, stdout, stderr io.Writer) error {
	f := runFlags{shard: shardFlag{0, 1}}
	synopsis := "run [scenario.yaml | preset] [flags]"
	if verb == "sweep" {
		synopsis = "sweep sweep.yaml [flags]"
	}
	fs := newFlagSet(verb, stderr, synopsis)
	fs.StringVar(&f.out, "out", "", "output `dir`ectory (default out/<scenario name>)")
	fs.IntVar(&f.paths, "paths", 0, "number of paths `N`, overriding the scenario's")
	addSeedFlag(fs, &f.seed)
	fs.IntVar(&f.workers, "workers", runtime.GOMAXPROCS(0), "worker goroutines `W`")
	fs.Var(&f.shard, "shard", "run shard `i/n` of the paths (of a sweep: of its (variant, path) units) (0 ≤ i < n); default from $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT or $JOB_COMPLETION_INDEX, else 0/1")
	fs.IntVar(&f.shards, "shards", 0, "shard count `n` for $JOB_COMPLETION_INDEX (a Kubernetes Indexed Job's completions; default $SPIRAL_SHARDS)")
	fs.BoolVar(&f.resume, "resume", false, "keep the complete parts of an earlier run of the same scenario (and data files) in --out and run only the missing paths")
	fs.BoolVar(&f.quiet, "quiet", false, "no progress output")
	fs.BoolVar(&f.overwrite, "overwrite", false, "replace a previous run's output of these paths in --out")
	fs.IntVar(&f.chunk, "chunk", 0, "paths per work unit (0 = automatic; results do not depend on it)")
	fs.IntVar(&f.partPaths, "part-paths", report.DefaultPartPaths, "paths per Parquet part `N`: an interruption loses at most one part (results do not depend on it)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	switch {
	case verb == "run" && len(pos) > 1:
		return badInput("run takes at most one scenario, got %d arguments", len(pos))
	case verb == "sweep" && len(pos) != 1:
		return badInput("sweep takes one sweep file (a scenario with a sweep section) or preset, got %d arguments", len(pos))
	}
	if f.workers < 1 {
		return badInput("--workers must be ≥ 1, got %d", f.workers)
	}
	if f.chunk < 0 {
		return badInput("--chunk must be ≥ 0, got %d", f.chunk)
	}
	if f.partPaths < 1 {
		return badInput("--part-paths must be ≥ 1, got %d", f.partPaths)
	}
	if f.shards < 0 {
		return badInput("--shards must be ≥ 1, got %d", f.shards)
	}
	if f.resume && f.overwrite {
		return badInput("--resume and --overwrite exclude each other")
	}
	shard, shardSource, err := resolveShard(set["shard"], f.shard, f.shards, os.Getenv)
	if err != nil {
		return inputError{err}
	}
	name := ""
	if len(pos) == 1 {
		name = pos[0]
	}
	sc, err := experiments.Load(name)
	if err != nil {
		return err
	}
	switch {
	case verb == "run" && sc.Sweep != nil:
		return badInput("%s is a sweep (it has a sweep section): run its variants with\n  %s", sc.File, commandFor("sweep", args))
	case verb == "sweep" && sc.Sweep == nil:
		return badInput("%s has no sweep section: run it with\n  %s\n(a sweep adds `sweep:` with axes, docs/sweeps.md)", sc.File, commandFor("run", args))
	}
	if err := overrideScenario(sc, f.paths, set["paths"], f.seed); err != nil {
		return err
	}
	cfg, err := sc.Config()
	if err != nil {
		return err
	}
	if err := sc.CheckVariants(); err != nil {
		return err
	}
	warnBooks(stderr, sc.FileBooks()) // books.go
	variants := sc.Variants()
	if f.out == "" {
		f.out = filepath.Join("out", sc.Name)
	}
	units := len(variants) * cfg.Paths
	first, count := pathRange(units, shard.index, shard.count)
	if count == 0 {
		return badInput("shard %d/%d of %d paths is empty", shard.index, shard.count, units)
	}
	segments := unitSegments(variants, cfg.Paths, first, count)
	log := slog.New(slog.NewTextHandler(stderr, nil))
	if shardSource != "" && !f.quiet {
		log.Info("shard from the environment", "shard", shard.String(), "from", shardSource, unitsName(sc), fmt.Sprintf("[%d, %d)", first, first+count))
	}
	meta := scenarioMeta(sc, cfg, variants, verb, args)
	meta.Variant = segments[0].Variant
	meta.Shard, meta.Shards = shard.index, shard.count
	meta.FirstPath, meta.NumPaths = segments[0].First, segments[0].Count
	meta.PartPaths = f.partPaths
	if f.resume && report.CompleteBatch(f.out, meta, segments) {
		fmt.Fprintf(stdout, "%s: already complete in %s, nothing to do\n", sc.Name, f.out)
		return nil
	}
	lock, err := lockRange(f.out, first, count)
	if errors.Is(err, errLocked) {
		return badInput("--out %s: another spiral process is writing %s [%d, %d) there (%v); wait for it to end, or choose another --out", f.out, unitsName(sc), first, first+count, err)
	}
	if err != nil {
		return inputError{fmt.Errorf("--out: %w", err)}
	}
	defer lock.Release()
	mode := report.Fresh
	switch {
	case f.overwrite:
		mode = report.Overwrite
	case f.resume:
		mode = report.Resume
	}
	batch, err := report.CreateBatch(f.out, meta, segments, mode)
	switch {
	case errors.Is(err, report.ErrEarlierRun):
		return inputError{fmt.Errorf("--out: %w; --resume continues it, --overwrite replaces it", err)}
	case errors.Is(err, report.ErrOtherRun):
		return inputError{fmt.Errorf("--out: %w; --overwrite replaces it, or choose another --out", err)}
	case err != nil:
		return inputError{fmt.Errorf("--out: %w", err)}
	}
	defer batch.Abort() // removes anything incomplete; a no-op after Finish or Stop

	outs := batch.Outputs()
	total := 0
	for _, o := range outs {
		for _, r := range o.Todo() {
			total += r.Count
		}
	}
	if kept := batch.Kept(); kept > 0 && !f.quiet {
		log.Info("resuming", "paths_kept", kept, "paths_to_run", total)
	}
	progress, done := progressReporter(stderr, max(total, 1), f.quiet, log)
	start := time.Now()
	offset := 0
	for i, o := range outs {
		vcfg := cfg
		if sc.Sweep != nil {
			var vs *experiments.Scenario
			if vs, err = variantScenario(sc, variants, segments[i].Variant); err != nil {
				break
			}
			if vcfg, err = vs.Config(); err != nil {
				break
			}
			o.SetRiskBase(riskBase(vs, vcfg))
		}
		for _, r := range o.Todo() {
			var p func(int)
			if progress != nil {
				at := offset
				p = func(n int) { progress(at + n) }
			}
			err = engine.Run(ctx, vcfg, engine.Options{Workers: f.workers, First: r.First, Count: r.Count, Chunk: f.chunk, Progress: p}, o.Sink())
			if err != nil {
				break
			}
			offset += r.Count
		}
		if err != nil {
			break
		}
	}
	done()
	if err != nil {
		if ctx.Err() != nil {
			received := batch.Received()
			if serr := batch.Stop(); serr != nil {
				return fmt.Errorf("%v; and keeping the paths done: %w", context.Cause(ctx), serr)
			}
			return fmt.Errorf("%v after %d of %d paths; every complete part is kept in %s (nothing half-written); continue with:\n  %s",
				context.Cause(ctx), count-total+received, count, f.out, resumeCommandFor(verb, args))
		}
		var pe *engine.PathError
		if errors.As(err, &pe) {
			return fmt.Errorf("%w (replay with --seed %d, path %d)", err, pe.Seed, pe.Path)
		}
		return err
	}
	elapsed := time.Since(start)
	if err := batch.Finish(); err != nil {
		return err
	}
	if !f.quiet {
		log.Info("done", "paths", total, "steps", cfg.Steps(), "seconds", elapsed.Seconds(),
			"paths_per_second", float64(total)/elapsed.Seconds())
	}
	w := &checkedWriter{w: stdout}
	if sc.Sweep != nil {
		fmt.Fprintf(w, "%s: %d variants × %d paths × %d steps of %v, seed %d; this process: %d (variant, path) units\n",
			sc.Name, len(variants), cfg.Paths, cfg.Steps(), sc.Step, cfg.Seed, count)
	} else {
		fmt.Fprintf(w, "%s: %d paths × %d steps of %v, seed %d\n", sc.Name, count, cfg.Steps(), sc.Step, cfg.Seed)
	}
	if agg := batch.Aggregate(); agg != nil {
		printHeadline(w, agg, cfg.Liquidation != nil)
	} else if shard.count > 1 {
		fmt.Fprintf(w, "shard %s done; when every shard is done: spiral merge %s\n", shard.String(), quoteArg(f.out))
	}
	fmt.Fprintf(w, "wrote %s\n", f.out)
	return w.err
}

// scenarioMeta describes the outputs of a run of sc (cfg is its engine
// configuration) by spiral verb args, as one process: the caller sets the
// variant, and the shard and its paths when it is not the whole run.
func scenarioMeta(sc *experiments.Scenario, cfg *engine.Config, variants []experiments.Variant, verb string, args []string) report.Meta {
	return report.Meta{
		ScenarioName:   sc.Name,
		Description:    sc.Description,
		ScenarioYAML:   sc.Resolved(),
		ScenarioSHA256: sc.SHA256(),
		DataFiles:      dataFiles(sc),
		Seed:           cfg.Seed,
		Paths:          cfg.Paths,
		Variant:        experiments.BaseVariant,
		Shard:          0,
		Shards:         1,
		FirstPath:      0,
		NumPaths:       cfg.Paths,
		StepHours:      cfg.Step.Hours(),
		HorizonHours:   cfg.Horizon.Hours(),
		Liquidations:   cfg.Liquidation != nil,
		Stablecoin:     cfg.Stablecoin != nil,
		Version:        version(),
		Args:           append([]string{"spiral", verb}, args...),
		Sweep:          sweepInfo(sc, variants),
		RiskBase:       runRiskBase(sc, cfg),
	}
}

// runRiskBase is the RiskBase of a run that is not a sweep; nil for a
// sweep, whose variants each set their own when they run.
func runRiskBase(sc *experiments.Scenario, cfg *engine.Config) *report.RiskBase {
	if sc.Sweep != nil {
		return nil
	}
	b := riskBase(sc, cfg)
	return &b
}

// riskBase is what the risk metrics' thresholds are relative to in a run
// of sc (cfg is its configuration): its pool's initial deposits and its
// position book's initial debt. A generated book's debt is the total it is
// generated to, debt_share × utilization × (deposits + reserves), as the
// report computes it from the resolved scenario; a book read from
// positions.file has the sum of its debts (the borrow index starts at 1).
func riskBase(sc *experiments.Scenario, cfg *engine.Config) report.RiskBase {
	b := report.RiskBase{DepositsUSD: cfg.Pool.Deposits}
	if cfg.Liquidation != nil {
		b.MaxRounds = cfg.Liquidation.Keepers.MaxRounds
	}
	switch p := cfg.Pool; {
	case cfg.Liquidation == nil || cfg.Liquidation.Book == nil:
	case sc.Positions != nil && sc.Positions.File == "":
		b.BookDebtUSD = sc.Positions.DebtShare * (p.Utilization * (p.Deposits + p.Reserves))
	default:
		b.BookDebtUSD = cfg.Liquidation.Book.TotalScaledDebt()
	}
	return b
}

// dataFiles lists the data files sc read, for the outputs; empty, not
// nil, when there is none.
func dataFiles(sc *experiments.Scenario) []report.DataFile {
	out := []report.DataFile{}
	for _, f := range sc.DataFiles() {
		out = append(out, report.DataFile{Field: f.Field, Path: f.Path, SHA256: f.SHA256, Size: f.Size})
	}
	return out
}

// resumeCommandFor is the command line of spiral verb args with --resume
// added.
func resumeCommandFor(verb string, args []string) string {
	parts := []string{"spiral", verb}
	resume := false
	for _, a := range args {
		if a == "--resume" || a == "-resume" {
			resume = true
		}
		parts = append(parts, quoteArg(a))
	}
	if !resume {
		parts = append(parts, "--resume")
	}
	return strings.Join(parts, " ")
}

// commandFor is the command line "spiral verb args…", quoted for a POSIX
// shell: the user's command with another verb.
func commandFor(verb string, args []string) string {
	parts := []string{"spiral", verb}
	for _, a := range args {
		parts = append(parts, quoteArg(a))
	}
	return strings.Join(parts, " ")
}

// quoteArg quotes a for a POSIX shell when it needs it.
func quoteArg(a string) string {
	if a != "" && strings.IndexFunc(a, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=:,+@%", r))
	}) < 0 {
		return a
	}
	return "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
}

// checkedWriter keeps the first write error, so that a full disk or a
// closed pipe on stdout makes the command fail (exit 1) instead of
// printing nothing silently.
type checkedWriter struct {
	w   io.Writer
	err error
}

func (c *checkedWriter) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.w.Write(p)
	if err != nil {
		c.err = fmt.Errorf("write standard output: %w", err)
	}
	return n, err
}

// bound formats a confidence bound; NaN means too few paths for it.
func bound(v float64) string {
	if math.IsNaN(v) {
		return "n/a"
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

// printHeadline prints the main metrics' mean and tail quantiles with
// their confidence intervals; aggregate.json has every metric.
func printHeadline(w io.Writer, agg *report.Aggregate, liquidations bool) {
	defer printNotes(w, agg)
	if agg.Sweep != nil {
		printSweepHeadline(w, agg) // sweep.go
		return
	}
	names := []string{"max_utilization", "hours_utilization_ge_99_9", "peak_borrow_apr", "max_queue_usd", "stuck_share", "mean_wait_hours"}
	if liquidations {
		names = append(names, "liquidated_debt_usd", "max_cascade_rounds", "bad_debt_usd", "worst_24h_bad_debt_usd", "insolvent")
	}
	fmt.Fprintf(w, "%-26s %12s %12s %12s %12s %s\n", "metric", "mean", "p50", "p95", "p99", "[95 % CI of p99]")
	for _, v := range agg.Variants {
		for _, m := range v.Metrics {
			if !slices.Contains(names, m.Metric) {
				continue
			}
			q := m.Quantiles
			fmt.Fprintf(w, "%-26s %12.4g %12.4g %12.4g %12.4g [%s, %s]\n", m.Metric, m.Mean, q[0].Value, q[1].Value, q[2].Value, bound(q[2].CILow), bound(q[2].CIHigh))
		}
	}
}

// printNotes prints the report's notes about the results (such as a
// cascade cap reached on many paths), which report.md and manifest.json
// carry too.
func printNotes(w io.Writer, agg *report.Aggregate) {
	for _, n := range agg.Notes {
		fmt.Fprintln(w, "note: "+n)
	}
}

// progressReporter returns the Progress callback for engine.Run and a
// function to call when the run ends. On a terminal it draws a progress bar;
// otherwise it logs a line at every tenth of the work.
func progressReporter(stderr io.Writer, total int, quiet bool, log *slog.Logger) (func(int), func()) {
	if quiet {
		return nil, func() {}
	}
	if f, ok := stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		bar := progressbar.NewOptions(total,
			progressbar.OptionSetWriter(stderr),
			progressbar.OptionSetDescription("paths"),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("paths"),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
		return func(done int) { _ = bar.Set(done) }, func() { _ = bar.Finish() }
	}
	start := time.Now()
	next := 1
	return func(done int) {
		if done*10 >= next*total {
			for done*10 >= next*total {
				next++
			}
			s := time.Since(start).Seconds()
			rate := float64(done) / max(s, 1e-9)
			log.Info("progress", "paths", done, "of", total, "paths_per_second", int(rate),
				"eta_seconds", int(float64(total-done)/max(rate, 1e-9)))
		}
	}, func() {}
}
