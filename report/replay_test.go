package report

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/spiralrisk/spiral/engine"
)

// writeParts writes results as the parts of meta's run (partPaths paths a
// part) without aggregating them, and returns the directory.
func writeParts(t *testing.T, meta Meta, results []engine.PathResult, partPaths int) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "out")
	meta.PartPaths = partPaths
	out, err := Create(dir, meta, Fresh)
	if err != nil {
		t.Fatal(err)
	}
	feed(t, out.Sink(), results, 7)
	if err := out.Stop(); err != nil {
		t.Fatal(err)
	}
	return dir
}

// The series file of one path has the schema and rows of the run's series
// part for that path, and the part's metadata with its own first path.
func TestWriteSeriesIsTheRunsSeries(t *testing.T) {
	const paths, steps = 30, 24
	meta := testMeta(paths)
	results := synthetic(0, paths, paths, steps)
	dir := writeParts(t, meta, results, 8)
	file := filepath.Join(t.TempDir(), "replay-path-19.parquet")
	if err := WriteSeries(file, meta, &results[19]); err != nil {
		t.Fatal(err)
	}
	got, kv, _ := readParquet(t, file)
	part, _, _ := readParquet(t, filepath.Join(dir, filepath.FromSlash(PartPath(SeriesDir, "base", 16))))
	if !got.Schema().Equal(part.Schema()) {
		t.Fatalf("schema\n%s\nwant the series part's\n%s", got.Schema(), part.Schema())
	}
	wantMetadata(t, file, kv, meta)
	if kv[MetaFirstPath] != "19" {
		t.Errorf("%s = %q, want 19", MetaFirstPath, kv[MetaFirstPath])
	}
	if got.NumRows() != steps {
		t.Fatalf("%d rows, want %d", got.NumRows(), steps)
	}
	const offset = (19 - 16) * steps // path 19's rows in the part of paths 16–23
	for _, f := range part.Schema().Fields() {
		if f.Name == "variant" {
			continue
		}
		a, b := column(t, got, f.Name), column(t, part, f.Name)
		for r := range steps {
			if x, y := valueAt(t, a, r), valueAt(t, b, offset+r); math.Float64bits(x) != math.Float64bits(y) {
				t.Fatalf("row %d column %s: %v, the part has %v", r, f.Name, x, y)
			}
		}
	}
}

// A series that cannot be written leaves the file as it was and no
// temporary file.
func TestWriteSeriesFailsCleanly(t *testing.T) {
	meta := testMeta(5)
	results := synthetic(0, 5, 5, 10)
	dir := t.TempDir()
	file := filepath.Join(dir, "replay.parquet")
	if err := os.WriteFile(file, []byte("earlier"), 0o644); err != nil {
		t.Fatal(err)
	}
	bad := results[2]
	bad.Series[4].Utilization = math.NaN()
	if err := WriteSeries(file, meta, &bad); err == nil {
		t.Fatal("a NaN utilization was written")
	}
	if b, _ := os.ReadFile(file); !bytes.Equal(b, []byte("earlier")) {
		t.Errorf("the file was changed: %q", b)
	}
	if tmp := tempFiles(t, dir); len(tmp) > 0 {
		t.Errorf("temporary files left: %v", tmp)
	}
	outside := results[3]
	outside.Summary.Path = 5
	if err := WriteSeries(file, meta, &outside); err == nil {
		t.Error("path 5 of a run of 5 paths was written")
	}
}

func TestSummaryRow(t *testing.T) {
	const paths = 30
	meta := testMeta(paths)
	results := synthetic(0, paths, 0, 0)
	dir := writeParts(t, meta, results, 8)
	for _, path := range []int{0, 7, 8, 19, 29} {
		values, found, err := SummaryRow(dir, "base", path)
		if err != nil || !found {
			t.Fatalf("path %d: found %v, %v", path, found, err)
		}
		for i, c := range engine.SummaryColumns {
			if want := c.Value(&results[path].Summary); math.Float64bits(values[i]) != math.Float64bits(want) && !(math.IsNaN(want) && math.IsNaN(values[i])) {
				t.Errorf("path %d column %s: %v, want %v", path, c.Name, values[i], want)
			}
		}
	}
	if err := os.Remove(filepath.Join(dir, filepath.FromSlash(PartPath(SummaryDir, "base", 8)))); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		variant string
		path    int
		found   bool
	}{{"base", 8, false}, {"base", 15, false}, {"base", 16, true}, {"base", 30, false}, {"v001", 3, false}} {
		_, found, err := SummaryRow(dir, c.variant, c.path)
		if err != nil || found != c.found {
			t.Errorf("variant %s path %d: found %v (%v), want %v", c.variant, c.path, found, err, c.found)
		}
	}
	// A part whose rows are not its paths is an error, not a wrong row.
	part := filepath.Join(dir, filepath.FromSlash(PartPath(SummaryDir, "base", 16)))
	if err := os.Rename(part, filepath.Join(filepath.Dir(part), "part-0000000015.parquet")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := SummaryRow(dir, "base", 20); err == nil {
		t.Error("a part named for path 15 holding paths 16–23: no error")
	}
}
