package report

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spiralrisk/spiral/engine"
)

// writeShard writes paths [first, first+n) of a run of paths as shard
// i/shards with parts of partPaths, and finishes it.
func writeShard(t *testing.T, dir string, paths, i, shards, first, n, partPaths int) {
	t.Helper()
	m := testMeta(paths)
	m.Shard, m.Shards, m.FirstPath, m.NumPaths, m.PartPaths = i, shards, first, n, partPaths
	o := mustCreate(t, dir, m, Fresh)
	feed(t, o.Sink(), synthetic(first, n, 12, 24), 7)
	if err := o.Finish(); err != nil {
		t.Fatal(err)
	}
}

// jsonOf is a's aggregate.json (NaN fields compare equal as null).
func jsonOf(t *testing.T, a *Aggregate) string {
	t.Helper()
	var b strings.Builder
	if err := a.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// Parts rotate every PartPaths paths; shards merged give the aggregates,
// rows and charts of one process, exactly.
func TestPartsAndMerge(t *testing.T) {
	const paths = 100
	single := filepath.Join(t.TempDir(), "single")
	m := testMeta(paths)
	m.PartPaths = 30
	o := mustCreate(t, single, m, Fresh)
	feed(t, o.Sink(), synthetic(0, paths, 12, 24), 11)
	if err := o.Finish(); err != nil {
		t.Fatal(err)
	}
	var parts []string
	for _, f := range listFiles(t, single) {
		if strings.HasPrefix(f, "summary/") {
			parts = append(parts, f)
		}
	}
	want := []string{PartPath(SummaryDir, "base", 0), PartPath(SummaryDir, "base", 30), PartPath(SummaryDir, "base", 60), PartPath(SummaryDir, "base", 90)}
	if !slices.Equal(parts, want) {
		t.Fatalf("summary parts %v, want %v", parts, want)
	}
	tbl, kv, _ := readParquet(t, filepath.Join(single, want[3]))
	if tbl.NumRows() != 10 || kv[MetaFirstPath] != "90" || kv[MetaPaths] != "100" || kv[MetaScenarioName] != "test" {
		t.Errorf("last part: %d rows, metadata %v", tbl.NumRows(), kv)
	}

	sharded := filepath.Join(t.TempDir(), "sharded")
	for i, r := range []Range{{0, 25}, {25, 25}, {50, 25}, {75, 25}} {
		writeShard(t, sharded, paths, i, 4, r.First, r.Count, 10)
	}
	if _, err := os.Stat(filepath.Join(sharded, SuccessFile)); err == nil {
		t.Fatal("_SUCCESS before Merge")
	}
	agg, err := Merge(sharded, MergeOptions{Args: []string{"spiral", "merge"}})
	if err != nil {
		t.Fatal(err)
	}
	if jsonOf(t, agg) != jsonOf(t, o.Aggregate()) {
		t.Error("merged aggregates differ from the single process's")
	}
	// (PDFs carry their creation time.)
	for _, f := range []string{AggregateJSON, "plots/stuck_share_hist.png", "plots/utilization_fan.png", "plots/borrow_apr_fan.png"} {
		a, err1 := os.ReadFile(filepath.Join(single, f))
		b, err2 := os.ReadFile(filepath.Join(sharded, f))
		if err1 != nil || err2 != nil || string(a) != string(b) {
			t.Errorf("%s differs (%v, %v)", f, err1, err2)
		}
	}
	man, err := ReadManifest(filepath.Join(sharded, ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	if man.Shards != 4 || man.Paths != paths || man.TracedPaths != 12 || man.Rows[PartPath(SummaryDir, "base", 95)] != 5 {
		t.Errorf("merged manifest %+v", man)
	}
	// The aggregate covers every shard; its metadata says so as a single
	// process's does.
	_, kvSingle, _ := readParquet(t, filepath.Join(single, AggregateParquet))
	_, kvMerged, _ := readParquet(t, filepath.Join(sharded, AggregateParquet))
	if kvMerged[MetaShard] != "0/1" || kvSingle[MetaShard] != "0/1" {
		t.Errorf("aggregate.parquet spiral.shard: merged %q, single process %q; want 0/1", kvMerged[MetaShard], kvSingle[MetaShard])
	}
	// tracedPaths (what a sweep's other variants read) agrees with readFans
	// (what the drawn variant reads).
	inv, err := takeInventory(single, []string{"base"})
	if err != nil {
		t.Fatal(err)
	}
	fans, n, err := readFans(inv.series["base"], &m)
	if err != nil {
		t.Fatal(err)
	}
	count, last, err := tracedPaths(inv.series["base"], true)
	if err != nil || count != n || n != 12 || last != fans.lastHour() || !(last > 0) {
		t.Errorf("tracedPaths = %d, %v, %v; readFans %d paths, last hour %v; want 12", count, last, err, n, fans.lastHour())
	}
	// Merging again gives the same aggregates.
	again, err := Merge(sharded, MergeOptions{})
	if err != nil || jsonOf(t, again) != jsonOf(t, agg) {
		t.Errorf("second merge: %v", err)
	}
}

func TestMergeRefuses(t *testing.T) {
	build := func(t *testing.T) string {
		dir := filepath.Join(t.TempDir(), "o")
		writeShard(t, dir, 40, 0, 2, 0, 20, 10)
		writeShard(t, dir, 40, 1, 2, 20, 20, 10)
		return dir
	}
	for _, tc := range []struct {
		name       string
		mutate     func(t *testing.T, dir string)
		want       string
		incomplete bool
	}{
		{"missing part", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, PartPath(SummaryDir, "base", 30)))
			os.Remove(filepath.Join(dir, PartPath(SeriesDir, "base", 30)))
		}, "paths [30, 40) are missing (shard 1/2", true},
		{"orphan series", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, PartPath(SummaryDir, "base", 10)))
			os.Remove(filepath.Join(dir, PartPath(SummaryDir, "base", 0)))
		}, "series/variant=base/part-0000000000.parquet has no summary part", false},
		{"other seed", func(t *testing.T, dir string) {
			m := testMeta(40)
			m.Seed++
			m.Shard, m.Shards, m.FirstPath, m.NumPaths = 1, 2, 20, 20
			o := mustCreate(t, filepath.Join(t.TempDir(), "x"), m, Fresh)
			res := synthetic(20, 20, 0, 0)
			for i := range res {
				res[i].Summary.Seed = m.Seed
			}
			feed(t, o.Sink(), res, 20)
			if err := o.Finish(); err != nil {
				t.Fatal(err)
			}
			for _, table := range []string{SummaryDir, SeriesDir} {
				b, err := os.ReadFile(filepath.Join(o.Dir(), PartPath(table, "base", 20)))
				if err != nil {
					t.Fatal(err)
				}
				os.Remove(filepath.Join(dir, PartPath(table, "base", 30)))
				if err := os.WriteFile(filepath.Join(dir, PartPath(table, "base", 20)), b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}, "parts of different runs", false},
		{"truncated part", func(t *testing.T, dir string) {
			p := filepath.Join(dir, PartPath(SummaryDir, "base", 10))
			b, _ := os.ReadFile(p)
			os.WriteFile(p, b[:len(b)/2], 0o644)
		}, "unreadable part", false},
		{"empty dir", func(t *testing.T, dir string) {
			os.RemoveAll(filepath.Join(dir, SummaryDir))
			os.RemoveAll(filepath.Join(dir, SeriesDir))
		}, "nothing to merge", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := build(t)
			tc.mutate(t, dir)
			_, err := Merge(dir, MergeOptions{})
			var ce *CheckError
			if !errors.As(err, &ce) || !strings.Contains(err.Error(), tc.want) || ce.Incomplete != tc.incomplete {
				t.Fatalf("Merge error %v (incomplete %v), want a CheckError containing %q (incomplete %v)", err, ce != nil && ce.Incomplete, tc.want, tc.incomplete)
			}
			for _, f := range []string{SuccessFile, AggregateJSON} {
				if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
					t.Errorf("%s written by a refused merge", f)
				}
			}
		})
	}
}

// Stop keeps the paths received in a short last part; Resume continues
// after the complete parts, and the result equals an uninterrupted run.
func TestStopAndResume(t *testing.T) {
	const paths = 50
	dir := filepath.Join(t.TempDir(), "o")
	m := testMeta(paths)
	m.PartPaths = 10
	results := synthetic(0, paths, 12, 24)
	o := mustCreate(t, dir, m, Fresh)
	feed(t, o.Sink(), results[:23], 4)
	if err := o.Stop(); err != nil {
		t.Fatal(err)
	}
	o.Abort() // no effect after Stop
	if got := tempFiles(t, dir); len(got) != 0 {
		t.Errorf("temporary files after Stop: %v", got)
	}
	if _, err := os.Stat(filepath.Join(dir, PartPath(SummaryDir, "base", 20))); err != nil {
		t.Errorf("the interrupted part was not kept: %v", err)
	}

	// Fresh refuses the directory; Resume continues at path 23.
	if _, err := Create(dir, m, Fresh); !errors.Is(err, ErrEarlierRun) {
		t.Errorf("Fresh over parts: %v, want ErrEarlierRun", err)
	}
	other := m
	other.Seed++
	if _, err := Create(dir, other, Resume); !errors.Is(err, ErrOtherRun) || !strings.Contains(err.Error(), MetaSeed) {
		t.Errorf("Resume of another seed: %v, want ErrOtherRun naming %s", err, MetaSeed)
	}
	// A temporary file of a killed process and a series part without its
	// summary part are cleaned up.
	stray := filepath.Join(dir, SummaryDir, "variant=base", ".part-0000000023.parquet.tmp-123")
	orphan := filepath.Join(dir, filepath.FromSlash(PartPath(SeriesDir, "base", 30)))
	os.WriteFile(stray, []byte("x"), 0o644)
	os.WriteFile(orphan, []byte("x"), 0o644)
	r := mustCreate(t, dir, m, Resume)
	if got, want := r.Todo(), []Range{{23, 27}}; !slices.Equal(got, want) {
		t.Fatalf("Todo %v, want %v", got, want)
	}
	for _, f := range []string{stray, orphan} {
		if _, err := os.Stat(f); err == nil {
			t.Errorf("%s not removed", f)
		}
	}
	feed(t, r.Sink(), results[23:], 9)
	if err := r.Finish(); err != nil {
		t.Fatal(err)
	}

	whole := filepath.Join(t.TempDir(), "whole")
	w := mustCreate(t, whole, m, Fresh)
	feed(t, w.Sink(), results, 50)
	if err := w.Finish(); err != nil {
		t.Fatal(err)
	}
	if jsonOf(t, r.Aggregate()) != jsonOf(t, w.Aggregate()) {
		t.Error("resumed aggregates differ from an uninterrupted run's")
	}

	// Overwrite removes the old parts of the range and writes new ones.
	m2 := m
	m2.PartPaths = 25
	ov := mustCreate(t, dir, m2, Overwrite)
	feed(t, ov.Sink(), results, 50)
	if err := ov.Finish(); err != nil {
		t.Fatal(err)
	}
	var summary []string
	for _, f := range listFiles(t, dir) {
		if strings.HasPrefix(f, SummaryDir+"/") {
			summary = append(summary, f)
		}
	}
	if want := []string{PartPath(SummaryDir, "base", 0), PartPath(SummaryDir, "base", 25)}; !slices.Equal(summary, want) {
		t.Errorf("after Overwrite: %v, want %v", summary, want)
	}
}

// readColumn reads nullable doubles, ints and booleans across parts.
func TestReadColumn(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "o")
	m := testMeta(40)
	m.PartPaths = 15
	results := synthetic(0, 40, 0, 0)
	o := mustCreate(t, dir, m, Fresh)
	feed(t, o.Sink(), results, 40)
	if err := o.Finish(); err != nil {
		t.Fatal(err)
	}
	parts, err := listParts(dir, SummaryDir, "base")
	if err != nil || len(parts) != 3 {
		t.Fatalf("%d parts, %v", len(parts), err)
	}
	for i := range parts {
		if err := parts[i].readFooter(); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"first_unmet_withdrawal_hour", "liquidations", "insolvent", "stuck_share"} {
		got, nulls, err := readColumn(parts, name)
		if err != nil {
			t.Fatal(err)
		}
		var want []float64
		wantNulls := 0
		for i := range results {
			v := columnValue(t, name, &results[i])
			if v != v { // NaN: null
				wantNulls++
				continue
			}
			want = append(want, v)
		}
		if !slices.Equal(got, want) || nulls != wantNulls {
			t.Errorf("%s: %v (%d nulls), want %v (%d nulls)", name, got, nulls, want, wantNulls)
		}
	}
	if _, _, err := readColumn(parts, "no_such_column"); err == nil {
		t.Error("no error for a missing column")
	}
}

// columnValue is the value of a summary column for a result.
func columnValue(t *testing.T, name string, r *engine.PathResult) float64 {
	t.Helper()
	for _, c := range engine.SummaryColumns {
		if c.Name == name {
			return c.Value(&r.Summary)
		}
	}
	t.Fatalf("no summary column %s", name)
	return 0
}
