package report

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/spiralrisk/spiral/engine"
)

// Meta describes the run an Output belongs to.
type Meta struct {
	ScenarioName   string // the scenario's name, non-empty; used in chart titles
	Description    string // the scenario's description
	ScenarioYAML   []byte // the resolved scenario, as text
	ScenarioSHA256 string // lowercase hex SHA-256 of ScenarioYAML; computed when empty, checked otherwise
	Seed           uint64 // the run's seed; every Summary.Seed must equal it
	Paths          int    // total paths of the run, ≥ 1
	Variant        string // partition value, e.g. "base": letters, digits, '_', '-', '.', starting with a letter or digit
	Shard, Shards  int    // this process's shard index in [0, Shards) and the shard count ≥ 1 (0, 1 for a single process)
	FirstPath      int    // first path of this shard, ≥ 0
	NumPaths       int    // paths of this shard, ≥ 0, FirstPath+NumPaths ≤ Paths; a single process has 0 and Paths
	StepHours      float64
	HorizonHours   float64  // horizon in hours, ≥ 0; 0 means "the last traced hour, if any"
	Version        string   // spiral version string
	Args           []string // command line
	Liquidations   bool     // the run has a liquidation model: the charts marked Liquidations are drawn
}

var variantPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)

// finite reports whether v is neither NaN nor ±Inf.
func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// validate checks m and fills ScenarioSHA256 when empty. Errors read
// "report: meta.field: message".
func (m *Meta) validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("report: meta.%s: %s", field, fmt.Sprintf(format, args...)))
	}
	sum := sha256.Sum256(m.ScenarioYAML)
	if sha := hex.EncodeToString(sum[:]); m.ScenarioSHA256 == "" {
		m.ScenarioSHA256 = sha
	} else if m.ScenarioSHA256 != sha {
		bad("scenario_sha256", "%q is not the SHA-256 of the scenario text (%s)", m.ScenarioSHA256, sha)
	}
	if m.ScenarioName == "" {
		bad("scenario_name", "must not be empty")
	}
	if m.Paths < 1 {
		bad("paths", "%d, must be ≥ 1", m.Paths)
	}
	if !variantPattern.MatchString(m.Variant) {
		bad("variant", "%q must match %s", m.Variant, variantPattern)
	}
	if m.Shards < 1 || m.Shard < 0 || m.Shard >= m.Shards {
		bad("shard", "%d/%d, want 0 ≤ shard < shards", m.Shard, m.Shards)
	}
	if m.FirstPath < 0 || m.NumPaths < 0 || m.FirstPath+m.NumPaths > m.Paths {
		bad("first_path", "paths [%d, %d+%d) are not within [0, %d)", m.FirstPath, m.FirstPath, m.NumPaths, m.Paths)
	} else if m.Shards == 1 && (m.FirstPath != 0 || m.NumPaths != m.Paths) {
		bad("num_paths", "a single shard must cover all %d paths, got [%d, %d)", m.Paths, m.FirstPath, m.FirstPath+m.NumPaths)
	}
	if !finite(m.StepHours) || m.StepHours <= 0 {
		bad("step_hours", "%v, must be > 0", m.StepHours)
	}
	if !finite(m.HorizonHours) || m.HorizonHours < 0 {
		bad("horizon_hours", "%v, must be ≥ 0", m.HorizonHours)
	}
	return errors.Join(errs...)
}

// File names in the output directory.
const (
	SuccessFile       = "_SUCCESS"
	ManifestFile      = "manifest.json"
	AggregateParquet  = "aggregate.parquet"
	AggregateJSON     = "aggregate.json"
	PlotsDir          = "plots"
	SummaryDir        = "summary"
	SeriesDir         = "series"
	shardManifestName = "manifest-shard-%05d.json"
)

// PartPath returns the path of a part relative to the output directory, e.g.
// "summary/variant=base/part-00000.parquet"; table is SummaryDir or SeriesDir.
func PartPath(table, variant string, shard int) string {
	return fmt.Sprintf("%s/variant=%s/part-%05d.parquet", table, variant, shard)
}

// ShardManifestPath returns the manifest name of one shard of a sharded run.
func ShardManifestPath(shard int) string { return fmt.Sprintf(shardManifestName, shard) }

type outputState uint8

const (
	stateOpen outputState = iota
	stateFinished
	stateAborted
)

// Output writes the result directory of one run (or one shard of it). It is
// created by Create, fed through Sink, and ended by exactly one of Finish
// (success) or Abort (failure, cancellation); Abort after Finish does
// nothing. Its methods may be called from different goroutines.
type Output struct {
	mu    sync.Mutex
	dir   string
	meta  Meta
	start time.Time
	state outputState
	err   error // first error of Write, returned again by Write and Finish

	createdDirs []string // directories Create or Finish made, parents first
	summary     *tableWriter
	series      *tableWriter
	summaryRow  []float64 // scratch, one value per engine.SummaryColumns
	seriesRow   []float64 // scratch, one value per engine.SeriesColumns
	summarySpec []columnSpec
	seriesSpec  []columnSpec
	metrics     *metricValues
	fans        *fanCollector
	fanSpecs    []FanChart // the FanCharts this run draws, in the fan collector's order
	scatters    []namedChart
	next        int // the next path expected

	aggregate *Aggregate // set by a successful Finish of a whole run

	files    []string         // committed files, relative, in order
	rows     map[string]int64 // rows per Parquet file, relative
	notes    []string
	onCommit func(rel string) // test hook: called after each file is committed
}

// Create prepares dir (creating it if needed), checks that it is writable
// by creating and removing a probe file, refuses a dir that already holds a
// complete run (_SUCCESS present) unless overwrite is true (then _SUCCESS is
// removed at once, so the directory reads as incomplete until Finish), and
// opens the summary and series parts under temporary names.
func Create(dir string, meta Meta, overwrite bool) (*Output, error) {
	if err := meta.validate(); err != nil {
		return nil, err
	}
	meta.Args = slices.Clone(meta.Args)
	if meta.Args == nil {
		meta.Args = []string{}
	}
	o := &Output{
		dir:         dir,
		meta:        meta,
		start:       time.Now().UTC(),
		summarySpec: specsOf(engine.SummaryColumns),
		seriesSpec:  specsOf(engine.SeriesColumns),
		summaryRow:  make([]float64, len(engine.SummaryColumns)),
		seriesRow:   make([]float64, len(engine.SeriesColumns)),
		next:        meta.FirstPath,
		rows:        map[string]int64{},
	}
	if err := o.create(overwrite); err != nil {
		o.Abort()
		return nil, err
	}
	return o, nil
}

func (o *Output) create(overwrite bool) error {
	if err := o.mkdirAll(o.dir); err != nil {
		return fmt.Errorf("report: create output directory %s: %w", o.dir, err)
	}
	probe, err := os.CreateTemp(o.dir, ".spiral-probe-*")
	if err != nil {
		return fmt.Errorf("report: output directory %s is not writable: %w", o.dir, err)
	}
	probe.Close()
	if err := os.Remove(probe.Name()); err != nil {
		return fmt.Errorf("report: output directory %s: remove probe file: %w", o.dir, err)
	}
	success := filepath.Join(o.dir, SuccessFile)
	if _, err := os.Lstat(success); err == nil {
		if !overwrite {
			return fmt.Errorf("report: %s already holds a complete run (%s present); choose another directory or overwrite it", o.dir, SuccessFile)
		}
		if err := os.Remove(success); err != nil {
			return fmt.Errorf("report: overwrite %s: %w", o.dir, err)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("report: %w", err)
	}

	md := fileMetadata(&o.meta)
	sch, err := summarySchema(md)
	if err != nil {
		return err
	}
	if o.summary, err = o.openPart(SummaryDir, sch); err != nil {
		return err
	}
	if sch, err = seriesSchema(md); err != nil {
		return err
	}
	if o.series, err = o.openPart(SeriesDir, sch); err != nil {
		return err
	}
	o.metrics = newMetricValues(o.meta.NumPaths)
	for _, spec := range FanCharts {
		if o.draws(spec.Liquidations) {
			o.fanSpecs = append(o.fanSpecs, spec)
		}
	}
	o.fans, err = newFanCollector(o.fanSpecs)
	return err
}

// draws reports whether this run draws a chart that needs a liquidation
// model when liquidations is true.
func (o *Output) draws(liquidations bool) bool { return !liquidations || o.meta.Liquidations }

// namedChart is a chart drawn before the aggregates, saved with the others.
type namedChart struct {
	name  string
	chart *Chart
}

func (o *Output) openPart(table string, schema *arrow.Schema) (*tableWriter, error) {
	path := filepath.Join(o.dir, filepath.FromSlash(PartPath(table, o.meta.Variant, o.meta.Shard)))
	if err := o.mkdirAll(filepath.Dir(path)); err != nil {
		return nil, fmt.Errorf("report: create %s: %w", filepath.Dir(path), err)
	}
	return newTableWriter(path, schema)
}

// mkdirAll is os.MkdirAll that remembers the directories it made.
func (o *Output) mkdirAll(dir string) error {
	var missing []string
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		if _, err := os.Lstat(d); err == nil {
			break
		}
		missing = append(missing, d)
		if filepath.Dir(d) == d {
			break
		}
	}
	err := os.MkdirAll(dir, 0o755)
	for i := len(missing) - 1; i >= 0; i-- {
		if fi, serr := os.Lstat(missing[i]); serr == nil && fi.IsDir() {
			o.createdDirs = append(o.createdDirs, missing[i])
		}
	}
	return err
}

// Aggregate is what Finish wrote to aggregate.json, or nil before Finish
// and for a shard of a larger run.
func (o *Output) Aggregate() *Aggregate {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.aggregate
}

// Dir returns the output directory.
func (o *Output) Dir() string { return o.dir }

// Sink returns the engine.Sink that receives every PathResult of this shard
// in path order. It writes the summary and series parts, keeps the values
// the aggregates need and the traced series the fan charts need. The first
// error (a path out of order, a Seed other than Meta.Seed, a NaN or ±Inf in
// a column that is not nullable, a write error) is returned by every later
// Write and by Finish.
func (o *Output) Sink() engine.Sink { return outputSink{o} }

type outputSink struct{ o *Output }

func (s outputSink) Write(batch []engine.PathResult) error { return s.o.write(batch) }

func (o *Output) write(batch []engine.PathResult) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.err != nil {
		return o.err
	}
	if o.state != stateOpen {
		return errors.New("report: write after Finish or Abort")
	}
	for i := range batch {
		if err := o.writeOne(&batch[i]); err != nil {
			o.err = err
			return err
		}
	}
	return nil
}

func (o *Output) writeOne(r *engine.PathResult) error {
	s := &r.Summary
	end := o.meta.FirstPath + o.meta.NumPaths
	switch {
	case o.next >= end:
		return fmt.Errorf("report: path %d: this shard's paths [%d, %d) are all written", s.Path, o.meta.FirstPath, end)
	case s.Path != o.next:
		return fmt.Errorf("report: path %d arrived, want path %d (paths must arrive once, in order)", s.Path, o.next)
	case s.Seed != o.meta.Seed:
		return fmt.Errorf("report: path %d: seed %d, want the run's seed %d", s.Path, s.Seed, o.meta.Seed)
	}
	for i := range engine.SummaryColumns {
		v := engine.SummaryColumns[i].Value(s)
		if err := checkValue(&o.summarySpec[i], v); err != nil {
			return fmt.Errorf("report: path %d: column %s %w", s.Path, o.summarySpec[i].Name, err)
		}
		o.summaryRow[i] = v
	}
	// Check the whole series before writing anything of this path.
	for j := range r.Series {
		p := &r.Series[j]
		for i := range engine.SeriesColumns {
			if err := checkValue(&o.seriesSpec[i], engine.SeriesColumns[i].Value(p)); err != nil {
				return fmt.Errorf("report: path %d step %d: series column %s %w", s.Path, p.Step, o.seriesSpec[i].Name, err)
			}
		}
	}

	rb := o.summary.rb
	rb.Field(0).(*array.StringBuilder).Append(o.meta.Variant)
	rb.Field(1).(*array.Int64Builder).Append(int64(s.Path))
	rb.Field(2).(*array.Uint64Builder).Append(s.Seed)
	for i, v := range o.summaryRow {
		appendValue(rb.Field(3+i), &o.summarySpec[i], v)
	}
	if err := o.summary.endRow(); err != nil {
		return err
	}
	o.metrics.add(o.summaryRow)

	rb = o.series.rb
	for j := range r.Series {
		p := &r.Series[j]
		rb.Field(0).(*array.StringBuilder).Append(o.meta.Variant)
		rb.Field(1).(*array.Int64Builder).Append(int64(s.Path))
		for i := range engine.SeriesColumns {
			appendValue(rb.Field(2+i), &o.seriesSpec[i], engine.SeriesColumns[i].Value(p))
		}
		if err := o.series.endRow(); err != nil {
			return err
		}
	}
	if len(r.Series) > 0 {
		o.fans.add(r.Series)
	}
	o.next++
	return nil
}

// Finish commits the parts, then (single process only) writes
// aggregate.parquet and aggregate.json, the plots and manifest.json, and
// writes _SUCCESS last. A shard of a sharded run (Shards > 1) writes only its
// parts and manifest-shard-<i>.json (i as %05d); aggregating shards is
// `spiral merge`'s job. Finish fails if the Sink saw an error or did not
// receive exactly NumPaths paths; it then removes its temporary files, and
// the caller should still call Abort to remove empty directories.
func (o *Output) Finish() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.state != stateOpen {
		return errors.New("report: Finish after Finish or Abort")
	}
	if o.err == nil {
		o.err = o.finish()
	}
	if o.err != nil {
		o.discardOpen()
		return o.err
	}
	o.state = stateFinished
	return nil
}

func (o *Output) finish() error {
	if got := o.next - o.meta.FirstPath; got != o.meta.NumPaths {
		return fmt.Errorf("report: received %d of this shard's %d paths", got, o.meta.NumPaths)
	}
	for _, w := range []*tableWriter{o.summary, o.series} {
		rows := w.rows
		if err := w.commit(); err != nil {
			return err
		}
		o.committed(w.path, rows)
	}
	horizon := o.meta.HorizonHours
	if horizon == 0 {
		horizon = o.fans.lastHour()
	}
	if o.meta.Shards > 1 {
		return o.writeManifest(filepath.Join(o.dir, ShardManifestPath(o.meta.Shard)), horizon)
	}

	agg := &Aggregate{
		SchemaVersion: SchemaVersion, Scenario: o.meta.ScenarioName, ScenarioSHA256: o.meta.ScenarioSHA256,
		Seed: o.meta.Seed, Paths: o.meta.Paths, HorizonHours: horizon, Confidence: Confidence,
	}
	// The scatters pair the values of a path, so they are drawn before
	// aggregate sorts the metric columns in place; sorting does not change
	// a histogram, so the histograms may share the sorted slices.
	if err := o.drawScatters(horizon); err != nil {
		return err
	}
	agg.Variants = []VariantAggregate{o.metrics.aggregate(o.meta.Variant, o.meta.NumPaths)}
	path := filepath.Join(o.dir, AggregateParquet)
	rows, err := writeAggregateParquet(path, agg, fileMetadata(&o.meta))
	if err != nil {
		return err
	}
	o.committed(path, rows)
	path = filepath.Join(o.dir, AggregateJSON)
	if err := writeAtomic(path, agg.WriteJSON); err != nil {
		return err
	}
	o.committed(path, -1)
	o.aggregate = agg

	if err := o.writePlots(); err != nil {
		return err
	}
	if err := o.writeManifest(filepath.Join(o.dir, ManifestFile), horizon); err != nil {
		return err
	}
	path = filepath.Join(o.dir, SuccessFile)
	if err := writeAtomic(path, func(io.Writer) error { return nil }); err != nil {
		return err
	}
	o.committed(path, -1)
	return nil
}

func (o *Output) writePlots() error {
	dir := filepath.Join(o.dir, PlotsDir)
	if err := o.mkdirAll(dir); err != nil {
		return fmt.Errorf("report: create %s: %w", dir, err)
	}
	title := o.meta.ScenarioName
	for _, spec := range HistogramCharts {
		if !o.draws(spec.Liquidations) {
			continue
		}
		values, ok := o.metrics.column(spec.Column)
		if !ok {
			return fmt.Errorf("report: histogram %s: no summary column %q", spec.Name, spec.Column)
		}
		p, err := NewHistogramPlot(spec, title, o.aggregate.HorizonHours, values)
		if errors.Is(err, ErrNoData) {
			o.notes = append(o.notes, fmt.Sprintf("plot %s skipped: column %s has no non-null values", spec.Name, spec.Column))
			continue
		}
		if err != nil {
			return fmt.Errorf("report: %w", err)
		}
		if err := o.savePlot(p, dir, spec.Name); err != nil {
			return err
		}
	}
	for k, spec := range o.fanSpecs {
		p, err := NewFanPlot(spec, title, o.fans.data(k))
		if errors.Is(err, ErrNoData) {
			o.notes = append(o.notes, fmt.Sprintf("plot %s skipped: no traced paths", spec.Name))
			continue
		}
		if err != nil {
			return fmt.Errorf("report: %w", err)
		}
		if err := o.savePlot(p, dir, spec.Name); err != nil {
			return err
		}
	}
	for _, c := range o.scatters {
		if err := o.savePlot(c.chart, dir, c.name); err != nil {
			return err
		}
	}
	return nil
}

// drawScatters draws the ScatterCharts from the metric columns while their
// values are still in path order. The columns are not nullable, so the
// i-th value of each belongs to the same path.
func (o *Output) drawScatters(horizon float64) error {
	for _, spec := range ScatterCharts {
		if !o.draws(spec.Liquidations) {
			continue
		}
		var cols [3][]float64
		for i, name := range []string{spec.X, spec.Y, spec.Split} {
			values, ok := o.metrics.column(name)
			if !ok {
				return fmt.Errorf("report: scatter %s: no summary column %q", spec.Name, name)
			}
			if len(values) != o.meta.NumPaths {
				return fmt.Errorf("report: scatter %s: column %s has %d values for %d paths (nullable?)", spec.Name, name, len(values), o.meta.NumPaths)
			}
			cols[i] = values
		}
		ch, err := NewScatterPlot(spec, o.meta.ScenarioName, horizon, cols[0], cols[1], cols[2])
		if errors.Is(err, ErrNoData) {
			o.notes = append(o.notes, fmt.Sprintf("plot %s skipped: no paths", spec.Name))
			continue
		}
		if err != nil {
			return fmt.Errorf("report: %w", err)
		}
		o.scatters = append(o.scatters, namedChart{spec.Name, ch})
	}
	return nil
}

func (o *Output) savePlot(p *Chart, dir, name string) error {
	written, err := SavePlot(p, dir, name)
	for _, w := range written {
		o.committed(w, -1)
	}
	return err
}

func (o *Output) writeManifest(path string, horizon float64) error {
	m := &Manifest{
		SchemaVersion:  SchemaVersion,
		Scenario:       o.meta.ScenarioName,
		Description:    o.meta.Description,
		ScenarioSHA256: o.meta.ScenarioSHA256,
		ScenarioYAML:   string(o.meta.ScenarioYAML),
		Seed:           o.meta.Seed,
		Paths:          o.meta.Paths,
		Variants:       []string{o.meta.Variant},
		Shard:          o.meta.Shard,
		Shards:         o.meta.Shards,
		FirstPath:      o.meta.FirstPath,
		NumPaths:       o.meta.NumPaths,
		TracedPaths:    o.fans.paths,
		StepHours:      o.meta.StepHours,
		SpiralVersion:  o.meta.Version,
		GoVersion:      runtime.Version(),
		GOOS:           runtime.GOOS,
		GOARCH:         runtime.GOARCH,
		Start:          o.start.Format(time.RFC3339),
		End:            time.Now().UTC().Format(time.RFC3339),
		Args:           o.meta.Args,
		Rows:           o.rows,
		Files:          slices.Clone(o.files),
		Notes:          o.notes,
	}
	if finite(horizon) {
		m.HorizonHours = horizon
	}
	if err := writeAtomic(path, m.write); err != nil {
		return err
	}
	o.committed(path, -1)
	return nil
}

// committed records a file written under its final name; rows < 0 means
// it is not a table.
func (o *Output) committed(path string, rows int64) {
	rel, err := filepath.Rel(o.dir, path)
	if err != nil {
		rel = path
	}
	rel = filepath.ToSlash(rel)
	o.files = append(o.files, rel)
	if rows >= 0 {
		o.rows[rel] = rows
	}
	if o.onCommit != nil {
		o.onCommit(rel)
	}
}

// discardOpen removes the temporary files of parts not yet committed.
func (o *Output) discardOpen() {
	for _, w := range []*tableWriter{o.summary, o.series} {
		if w != nil {
			w.discard()
		}
	}
}

// Abort removes everything this Output created that is not complete: the
// temporary part files and the directories it made that are now empty.
// Committed files stay (after a failed Finish they are complete parts).
// Abort after a successful Finish does nothing; calling it twice is safe.
func (o *Output) Abort() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.state != stateOpen {
		return
	}
	o.state = stateAborted
	if o.err == nil {
		o.err = errors.New("report: output aborted")
	}
	o.discardOpen()
	for i := len(o.createdDirs) - 1; i >= 0; i-- {
		os.Remove(o.createdDirs[i]) // fails, as wanted, when not empty
	}
}
