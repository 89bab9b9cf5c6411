package report

import (
	"fmt"
	"path/filepath"
	"time"
)

// Recompute rebuilds the derived files of dir from its Parquet parts
// alone: aggregate.parquet, aggregate.json, the plots, report.md,
// report.pdf, manifest.json and _SUCCESS last (`spiral report <out>`). It
// checks the parts as Merge does and refuses an incomplete directory with
// a *CheckError naming what is missing; it needs no shard manifest. The
// parts are never touched. When manifest.json already describes this run
// (same scenario SHA-256, seed and paths) its start, end and command line
// are kept, so recomputing a directory again gives the same files (the
// PDFs apart: they carry their creation time). The caller must make sure
// no run writes to dir meanwhile.
func Recompute(dir string, opts MergeOptions) (*Aggregate, error) {
	inv, meta, err := openInventory(dir, opts, "report")
	if err != nil {
		return nil, err
	}
	fo := finalizeOptions{meta: meta, start: time.Now().UTC()}
	// A manifest.json of another run or unreadable is rewritten.
	if m, err := ReadManifest(filepath.Join(dir, ManifestFile)); err == nil &&
		m.ScenarioSHA256 == meta.ScenarioSHA256 && m.Seed == meta.Seed && m.Paths == meta.Paths {
		fo.keep = m
	}
	if fo.keep == nil {
		// Never merged: the run started when its first shard did.
		fo.start = firstShardStart(dir, fo.start)
	}
	if err := removeIfExists(filepath.Join(dir, SuccessFile)); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	return finalizeInventory(dir, inv, fo)
}

// firstShardStart is the earliest start in the shard manifests of dir, or
// start when none is earlier.
func firstShardStart(dir string, start time.Time) time.Time {
	shards, _ := filepath.Glob(filepath.Join(dir, "manifest-shard-*.json"))
	for _, s := range shards {
		if m, err := ReadManifest(s); err == nil {
			if t, err := time.Parse(time.RFC3339, m.Start); err == nil && t.Before(start) {
				start = t
			}
		}
	}
	return start
}
