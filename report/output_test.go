package report

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/spiralrisk/spiral/engine"
)

var keepDir = flag.String("keep", "", "also write the round-trip output of TestRoundTrip to this directory, for inspection")

const testSeed = 20240311

var testYAML = []byte("name: test\nseed: 20240311\npaths: 300\nhorizon: 10d\nstep: 1h\n")

func testMeta(paths int) Meta {
	sum := sha256.Sum256(testYAML)
	return Meta{
		ScenarioName:   "test",
		Description:    "synthetic results for the report tests",
		ScenarioYAML:   testYAML,
		ScenarioSHA256: hex.EncodeToString(sum[:]),
		Seed:           testSeed,
		Paths:          paths,
		Variant:        "base",
		Shard:          0,
		Shards:         1,
		FirstPath:      0,
		NumPaths:       paths,
		StepHours:      1,
		HorizonHours:   240,
		Version:        "v0.0.0-test",
		Args:           []string{"spiral", "run", "--paths", strconv.Itoa(paths)},
	}
}

// synthetic returns n results for paths [first, first+n); the first traced
// paths of the run carry a series of steps points. Values are varied,
// about 40 % of paths have a stuck share above 0, and FirstUnmetHour is NaN
// ("never") for the others.
func synthetic(first, n, traced, steps int) []engine.PathResult {
	out := make([]engine.PathResult, n)
	for k := range out {
		path := first + k
		rng := rand.New(rand.NewPCG(testSeed, uint64(path)))
		s := engine.Summary{Path: path, Seed: testSeed}
		s.MinPrice = 1500 + 500*rng.Float64()
		s.FinalPrice = s.MinPrice + 300*rng.Float64()
		s.MaxDrawdown = 0.4 * rng.Float64()
		s.MeanUtilization = 0.7 + 0.2*rng.Float64()
		s.MaxUtilization = math.Min(1, s.MeanUtilization+0.2*rng.Float64())
		s.HoursUtilization = float64(rng.IntN(50))
		s.PeakBorrowAPR = 0.05 + 2*rng.Float64()
		s.PeakSupplyAPR = s.PeakBorrowAPR * 0.8
		s.FinalBorrowAPR = 0.05 + 0.1*rng.Float64()
		s.PeakPanic = 0.3 * rng.Float64()
		s.InterestUSD = 1e6 * rng.Float64()
		s.RepaidUSD = 5e7 * rng.Float64()
		s.NewBorrowsUSD = 1e7 * rng.Float64()
		s.NewDepositsUSD = 1e7 * rng.Float64()
		s.FinalDepositsUSD = 1e9 * (0.8 + 0.2*rng.Float64())
		s.FinalBorrowsUSD = 0.8 * s.FinalDepositsUSD
		s.FinalReservesUSD = 1e6 * rng.Float64()
		s.RequestedUSD = 3e8 * rng.Float64()
		s.PaidUSD = s.RequestedUSD * rng.Float64()
		if rng.Float64() < 0.4 {
			s.StuckShare = 0.2 * rng.ExpFloat64() * rng.Float64()
			s.FirstUnmetHour = float64(1 + rng.IntN(240))
			s.HoursQueueNonZero = 240 - s.FirstUnmetHour
		} else {
			s.FirstUnmetHour = math.NaN()
		}
		s.FinalQueueUSD = s.StuckShare * 1e9
		s.MaxQueueUSD = s.FinalQueueUSD * (1 + rng.Float64())
		s.MeanWaitHours = 10 * rng.Float64()
		s.Liquidations = rng.IntN(500)
		s.MaxCascadeRounds = rng.IntN(5)
		s.LiquidatedDebtUSD = 1e5 * float64(s.Liquidations)
		s.InsolventHour = math.NaN()
		if rng.Float64() < 0.1 {
			s.Insolvent = true
			s.InsolventHour = float64(1 + rng.IntN(240))
			s.BadDebtUSD = 1e7 * rng.ExpFloat64()
		}
		out[k].Summary = s
		if path < traced {
			u := 0.8
			for st := 1; st <= steps; st++ {
				u = math.Max(0.3, math.Min(1, u+0.02*rng.NormFloat64()))
				apr := 0.02 + 0.04*math.Min(u, 0.9)/0.9 + 3*math.Max(0, u-0.9)
				out[k].Series = append(out[k].Series, engine.SeriesPoint{
					Step: st, Hour: float64(st), Price: 2000 * math.Exp(0.01*rng.NormFloat64()),
					Drawdown: 0.1 * rng.Float64(), Utilization: u, BorrowAPR: apr, SupplyAPR: apr * u * 0.9,
					CashUSD: (1 - u) * 1e9, BorrowsUSD: u * 1e9, DepositsUSD: 1e9, ReservesUSD: 1e5 * float64(st),
					QueueUSD: 1e6 * rng.Float64(), RequestedUSD: 1e5 * rng.Float64(), PaidUSD: 1e5 * rng.Float64(),
					NewDepositsUSD: 1e4 * rng.Float64(), PanicIntensity: 0.01 * rng.Float64(),
					Rounds: rng.IntN(4), LiquidatedUSD: 1e5 * rng.Float64(),
				})
			}
		}
	}
	return out
}

// feed writes results to sink in batches of batch.
func feed(t *testing.T, sink engine.Sink, results []engine.PathResult, batch int) {
	t.Helper()
	for i := 0; i < len(results); i += batch {
		if err := sink.Write(results[i:min(i+batch, len(results))]); err != nil {
			t.Fatalf("Write: %v", err)
		}
	}
}

// readParquet reads a whole file and its key-value metadata.
func readParquet(t *testing.T, path string) (arrow.Table, map[string]string, int) {
	t.Helper()
	rdr, err := file.OpenParquetFile(path, false)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	t.Cleanup(func() { rdr.Close() })
	kv := map[string]string{}
	for _, e := range rdr.MetaData().KeyValueMetadata() {
		if e.Value != nil {
			kv[e.Key] = *e.Value
		}
	}
	fr, err := pqarrow.NewFileReader(rdr, pqarrow.ArrowReadProperties{BatchSize: 1 << 16}, memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := fr.ReadTable(context.Background())
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	t.Cleanup(tbl.Release)
	return tbl, kv, rdr.NumRowGroups()
}

// column returns the single chunk of a column (ReadTable of a small file).
func column(t *testing.T, tbl arrow.Table, name string) arrow.Array {
	t.Helper()
	idx := tbl.Schema().FieldIndices(name)
	if len(idx) != 1 {
		t.Fatalf("column %q: found %d times in %s", name, len(idx), tbl.Schema())
	}
	ch := tbl.Column(idx[0]).Data()
	if len(ch.Chunks()) != 1 {
		arr, err := array.Concatenate(ch.Chunks(), memory.DefaultAllocator)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(arr.Release)
		return arr
	}
	return ch.Chunk(0)
}

// valueAt reads row i of a float64, int64 or boolean column as a float64,
// NaN for null.
func valueAt(t *testing.T, a arrow.Array, i int) float64 {
	if a.IsNull(i) {
		return math.NaN()
	}
	switch a := a.(type) {
	case *array.Float64:
		return a.Value(i)
	case *array.Int64:
		return float64(a.Value(i))
	case *array.Boolean:
		if a.Value(i) {
			return 1
		}
		return 0
	}
	t.Fatalf("unexpected array type %T", a)
	return 0
}

func sameValue(a, b float64) bool { return a == b || (math.IsNaN(a) && math.IsNaN(b)) }

func wantMetadata(t *testing.T, path string, kv map[string]string, m Meta) {
	t.Helper()
	want := map[string]string{
		MetaSchemaVersion: "1", MetaScenario: string(m.ScenarioYAML), MetaScenarioSHA256: m.ScenarioSHA256,
		MetaSeed: strconv.FormatUint(m.Seed, 10), MetaVersion: m.Version, MetaVariant: m.Variant,
		MetaShard: strconv.Itoa(m.Shard) + "/" + strconv.Itoa(m.Shards),
	}
	for k, v := range want {
		if kv[k] != v {
			t.Errorf("%s: metadata %s = %q, want %q", path, k, kv[k], v)
		}
	}
}

// tempFiles lists the temporary or probe files under dir.
func tempFiles(t *testing.T, dir string) []string {
	t.Helper()
	var found []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if strings.Contains(d.Name(), ".tmp-") || strings.HasPrefix(d.Name(), ".spiral-probe") {
			found = append(found, p)
		}
		return nil
	})
	return found
}

// listFiles returns the regular files under dir, relative, sorted.
func listFiles(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			rel, _ := filepath.Rel(dir, p)
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	slices.Sort(files)
	return files
}

func TestRoundTrip(t *testing.T) {
	const paths, traced, steps = 300, 20, 240
	dir := filepath.Join(t.TempDir(), "out")
	if *keepDir != "" {
		dir = *keepDir
	}
	meta := testMeta(paths)
	out, err := Create(dir, meta, Overwrite)
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	out.onCommit = func(rel string) { order = append(order, rel) }
	results := synthetic(0, paths, traced, steps)
	feed(t, out.Sink(), results, 37)
	// The part ends with the shard's last path: it is committed at once.
	if got := tempFiles(t, dir); len(got) != 0 {
		t.Errorf("before Finish: temporary files %v, want none", got)
	}
	if err := out.Finish(); err != nil {
		t.Fatal(err)
	}
	out.Abort() // no effect after Finish

	if got := tempFiles(t, dir); len(got) != 0 {
		t.Errorf("temporary files remain after Finish: %v", got)
	}
	wantFiles := []string{
		"_SUCCESS", "aggregate.json", "aggregate.parquet", "manifest.json",
		"plots/borrow_apr_fan.pdf", "plots/borrow_apr_fan.png", "plots/convergence.pdf", "plots/convergence.png",
		"plots/stuck_share_hist.pdf", "plots/stuck_share_hist.png",
		"plots/utilization_fan.pdf", "plots/utilization_fan.png", "report.md", "report.pdf",
		"series/variant=base/part-0000000000.parquet", "summary/variant=base/part-0000000000.parquet",
	}
	if got := listFiles(t, dir); !slices.Equal(got, wantFiles) {
		t.Errorf("files = %v\nwant %v", got, wantFiles)
	}
	if len(order) == 0 || order[len(order)-1] != SuccessFile {
		t.Errorf("commit order %v: _SUCCESS is not last", order)
	}
	if len(order) != len(wantFiles) {
		t.Errorf("commit order %v has %d files, want %d", order, len(order), len(wantFiles))
	}
	successInfo, err := os.Stat(filepath.Join(dir, SuccessFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range wantFiles {
		fi, err := os.Stat(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if fi.ModTime().After(successInfo.ModTime()) {
			t.Errorf("%s is newer than _SUCCESS", f)
		}
		if f != SuccessFile && fi.Size() == 0 {
			t.Errorf("%s is empty", f)
		}
	}

	t.Run("summary", func(t *testing.T) {
		path := filepath.Join(dir, "summary/variant=base/part-0000000000.parquet")
		tbl, kv, _ := readParquet(t, path)
		wantMetadata(t, path, kv, meta)
		wantCols := append(slices.Clone(SummaryKeyColumns), columnNames(engine.SummaryColumns)...)
		if got := fieldNames(tbl.Schema()); !slices.Equal(got, wantCols) {
			t.Fatalf("columns = %v, want %v", got, wantCols)
		}
		if tbl.NumRows() != paths {
			t.Fatalf("rows = %d, want %d", tbl.NumRows(), paths)
		}
		variant := column(t, tbl, "variant").(*array.String)
		path64 := column(t, tbl, "path").(*array.Int64)
		seed := column(t, tbl, "seed").(*array.Uint64)
		nulls := 0
		for i := range paths {
			if variant.Value(i) != "base" || path64.Value(i) != int64(i) || seed.Value(i) != testSeed {
				t.Fatalf("row %d: variant %q path %d seed %d", i, variant.Value(i), path64.Value(i), seed.Value(i))
			}
		}
		for _, c := range engine.SummaryColumns {
			a := column(t, tbl, c.Name)
			if !c.Nullable && a.NullN() != 0 {
				t.Errorf("column %s: %d nulls in a non-nullable column", c.Name, a.NullN())
			}
			for i := range paths {
				want := c.Value(&results[i].Summary)
				if got := valueAt(t, a, i); !sameValue(got, want) {
					t.Fatalf("path %d column %s = %v, want %v", i, c.Name, got, want)
				}
				if c.Nullable && math.IsNaN(want) {
					nulls++
				}
			}
		}
		if col := column(t, tbl, "first_unmet_withdrawal_hour"); col.NullN() == 0 || col.NullN() == paths {
			t.Errorf("first_unmet_withdrawal_hour: %d nulls of %d, want some", col.NullN(), paths)
		}
		if a := column(t, tbl, "insolvent"); a.DataType().ID() != arrow.BOOL {
			t.Errorf("insolvent is %s, want bool", a.DataType())
		}
		if a := column(t, tbl, "liquidations"); a.DataType().ID() != arrow.INT64 {
			t.Errorf("liquidations is %s, want int64", a.DataType())
		}
		if nulls == 0 {
			t.Error("no null values written")
		}
	})

	t.Run("series", func(t *testing.T) {
		path := filepath.Join(dir, "series/variant=base/part-0000000000.parquet")
		tbl, kv, _ := readParquet(t, path)
		wantMetadata(t, path, kv, meta)
		wantCols := append(slices.Clone(SeriesKeyColumns), columnNames(engine.SeriesColumns)...)
		if got := fieldNames(tbl.Schema()); !slices.Equal(got, wantCols) {
			t.Fatalf("columns = %v, want %v", got, wantCols)
		}
		if tbl.NumRows() != traced*steps {
			t.Fatalf("rows = %d, want %d", tbl.NumRows(), traced*steps)
		}
		pathCol := column(t, tbl, "path").(*array.Int64)
		if _, ok := column(t, tbl, "step").(*array.Int64); !ok {
			t.Errorf("step is not int64")
		}
		for _, c := range engine.SeriesColumns {
			a := column(t, tbl, c.Name)
			for row := range int(tbl.NumRows()) {
				p, st := row/steps, row%steps
				if pathCol.Value(row) != int64(p) {
					t.Fatalf("row %d: path %d, want %d", row, pathCol.Value(row), p)
				}
				want := c.Value(&results[p].Series[st])
				if got := valueAt(t, a, row); !sameValue(got, want) {
					t.Fatalf("path %d step %d column %s = %v, want %v", p, st+1, c.Name, got, want)
				}
			}
		}
	})

	t.Run("aggregate", func(t *testing.T) {
		var agg struct {
			SchemaVersion int     `json:"schema_version"`
			Confidence    float64 `json:"confidence"`
			HorizonHours  float64 `json:"horizon_hours"`
			Paths         int     `json:"paths"`
			Variants      []struct {
				Variant string           `json:"variant"`
				Metrics []map[string]any `json:"metrics"`
			} `json:"variants"`
		}
		b, err := os.ReadFile(filepath.Join(dir, AggregateJSON))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &agg); err != nil {
			t.Fatal(err)
		}
		if agg.Confidence != 0.95 || agg.HorizonHours != 240 || agg.Paths != paths || len(agg.Variants) != 1 ||
			agg.Variants[0].Variant != "base" || len(agg.Variants[0].Metrics) != len(engine.SummaryColumns) {
			t.Fatalf("aggregate.json header: %+v", agg)
		}
		// Hand computation of the stuck share statistics.
		var x []float64
		for i := range results {
			x = append(x, results[i].Summary.StuckShare)
		}
		slices.Sort(x)
		n := float64(len(x))
		mean := 0.0
		for _, v := range x {
			mean += v / n
		}
		ss := 0.0
		for _, v := range x {
			ss += (v - mean) * (v - mean)
		}
		sd := math.Sqrt(ss / (n - 1))
		h := (n - 1) * 0.95
		p95 := x[int(h)] + (h-math.Floor(h))*(x[int(h)+1]-x[int(h)])
		var tail []float64
		for _, v := range x {
			if v >= p95 {
				tail = append(tail, v)
			}
		}
		es95 := 0.0
		for _, v := range tail {
			es95 += v / float64(len(tail))
		}
		// Ranks from QuantileCI, which stats_test.go checks against exact binomial sums.
		lo, hi, _ := QuantileCI(len(x), 0.95, 0.95)
		var m map[string]any
		for _, mm := range agg.Variants[0].Metrics {
			if mm["metric"] == "stuck_share" {
				m = mm
			}
		}
		if m == nil {
			t.Fatal("no stuck_share in aggregate.json")
		}
		q95 := m["quantiles"].([]any)[1].(map[string]any)
		es := m["es"].([]any)[0].(map[string]any)
		checks := []struct {
			name      string
			got, want float64
		}{
			{"n", m["n"].(float64), n},
			{"mean", m["mean"].(float64), mean},
			{"sd", m["sd"].(float64), sd},
			{"se", m["se"].(float64), sd / math.Sqrt(n)},
			{"min", m["min"].(float64), x[0]},
			{"max", m["max"].(float64), x[len(x)-1]},
			{"p95", q95["value"].(float64), p95},
			{"p95 p", q95["p"].(float64), 0.95},
			{"p95_ci_low", q95["ci_low"].(float64), x[lo-1]},
			{"p95_ci_high", q95["ci_high"].(float64), x[hi-1]},
			{"es95", es["value"].(float64), es95},
		}
		for _, c := range checks {
			if math.Abs(c.got-c.want) > 1e-12*math.Max(1, math.Abs(c.want)) {
				t.Errorf("stuck_share %s = %.15g, want %.15g", c.name, c.got, c.want)
			}
		}
		insolvent := 0.0
		for i := range results {
			if results[i].Summary.Insolvent {
				insolvent++
			}
		}
		for _, mm := range agg.Variants[0].Metrics {
			if mm["metric"] == "insolvent" && mm["mean"].(float64) != insolvent/n {
				t.Errorf("insolvent mean = %v, want the share of insolvent paths %v", mm["mean"], insolvent/n)
			}
		}
		// The nullable metric counts its nulls; the 99 % upper bound is null at 300 paths.
		for _, mm := range agg.Variants[0].Metrics {
			if mm["metric"] == "first_unmet_withdrawal_hour" && (mm["nulls"].(float64) == 0 || mm["n"].(float64)+mm["nulls"].(float64) != n) {
				t.Errorf("first_unmet_withdrawal_hour n=%v nulls=%v", mm["n"], mm["nulls"])
			}
			if q99 := mm["quantiles"].([]any)[2].(map[string]any); q99["ci_high"] != nil {
				t.Errorf("%s: p99 ci_high = %v with %d paths, want null", mm["metric"], q99["ci_high"], paths)
			}
		}

		// aggregate.parquet holds the same numbers.
		tbl, kv, _ := readParquet(t, filepath.Join(dir, AggregateParquet))
		wantMetadata(t, AggregateParquet, kv, meta)
		if got := fieldNames(tbl.Schema()); !slices.Equal(got, AggregateColumns()) {
			t.Fatalf("aggregate.parquet columns = %v, want %v", got, AggregateColumns())
		}
		// A row per summary column, then a row per risk metric, then a row
		// per early-warning indicator and event (the thresholds are not in
		// testYAML: unknown, so every indicator but the depeg is scored).
		risk, warnings := len(out.Aggregate().Variants[0].Risk), len(out.Aggregate().Variants[0].Warnings)
		if tbl.NumRows() != int64(len(engine.SummaryColumns)+risk+warnings) || risk == 0 || warnings != 4 {
			t.Fatalf("aggregate.parquet rows = %d, want %d summary columns + %d risk metrics + %d warnings (4)",
				tbl.NumRows(), len(engine.SummaryColumns), risk, warnings)
		}
		metric := column(t, tbl, "metric").(*array.String)
		for i := range int(tbl.NumRows()) {
			if metric.Value(i) != "stuck_share" {
				continue
			}
			for _, c := range []struct {
				col  string
				want float64
			}{{"mean", mean}, {"sd", sd}, {"p95", p95}, {"p95_ci_low", x[lo-1]}, {"p95_ci_high", x[hi-1]}, {"es95", es95},
				{"n", n}, {"paths", paths}, {"confidence", 0.95}, {"horizon_hours", 240}} {
				if got := valueAt(t, column(t, tbl, c.col), i); math.Abs(got-c.want) > 1e-12*math.Max(1, math.Abs(c.want)) {
					t.Errorf("aggregate.parquet stuck_share %s = %g, want %g", c.col, got, c.want)
				}
			}
			if !column(t, tbl, "p99_ci_high").IsNull(i) {
				t.Errorf("aggregate.parquet p99_ci_high is not null with %d paths", paths)
			}
		}
	})

	t.Run("manifest", func(t *testing.T) {
		m, err := ReadManifest(filepath.Join(dir, ManifestFile))
		if err != nil {
			t.Fatal(err)
		}
		if m.Scenario != "test" || m.ScenarioYAML != string(testYAML) || m.ScenarioSHA256 != meta.ScenarioSHA256 ||
			m.Seed != testSeed || m.Paths != paths || !slices.Equal(m.Variants, []string{"base"}) || m.Shards != 1 ||
			m.NumPaths != paths || m.TracedPaths != traced || m.GoVersion == "" || m.GOARCH == "" ||
			!slices.Equal(m.Args, meta.Args) || m.SpiralVersion != meta.Version || m.HorizonHours != 240 {
			t.Errorf("manifest = %+v", m)
		}
		start, err1 := time.Parse(time.RFC3339, m.Start)
		end, err2 := time.Parse(time.RFC3339, m.End)
		if err1 != nil || err2 != nil || end.Before(start) || !strings.HasSuffix(m.Start, "Z") {
			t.Errorf("start %q end %q", m.Start, m.End)
		}
		wantRows := map[string]int64{
			"summary/variant=base/part-0000000000.parquet": paths,
			"series/variant=base/part-0000000000.parquet":  traced * steps,
			"aggregate.parquet":                            int64(len(engine.SummaryColumns) + len(out.Aggregate().Variants[0].Risk) + len(out.Aggregate().Variants[0].Warnings)),
		}
		for k, v := range wantRows {
			if m.Rows[k] != v {
				t.Errorf("manifest rows[%s] = %d, want %d", k, m.Rows[k], v)
			}
		}
		for _, f := range m.Files {
			if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
				t.Errorf("manifest lists %s: %v", f, err)
			}
		}
		if len(m.Files) != len(wantFiles)-2 { // all but manifest.json and _SUCCESS
			t.Errorf("manifest files = %v", m.Files)
		}
		if len(m.Notes) != 0 {
			t.Errorf("notes = %v, want none", m.Notes)
		}
	})
}

func columnNames[T any](cols []engine.Column[T]) []string {
	var names []string
	for _, c := range cols {
		names = append(names, c.Name)
	}
	return names
}

func fieldNames(s *arrow.Schema) []string {
	var names []string
	for _, f := range s.Fields() {
		names = append(names, f.Name)
	}
	return names
}
