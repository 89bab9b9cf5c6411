package main

import (
	"bytes"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/spiralrisk/spiral/experiments"
)

// warningsOn are early-warning thresholds at which, in
// earlyWarningScenario, four indicators cross on most paths, some long
// before the events, some after them.
const warningsOn = "{utilization: 0.97, borrow_apr: 0.2, queue: 0.005, depeg: 0.01, drawdown: 0.3}"

// earlyWarningScenario writes black-thursday-2020 with the pool 85 %
// utilized and depositors withdrawing 30 % a day at baseline, so that
// withdrawals go unmet on most paths as well as bad debt appearing on all,
// with outputs.warnings set to warnings (a YAML mapping), and sweep
// appended; it returns the file.
func earlyWarningScenario(t *testing.T, warnings, sweep string) string {
	t.Helper()
	base, err := experiments.Load("black-thursday-2020")
	if err != nil {
		t.Fatal(err)
	}
	text := string(base.Resolved())
	for _, r := range [][2]string{
		{"name: black-thursday-2020", "name: early-warning"},
		{"  utilization: 0.5\n  reserves:", "  utilization: 0.85\n  reserves:"},
		{"    model: self_exciting\n    baseline: 0.015\n", "    model: self_exciting\n    baseline: 0.3\n"},
		{"  warnings:\n    utilization: 0.95\n    borrow_apr: 0.2\n    queue: 0.005\n    depeg: 0.01\n    drawdown: 0.2\n",
			"  warnings: " + warnings + "\n"},
		{"trace_paths: 200", "trace_paths: 4"},
	} {
		if n := strings.Count(text, r[0]); n != 1 {
			t.Fatalf("black-thursday-2020 has %q %d times, want once", r[0], n)
		}
		text = strings.Replace(text, r[0], r[1], 1)
	}
	file := filepath.Join(t.TempDir(), "early-warning.yaml")
	if err := os.WriteFile(file, []byte(text+sweep), 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

// warningEntries returns the early_warning entries of every variant of
// dir's aggregate.json, in order, each with its variant added; numbers as
// json.Number.
func warningEntries(t *testing.T, dir string) []map[string]any {
	t.Helper()
	var agg struct {
		Variants []struct {
			Variant      string
			EarlyWarning []map[string]any `json:"early_warning"`
		}
	}
	dec := json.NewDecoder(strings.NewReader(readFile(t, dir, "aggregate.json")))
	dec.UseNumber()
	if err := dec.Decode(&agg); err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for _, v := range agg.Variants {
		for _, e := range v.EarlyWarning {
			e["variant"] = v.Variant
			out = append(out, e)
		}
	}
	return out
}

// warningRows counts the rows of kind "warning" in dir's aggregate.parquet
// per variant, read with arrow-go.
func warningRows(t *testing.T, dir string) map[string]int {
	t.Helper()
	tbl := readTable(t, filepath.Join(dir, "aggregate.parquet"))
	col := func(name string) *array.String {
		ch := tbl.Column(tbl.Schema().FieldIndices(name)[0]).Data().Chunks()
		if len(ch) != 1 {
			t.Fatalf("aggregate.parquet %s: %d chunks", name, len(ch))
		}
		return ch[0].(*array.String)
	}
	kind, variant := col("kind"), col("variant")
	out := map[string]int{}
	for i := range kind.Len() {
		if kind.Value(i) == "warning" {
			out[variant.Value(i)]++
		}
	}
	return out
}

// duckdbWarnings reads the warning rows of dir's aggregate.parquet with
// DuckDB, as a researcher would, selecting the columns named as the keys
// of aggregate.json's entries.
func duckdbWarnings(t *testing.T, reader, dir string, keys []string) []map[string]any {
	t.Helper()
	cols := []string{"variant", "metric AS indicator"}
	for _, k := range keys {
		if k != "variant" && k != "indicator" {
			cols = append(cols, k)
		}
	}
	raw := duckdbQuery(t, reader, dir, "SELECT "+strings.Join(cols, ", ")+
		" FROM read_parquet('$OUT/aggregate.parquet') WHERE kind = 'warning' ORDER BY variant, event, rank", "--rows")
	var rows []map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&rows); err != nil {
		t.Fatalf("%v in %s", err, raw)
	}
	return rows
}

// sameWarnings fails unless DuckDB's rows are aggregate.json's entries,
// matched by (variant, indicator, event), value for value: numbers equal
// (DuckDB prints BIGINT as a string), null for null.
func sameWarnings(t *testing.T, entries, duck []map[string]any) {
	t.Helper()
	key := func(m map[string]any) string {
		return m["variant"].(string) + "/" + m["indicator"].(string) + "/" + m["event"].(string)
	}
	rows := map[string]map[string]any{}
	for _, r := range duck {
		rows[key(r)] = r
	}
	if len(duck) != len(entries) || len(rows) != len(duck) {
		t.Fatalf("DuckDB reads %d warning rows (%d distinct), aggregate.json has %d entries", len(duck), len(rows), len(entries))
	}
	for _, e := range entries {
		r, ok := rows[key(e)]
		if !ok {
			t.Errorf("%s: no warning row in aggregate.parquet", key(e))
			continue
		}
		for k, want := range e {
			got, ok := r[k]
			if !ok {
				t.Errorf("%s: DuckDB has no %s", key(e), k)
				continue
			}
			switch want := want.(type) {
			case json.Number:
				g, err := strconv.ParseFloat(strings.Trim(string(asNumber(got)), `"`), 64)
				w, _ := want.Float64()
				if err != nil || g != w {
					t.Errorf("%s %s: aggregate.parquet %v, aggregate.json %v", key(e), k, got, want)
				}
			default:
				if got != want {
					t.Errorf("%s %s: aggregate.parquet %v, aggregate.json %v", key(e), k, got, want)
				}
			}
		}
	}
}

// asNumber is a number DuckDB printed as a number or a string; "" for
// anything else.
func asNumber(v any) json.Number {
	switch v := v.(type) {
	case json.Number:
		return v
	case string:
		return json.Number(v)
	}
	return ""
}

// keysOf returns the keys of aggregate.json's early_warning entries.
func keysOf(t *testing.T, entries []map[string]any) []string {
	t.Helper()
	if len(entries) == 0 {
		t.Fatal("no early_warning entries")
	}
	var keys []string
	for k := range entries[0] {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// The early-warning scores are in aggregate.parquet as rows of kind
// "warning", equal to aggregate.json's: for a run, for its shards merged
// (the same rows as one process), after spiral report (the same bytes),
// and read by DuckDB. With every indicator off there are none, as
// aggregate.json's early_warning is empty.
func TestEarlyWarningInAggregateParquet(t *testing.T) {
	const paths = "60"
	scenario := earlyWarningScenario(t, warningsOn, "")
	tmp := t.TempDir()
	one, sharded, off := filepath.Join(tmp, "one"), filepath.Join(tmp, "sharded"), filepath.Join(tmp, "off")
	if _, stderr, code := spiral(t, "run", scenario, "--paths", paths, "--out", one, "--quiet"); code != 0 {
		t.Fatalf("run: exit %d: %s", code, stderr)
	}
	entries := warningEntries(t, one)
	// The scenario exercises the scores: four indicators cross, both
	// events happen, with hits, false alarms and leads of both signs.
	crossed, events := map[any]bool{}, map[any]bool{}
	var hits, falseAlarms, early, late int
	for _, e := range entries {
		if e["warned_paths"] != json.Number("0") {
			crossed[e["indicator"]] = true
		}
		if e["event_paths"] != json.Number("0") {
			events[e["event"]] = true
		}
		h, _ := e["hits"].(json.Number).Int64()
		f, _ := e["false_alarms"].(json.Number).Int64()
		hits, falseAlarms = hits+int(h), falseAlarms+int(f)
		if lead, ok := e["median_lead_hours"].(json.Number); ok && strings.HasPrefix(string(lead), "-") {
			late++
		} else if ok && lead != "0" {
			early++
		}
	}
	if len(entries) != 8 || len(crossed) != 4 || len(events) != 2 || hits == 0 || falseAlarms == 0 || early == 0 || late == 0 {
		t.Fatalf("the scenario does not exercise the early warning: %d entries, crossed %v, events %v, %d hits, %d false alarms, %d leads > 0, %d < 0",
			len(entries), crossed, events, hits, falseAlarms, early, late)
	}
	if got := warningRows(t, one); got["base"] != len(entries) || len(got) != 1 {
		t.Errorf("aggregate.parquet has warning rows %v, want %d of base", got, len(entries))
	}

	for _, shard := range []string{"0/3", "1/3", "2/3"} {
		if _, stderr, code := spiral(t, "run", scenario, "--paths", paths, "--out", sharded, "--quiet", "--shard", shard, "--part-paths", "25"); code != 0 {
			t.Fatalf("run --shard %s: exit %d: %s", shard, code, stderr)
		}
	}
	if _, stderr, code := spiral(t, "merge", sharded, "--quiet"); code != 0 {
		t.Fatalf("merge: exit %d: %s", code, stderr)
	}
	if !array.TableEqual(readTable(t, filepath.Join(one, "aggregate.parquet")), readTable(t, filepath.Join(sharded, "aggregate.parquet"))) {
		t.Error("aggregate.parquet of the merged shards has other rows than the single process's")
	}
	before := readFile(t, one, "aggregate.parquet")
	if _, stderr, code := spiral(t, "report", one); code != 0 {
		t.Fatalf("report: exit %d: %s", code, stderr)
	}
	if readFile(t, one, "aggregate.parquet") != before {
		t.Error("spiral report rewrote aggregate.parquet with other bytes")
	}

	noWarnings := earlyWarningScenario(t, "{utilization: 0, borrow_apr: 0, queue: 0, depeg: 0, drawdown: 0}", "")
	if _, stderr, code := spiral(t, "run", noWarnings, "--paths", "20", "--out", off, "--quiet"); code != 0 {
		t.Fatalf("run with the indicators off: exit %d: %s", code, stderr)
	}
	if e := warningEntries(t, off); len(e) != 0 || !strings.Contains(readFile(t, off, "aggregate.json"), `"early_warning": []`) {
		t.Errorf("indicators off: aggregate.json early_warning %v, want []", e)
	}
	if got := warningRows(t, off); len(got) != 0 {
		t.Errorf("indicators off: aggregate.parquet has warning rows %v", got)
	}

	reader := duckdbReader(t)
	sameWarnings(t, entries, duckdbWarnings(t, reader, one, keysOf(t, entries)))
	if got := string(bytes.TrimSpace(duckdbQuery(t, reader, off,
		`SELECT count(*) FILTER (WHERE kind = 'warning') AS warnings, count(*) AS rows FROM read_parquet('$OUT/aggregate.parquet')`))); !strings.HasPrefix(got, `{"warnings":"0","rows":"`) || strings.HasSuffix(got, `"rows":"0"}`) {
		t.Errorf("indicators off: DuckDB counts %s", got)
	}
}

// A sweep has one set of warning rows per variant, each equal to the
// variant's early_warning in aggregate.json; DuckDB reads them all.
func TestEarlyWarningSweepInAggregateParquet(t *testing.T) {
	// v000 withdraws at black-thursday-2020's 1.5 % a day: no unmet
	// withdrawal, so its hit rates and leads before one are null.
	sweep := earlyWarningScenario(t, warningsOn, "sweep:\n  axes:\n    depositors.withdrawals.baseline: [0.015, 0.3]\n")
	out := filepath.Join(t.TempDir(), "out")
	if _, stderr, code := spiral(t, "sweep", sweep, "--out", out, "--paths", "40", "--quiet"); code != 0 {
		t.Fatalf("sweep: exit %d: %s", code, stderr)
	}
	entries := warningEntries(t, out)
	per := map[string]int{}
	nulls := 0
	for _, e := range entries {
		per[e["variant"].(string)]++
		if e["hit_rate"] == nil && e["variant"] == "v000" {
			nulls++
		}
	}
	want := map[string]int{"base": 8, "v000": 8, "v001": 8}
	if !maps.Equal(per, want) || nulls == 0 {
		t.Fatalf("aggregate.json early_warning per variant %v, want %v, with null hit rates in v000 (%d)", per, want, nulls)
	}
	if got := warningRows(t, out); !maps.Equal(got, want) {
		t.Errorf("aggregate.parquet warning rows per variant %v, want %v", got, want)
	}
	sameWarnings(t, entries, duckdbWarnings(t, duckdbReader(t), out, keysOf(t, entries)))
}
