package report

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
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
	// PartPaths is the number of paths per part file, ≥ 1; 0 means
	// DefaultPartPaths. A crash loses at most the part being written.
	PartPaths    int
	StepHours    float64
	HorizonHours float64  // horizon in hours, ≥ 0; 0 means "the last traced hour, if any"
	Version      string   // spiral version string
	Args         []string // command line
	Liquidations bool     // the run has a liquidation model: the charts marked Liquidations are drawn
	Stablecoin   bool     // the run has a stablecoin: the charts marked Stablecoin are drawn
	// Sweep describes the sweep the run belongs to; nil for a run that is
	// not a sweep. Every variant of a sweep shares the other fields.
	Sweep *SweepInfo
	// DataFiles are the data files the scenario read, in its order; nil
	// when it read none. ScenarioYAML lists them with their digests too
	// (experiments.Scenario.Resolved), so that ScenarioSHA256 covers their
	// contents.
	DataFiles []DataFile
	// RiskBase holds the initial deposits and book debt of Variant, which
	// the probability metrics' thresholds are relative to (1 % of
	// deposits for P(run), 1 % of the book's debt for Kao et al.'s
	// measure); written in the parts' metadata. nil: taken from the
	// resolved scenario, which for a sweep is the base's and for a book
	// read from positions.file only approximates its debt.
	RiskBase *RiskBase
}

// RiskBase is what the probability metrics' thresholds are relative to,
// for one variant: its pool's initial deposits and its position book's
// initial debt (0 without a book), USD.
type RiskBase struct {
	DepositsUSD float64
	BookDebtUSD float64
	// MaxRounds is the variant's bound on liquidation cascade rounds per
	// step (liquidators.max_rounds); 0 without a liquidation model. The
	// report notes paths whose max_cascade_rounds reached it.
	MaxRounds int
}

// SetRiskBase sets the RiskBase written in the metadata of the parts o
// opens from now on; call it before the first Write. A sweep knows a
// variant's configuration only when it is about to run it.
func (o *Output) SetRiskBase(b RiskBase) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.meta.RiskBase = &b
}

// DefaultPartPaths is the default number of paths per part file: one row
// group of the summary. At the baseline's speed a part is about ten seconds
// of work on two cores.
const DefaultPartPaths = RowGroupRows

var variantPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)

// finite reports whether v is neither NaN nor ±Inf.
func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// maxPaths bounds Meta.Paths so that part names (%010d) sort by path.
const maxPaths = 1e10 - 1

// validate checks m and fills ScenarioSHA256 when empty and PartPaths when
// 0. Errors read "report: meta.field: message".
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
	if err := validateDataFiles(m.DataFiles); err != nil {
		bad("data_files", "%v", err)
	}
	if m.ScenarioName == "" {
		bad("scenario_name", "must not be empty")
	}
	if m.Paths < 1 || m.Paths > maxPaths {
		bad("paths", "%d, must be in [1, %d]", m.Paths, int64(maxPaths))
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
	if m.PartPaths == 0 {
		m.PartPaths = DefaultPartPaths
	} else if m.PartPaths < 0 {
		bad("part_paths", "%d, must be ≥ 1", m.PartPaths)
	}
	if !finite(m.StepHours) || m.StepHours <= 0 {
		bad("step_hours", "%v, must be > 0", m.StepHours)
	}
	if !finite(m.HorizonHours) || m.HorizonHours < 0 {
		bad("horizon_hours", "%v, must be ≥ 0", m.HorizonHours)
	}
	if m.Sweep != nil {
		if err := m.Sweep.validate(); err != nil {
			errs = append(errs, err)
		} else if m.Sweep.index(m.Variant) < 0 {
			bad("variant", "%q is not a variant of the sweep", m.Variant)
		}
	}
	return errors.Join(errs...)
}

// File names in the output directory.
const (
	SuccessFile       = "_SUCCESS"
	ManifestFile      = "manifest.json"
	AggregateParquet  = "aggregate.parquet"
	AggregateJSON     = "aggregate.json"
	ReportMarkdown    = "report.md"  // the human report in Markdown, with links to plots/*.png
	ReportPDF         = "report.pdf" // the same as a vector PDF
	PlotsDir          = "plots"
	SummaryDir        = "summary"
	SeriesDir         = "series"
	shardManifestName = "manifest-shard-%05d.json"
	partName          = "part-%010d.parquet"
)

// PartPath returns the path, relative to the output directory, of the part
// of table (SummaryDir or SeriesDir) whose first path is first, e.g.
// "summary/variant=base/part-0000065536.parquet". A part holds the
// consecutive paths from first on (one summary row per path; the series
// rows of the traced ones among them); names sort by path.
func PartPath(table, variant string, first int) string {
	return table + "/variant=" + variant + "/" + fmt.Sprintf(partName, first)
}

// ShardManifestPath returns the manifest name of one shard of a sharded run.
func ShardManifestPath(shard int) string { return fmt.Sprintf(shardManifestName, shard) }

// Range is the paths [First, First+Count).
type Range struct{ First, Count int }

// End is the first path after r.
func (r Range) End() int { return r.First + r.Count }

func (r Range) String() string { return fmt.Sprintf("[%d, %d)", r.First, r.End()) }

// Mode says what Create does with the output of earlier runs in the
// directory.
type Mode uint8

const (
	// Fresh refuses a directory holding a complete run (_SUCCESS) or parts
	// of this shard's paths.
	Fresh Mode = iota
	// Overwrite removes _SUCCESS and the parts of this shard's paths; for a
	// single process also the aggregates, plots and manifests.
	Overwrite
	// Resume keeps the complete parts of this shard's paths that belong to
	// the same run (scenario SHA-256, seed, paths, variant, spiral version
	// and schema version), removes leftovers of interrupted writes, and
	// leaves the rest of the paths to do (Output.Todo). A part of another
	// run is an error.
	Resume
)

type outputState uint8

const (
	stateOpen outputState = iota
	stateFinished
	stateStopped
	stateAborted
)

// Output writes the result directory of one run (or one shard of it). It is
// created by Create, fed through Sink with the paths of Todo in order, and
// ended by exactly one of Finish (success), Stop (interruption: keep the
// paths received so far) or Abort (failure); Abort after Finish or Stop
// does nothing. Its methods may be called from different goroutines.
//
// The caller must make sure that no other process writes the same paths of
// the same directory at the same time (cmd/spiral holds a lock).
type Output struct {
	mu    sync.Mutex
	dir   string
	meta  Meta
	start time.Time
	state outputState
	err   error // first error of Write, returned again by Write and Finish

	createdDirs []string // directories Create made, parents first
	summarySpec []columnSpec
	seriesSpec  []columnSpec
	summaryRow  []float64 // scratch, one value per engine.SummaryColumns

	todo      []Range // the paths still to write, in order
	cur       int     // index in todo of the range being written
	next      int     // the next path expected
	received  int     // paths received
	traced    int     // paths received with a series
	summary   *tableWriter
	series    *tableWriter
	partFirst int // first path of the open part

	kept  []Range // parts of this shard found complete by Create (Resume)
	parts []Range // parts committed by this Output

	aggregate *Aggregate // set by a successful Finish of a whole run

	// partsOnly: Finish only commits the parts; a Batch of several
	// variants writes the manifest or aggregates them all.
	partsOnly bool

	files    []string         // committed files, relative, in order
	rows     map[string]int64 // rows per Parquet file, relative
	onCommit func(rel string) // test hook: called after each file is committed
}

// Create prepares dir for the run meta describes (creating it if needed):
// it checks that dir is writable by creating and removing a probe file,
// then handles earlier output as mode says (see Mode). Parts are opened
// when their first path arrives.
func Create(dir string, meta Meta, mode Mode) (*Output, error) {
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
		rows:        map[string]int64{},
	}
	if err := o.create(mode); err != nil {
		o.Abort()
		return nil, err
	}
	return o, nil
}

func (o *Output) create(mode Mode) error {
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
	if _, err := os.Lstat(success); err == nil && mode == Fresh {
		return fmt.Errorf("report: %s already holds a complete run (%s present); choose another directory, resume or overwrite it", o.dir, SuccessFile)
	}
	shard := Range{o.meta.FirstPath, o.meta.NumPaths}
	kept, err := prepareParts(o.dir, &o.meta, shard, mode)
	if err != nil {
		return err
	}
	o.kept = kept
	o.todo = gaps(shard, kept)
	if len(o.todo) > 0 {
		o.next = o.todo[0].First
	}
	// The directory no longer holds a complete run.
	if err := removeIfExists(success); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if err := removeIfExists(filepath.Join(o.dir, ShardManifestPath(o.meta.Shard))); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if mode == Overwrite && o.meta.Shards == 1 {
		for _, f := range []string{ManifestFile, AggregateJSON, AggregateParquet, ReportMarkdown, ReportPDF} {
			if err := removeIfExists(filepath.Join(o.dir, f)); err != nil {
				return fmt.Errorf("report: %w", err)
			}
		}
		if err := os.RemoveAll(filepath.Join(o.dir, PlotsDir)); err != nil {
			return fmt.Errorf("report: %w", err)
		}
	}
	return nil
}

// removeIfExists removes path; a missing file is not an error.
func removeIfExists(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// gaps returns the parts of shard not covered by done (sorted, inside shard).
func gaps(shard Range, done []Range) []Range {
	var out []Range
	at := shard.First
	for _, d := range done {
		if d.First > at {
			out = append(out, Range{at, d.First - at})
		}
		at = max(at, d.End())
	}
	if at < shard.End() {
		out = append(out, Range{at, shard.End() - at})
	}
	return out
}

// Todo returns the path ranges still to be written, in the order Sink
// expects them: all of this shard's paths, or after Create with Resume
// those not in a complete part. Run the engine over each in turn.
func (o *Output) Todo() []Range { return slices.Clone(o.todo) }

// Kept returns the complete parts that Create with Resume kept.
func (o *Output) Kept() []Range { return slices.Clone(o.kept) }

// mkdirAll is os.MkdirAll that remembers the directories it made.
func (o *Output) mkdirAll(dir string) error {
	made, err := mkdirAll(dir)
	o.createdDirs = append(o.createdDirs, made...)
	return err
}

// mkdirAll is os.MkdirAll that returns the directories it made, parents
// first.
func mkdirAll(dir string) ([]string, error) {
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
	var made []string
	for i := len(missing) - 1; i >= 0; i-- {
		if fi, serr := os.Lstat(missing[i]); serr == nil && fi.IsDir() {
			made = append(made, missing[i])
		}
	}
	return made, err
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

// Sink returns the engine.Sink that receives the PathResults of the Todo
// ranges, each range in path order, the ranges in order. It writes the
// summary and series parts, committing a part every Meta.PartPaths paths
// and at the end of each range. The first error (a path out of order, a
// Seed other than Meta.Seed, a NaN or ±Inf in a column that is not
// nullable, a write error) is returned by every later Write and by Finish.
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
		return errors.New("report: write after Finish, Stop or Abort")
	}
	for i := range batch {
		if err := o.writeOne(&batch[i]); err != nil {
			o.err = err
			o.discardOpen()
			return err
		}
	}
	return nil
}

func (o *Output) writeOne(r *engine.PathResult) error {
	s := &r.Summary
	switch {
	case o.cur >= len(o.todo):
		return fmt.Errorf("report: path %d: this shard's paths [%d, %d) are all written", s.Path, o.meta.FirstPath, o.meta.FirstPath+o.meta.NumPaths)
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
	if err := checkSeries(o.seriesSpec, r); err != nil {
		return err
	}
	if o.summary == nil {
		if err := o.openPart(s.Path); err != nil {
			return err
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
	if err := appendSeries(o.series, o.seriesSpec, o.meta.Variant, r); err != nil {
		return err
	}
	o.next++
	o.received++
	if len(r.Series) > 0 {
		o.traced++
	}
	rangeEnd := o.todo[o.cur].End()
	if o.next == rangeEnd || o.next == o.partFirst+o.meta.PartPaths {
		if err := o.commitPart(); err != nil {
			return err
		}
	}
	if o.next == rangeEnd {
		o.cur++
		if o.cur < len(o.todo) {
			o.next = o.todo[o.cur].First
		}
	}
	return nil
}

// openPart opens the summary and series parts whose first path is first,
// under temporary names.
func (o *Output) openPart(first int) error {
	md := fileMetadata(&o.meta, first)
	for _, t := range []struct {
		table  string
		schema func(arrow.Metadata) (*arrow.Schema, error)
		w      **tableWriter
	}{{SeriesDir, seriesSchema, &o.series}, {SummaryDir, summarySchema, &o.summary}} {
		sch, err := t.schema(md)
		if err != nil {
			return err
		}
		path := filepath.Join(o.dir, filepath.FromSlash(PartPath(t.table, o.meta.Variant, first)))
		if err := o.mkdirAll(filepath.Dir(path)); err != nil {
			return fmt.Errorf("report: create %s: %w", filepath.Dir(path), err)
		}
		if *t.w, err = newTableWriter(path, sch); err != nil {
			return err
		}
	}
	o.partFirst = first
	return nil
}

// commitPart commits the open part: the series first, so that a summary
// part on disk means its chunk is complete.
func (o *Output) commitPart() error {
	n := o.summary.rows
	for _, w := range []**tableWriter{&o.series, &o.summary} {
		rows := (*w).rows
		if err := (*w).commit(); err != nil {
			return err
		}
		o.committed((*w).path, rows)
		*w = nil
	}
	o.parts = append(o.parts, Range{o.partFirst, int(n)})
	return nil
}

// Finish commits the last part; then a shard of a sharded run (Shards > 1)
// writes its manifest-shard-<i>.json (i as %05d) and stops: aggregating the
// shards is Merge's job. A single process aggregates its variant as Merge
// does: it reads the parts back one column at a time for aggregate.parquet
// and aggregate.json and the plots, then writes manifest.json and _SUCCESS
// last. Finish fails if the Sink saw an error or did not receive every path
// of Todo; it then removes its temporary files, and the caller should
// still call Abort to remove empty directories.
func (o *Output) Finish() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.state != stateOpen {
		return errors.New("report: Finish after Finish, Stop or Abort")
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
	want := 0
	for _, r := range o.todo {
		want += r.Count
	}
	if o.received != want || o.summary != nil {
		return fmt.Errorf("report: received %d of this shard's %d paths", o.received, want)
	}
	if o.partsOnly {
		return nil
	}
	if o.meta.Shards > 1 {
		return o.writeShardManifest()
	}
	agg, err := finalize(o.dir, []string{o.meta.Variant}, finalizeOptions{
		meta: o.meta, start: o.start, onCommit: func(path string, rows int64) { o.committed(path, rows) },
	})
	if err != nil {
		return err
	}
	o.aggregate = agg
	return nil
}

// writeShardManifest writes manifest-shard-<i>.json listing every part of
// this shard, those kept by Resume included.
func (o *Output) writeShardManifest() error {
	m := newManifest(&o.meta, o.start)
	m.Shard, m.Shards = o.meta.Shard, o.meta.Shards
	m.FirstPath, m.NumPaths = o.meta.FirstPath, o.meta.NumPaths
	m.Variants = []string{o.meta.Variant}
	m.TracedPaths = 0
	o.listParts(m)
	if o.meta.HorizonHours > 0 {
		m.HorizonHours = o.meta.HorizonHours
	}
	path := filepath.Join(o.dir, ShardManifestPath(o.meta.Shard))
	if err := writeAtomic(path, m.write); err != nil {
		return err
	}
	o.committed(path, -1)
	return nil
}

// listParts adds this output's parts (those kept by Resume included) to a
// shard manifest, and the paths it traced.
func (o *Output) listParts(m *Manifest) {
	parts := append(slices.Clone(o.kept), o.parts...)
	slices.SortFunc(parts, func(a, b Range) int { return a.First - b.First })
	m.TracedPaths += o.traced // of the paths this process wrote
	for _, p := range parts {
		for _, table := range []string{SeriesDir, SummaryDir} {
			m.Files = append(m.Files, PartPath(table, o.meta.Variant, p.First))
		}
		m.Rows[PartPath(SummaryDir, o.meta.Variant, p.First)] = int64(p.Count)
	}
	for rel, n := range o.rows { // series rows are known for the parts written now
		m.Rows[rel] = n
	}
}

// Stop ends an interrupted run: the paths received so far are complete,
// so the open part is committed (shorter than PartPaths) and stays with
// the parts before it; nothing else is written (no manifest, no _SUCCESS).
// A later Create with Resume continues after them. After a Write error
// Stop discards the open part instead and returns that error.
func (o *Output) Stop() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.state != stateOpen {
		return errors.New("report: Stop after Finish, Stop or Abort")
	}
	o.state = stateStopped
	if o.err == nil && o.summary != nil {
		o.err = o.commitPart()
	}
	o.discardOpen()
	o.removeEmptyDirs()
	return o.err
}

// Received returns the number of paths the Sink has received.
func (o *Output) Received() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.received
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

// discardOpen removes the temporary files of the part not yet committed.
func (o *Output) discardOpen() {
	for _, w := range []**tableWriter{&o.series, &o.summary} {
		if *w != nil {
			(*w).discard()
			*w = nil
		}
	}
}

func (o *Output) removeEmptyDirs() {
	for i := len(o.createdDirs) - 1; i >= 0; i-- {
		os.Remove(o.createdDirs[i]) // fails, as wanted, when not empty
	}
}

// Abort removes everything this Output created that is not complete: the
// temporary part files and the directories it made that are now empty.
// Committed files stay (complete parts). Abort after Finish or Stop does
// nothing; calling it twice is safe.
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
	o.removeEmptyDirs()
}
