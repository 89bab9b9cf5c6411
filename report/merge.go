package report

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/parquet/file"
)

// CheckError lists why a directory's parts cannot be merged: missing or
// overlapping paths, unreadable parts, parts of different runs.
type CheckError struct {
	Dir      string
	Problems []string
	// Incomplete is set when the only problems are missing paths: the
	// parts may still come (shards still running or to be rerun).
	Incomplete bool
}

func (e *CheckError) Error() string {
	return fmt.Sprintf("report: %s cannot be merged:\n  %s", e.Dir, strings.Join(e.Problems, "\n  "))
}

// MergeOptions control Merge.
type MergeOptions struct {
	Args []string // the command line, recorded in manifest.json
}

// Merge checks the parts of every variant in dir and aggregates them like
// the Finish of a single process: aggregate.parquet, aggregate.json, the
// plots, manifest.json and _SUCCESS last. It refuses (a *CheckError) when
// a path is missing or written twice, a part is unreadable, or the parts
// do not all belong to one run: the same scenario SHA-256, seed, number of
// paths, spiral version and schema version. Merging again gives the same
// files. The caller must make sure no run writes to dir meanwhile.
//
// Memory does not grow with the paths beyond one column of the summary
// (8 bytes a path) per CPU: the statistics are computed one metric at a
// time from the Parquet parts.
func Merge(dir string, opts MergeOptions) (*Aggregate, error) {
	start := time.Now().UTC()
	inv, meta, err := openInventory(dir, opts, "merge")
	if err != nil {
		return nil, err
	}
	if err := removeIfExists(filepath.Join(dir, SuccessFile)); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	start = firstShardStart(dir, start) // the run started when its first shard did
	return finalizeInventory(dir, inv, finalizeOptions{meta: meta, start: start})
}

// listVariants returns the variants with a summary directory, sorted.
func listVariants(dir string) ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(dir, SummaryDir))
	if errors.Is(err, os.ErrNotExist) {
		if _, err := os.Stat(dir); err != nil {
			return nil, fmt.Errorf("report: %w", err)
		}
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	var out []string
	for _, e := range entries {
		if v, ok := strings.CutPrefix(e.Name(), "variant="); ok && e.IsDir() {
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return out, nil
}

// inventory is the checked list of parts of some variants of one run.
type inventory struct {
	variants []string
	summary  map[string][]partFile // per variant, sorted by first path, tiling [0, paths)
	series   map[string][]partFile
	ref      map[string]string // metadata of the first part
	paths    int
	shards   int // the largest shard count seen
}

// takeInventory lists and checks the parts of variants in dir.
func takeInventory(dir string, variants []string) (*inventory, error) {
	inv := &inventory{variants: variants, summary: map[string][]partFile{}, series: map[string][]partFile{}}
	var problems []string
	problem := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	var refFile string
	var shardCounts []int
	for _, v := range variants {
		for _, table := range []string{SummaryDir, SeriesDir} {
			parts, err := listParts(dir, table, v)
			if err != nil {
				return nil, err
			}
			for i := range parts {
				p := &parts[i]
				if err := p.readFooter(); err != nil {
					problem("%v", err)
					continue
				}
				if inv.ref == nil {
					inv.ref, refFile = p.md, p.rel
				}
				for _, k := range append(slices.Clone(sameRunKeys), MetaScenarioName, MetaStepHours, MetaHorizonHours, MetaLiquidations, MetaStablecoin) {
					if p.md[k] != inv.ref[k] {
						why := ""
						if k == MetaScenarioSHA256 {
							if d := dataFilesDiffer(p.md, inv.ref, "data file %s differs: sha256 %q vs %q"); d != "" {
								why = " (" + d + ")"
							}
						}
						problem("parts of different runs: %s has %s %q but %s has %q%s", p.rel, k, short(p.md[k]), refFile, short(inv.ref[k]), why)
						break
					}
				}
				if p.md[MetaVariant] != v {
					problem("%s: variant %q in its metadata, want %q", p.rel, p.md[MetaVariant], v)
				}
				if p.md[MetaFirstPath] != strconv.Itoa(p.first) {
					problem("%s: first path %q in its metadata, want %d as its name says", p.rel, p.md[MetaFirstPath], p.first)
				}
				if _, n, ok := strings.Cut(p.md[MetaShard], "/"); ok {
					if k, err := strconv.Atoi(n); err == nil {
						shardCounts = append(shardCounts, k)
					}
				}
			}
			if table == SummaryDir {
				inv.summary[v] = parts
			} else {
				inv.series[v] = parts
			}
		}
	}
	if inv.ref == nil && len(problems) == 0 {
		problem("no readable parts")
	}
	if len(problems) > 0 {
		return nil, &CheckError{Dir: dir, Problems: problems}
	}
	paths, err := strconv.Atoi(inv.ref[MetaPaths])
	if err != nil || paths < 1 {
		return nil, &CheckError{Dir: dir, Problems: []string{fmt.Sprintf("%s: bad %s %q", refFile, MetaPaths, inv.ref[MetaPaths])}}
	}
	inv.paths = paths
	inv.shards = 1
	for _, k := range shardCounts {
		inv.shards = max(inv.shards, k)
	}
	// Every path once, in parts that tile [0, paths); every summary part
	// with its series part. A sweep's shards split its units (variant k's
	// path p is unit k·paths + p), and every variant of it must be there.
	incomplete := 0
	sweep, err := parseSweepInfo(inv.ref[MetaSweep])
	if err != nil {
		return nil, &CheckError{Dir: dir, Problems: []string{fmt.Sprintf("%s: %v", refFile, err)}}
	}
	units, unitOffset := paths, func(string) int { return 0 }
	if sweep != nil {
		units = len(sweep.Variants) * paths
		unitOffset = func(v string) int { return max(0, sweep.index(v)) * paths }
		for _, p := range checkSweepVariants(sweep, variants, paths, inv.shards) {
			problem("%s", p)
			if strings.Contains(p, "are missing") {
				incomplete++
			}
		}
	}
	for _, v := range variants {
		at := 0
		var missing []Range
		for _, p := range inv.summary[v] {
			switch {
			case p.first > at:
				missing = append(missing, Range{at, p.first - at})
			case p.first < at:
				problem("variant %s: %s starts at path %d, but the part before it ends at %d: paths written twice", v, p.rel, p.first, at)
			}
			at = max(at, p.first+int(p.rows))
		}
		if at < paths {
			missing = append(missing, Range{at, paths - at})
		} else if at > paths {
			problem("variant %s: parts reach path %d of %d", v, at-1, paths)
		}
		for _, r := range missing {
			problem("variant %s: paths %v are missing%s", v, r, missingShards(Range{r.First + unitOffset(v), r.Count}, units, inv.shards))
			incomplete++
		}
		firsts := map[int]bool{}
		for _, p := range inv.summary[v] {
			firsts[p.first] = true
		}
		seriesFirsts := map[int]bool{}
		for _, p := range inv.series[v] {
			seriesFirsts[p.first] = true
			if !firsts[p.first] {
				problem("%s has no summary part: left by an interrupted write (resume the run, or remove it)", p.rel)
			}
		}
		for _, p := range inv.summary[v] {
			if !seriesFirsts[p.first] {
				problem("%s has no series part %s", p.rel, PartPath(SeriesDir, v, p.first))
			}
		}
	}
	if len(problems) > 0 {
		return nil, &CheckError{Dir: dir, Problems: problems, Incomplete: incomplete == len(problems)}
	}
	return inv, nil
}

// missingShards names the shards of an even split into shards whose paths
// intersect r, with the command that redoes them.
func missingShards(r Range, paths, shards int) string {
	if shards <= 1 {
		return " (resume the run with --resume)"
	}
	var names []string
	for i := range shards {
		first := int(int64(paths) * int64(i) / int64(shards))
		end := int(int64(paths) * int64(i+1) / int64(shards))
		if first < r.End() && end > r.First {
			names = append(names, fmt.Sprintf("%d/%d", i, shards))
		}
	}
	return fmt.Sprintf(" (shard %s: run it again with --resume)", strings.Join(names, ", "))
}

// meta rebuilds the run's Meta from the parts' metadata.
func (inv *inventory) meta(args []string) (Meta, error) {
	md := inv.ref
	seed, err1 := strconv.ParseUint(md[MetaSeed], 10, 64)
	step, err2 := strconv.ParseFloat(md[MetaStepHours], 64)
	horizon, err3 := strconv.ParseFloat(md[MetaHorizonHours], 64)
	liq, err4 := strconv.ParseBool(md[MetaLiquidations])
	stable, err5 := strconv.ParseBool(md[MetaStablecoin])
	if err := errors.Join(err1, err2, err3, err4, err5); err != nil {
		return Meta{}, fmt.Errorf("report: part metadata: %w", err)
	}
	sweep, err := parseSweepInfo(md[MetaSweep])
	if err != nil {
		return Meta{}, fmt.Errorf("report: part metadata: %w", err)
	}
	files, err := parseDataFiles(md[MetaDataFiles])
	if err != nil {
		return Meta{}, fmt.Errorf("report: part metadata: %w", err)
	}
	m := Meta{
		Sweep:        sweep,
		DataFiles:    files,
		ScenarioName: md[MetaScenarioName], Description: md[MetaDescription],
		ScenarioYAML: []byte(md[MetaScenario]), ScenarioSHA256: md[MetaScenarioSHA256],
		Seed: seed, Paths: inv.paths, Variant: inv.variants[0], Shard: 0, Shards: 1,
		NumPaths: inv.paths, StepHours: step, HorizonHours: horizon, Version: md[MetaVersion],
		Args: slices.Clone(args), Liquidations: liq, Stablecoin: stable,
	}
	if err := m.validate(); err != nil {
		return Meta{}, fmt.Errorf("report: part metadata: %w", err)
	}
	m.Shards = inv.shards // recorded in the manifest; the aggregate is of all paths
	return m, nil
}

type finalizeOptions struct {
	meta     Meta
	start    time.Time
	onCommit func(path string, rows int64)
	keep     *Manifest // Recompute: the run's manifest, whose start, end and args stay
}

// finalize aggregates the given variants of dir after a single process
// wrote them (Finish).
func finalize(dir string, variants []string, fo finalizeOptions) (*Aggregate, error) {
	inv, err := takeInventory(dir, variants)
	if err != nil {
		return nil, err
	}
	if k, got, want := mismatch(inv.ref, &fo.meta); k != "" {
		return nil, fmt.Errorf("report: %s: the parts are not this run's (%s is %q, want %q)", dir, k, short(got), short(want))
	}
	return finalizeInventory(dir, inv, fo)
}

// finalizeInventory writes the aggregates, plots, manifest.json and
// _SUCCESS of a checked inventory.
func finalizeInventory(dir string, inv *inventory, fo finalizeOptions) (*Aggregate, error) {
	meta := &fo.meta
	commit := func(path string, rows int64) {
		if fo.onCommit != nil {
			fo.onCommit(path, rows)
		}
	}
	var files []string
	rows := map[string]int64{}
	for _, v := range inv.variants {
		for _, table := range []map[string][]partFile{inv.series, inv.summary} {
			for _, p := range table[v] {
				files = append(files, p.rel)
				rows[p.rel] = p.rows
			}
		}
	}
	slices.Sort(files)
	agg := &Aggregate{
		SchemaVersion: SchemaVersion, Scenario: meta.ScenarioName, ScenarioSHA256: meta.ScenarioSHA256,
		Seed: meta.Seed, Paths: meta.Paths, HorizonHours: meta.HorizonHours, Confidence: Confidence,
		Liquidations: meta.Liquidations,
	}
	var notes []string
	var charts []namedChart
	var docVariants []documentVariant
	facts := readScenarioFacts(meta.ScenarioYAML)
	traced := 0
	for _, v := range inv.variants {
		if err := checkPathColumn(inv.summary[v]); err != nil {
			return nil, err
		}
		// A sweep draws the fan charts of its baseline only; of the other
		// variants' series it needs the number of traced paths (and the
		// last hour when the metadata has no horizon).
		drawn := meta.Sweep == nil || v == meta.Sweep.Baseline
		var (
			fans     *fanCollector
			n        int
			lastHour float64
			err      error
		)
		if drawn {
			if fans, n, err = readFans(inv.series[v], meta); err != nil {
				return nil, err
			}
			lastHour = fans.lastHour()
		} else if n, lastHour, err = tracedPaths(inv.series[v], meta.HorizonHours == 0); err != nil {
			return nil, err
		}
		traced = max(traced, n)
		horizon := meta.HorizonHours
		if horizon == 0 {
			horizon = lastHour
		}
		agg.HorizonHours = horizon
		plotDir := PlotsDir
		if len(inv.variants) > 1 {
			plotDir = PlotsDir + "/variant=" + v // a sweep's comparison charts are in plots/ (sweepchart.go)
		}
		va, hists, err := aggregateVariant(inv.summary[v], v, meta, horizon, variantFacts(inv.summary[v], facts))
		if err != nil {
			return nil, err
		}
		agg.Variants = append(agg.Variants, va)
		if !drawn {
			// A sweep draws the charts of its baseline; the comparison
			// charts cover the other variants.
			docVariants = append(docVariants, documentVariant{agg: va})
			continue
		}
		c, nn, err := variantCharts(inv.summary[v], meta, horizon, fans, hists, plotDir)
		if err != nil {
			return nil, err
		}
		conv, err := NewConvergencePlot(va.Convergence, meta.ScenarioName, horizon)
		switch {
		case errors.Is(err, ErrNoData):
			nn = append(nn, "plot "+ConvergenceChartName+" skipped: no values of "+convergenceColumn(meta))
		case err != nil:
			return nil, fmt.Errorf("report: %w", err)
		default:
			c = append(c, namedChart{plotDir, ConvergenceChartName, conv})
		}
		charts = append(charts, c...)
		notes = append(notes, nn...)
		docVariants = append(docVariants, documentVariant{agg: va, charts: c})
	}

	if n := cascadeNote(agg.Variants, meta.Sweep != nil); n != "" {
		agg.Notes = append(agg.Notes, n)
	}
	notes = append(notes, agg.Notes...)
	if meta.Sweep != nil {
		sc, sf, srows, sn, err := finishSweep(dir, inv, meta, agg, commit)
		if err != nil {
			return nil, err
		}
		charts = append(charts, sc...)
		files = append(files, sf...)
		for k, n := range srows {
			rows[k] = n
		}
		notes = append(notes, sn...)
		notes = append(notes, "sweep: the per-variant charts are drawn for the baseline "+meta.Sweep.Baseline+" only (plots/variant="+meta.Sweep.Baseline+"); the heatmaps and the tornado chart compare the variants")
	}
	path := filepath.Join(dir, AggregateParquet)
	whole := *meta // the aggregate is of every shard's paths: one "shard" of one
	whole.Shard, whole.Shards = 0, 1
	n, err := writeAggregateParquet(path, agg, fileMetadata(&whole, -1))
	if err != nil {
		return nil, err
	}
	files = append(files, AggregateParquet)
	rows[AggregateParquet] = n
	commit(path, n)
	path = filepath.Join(dir, AggregateJSON)
	if err := writeAtomic(path, agg.WriteJSON); err != nil {
		return nil, err
	}
	files = append(files, AggregateJSON)
	commit(path, -1)

	for _, c := range charts {
		d := filepath.Join(dir, filepath.FromSlash(c.dir))
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("report: create %s: %w", d, err)
		}
		written, err := SavePlot(c.chart, d, c.name)
		for _, w := range written {
			files = append(files, c.dir+"/"+filepath.Base(w))
			commit(w, -1)
		}
		if err != nil {
			return nil, err
		}
	}

	doc := newDocument(meta, agg, docVariants, traced, notes)
	for _, f := range []struct {
		name  string
		write func(io.Writer) error
	}{{ReportMarkdown, doc.writeMarkdown}, {ReportPDF, doc.writePDF}} {
		path := filepath.Join(dir, f.name)
		if err := writeAtomic(path, f.write); err != nil {
			return nil, err
		}
		files = append(files, f.name)
		commit(path, -1)
	}

	m := newManifest(meta, fo.start)
	if k := fo.keep; k != nil {
		m.Start, m.End, m.Args = k.Start, k.End, k.Args
	}
	m.Variants = inv.variants
	m.Shards = inv.shards
	m.TracedPaths = traced
	if finite(agg.HorizonHours) {
		m.HorizonHours = agg.HorizonHours
	}
	m.Files, m.Rows, m.Notes = files, rows, notes
	path = filepath.Join(dir, ManifestFile)
	if err := writeAtomic(path, m.write); err != nil {
		return nil, err
	}
	commit(path, -1)
	path = filepath.Join(dir, SuccessFile)
	if err := writeAtomic(path, func(io.Writer) error { return nil }); err != nil {
		return nil, err
	}
	commit(path, -1)
	return agg, nil
}

// namedChart is a chart to save as dir/name.png and .pdf (dir relative to
// the output directory).
type namedChart struct {
	dir, name string
	chart     *Chart
}

// aggregateVariant computes the statistics of every metric column of a
// variant's summary parts (engine.SummaryColumns for parts this build
// wrote; whatever metric columns older or newer parts hold otherwise), one
// metric per CPU at a time, each read from the Parquet parts on its own,
// and draws the histograms of HistogramCharts from the same values. It
// counts the paths of the risk events, checks the convergence of the tail
// of convergenceColumn on the values in path order, and builds the risk
// metric pack. Each metric's bootstrap has its own seeded source, so the
// result does not depend on the schedule.
func aggregateVariant(parts []partFile, variant string, meta *Meta, horizon float64, facts scenarioFacts) (VariantAggregate, map[string]*Chart, error) {
	columns, err := metricColumns(parts)
	if err != nil {
		return VariantAggregate{}, nil, err
	}
	va := VariantAggregate{Variant: variant, Paths: meta.Paths, Metrics: make([]MetricStats, len(columns))}
	hists := make([]*Chart, len(HistogramCharts))
	histErrs := make([]error, len(HistogramCharts))
	errs := make([]error, len(columns))
	events := append(riskEvents(meta, facts), warningEvents(columns)...)
	eventCounts := make([]int, len(events))
	convColumn := convergenceColumn(meta)
	var convPoints []ConvergencePoint
	var wg sync.WaitGroup
	sem := make(chan struct{}, aggregateWorkers(meta.Paths))
	for i, c := range columns {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			values, nulls, err := readColumn(parts, c)
			if err != nil {
				errs[i] = err
				return
			}
			if c == convColumn {
				convPoints = convergencePoints(values, ConvergenceLevel, Confidence) // in path order
			}
			for k, spec := range HistogramCharts {
				if spec.Column == c && (!spec.Liquidations || meta.Liquidations) {
					hists[k], histErrs[k] = NewHistogramPlot(spec, meta.ScenarioName, horizon, values)
				}
			}
			va.Metrics[i] = Describe(c, values, nulls, Confidence) // sorts values
			if c == CascadeColumn && facts.MaxRounds > 0 {
				va.CascadeCap, va.CascadePaths = facts.MaxRounds, countAbove(values, float64(facts.MaxRounds)-0.5)
			}
			for k, e := range events {
				if e.column == c {
					eventCounts[k] = countAbove(values, e.threshold)
				}
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return va, nil, err
	}
	counts := map[riskEvent]int{}
	for k, e := range events {
		if slices.Contains(columns, e.column) {
			counts[e] = eventCounts[k]
		}
	}
	va.Risk = riskPack(&va, meta, facts, horizon, counts)
	va.Warnings = warningTable(&va, meta, counts)
	if i := slices.Index(columns, convColumn); i >= 0 && va.Metrics[i].N > 0 {
		va.Convergence = newConvergence(convColumn, convPoints, &va.Metrics[i])
	}
	out := map[string]*Chart{}
	for k, spec := range HistogramCharts {
		if histErrs[k] != nil && !errors.Is(histErrs[k], ErrNoData) {
			return va, nil, fmt.Errorf("report: %w", histErrs[k])
		}
		if hists[k] != nil {
			out[spec.Name] = hists[k]
		}
	}
	return va, out, nil
}

// metricColumns returns the metric columns of the summary parts: the
// columns of the first part after SummaryKeyColumns, which every part must
// share.
func metricColumns(parts []partFile) ([]string, error) {
	var ref []string
	for _, p := range parts {
		rdr, err := file.OpenParquetFile(p.path, false)
		if err != nil {
			return nil, fmt.Errorf("report: read %s: %w", p.path, err)
		}
		sch := rdr.MetaData().Schema
		var cols []string
		for i := range sch.NumColumns() {
			if name := sch.Column(i).Name(); !slices.Contains(SummaryKeyColumns, name) {
				cols = append(cols, name)
			}
		}
		rdr.Close()
		if ref == nil {
			ref = cols
		} else if !slices.Equal(cols, ref) {
			return nil, fmt.Errorf("report: %s has other metric columns than %s: parts of different builds", p.rel, parts[0].rel)
		}
	}
	return ref, nil
}

// AggregateMemory bounds the memory of the metrics aggregated at once: a
// metric needs about 16 bytes a path (its values and a histogram's sorted
// copy), so with more paths fewer metrics are aggregated in parallel, down
// to one.
const AggregateMemory = 256 << 20

// aggregateWorkers is the number of metrics to aggregate at once.
func aggregateWorkers(paths int) int {
	return max(1, min(runtime.GOMAXPROCS(0), AggregateMemory/max(16*paths, 1)))
}

// MaxFanValues bounds the traced values the fan charts read (8 bytes
// each): beyond it (e.g. a million traced paths) they are skipped with a
// note in the manifest; the series parts are complete either way.
const MaxFanValues = 64 << 20

// variantCharts returns a variant's charts in order (histograms, fans,
// scatters) and notes about those skipped.
func variantCharts(parts []partFile, meta *Meta, horizon float64, fans *fanCollector, hists map[string]*Chart, dir string) ([]namedChart, []string, error) {
	var charts []namedChart
	var notes []string
	draws := func(liq bool) bool { return !liq || meta.Liquidations }
	for _, spec := range HistogramCharts {
		if !draws(spec.Liquidations) {
			continue
		}
		if h := hists[spec.Name]; h != nil {
			charts = append(charts, namedChart{dir, spec.Name, h})
		} else {
			notes = append(notes, fmt.Sprintf("plot %s skipped: column %s has no non-null values", spec.Name, spec.Column))
		}
	}
	k := 0
	for _, spec := range FanCharts {
		if !draws(spec.Liquidations) || spec.Stablecoin && !meta.Stablecoin {
			continue
		}
		if fans.tooMany > 0 {
			notes = append(notes, fmt.Sprintf("plot %s skipped: %d traced points are too many to hold (trace fewer paths, or less often)", spec.Name, fans.tooMany))
			continue
		}
		p, err := NewFanPlot(spec, meta.ScenarioName, fans.data(k))
		k++
		if errors.Is(err, ErrNoData) {
			notes = append(notes, fmt.Sprintf("plot %s skipped: no traced paths", spec.Name))
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("report: %w", err)
		}
		charts = append(charts, namedChart{dir, spec.Name, p})
	}
	for _, spec := range ScatterCharts {
		if !draws(spec.Liquidations) {
			continue
		}
		var cols [3][]float64
		for i, name := range []string{spec.X, spec.Y, spec.Split} {
			values, nulls, err := readColumn(parts, name)
			if err != nil {
				return nil, nil, err
			}
			if nulls > 0 {
				return nil, nil, fmt.Errorf("report: scatter %s: column %s has nulls", spec.Name, name)
			}
			cols[i] = values
		}
		ch, err := NewScatterPlot(spec, meta.ScenarioName, horizon, cols[0], cols[1], cols[2])
		if errors.Is(err, ErrNoData) {
			notes = append(notes, fmt.Sprintf("plot %s skipped: no paths", spec.Name))
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("report: %w", err)
		}
		charts = append(charts, namedChart{dir, spec.Name, ch})
	}
	return charts, notes, nil
}

// readFans reads the fan charts' series columns of the traced paths and
// returns them with the number of traced paths.
func readFans(series []partFile, meta *Meta) (*fanCollector, int, error) {
	var specs []FanChart
	for _, s := range FanCharts {
		if (!s.Liquidations || meta.Liquidations) && (!s.Stablecoin || meta.Stablecoin) {
			specs = append(specs, s)
		}
	}
	fans, err := newFanCollector(specs)
	if err != nil {
		return nil, 0, err
	}
	var rows int64
	for _, p := range series {
		rows += p.rows
	}
	if rows*int64(len(specs)) > MaxFanValues {
		fans.tooMany = rows
		return fans, 0, nil
	}
	names := []string{"path", "step", "hour"}
	for _, s := range specs {
		names = append(names, s.Column)
	}
	traced := 0
	for _, p := range series {
		if p.rows == 0 {
			continue
		}
		cols, err := readPartColumns(p, names...)
		if err != nil {
			return nil, 0, err
		}
		path, step, hour, values := cols[0], cols[1], cols[2], cols[3:]
		traced += pathRuns(path)
		row := make([]float64, len(values))
		for i := range path {
			for k := range values {
				row[k] = values[k][i]
			}
			fans.add(int(step[i]), hour[i], row)
		}
	}
	fans.paths = traced
	return fans, traced, nil
}

// readPartColumns reads the named columns of part p (as readColumn does).
func readPartColumns(p partFile, names ...string) ([][]float64, error) {
	cols := make([][]float64, len(names))
	for k, name := range names {
		var err error
		if cols[k], _, err = readColumn([]partFile{p}, name); err != nil {
			return nil, err
		}
	}
	return cols, nil
}

// pathRuns is the number of paths in a series part's path column, whose
// rows of one path are consecutive.
func pathRuns(path []float64) int {
	n := 0
	for i := range path {
		if i == 0 || path[i] != path[i-1] {
			n++
		}
	}
	return n
}

// tracedPaths counts the traced paths in series parts (a path's rows are
// consecutive) and, when lastHour is asked for, the last hour they reach
// (NaN without rows).
func tracedPaths(series []partFile, lastHour bool) (int, float64, error) {
	names := []string{"path"}
	if lastHour {
		names = append(names, "hour")
	}
	traced, last := 0, math.NaN()
	for _, p := range series {
		if p.rows == 0 {
			continue
		}
		cols, err := readPartColumns(p, names...)
		if err != nil {
			return 0, 0, err
		}
		traced += pathRuns(cols[0])
		if lastHour {
			for _, h := range cols[1] {
				if !(h <= last) {
					last = h
				}
			}
		}
	}
	return traced, last, nil
}

// checkPathColumn checks that the parts hold the paths 0, 1, 2, ... in
// order, one row each.
func checkPathColumn(parts []partFile) error {
	for _, p := range parts {
		values, _, err := readColumn([]partFile{p}, "path")
		if err != nil {
			return err
		}
		for i, v := range values {
			if v != float64(p.first+i) {
				return fmt.Errorf("report: %s: row %d holds path %v, want %d", p.path, i, v, p.first+i)
			}
		}
	}
	return nil
}

// readBatch is the number of values read from a column chunk at a time.
const readBatch = 8192

// openInventory lists the parts of every variant in dir and reads the run's
// metadata from them; what names the operation in the error for an empty
// directory.
func openInventory(dir string, opts MergeOptions, what string) (*inventory, Meta, error) {
	variants, err := listVariants(dir)
	if err != nil {
		return nil, Meta{}, err
	}
	if len(variants) == 0 {
		return nil, Meta{}, &CheckError{Dir: dir, Problems: []string{"no summary parts (" + SummaryDir + "/variant=*/part-*.parquet): nothing to " + what}}
	}
	inv, err := takeInventory(dir, variants)
	if err != nil {
		return nil, Meta{}, err
	}
	meta, err := inv.meta(opts.Args)
	if err != nil {
		return nil, Meta{}, err
	}
	return inv, meta, nil
}

// readColumn reads the named column (double, int64 or boolean; booleans as
// 0/1) of parts in order and returns its non-null values and the number of
// nulls. Writers never store NaN in a column (a NaN is written as null), so
// the NaNs of readAligned are exactly the nulls.
func readColumn(parts []partFile, name string) ([]float64, int, error) {
	values, err := readAligned(parts, name)
	if err != nil {
		return nil, 0, err
	}
	kept := values[:0]
	for _, v := range values {
		if !math.IsNaN(v) {
			kept = append(kept, v)
		}
	}
	return kept, len(values) - len(kept), nil
}

// readAligned reads the named column (double, int64 or boolean) of parts in
// path order, one value per row, NaN for a null, booleans as 0/1. It reads
// the Parquet pages directly, without building Arrow arrays, so its memory
// is the values returned and one page.
func readAligned(parts []partFile, name string) ([]float64, error) {
	var total int64
	for _, p := range parts {
		total += p.rows
	}
	out := make([]float64, 0, total)
	defs := make([]int16, readBatch)
	f64 := make([]float64, readBatch)
	i64 := make([]int64, readBatch)
	bools := make([]bool, readBatch)
	for _, p := range parts {
		err := func() error {
			rdr, err := file.OpenParquetFile(p.path, false)
			if err != nil {
				return err
			}
			defer rdr.Close()
			idx := rdr.MetaData().Schema.ColumnIndexByName(name)
			if idx < 0 {
				return fmt.Errorf("no column %q", name)
			}
			maxDef := rdr.MetaData().Schema.Column(idx).MaxDefinitionLevel()
			for g := range rdr.NumRowGroups() {
				rg := rdr.RowGroup(g)
				cr, err := rg.Column(idx)
				if err != nil {
					return err
				}
				left := rg.NumRows()
				for left > 0 {
					var n int64
					var got int
					var value func(k int) float64
					switch cr := cr.(type) {
					case *file.Float64ColumnChunkReader:
						n, got, err = cr.ReadBatch(min(left, readBatch), f64, defs, nil)
						value = func(k int) float64 { return f64[k] }
					case *file.Int64ColumnChunkReader:
						n, got, err = cr.ReadBatch(min(left, readBatch), i64, defs, nil)
						value = func(k int) float64 { return float64(i64[k]) }
					case *file.BooleanColumnChunkReader:
						n, got, err = cr.ReadBatch(min(left, readBatch), bools, defs, nil)
						value = func(k int) float64 {
							if bools[k] {
								return 1
							}
							return 0
						}
					default:
						return fmt.Errorf("column %s has type %s, not double, int64 or boolean", name, cr.Type())
					}
					if err != nil {
						return err
					}
					if n == 0 {
						return fmt.Errorf("column %s: %d rows missing in row group %d", name, left, g)
					}
					k := 0
					for r := range int(n) {
						if maxDef > 0 && defs[r] < maxDef {
							out = append(out, math.NaN())
							continue
						}
						out = append(out, value(k))
						k++
					}
					if k != got {
						return fmt.Errorf("column %s: %d values for %d non-null rows", name, got, k)
					}
					left -= n
				}
			}
			return nil
		}()
		if err != nil {
			return nil, fmt.Errorf("report: read %s: %w", p.path, err)
		}
	}
	return out, nil
}
