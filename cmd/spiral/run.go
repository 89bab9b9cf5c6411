package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
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
	seed      uint64
	seedSet   bool
	workers   int
	shard     shardFlag
	resume    bool
	quiet     bool
	overwrite bool
	chunk     int
}

func cmdRun(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := runFlags{shard: shardFlag{0, 1}}
	fs := newFlagSet("run", stderr, "run [scenario.yaml | preset] [flags]")
	fs.StringVar(&f.out, "out", "", "output `dir`ectory (default out/<scenario name>)")
	fs.IntVar(&f.paths, "paths", 0, "number of paths `N`, overriding the scenario's")
	fs.Func("seed", "random seed `S` (unsigned 64-bit), overriding the scenario's", func(v string) error {
		_, err := fmt.Sscan(v, &f.seed)
		f.seedSet = err == nil
		if err != nil {
			return fmt.Errorf("want an unsigned integer, got %q", v)
		}
		return nil
	})
	fs.IntVar(&f.workers, "workers", runtime.GOMAXPROCS(0), "worker goroutines `W`")
	fs.Var(&f.shard, "shard", "run shard `i/n` of the paths (0 ≤ i < n)")
	fs.BoolVar(&f.resume, "resume", false, "do nothing if --out already holds the complete run of the same scenario")
	fs.BoolVar(&f.quiet, "quiet", false, "no progress output")
	fs.BoolVar(&f.overwrite, "overwrite", false, "replace a previous run in --out")
	fs.IntVar(&f.chunk, "chunk", 0, "paths per work unit (0 = automatic; results do not depend on it)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return badInput("run takes at most one scenario, got %d arguments", len(pos))
	}
	if f.workers < 1 {
		return badInput("--workers must be ≥ 1, got %d", f.workers)
	}
	if f.chunk < 0 {
		return badInput("--chunk must be ≥ 0, got %d", f.chunk)
	}
	name := ""
	if len(pos) == 1 {
		name = pos[0]
	}
	sc, err := experiments.Load(name)
	if err != nil {
		return err
	}
	if fs.Lookup("paths").Value.String() != "0" {
		if f.paths < 1 {
			return badInput("--paths must be ≥ 1, got %d", f.paths)
		}
		sc.Paths = f.paths
	}
	if f.seedSet {
		sc.Seed = f.seed
	}
	cfg, err := sc.Config()
	if err != nil {
		return err
	}
	if f.out == "" {
		f.out = filepath.Join("out", sc.Name)
	}
	first, count := pathRange(cfg.Paths, f.shard.index, f.shard.count)
	if count == 0 {
		return badInput("shard %d/%d of %d paths is empty", f.shard.index, f.shard.count, cfg.Paths)
	}
	resolved := sc.Resolved()
	meta := report.Meta{
		ScenarioName:   sc.Name,
		Description:    sc.Description,
		ScenarioYAML:   resolved,
		ScenarioSHA256: sc.SHA256(),
		Seed:           cfg.Seed,
		Paths:          cfg.Paths,
		Variant:        "base",
		Shard:          f.shard.index,
		Shards:         f.shard.count,
		FirstPath:      first,
		NumPaths:       count,
		StepHours:      cfg.Step.Hours(),
		HorizonHours:   cfg.Horizon.Hours(),
		Liquidations:   cfg.Liquidation != nil,
		Version:        version(),
		Args:           append([]string{"spiral", "run"}, args...),
	}
	if f.resume && report.Complete(f.out, meta) {
		fmt.Fprintf(stdout, "%s: already complete in %s, nothing to do\n", sc.Name, f.out)
		return nil
	}
	out, err := report.Create(f.out, meta, f.overwrite || f.resume)
	if err != nil {
		return inputError{fmt.Errorf("--out: %w", err)}
	}
	defer out.Abort() // removes anything incomplete; a no-op after Finish

	log := slog.New(slog.NewTextHandler(stderr, nil))
	progress, done := progressReporter(stderr, count, f.quiet, log)
	start := time.Now()
	err = engine.Run(ctx, cfg, engine.Options{Workers: f.workers, First: first, Count: count, Chunk: f.chunk, Progress: progress}, out.Sink())
	done()
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return fmt.Errorf("interrupted; nothing incomplete was kept in %s; run the same command again to redo it", f.out)
		}
		var pe *engine.PathError
		if errors.As(err, &pe) {
			return fmt.Errorf("%w (replay with --seed %d, path %d)", err, pe.Seed, pe.Path)
		}
		return err
	}
	elapsed := time.Since(start)
	if err := out.Finish(); err != nil {
		return err
	}
	if !f.quiet {
		log.Info("done", "paths", count, "steps", cfg.Steps(), "seconds", elapsed.Seconds(),
			"paths_per_second", float64(count)/elapsed.Seconds())
	}
	fmt.Fprintf(stdout, "%s: %d paths × %d steps of %v, seed %d\n", sc.Name, count, cfg.Steps(), sc.Step, cfg.Seed)
	if agg := out.Aggregate(); agg != nil {
		printHeadline(stdout, agg, cfg.Liquidation != nil)
	}
	fmt.Fprintf(stdout, "wrote %s\n", f.out)
	return nil
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
