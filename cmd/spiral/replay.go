package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/spiralrisk/spiral/engine"
	"github.com/spiralrisk/spiral/experiments"
	"github.com/spiralrisk/spiral/report"
)

type replayFlags struct {
	source    string // the output directory or the scenario (file or preset)
	path      int
	variant   string
	out       string
	overwrite bool
	dataDir   string
	paths     int
	pathsSet  bool
	seed      seedFlag
	given     []givenFlag // the flags on the command line, in name order
}

// givenFlag is a flag given on the command line, with its value.
type givenFlag struct {
	name, value string
	bool        bool // a boolean flag: --name alone means true
}

// cmdReplay is `spiral replay <out|scenario> --path N`: it re-runs one path
// of a run, or of a scenario, alone and with every step traced, writes its
// series as a Parquet file with the columns of the series parts, and prints
// its summary. Replaying from an output directory compares the summary
// with the run's row of the path, which must be identical (DESIGN §3): a
// difference exits 1. Everything is checked before anything is written:
// bad input exits 2 and writes nothing.
func cmdReplay(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f, err := parseReplayFlags(args, stderr)
	if err != nil {
		return err
	}
	src, err := openReplaySource(f)
	if err != nil {
		return err
	}
	vs, err := variantScenario(src.scenario, src.variants, src.variant)
	if err != nil {
		return err
	}
	if err := src.sameDataFiles(vs); err != nil {
		return err
	}
	cfg, err := vs.Config()
	if err != nil {
		return err
	}
	if f.path >= cfg.Paths {
		return badInput("--path %d is out of range: %s has %d paths, 0 to %d", f.path, src.name, cfg.Paths, cfg.Paths-1)
	}
	out := f.out
	if out == "" {
		out = src.defaultOut(f.path)
	}
	if err := checkReplayOut(out, f.overwrite); err != nil {
		return err
	}
	stored, found, err := src.storedRow(f.path)
	if err != nil {
		return err
	}
	res, err := replayPath(ctx, cfg, f.path)
	if err != nil {
		return err
	}
	meta := scenarioMeta(src.scenario, cfg, src.variants, "replay", args)
	meta.Variant = src.variant
	if err := report.WriteSeries(out, meta, res); err != nil {
		return err
	}
	return printAccount(stdout, src, cfg, res, stored, found, out)
}

// printAccount prints the replayed path's summary, how it compares with
// the run's row stored (found: the run has one), and where its series went;
// a difference from the row is the error.
func printAccount(stdout io.Writer, src *replaySource, cfg *engine.Config, res *engine.PathResult, stored []float64, found bool, out string) error {
	w := &checkedWriter{w: stdout}
	printReplay(w, src, cfg, &res.Summary)
	var mismatch error
	switch {
	case src.dir == "":
	case !found:
		fmt.Fprintf(w, "the run's summary has no row for path %d (no summary part of %s holds it: a shard that has not run, or an interrupted run): nothing to compare with\n", res.Summary.Path, src.dir)
	default:
		mismatch = compareSummaryRow(w, src, stored, &res.Summary)
	}
	fmt.Fprintf(w, "wrote %s: %d rows, one per step, with the columns of the run's series parts (docs/outputs.md)\n", out, len(res.Series))
	if mismatch != nil {
		return mismatch
	}
	return w.err
}

func parseReplayFlags(args []string, stderr io.Writer) (replayFlags, error) {
	var f replayFlags
	fs := newFlagSet("replay", stderr, "replay <out | scenario.yaml | preset> --path N [flags]")
	fs.IntVar(&f.path, "path", 0, "the path `N` to replay, in [0, paths) (required)")
	fs.StringVar(&f.variant, "variant", "", "the sweep variant `V` to replay (required for a sweep of several variants)")
	fs.StringVar(&f.out, "out", "", "the series `file` to write (default replay-path-N.parquet, replay-V-path-N.parquet for a sweep's variant V)")
	fs.BoolVar(&f.overwrite, "overwrite", false, "replace --out if it exists")
	fs.StringVar(&f.dataDir, "data-dir", "", "from an output directory: the `dir`ectory that relative data-file paths in the run's scenario are relative to (default: the current directory)")
	fs.IntVar(&f.paths, "paths", 0, "from a scenario: the run's number of paths `N`, overriding the scenario's, as run's --paths")
	addSeedFlag(fs, &f.seed)
	pos, err := parse(fs, args)
	if err != nil {
		return f, err
	}
	set := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) {
		set[fl.Name] = true
		b, ok := fl.Value.(interface{ IsBoolFlag() bool })
		f.given = append(f.given, givenFlag{fl.Name, fl.Value.String(), ok && b.IsBoolFlag()})
	})
	f.pathsSet = set["paths"]
	switch {
	case len(pos) != 1:
		return f, badInput("replay takes one output directory, scenario file or preset, got %d arguments", len(pos))
	case !set["path"]:
		return f, badInput("replay needs --path N, the index of the path to replay (0-based, as in the summary's path column)")
	case f.path < 0:
		return f, badInput("--path must be a path index ≥ 0, got %d", f.path)
	}
	f.source = pos[0]
	return f, nil
}

// replaySource is what a path is replayed from: a run's output directory
// or a scenario.
type replaySource struct {
	name     string // the directory or scenario as given, for messages
	dir      string // the output directory; "" for a scenario
	dataDir  string // the directory relative data-file paths are read from, for messages
	manifest *report.Manifest
	scenario *experiments.Scenario
	variants []experiments.Variant
	variant  string // the variant replayed
}

// openReplaySource reads the run's manifest and scenario from an output
// directory, or loads the scenario (file or preset) as run does; then
// picks the variant.
func openReplaySource(f replayFlags) (*replaySource, error) {
	src := &replaySource{name: f.source}
	if st, err := os.Stat(f.source); err == nil && st.IsDir() {
		if err := src.openRun(f); err != nil {
			return nil, err
		}
	} else {
		if f.dataDir != "" {
			return nil, badInput("--data-dir applies to a replay from an output directory; a scenario file's relative data paths are relative to its own directory")
		}
		sc, err := experiments.Load(f.source)
		if err != nil {
			return nil, err
		}
		if err := overrideScenario(sc, f.paths, f.pathsSet, f.seed); err != nil {
			return nil, err
		}
		src.scenario = sc
	}
	src.variants = src.scenario.Variants()
	variant, err := pickVariant(src.variants, f.variant, src.name)
	if err != nil {
		return nil, err
	}
	src.variant = variant
	return src, nil
}

// openRun reads the manifest and the scenario of the run in f.source.
func (src *replaySource) openRun(f replayFlags) error {
	src.dir = f.source
	m, file, err := readRunManifest(src.dir)
	if err != nil {
		return err
	}
	if f.seed.set || f.pathsSet {
		return badInput("--seed and --paths apply to a replay from a scenario; the run in %s recorded its own: seed %d, %d paths", src.dir, m.Seed, m.Paths)
	}
	dataDir := f.dataDir
	if dataDir == "" {
		dataDir = "."
	}
	sc, err := experiments.ParseIn(dataDir, file+"#scenario_yaml", []byte(m.ScenarioYAML))
	if err != nil {
		return storedScenarioError(err, m, f)
	}
	if sc.Seed != m.Seed || sc.Paths != m.Paths {
		return badInput("%s: the manifest says seed %d and %d paths but its scenario_yaml seed %d and %d paths: the manifest is damaged", file, m.Seed, m.Paths, sc.Seed, sc.Paths)
	}
	src.manifest, src.scenario, src.dataDir = m, sc, dataDir
	return nil
}

// sameDataFiles checks that the data files that vs, the scenario of the
// variant replayed, reads (those of the base it does not replace, and
// those its values name) are those the run recorded in its manifest: a
// file with other contents would replay another path, so it is bad input
// (restore the file, or point --data-dir at the run's copy). A file only
// other variants of a sweep read is not checked: it changes nothing of
// this variant's paths. Nothing to check for a replay from a scenario.
func (src *replaySource) sameDataFiles(vs *experiments.Scenario) error {
	if src.manifest == nil {
		return nil
	}
	variant := ""
	if src.scenario.Sweep != nil {
		variant = ", which variant " + src.variant + " reads,"
	}
	for _, f := range vs.DataFiles() {
		for _, then := range src.manifest.DataFiles {
			// The manifest lists a file once, under the first field
			// that names it: the path identifies it.
			if f.Path == then.Path && f.SHA256 != then.SHA256 {
				return badInput("data file %s (%s, read from %s)%s is not the one the run read: sha256 %s, %d bytes then; %s, %d bytes now: "+
					"restore it, or give --data-dir the directory that holds the run's copy",
					f.Path, f.Field, src.dataDir, variant, then.SHA256, then.Size, f.SHA256, f.Size)
			}
		}
	}
	return nil
}

// readRunManifest reads the manifest of the run in dir: manifest.json, or
// before `spiral merge` the manifest of one of its shards, which records
// the same scenario, seed and paths. It returns the manifest and its file.
func readRunManifest(dir string) (*report.Manifest, string, error) {
	file := filepath.Join(dir, report.ManifestFile)
	if _, err := os.Stat(file); errors.Is(err, fs.ErrNotExist) {
		shards, _ := filepath.Glob(filepath.Join(dir, "manifest-shard-*.json")) // report.ShardManifestPath
		if len(shards) == 0 {
			return nil, "", badInput("replay %s: no %s (nor a shard's manifest-shard-<i>.json): not the output directory of a run; replay from the scenario file with --seed instead", dir, report.ManifestFile)
		}
		file = shards[0]
	}
	m, err := report.ReadManifest(file)
	switch {
	case err != nil:
		return nil, "", inputError{fmt.Errorf("replay %s: %w: want the manifest a run writes", dir, err)}
	case m.SchemaVersion != report.SchemaVersion:
		return nil, "", badInput("%s: schema_version %d: this spiral reads outputs of schema version %d; replay from the scenario file instead", file, m.SchemaVersion, report.SchemaVersion)
	case strings.TrimSpace(m.ScenarioYAML) == "":
		return nil, "", badInput("%s: scenario_yaml: missing or empty; want the resolved scenario the run recorded", file)
	}
	return m, file, nil
}

// storedScenarioError is err, the failure to parse the scenario stored in
// a run's manifest m, with the ways out when a data file could not be read.
func storedScenarioError(err error, m *report.Manifest, f replayFlags) error {
	var se *experiments.Error
	if !errors.As(err, &se) || !slices.ContainsFunc(se.Problems, func(p experiments.Problem) bool {
		return p.Field == "file" || strings.HasSuffix(p.Field, ".file")
	}) {
		return err
	}
	scenario, dataDir := "<scenario.yaml>", "<its directory>"
	if file := scenarioArg(m.Args); file != "" {
		scenario, dataDir = quoteArg(file), quoteArg(filepath.Dir(file))
	}
	quoted := make([]string, len(m.Args))
	for i, a := range m.Args {
		quoted[i] = quoteArg(a)
	}
	// The suggestions set --path, --data-dir, --seed and --paths
	// themselves (the last two are refused from a directory, --data-dir
	// from a scenario) and repeat the user's other flags.
	flags := f.repeat("path", "data-dir", "seed", "paths")
	return fmt.Errorf("%w\nthe run read its data files relative to its scenario file; replay reads them relative to --data-dir "+
		"(default: the current directory). From where the run was started (its command line: %s), either of\n"+
		"  spiral replay %s --path %d%s --data-dir %s\n  spiral replay %s --seed %d --paths %d --path %d%s\nreplays the path",
		err, strings.Join(quoted, " "), quoteArg(absPath(f.source)), f.path, flags, dataDir, scenario, m.Seed, m.Paths, f.path, flags)
}

// repeat is the flags the user gave but those in omit (and a boolean
// flag set false), as arguments that mean the same from any directory (a
// relative --out made absolute), each after a space.
func (f replayFlags) repeat(omit ...string) string {
	var b strings.Builder
	for _, g := range f.given {
		switch {
		case slices.Contains(omit, g.name), g.bool && g.value != "true":
		case g.bool:
			b.WriteString(" --" + g.name)
		case g.name == "out" && g.value != "":
			b.WriteString(" --out " + quoteArg(absPath(g.value)))
		default:
			b.WriteString(" --" + g.name + " " + quoteArg(g.value))
		}
	}
	return b.String()
}

// absPath is path made absolute, as given if that fails.
func absPath(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		return abs
	}
	return path
}

// scenarioArg is the scenario file on a run's command line args ("spiral",
// verb, then its arguments): the first argument ending in .yaml or .yml;
// "" if there is none (a preset).
func scenarioArg(args []string) string {
	for i, a := range args {
		if i >= 2 && (strings.HasSuffix(a, ".yaml") || strings.HasSuffix(a, ".yml")) {
			return a
		}
	}
	return ""
}

// pickVariant returns the variant named by --variant, or the only one.
func pickVariant(variants []experiments.Variant, name, source string) (string, error) {
	names := make([]string, len(variants))
	for i, v := range variants {
		names[i] = v.Name
	}
	switch {
	case name == "" && len(names) == 1:
		return names[0], nil
	case name == "":
		return "", badInput("%s is a sweep of %d variants: choose one with --variant (%s)", source, len(names), listNames(names))
	case !slices.Contains(names, name):
		return "", badInput("--variant %q is not a variant of %s; its variants: %s", name, source, listNames(names))
	}
	return name, nil
}

// listNames lists names, the first 20 of more than 30.
func listNames(names []string) string {
	if len(names) <= 30 {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s, … and %d more", strings.Join(names[:20], ", "), len(names)-20)
}

// defaultOut is the series file of path in the current directory.
func (src *replaySource) defaultOut(path int) string {
	if src.scenario.Sweep != nil {
		return fmt.Sprintf("replay-%s-path-%d.parquet", src.variant, path)
	}
	return fmt.Sprintf("replay-path-%d.parquet", path)
}

// checkReplayOut refuses an --out that exists (unless overwrite), is a
// directory or whose directory does not exist.
func checkReplayOut(out string, overwrite bool) error {
	st, err := os.Stat(out)
	switch {
	case err == nil && st.IsDir():
		return badInput("--out %s is a directory; want the name of the series file to write, e.g. %s", out, filepath.Join(out, "replay.parquet"))
	case err == nil && !overwrite:
		return badInput("--out %s already exists; --overwrite replaces it, or choose another --out", out)
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return badInput("--out %s: %v", out, err)
	}
	if st, err := os.Stat(filepath.Dir(out)); err != nil || !st.IsDir() {
		return badInput("--out %s: the directory %s does not exist", out, filepath.Dir(out))
	}
	return nil
}

// storedRow reads the run's summary row of path; found is false when the
// run has none or src is a scenario.
func (src *replaySource) storedRow(path int) (values []float64, found bool, err error) {
	if src.dir == "" {
		return nil, false, nil
	}
	values, found, err = report.SummaryRow(src.dir, src.variant, path)
	if err != nil {
		return nil, false, inputError{fmt.Errorf("replay %s: cannot read the run's summary row of path %d: %w", src.dir, path, err)}
	}
	return values, found, nil
}

// replayPath simulates path of cfg alone, tracing every step.
func replayPath(ctx context.Context, cfg *engine.Config, path int) (*engine.PathResult, error) {
	one := *cfg
	one.Trace = engine.Trace{First: path, Paths: 1, Every: 1}
	var sink onePath
	if err := engine.Run(ctx, &one, engine.Options{Workers: 1, First: path, Count: 1}, &sink); err != nil {
		return nil, fmt.Errorf("replay: %w", err)
	}
	return &sink.result, nil
}

// onePath is the engine.Sink of a replay: it keeps the one result.
type onePath struct{ result engine.PathResult }

func (o *onePath) Write(batch []engine.PathResult) error {
	for _, r := range batch {
		o.result = r
		o.result.Series = slices.Clone(r.Series)
	}
	return nil
}

// printReplay prints what the path was and its key summary columns.
func printReplay(w io.Writer, src *replaySource, cfg *engine.Config, s *engine.Summary) {
	variant := ""
	if src.scenario.Sweep != nil {
		variant = ", variant " + src.variant
	}
	from := ""
	if src.dir != "" {
		from = " (the run in " + src.dir + ")"
	}
	fmt.Fprintf(w, "%s%s: path %d of %d, seed %d, %d steps of %v%s\n", src.scenario.Name, variant, s.Path, cfg.Paths, s.Seed, cfg.Steps(), src.scenario.Step, from)
	for _, name := range replayColumns(cfg) {
		c := summaryColumn(name)
		fmt.Fprintf(w, "  %-28s %s\n", name, formatOne(c, c.Value(s)))
	}
}

// replayColumns are the summary columns a replay prints, the price, the
// pool, the depositors', the liquidations' and the stablecoin's and
// policy's when the scenario has them, each with when things first
// happened.
func replayColumns(cfg *engine.Config) []string {
	names := []string{"min_price_usd", "max_drawdown",
		"max_utilization", "hours_utilization_ge_99_9", "peak_borrow_apr",
		"max_queue_usd", "stuck_share", "mean_wait_hours", "first_unmet_withdrawal_hour"}
	if cfg.Liquidation != nil {
		names = append(names, "liquidations", "liquidated_debt_usd", "max_cascade_rounds",
			"bad_debt_usd", "worst_24h_bad_debt_usd", "first_bad_debt_hour", "insolvent", "insolvent_hour")
	}
	if cfg.Stablecoin != nil {
		names = append(names, "min_peg_price_usd", "hours_below_0_99", "first_depeg_hour")
	}
	if cfg.Policy != nil {
		names = append(names, "pauses", "first_pause_hour")
	}
	return names
}

// summaryColumn is the summary column name; it panics for a name the
// engine does not have (replayColumns names only its own).
func summaryColumn(name string) engine.Column[engine.Summary] {
	i := slices.IndexFunc(engine.SummaryColumns, func(c engine.Column[engine.Summary]) bool { return c.Name == name })
	return engine.SummaryColumns[i]
}

// formatOne formats one path's value of c for people: a null time is
// "never", a flag yes or no.
func formatOne(c engine.Column[engine.Summary], v float64) string {
	switch {
	case math.IsNaN(v) && strings.HasSuffix(c.Name, "_hour"):
		return "never"
	case math.IsNaN(v):
		return "null"
	case c.Kind == engine.Bool && v != 0:
		return "yes"
	case c.Kind == engine.Bool:
		return "no"
	}
	return report.ValueFormatter(c.Name)(v)
}

// compareSummaryRow compares the replayed summary s with the run's row of
// the path, stored, column by column and bit for bit (null with NaN), and
// prints the verdict; a difference is an error.
func compareSummaryRow(w io.Writer, src *replaySource, stored []float64, s *engine.Summary) error {
	var diffs []string
	for i, c := range engine.SummaryColumns {
		run, replay := stored[i], c.Value(s)
		if math.Float64bits(run) != math.Float64bits(replay) && !(math.IsNaN(run) && math.IsNaN(replay)) {
			diffs = append(diffs, fmt.Sprintf("  %-28s run %s, replay %s", c.Name, exact(run), exact(replay)))
		}
	}
	if len(diffs) == 0 {
		fmt.Fprintf(w, "matches the run's summary row (all %d columns, bit for bit)\n", len(engine.SummaryColumns))
		return nil
	}
	fmt.Fprintf(w, "differs from the run's summary row in %d of %d columns:\n%s\n", len(diffs), len(engine.SummaryColumns), strings.Join(diffs, "\n"))
	m := src.manifest
	return fmt.Errorf("path %d does not reproduce the run's summary row: this build (spiral %s, %s) is not the run's (spiral %s, %s), "+
		"or the run's data files changed, or the engine is not deterministic (DESIGN §3: same build, same results); "+
		"if the builds are the same, please report it", s.Path, version(), runtime.GOARCH, m.SpiralVersion, m.GOARCH)
}

// exact formats v exactly (shortest round trip), a null as null.
func exact(v float64) string {
	if math.IsNaN(v) {
		return "null"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}
