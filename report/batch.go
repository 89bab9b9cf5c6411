package report

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// Segment is the paths [First, First+Count) of one variant that a process
// writes. A run is one variant over all its paths; a sweep's variants
// share the paths, and its shards split the units (variant k's path p is
// unit k·paths + p), so one shard may hold the end of one variant and the
// start of the next.
type Segment struct {
	Variant string `json:"variant"`
	First   int    `json:"first_path"`
	Count   int    `json:"num_paths"`
}

// Batch writes the segments of one process into one output directory: an
// Output per segment, fed in turn; then one shard manifest for all of them
// (a shard of a sharded run), or the aggregates of every variant (a single
// process). A Batch of one segment of a run that is not a sweep is exactly
// that segment's Output.
type Batch struct {
	dir    string
	meta   Meta
	segs   []Segment
	outs   []*Output
	single bool
	start  time.Time
	agg    *Aggregate
}

// CreateBatch prepares dir for the segments of meta's run (see Create:
// mode applies to each segment's paths). meta's Variant, FirstPath and
// NumPaths are those of the first segment; the others are set per
// segment.
func CreateBatch(dir string, meta Meta, segments []Segment, mode Mode) (*Batch, error) {
	b := &Batch{dir: dir, meta: meta, segs: slices.Clone(segments), start: time.Now().UTC(),
		single: len(segments) == 1 && meta.Sweep == nil}
	if len(segments) == 0 {
		return nil, errors.New("report: a batch needs at least one segment")
	}
	for _, s := range segments {
		m := meta
		m.Variant, m.FirstPath, m.NumPaths = s.Variant, s.First, s.Count
		o, err := Create(dir, m, mode)
		if err != nil {
			b.Abort()
			return nil, err
		}
		o.partsOnly = !b.single
		b.outs = append(b.outs, o)
	}
	b.meta.Variant, b.meta.FirstPath, b.meta.NumPaths = segments[0].Variant, segments[0].First, segments[0].Count
	return b, nil
}

// Outputs returns the segments' Outputs in order: feed each its Todo.
func (b *Batch) Outputs() []*Output { return slices.Clone(b.outs) }

// Segments returns the segments.
func (b *Batch) Segments() []Segment { return slices.Clone(b.segs) }

// Kept is the number of paths that Resume kept.
func (b *Batch) Kept() int {
	n := 0
	for _, o := range b.outs {
		for _, r := range o.Kept() {
			n += r.Count
		}
	}
	return n
}

// Received is the number of paths the Sinks received.
func (b *Batch) Received() int {
	n := 0
	for _, o := range b.outs {
		n += o.Received()
	}
	return n
}

// Aggregate is what a single process's Finish aggregated; nil before and
// for a shard.
func (b *Batch) Aggregate() *Aggregate {
	if b.single {
		return b.outs[0].Aggregate()
	}
	return b.agg
}

// Finish finishes every segment, then writes this shard's manifest
// (manifest-shard-<i>.json with every segment's parts) or, for a single
// process, aggregates all the variants as Merge does.
func (b *Batch) Finish() error {
	for _, o := range b.outs {
		if err := o.Finish(); err != nil {
			return err
		}
	}
	if b.single {
		return nil
	}
	if b.meta.Shards > 1 {
		m := newManifest(&b.meta, b.start)
		m.Shard, m.Shards = b.meta.Shard, b.meta.Shards
		m.FirstPath, m.NumPaths = b.segs[0].First, 0
		m.Variants = nil
		for i, o := range b.outs {
			m.Variants = append(m.Variants, b.segs[i].Variant)
			m.NumPaths += b.segs[i].Count
			o.listParts(m)
		}
		m.Segments = slices.Clone(b.segs)
		if b.meta.HorizonHours > 0 {
			m.HorizonHours = b.meta.HorizonHours
		}
		return writeAtomic(filepath.Join(b.dir, ShardManifestPath(b.meta.Shard)), m.write)
	}
	var variants []string
	for _, s := range b.segs {
		variants = append(variants, s.Variant)
	}
	slices.Sort(variants)
	agg, err := finalize(b.dir, variants, finalizeOptions{meta: b.meta, start: b.start})
	if err != nil {
		return err
	}
	b.agg = agg
	return nil
}

// Stop stops every segment (see Output.Stop) and returns the first error.
func (b *Batch) Stop() error {
	var first error
	for _, o := range b.outs {
		if err := o.Stop(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// Abort aborts every segment (see Output.Abort).
func (b *Batch) Abort() {
	for _, o := range b.outs {
		o.Abort()
	}
}

// CompleteBatch reports whether dir already holds the complete output of
// these segments of meta's run: for a single process a merged run
// (manifest.json and _SUCCESS) with the same variants, for a shard its
// manifest-shard-<i>.json with the same segments, and in both cases every
// file they list.
func CompleteBatch(dir string, meta Meta, segments []Segment) bool {
	if len(segments) == 1 && meta.Sweep == nil {
		m := meta
		m.Variant, m.FirstPath, m.NumPaths = segments[0].Variant, segments[0].First, segments[0].Count
		return Complete(dir, m)
	}
	if meta.ScenarioSHA256 == "" {
		if err := meta.validate(); err != nil {
			return false
		}
	}
	name := ManifestFile
	if meta.Shards > 1 {
		name = ShardManifestPath(meta.Shard)
	} else if _, err := os.Stat(filepath.Join(dir, SuccessFile)); err != nil {
		return false
	}
	m, err := ReadManifest(filepath.Join(dir, name))
	if err != nil || m.ScenarioSHA256 != meta.ScenarioSHA256 || m.Seed != meta.Seed || m.Paths != meta.Paths ||
		m.Shard != meta.Shard && meta.Shards > 1 || m.Shards != meta.Shards && meta.Shards > 1 {
		return false
	}
	if meta.Shards > 1 && !slices.Equal(m.Segments, segments) {
		return false
	}
	for _, s := range segments {
		if !slices.Contains(m.Variants, s.Variant) {
			return false
		}
	}
	for _, f := range m.Files {
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(f))); err != nil {
			return false
		}
	}
	return true
}
