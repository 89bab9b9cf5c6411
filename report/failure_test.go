package report

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spiralrisk/spiral/engine"
)

func mustCreate(t *testing.T, dir string, m Meta, mode Mode) *Output {
	t.Helper()
	o, err := Create(dir, m, mode)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func wantNoEntries(t *testing.T, dir string) {
	t.Helper()
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s exists after Abort (stat: %v); files: %v", dir, err, listFiles(t, dir))
	}
}

func TestAbortMidway(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "a", "out")
	o := mustCreate(t, dir, testMeta(100), Fresh)
	feed(t, o.Sink(), synthetic(0, 50, 10, 24), 16)
	if len(tempFiles(t, dir)) == 0 {
		t.Fatal("no temporary parts while writing")
	}
	o.Abort()
	o.Abort() // twice is safe
	wantNoEntries(t, filepath.Join(root, "a"))
	if err := o.Sink().Write(synthetic(50, 1, 0, 0)); err == nil {
		t.Error("Write after Abort succeeded")
	}
	if err := o.Finish(); err == nil {
		t.Error("Finish after Abort succeeded")
	}
}

func TestAbortKeepsExistingDir(t *testing.T) {
	dir := t.TempDir()
	keep := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(keep, []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	o := mustCreate(t, dir, testMeta(10), Fresh)
	feed(t, o.Sink(), synthetic(0, 5, 2, 5), 2)
	o.Abort()
	if got := listFiles(t, dir); !slices.Equal(got, []string{"notes.txt"}) {
		t.Errorf("after Abort: %v, want only notes.txt", got)
	}
	if _, err := os.Stat(filepath.Join(dir, SummaryDir)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("summary dir remains: %v", err)
	}
}

func TestNaNInNonNullableColumn(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	o := mustCreate(t, dir, testMeta(20), Fresh)
	res := synthetic(0, 20, 3, 10)
	res[7].Summary.MaxDrawdown = math.NaN()
	err := o.Sink().Write(res)
	if err == nil || !strings.Contains(err.Error(), "path 7") || !strings.Contains(err.Error(), "max_drawdown") {
		t.Fatalf("Write error = %v, want one naming path 7 and max_drawdown", err)
	}
	if err2 := o.Sink().Write(res[8:]); err2 != err {
		t.Errorf("later Write error = %v, want the first error again", err2)
	}
	if err := o.Finish(); err == nil {
		t.Fatal("Finish succeeded after a Write error")
	}
	if got := tempFiles(t, dir); len(got) != 0 {
		t.Errorf("temporary files after a failed Finish: %v", got)
	}
	o.Abort()
	wantNoEntries(t, dir)

	// A series NaN and an Inf are rejected too; a nullable NaN is not.
	for _, tc := range []struct {
		name   string
		mutate func(r []engine.PathResult)
		want   string
	}{
		{"series NaN", func(r []engine.PathResult) { r[1].Series[4].Utilization = math.NaN() }, "path 1 step 5: series column utilization"},
		{"Inf", func(r []engine.PathResult) { r[2].Summary.InterestUSD = math.Inf(1) }, "path 2: column interest_usd is +Inf"},
		{"nullable Inf", func(r []engine.PathResult) { r[0].Summary.FirstUnmetHour = math.Inf(-1) }, "first_unmet_withdrawal_hour is -Inf"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := mustCreate(t, filepath.Join(t.TempDir(), "out"), testMeta(5), Fresh)
			defer o.Abort()
			r := synthetic(0, 5, 3, 10)
			tc.mutate(r)
			if err := o.Sink().Write(r); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestPathOrderSeedAndCount(t *testing.T) {
	tests := []struct {
		name  string
		batch func() []engine.PathResult
		want  string
	}{
		{"skip", func() []engine.PathResult { r := synthetic(0, 3, 0, 0); return append(r[:1], r[2]) }, "path 2 arrived, want path 1"},
		{"repeat", func() []engine.PathResult { r := synthetic(0, 2, 0, 0); return append(r, r[1]) }, "path 1 arrived, want path 2"},
		{"too many", func() []engine.PathResult { return synthetic(0, 11, 0, 0) }, "path 10: this shard's paths [0, 10) are all written"},
		{"seed", func() []engine.PathResult { r := synthetic(0, 2, 0, 0); r[1].Summary.Seed++; return r }, "path 1: seed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := mustCreate(t, filepath.Join(t.TempDir(), "out"), testMeta(10), Fresh)
			defer o.Abort()
			if err := o.Sink().Write(tc.batch()); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
	t.Run("too few", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "out")
		o := mustCreate(t, dir, testMeta(10), Fresh)
		feed(t, o.Sink(), synthetic(0, 9, 0, 0), 4)
		if err := o.Finish(); err == nil || !strings.Contains(err.Error(), "received 9 of this shard's 10 paths") {
			t.Errorf("Finish error = %v", err)
		}
		o.Abort()
		wantNoEntries(t, dir)
	})
}

func TestUnwritableDirectory(t *testing.T) {
	root := t.TempDir()
	regular := filepath.Join(root, "file")
	if err := os.WriteFile(regular, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(regular, "out")
	if _, err := Create(dir, testMeta(5), Fresh); err == nil || !strings.Contains(err.Error(), dir) {
		t.Errorf("Create under a regular file: error %v, want one naming %s", err, dir)
	}

	t.Run("chmod", func(t *testing.T) {
		if os.Geteuid() == 0 {
			t.Skip("root ignores directory permissions")
		}
		ro := filepath.Join(root, "readonly")
		if err := os.Mkdir(ro, 0o500); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Chmod(ro, 0o700) })
		for _, d := range []string{ro, filepath.Join(ro, "out")} {
			_, err := Create(d, testMeta(5), Fresh)
			if err == nil || !strings.Contains(err.Error(), d) {
				t.Errorf("Create(%s): error %v, want one naming it", d, err)
			}
		}
		if got := listFiles(t, ro); len(got) != 0 {
			t.Errorf("files left in the read-only dir: %v", got)
		}
	})
}

func TestRefuseCompleteRun(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	o := mustCreate(t, dir, testMeta(10), Fresh)
	feed(t, o.Sink(), synthetic(0, 10, 2, 12), 10)
	if err := o.Finish(); err != nil {
		t.Fatal(err)
	}
	before := listFiles(t, dir)
	_, err := Create(dir, testMeta(10), Fresh)
	if err == nil || !strings.Contains(err.Error(), dir) || !strings.Contains(err.Error(), SuccessFile) {
		t.Fatalf("second Create: error %v, want one naming %s and %s", err, dir, SuccessFile)
	}
	if got := listFiles(t, dir); !slices.Equal(got, before) {
		t.Errorf("a refused Create changed the files: %v, was %v", got, before)
	}
	o2 := mustCreate(t, dir, testMeta(10), Overwrite)
	if _, err := os.Stat(filepath.Join(dir, SuccessFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("_SUCCESS still present after Create with overwrite: %v", err)
	}
	feed(t, o2.Sink(), synthetic(0, 10, 2, 12), 3)
	if err := o2.Finish(); err != nil {
		t.Fatal(err)
	}
	if got := listFiles(t, dir); !slices.Equal(got, before) {
		t.Errorf("overwritten run: %v, want %v", got, before)
	}
}

func TestFinishErrorNamesFileAndLeavesNoTemp(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	o := mustCreate(t, dir, testMeta(10), Fresh)
	feed(t, o.Sink(), synthetic(0, 10, 2, 12), 10)
	// A non-empty directory where aggregate.json goes makes its rename fail.
	blocker := filepath.Join(dir, AggregateJSON)
	if err := os.MkdirAll(filepath.Join(blocker, "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	err := o.Finish()
	if err == nil || !strings.Contains(err.Error(), blocker) {
		t.Fatalf("Finish error = %v, want one naming %s", err, blocker)
	}
	o.Abort()
	if got := tempFiles(t, dir); len(got) != 0 {
		t.Errorf("temporary files remain: %v", got)
	}
	if _, err := os.Stat(filepath.Join(dir, SuccessFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("_SUCCESS written after a failed Finish")
	}
	// The parts, complete before the failure, stay.
	for _, p := range []string{PartPath(SummaryDir, "base", 0), PartPath(SeriesDir, "base", 0), AggregateParquet} {
		if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
			t.Errorf("committed %s: %v", p, err)
		}
	}
}

func TestShardedFinish(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	const paths = 30
	for s := range 3 {
		m := testMeta(paths)
		m.Shard, m.Shards, m.FirstPath, m.NumPaths = s, 3, s*10, 10
		o := mustCreate(t, dir, m, Fresh)
		feed(t, o.Sink(), synthetic(s*10, 10, 5, 6), 4)
		if err := o.Finish(); err != nil {
			t.Fatal(err)
		}
		man, err := ReadManifest(filepath.Join(dir, ShardManifestPath(s)))
		if err != nil {
			t.Fatal(err)
		}
		wantTraced := 0
		if s == 0 {
			wantTraced = 5
		}
		if man.Shard != s || man.Shards != 3 || man.FirstPath != s*10 || man.NumPaths != 10 || man.TracedPaths != wantTraced ||
			man.Rows[PartPath(SummaryDir, "base", s*10)] != 10 {
			t.Errorf("shard %d manifest: %+v", s, man)
		}
		tbl, kv, _ := readParquet(t, filepath.Join(dir, PartPath(SummaryDir, "base", s*10)))
		wantMetadata(t, "shard part", kv, m)
		if tbl.NumRows() != 10 {
			t.Errorf("shard %d rows = %d", s, tbl.NumRows())
		}
	}
	want := []string{
		"manifest-shard-00000.json", "manifest-shard-00001.json", "manifest-shard-00002.json",
		"series/variant=base/part-0000000000.parquet", "series/variant=base/part-0000000010.parquet", "series/variant=base/part-0000000020.parquet",
		"summary/variant=base/part-0000000000.parquet", "summary/variant=base/part-0000000010.parquet", "summary/variant=base/part-0000000020.parquet",
	}
	if got := listFiles(t, dir); !slices.Equal(got, want) {
		t.Errorf("files = %v\nwant %v", got, want)
	}
}

func TestMetaValidation(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Meta)
		want   string
	}{
		{"variant slash", func(m *Meta) { m.Variant = "a/b" }, "meta.variant"},
		{"variant empty", func(m *Meta) { m.Variant = "" }, "meta.variant"},
		{"variant equals", func(m *Meta) { m.Variant = "a=b" }, "meta.variant"},
		{"sha", func(m *Meta) { m.ScenarioSHA256 = "00" }, "meta.scenario_sha256"},
		{"name", func(m *Meta) { m.ScenarioName = "" }, "meta.scenario_name"},
		{"paths", func(m *Meta) { m.Paths = 0 }, "meta.paths"},
		{"shard", func(m *Meta) { m.Shard = 1 }, "meta.shard"},
		{"range", func(m *Meta) { m.Shards = 2; m.NumPaths = 11 }, "meta.first_path"},
		{"single shard covers all", func(m *Meta) { m.NumPaths = 5 }, "meta.num_paths"},
		{"step NaN", func(m *Meta) { m.StepHours = math.NaN() }, "meta.step_hours"},
		{"horizon", func(m *Meta) { m.HorizonHours = -1 }, "meta.horizon_hours"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := testMeta(10)
			tc.mutate(&m)
			dir := filepath.Join(t.TempDir(), "out")
			if _, err := Create(dir, m, Fresh); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want it to contain %q", err, tc.want)
			}
			wantNoEntries(t, dir)
		})
	}
	m := testMeta(10)
	m.ScenarioSHA256 = ""
	o := mustCreate(t, filepath.Join(t.TempDir(), "out"), m, Fresh)
	defer o.Abort()
	if o.meta.ScenarioSHA256 != testMeta(10).ScenarioSHA256 {
		t.Errorf("computed sha256 = %q", o.meta.ScenarioSHA256)
	}
}

func TestNoTracedPathsAndFlatData(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	o := mustCreate(t, dir, testMeta(40), Fresh)
	res := synthetic(0, 40, 0, 0)
	for i := range res {
		res[i].Summary.StuckShare = 0 // a calm run: nothing stuck on any path
	}
	feed(t, o.Sink(), res, 40)
	if err := o.Finish(); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"plots/stuck_share_hist.png", "plots/stuck_share_hist.pdf"} {
		if fi, err := os.Stat(filepath.Join(dir, f)); err != nil || fi.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	for _, f := range []string{"plots/utilization_fan.png", "plots/borrow_apr_fan.pdf"} {
		if _, err := os.Stat(filepath.Join(dir, f)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s written without traced paths", f)
		}
	}
	man, err := ReadManifest(filepath.Join(dir, ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	fans := 0 // this run has no liquidation model and no stablecoin
	for _, f := range FanCharts {
		if !f.Liquidations && !f.Stablecoin {
			fans++
		}
	}
	if len(man.Notes) != fans || !strings.Contains(man.Notes[0], "no traced paths") {
		t.Errorf("notes = %v", man.Notes)
	}
	if man.HorizonHours != 240 {
		t.Errorf("horizon = %v", man.HorizonHours)
	}
	tbl, _, _ := readParquet(t, filepath.Join(dir, PartPath(SeriesDir, "base", 0)))
	if tbl.NumRows() != 0 {
		t.Errorf("series rows = %d, want 0", tbl.NumRows())
	}
}

func TestRowGroups(t *testing.T) {
	// 100 traced paths × 700 steps = 70,000 series rows: one full row group
	// of RowGroupRows and the rest at Close.
	dir := filepath.Join(t.TempDir(), "out")
	m := testMeta(100)
	o := mustCreate(t, dir, m, Fresh)
	feed(t, o.Sink(), synthetic(0, 100, 100, 700), 7)
	if err := o.Finish(); err != nil {
		t.Fatal(err)
	}
	tbl, _, groups := readParquet(t, filepath.Join(dir, PartPath(SeriesDir, "base", 0)))
	if tbl.NumRows() != 70000 || groups != 2 {
		t.Errorf("rows = %d in %d row groups, want 70000 in 2", tbl.NumRows(), groups)
	}
}

func TestChartsDegenerateAndSolid(t *testing.T) {
	dir := t.TempDir()
	spec := HistogramCharts[0]
	for name, values := range map[string][]float64{
		"equal":  {0.2, 0.2, 0.2},
		"single": {5},
		"zeros":  make([]float64, 100),
	} {
		ch, err := NewHistogramPlot(spec, "t", 240, values)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		written, err := SavePlot(ch, dir, "hist_"+name)
		if err != nil || len(written) != 2 {
			t.Fatalf("%s: SavePlot = %v, %v", name, written, err)
		}
	}
	if _, err := NewHistogramPlot(spec, "t", 240, nil); !errors.Is(err, ErrNoData) {
		t.Errorf("empty histogram: %v, want ErrNoData", err)
	}
	if _, err := NewFanPlot(FanCharts[0], "t", FanData{}); !errors.Is(err, ErrNoData) {
		t.Errorf("empty fan: %v, want ErrNoData", err)
	}
	// One path, one step, flat.
	ch, err := NewFanPlot(FanCharts[0], "t", FanData{Hours: []float64{1}, Values: [][]float64{{0.5}}, Paths: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := SavePlot(ch, dir, "fan_one"); err != nil {
		t.Fatal(err)
	}
	// A flat fan over many steps.
	flat := FanData{Paths: 3}
	for h := 1; h <= 48; h++ {
		flat.Hours = append(flat.Hours, float64(h))
		flat.Values = append(flat.Values, []float64{1, 1, 1})
	}
	if ch, err = NewFanPlot(FanCharts[1], "t", flat); err != nil {
		t.Fatal(err)
	}
	if _, err := SavePlot(ch, dir, "fan_flat"); err != nil {
		t.Fatal(err)
	}
	pdfs, _ := filepath.Glob(filepath.Join(dir, "*.pdf"))
	pngs, _ := filepath.Glob(filepath.Join(dir, "*.png"))
	if len(pdfs) != 5 || len(pngs) != 5 {
		t.Fatalf("pdfs %v pngs %v", pdfs, pngs)
	}
	for _, f := range append(pdfs, pngs...) {
		b, err := os.ReadFile(f)
		if err != nil || len(b) == 0 {
			t.Fatalf("%s: %v, %d bytes", f, err, len(b))
		}
		if strings.HasSuffix(f, ".pdf") {
			checkSolidPDF(t, f, b)
		}
	}
}

// checkSolidPDF checks DESIGN §8: no raster images and no translucency in
// a PDF.
func checkSolidPDF(t *testing.T, name string, b []byte) {
	t.Helper()
	if bytes.Contains(b, []byte("/Subtype /Image")) {
		t.Errorf("%s embeds a raster image", name)
	}
	for _, key := range [][]byte{[]byte("/ca "), []byte("/CA ")} {
		for rest := b; ; {
			i := bytes.Index(rest, key)
			if i < 0 {
				break
			}
			rest = rest[i+len(key):]
			if !bytes.HasPrefix(rest, []byte("1")) {
				t.Errorf("%s: translucent %s%s", name, key, rest[:min(5, len(rest))])
			}
		}
	}
}

func TestTicks(t *testing.T) {
	labels := func(lo, hi float64) []string {
		var out []string
		for _, tk := range niceTicks(lo, hi) {
			if tk.Label != "" {
				out = append(out, tk.Label)
			}
		}
		return out
	}
	for _, tc := range []struct {
		lo, hi float64
		want   []string
	}{
		{0, 10, []string{"0", "2", "4", "6", "8", "10"}},
		{0, 100, []string{"0", "20", "40", "60", "80", "100"}},
		{0, 0.5, []string{"0.0", "0.1", "0.2", "0.3", "0.4", "0.5"}},
		{0, 12.5, []string{"0.0", "2.5", "5.0", "7.5", "10.0", "12.5"}},
		{0, 3e9, []string{"0B", "1B", "2B", "3B"}},
		{0, 2e6, []string{"0.0M", "0.5M", "1.0M", "1.5M", "2.0M"}},
		{-1, 1, []string{"-1.0", "-0.5", "0.0", "0.5", "1.0"}},
	} {
		if got := labels(tc.lo, tc.hi); !slices.Equal(got, tc.want) {
			t.Errorf("ticks(%g, %g) = %v, want %v", tc.lo, tc.hi, got, tc.want)
		}
	}
}

func TestComplete(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	m := testMeta(10)
	if Complete(dir, m) {
		t.Fatal("Complete on a missing dir")
	}
	o := mustCreate(t, dir, m, Fresh)
	feed(t, o.Sink(), synthetic(0, 10, 2, 12), 10)
	if Complete(dir, m) {
		t.Error("Complete before Finish")
	}
	if err := o.Finish(); err != nil {
		t.Fatal(err)
	}
	if !Complete(dir, m) {
		t.Error("not Complete after Finish")
	}
	m.ScenarioSHA256 = ""
	if !Complete(dir, m) {
		t.Error("not Complete with the hash computed from the YAML")
	}
	other := m
	other.ScenarioYAML = append([]byte("# changed\n"), m.ScenarioYAML...)
	if Complete(dir, other) {
		t.Error("Complete for another scenario")
	}
	other = m
	other.Seed++
	if Complete(dir, other) {
		t.Error("Complete for another seed")
	}
	os.Remove(filepath.Join(dir, PartPath(SeriesDir, "base", 0)))
	if Complete(dir, m) {
		t.Error("Complete with a listed file missing")
	}

	// A shard is complete when its shard manifest and parts are there.
	sdir := filepath.Join(t.TempDir(), "sharded")
	sm := testMeta(20)
	sm.Shard, sm.Shards, sm.FirstPath, sm.NumPaths = 1, 2, 10, 10
	o = mustCreate(t, sdir, sm, Fresh)
	feed(t, o.Sink(), synthetic(10, 10, 0, 0), 10)
	if err := o.Finish(); err != nil {
		t.Fatal(err)
	}
	if !Complete(sdir, sm) {
		t.Error("shard not Complete after Finish")
	}
	sm0 := sm
	sm0.Shard, sm0.FirstPath = 0, 0
	if Complete(sdir, sm0) {
		t.Error("shard 0 Complete though only shard 1 ran")
	}
}
