package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/parquet/file"

	"github.com/spiralrisk/spiral/report"
)

// replayScenario copies experiments/testdata/spiral.yaml (liquidations,
// bootstrapped prices and a position book read from CSV files beside it,
// 48 hourly steps) and its data files into a new directory, tracing 2
// paths every 3 h, with extra appended to the YAML. It returns the
// scenario file.
func replayScenario(t *testing.T, extra string) string {
	t.Helper()
	file := filepath.Join(dataScenarioDir(t, map[string]string{"spiral.yaml": extra}), "spiral.yaml")
	rewrite(t, file, "  trace_paths: 1\n", "  trace_paths: 2\n  trace_every: 3h\n")
	return file
}

// runScenario runs file into a new output directory with args and returns it.
func runScenario(t *testing.T, verb, file string, args ...string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "out")
	if _, stderr, code := spiral(t, append([]string{verb, file, "--out", out, "--quiet"}, args...)...); code != 0 {
		t.Fatalf("%s %s: exit %d: %s", verb, file, code, stderr)
	}
	return out
}

// replay runs spiral replay with args and fails unless it exits want.
func replay(t *testing.T, want int, args ...string) (stdout, stderr string) {
	t.Helper()
	stdout, stderr, code := spiral(t, append([]string{"replay"}, args...)...)
	if code != want {
		t.Fatalf("spiral replay %q: exit %d, want %d\nstdout: %s\nstderr: %s", args, code, want, stdout, stderr)
	}
	return stdout, stderr
}

// seriesRows reads the series rows of Parquet files (a run's series parts
// or a replay's file), every value printed exactly, keyed by (path, step).
func seriesRows(t *testing.T, files ...string) map[[2]int64]string {
	t.Helper()
	rows := map[[2]int64]string{}
	for _, f := range files {
		tbl := readTable(t, f)
		tr := newTableReader(tbl)
		steps := tr.cols[tbl.Schema().FieldIndices("step")[0]].(*array.Int64)
		for r := range int(tbl.NumRows()) {
			path, row := tr.row(r)
			rows[[2]int64{path, steps.Value(r)}] = row
		}
	}
	return rows
}

// seriesFlowColumns are the series columns that count what happened in a
// step: a run traced every few steps sums them since its previous row
// (paused: the pauses in force in any of those steps).
var seriesFlowColumns = []string{"requested_usd", "paid_usd", "new_deposits_usd", "liquidated_usd",
	"cascade_rounds", "keeper_capacity_usd", "holders_sold", "redeem_requested", "redeemed_usd",
	"stable_burned", "policy_events", "paused"}

// regroupFlows returns a replay's rows (one per step, of file) with, at
// each step where the run has a row of path, the replay's flows summed over
// the steps since the run's previous row of path, in step order as the
// runner sums them, printed as the rows are: what the run wrote there.
func regroupFlows(t *testing.T, file string, replay, run map[[2]int64]string, path int64) map[[2]int64]string {
	t.Helper()
	schema := readTable(t, file).Schema()
	var runSteps []int64
	for key := range run {
		if key[0] == path {
			runSteps = append(runSteps, key[1])
		}
	}
	slices.Sort(runSteps)
	out := maps.Clone(replay)
	prev := int64(0)
	for _, step := range runSteps {
		row := strings.Split(replay[[2]int64{path, step}], "\t")
		for _, name := range seriesFlowColumns {
			i := schema.FieldIndices(name)[0]
			integer := schema.Field(i).Type.ID() == arrow.INT64
			var sum float64
			var sumInt int64
			for k := prev + 1; k <= step; k++ {
				v := strings.Split(replay[[2]int64{path, k}], "\t")[i]
				if integer {
					n, err := strconv.ParseInt(v, 10, 64)
					if err != nil {
						t.Fatalf("%s step %d: %v", name, k, err)
					}
					if name == "paused" {
						sumInt |= n
					} else {
						sumInt += n
					}
					continue
				}
				x, err := strconv.ParseFloat(v, 64)
				if err != nil {
					t.Fatalf("%s step %d: %v", name, k, err)
				}
				sum += x
			}
			if integer {
				row[i] = strconv.FormatInt(sumInt, 10)
			} else {
				row[i] = strconv.FormatFloat(sum, 'g', -1, 64)
			}
		}
		out[[2]int64{path, step}] = strings.Join(row, "\t")
		prev = step
	}
	return out
}

// A traced path replayed from the run's directory gives a row at every
// step, and at every step the run traced (every 3 steps) exactly the run's
// series row once its flows are summed since the run's previous row; an
// untraced path too; both match the run's summary rows.
func TestReplayFromTheRunsDirectory(t *testing.T) {
	scenario := replayScenario(t, "")
	out := runScenario(t, "run", scenario, "--paths", "6")
	parts, _ := filepath.Glob(filepath.Join(out, "series", "variant=base", "*.parquet"))
	run := seriesRows(t, parts...)
	for _, path := range []int64{1, 4} { // traced, untraced
		file := filepath.Join(t.TempDir(), "replay.parquet")
		stdout, _ := replay(t, 0, out, "--path", strconv.FormatInt(path, 10), "--out", file, "--data-dir", filepath.Dir(scenario))
		for _, want := range []string{"spiral-test: path " + strconv.FormatInt(path, 10) + " of 6, seed 42, 48 steps of 1h",
			"bad_debt_usd", "matches the run's summary row (all ", "wrote " + file + ": 48 rows"} {
			if !strings.Contains(stdout, want) {
				t.Errorf("path %d: stdout lacks %q:\n%s", path, want, stdout)
			}
		}
		got := seriesRows(t, file)
		if len(got) != 48 {
			t.Fatalf("path %d: %d rows, want one per step (48)", path, len(got))
		}
		got = regroupFlows(t, file, got, run, path)
		shared := 0
		for key, row := range run {
			if key[0] != path {
				continue
			}
			shared++
			if got[key] != row {
				t.Errorf("path %d step %d:\nreplay %s\nrun    %s", path, key[1], got[key], row)
			}
		}
		if want := map[int64]int{1: 16, 4: 0}[path]; shared != want {
			t.Errorf("path %d: the run traced %d of its steps, want %d", path, shared, want)
		}
		if !sameSchema(t, file, parts[0]) {
			t.Errorf("path %d: the replay's columns differ from the series part's", path)
		}
	}
}

// sameSchema reports whether two Parquet files have the same columns.
func sameSchema(t *testing.T, a, b string) bool {
	t.Helper()
	return readTable(t, a).Schema().Equal(readTable(t, b).Schema())
}

// A path of a run made with --seed S replays from the scenario with --seed S
// into the same file, byte for byte, as from the run's directory; without
// --seed it is another path.
func TestReplayFromTheScenarioWithSeed(t *testing.T) {
	scenario := replayScenario(t, "")
	out := runScenario(t, "run", scenario, "--paths", "6", "--seed", "11")
	dir := t.TempDir()
	fromRun, fromScenario, otherSeed := filepath.Join(dir, "run.parquet"), filepath.Join(dir, "scenario.parquet"), filepath.Join(dir, "seed42.parquet")
	replay(t, 0, out, "--path", "3", "--out", fromRun, "--data-dir", filepath.Dir(scenario))
	stdout, _ := replay(t, 0, scenario, "--seed", "11", "--paths", "6", "--path", "3", "--out", fromScenario)
	if strings.Contains(stdout, "summary row") {
		t.Errorf("a replay from a scenario has no run to compare with:\n%s", stdout)
	}
	replay(t, 0, scenario, "--paths", "6", "--path", "3", "--out", otherSeed)
	a, _ := os.ReadFile(fromRun)
	b, _ := os.ReadFile(fromScenario)
	c, _ := os.ReadFile(otherSeed)
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Error("replay from the scenario with --seed 11 differs from replay from the run made with --seed 11")
	}
	if bytes.Equal(a, c) {
		t.Error("replay without --seed equals the run made with --seed 11")
	}
	md := metadataOf(t, fromRun)
	man, err := report.ReadManifest(filepath.Join(out, report.ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	if md[report.MetaScenarioSHA256] != man.ScenarioSHA256 || md[report.MetaSeed] != "11" || md[report.MetaFirstPath] != "3" {
		t.Errorf("metadata: scenario %s seed %s first path %s; want the run's scenario %s, seed 11, path 3",
			md[report.MetaScenarioSHA256], md[report.MetaSeed], md[report.MetaFirstPath], man.ScenarioSHA256)
	}
}

// metadataOf returns the key-value metadata of a Parquet file.
func metadataOf(t *testing.T, path string) map[string]string {
	t.Helper()
	rdr, err := file.OpenParquetFile(path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Close()
	out := map[string]string{}
	for _, kv := range rdr.MetaData().KeyValueMetadata() {
		if kv.Value != nil {
			out[kv.Key] = *kv.Value
		}
	}
	return out
}

// A sweep's path is replayed per variant, and matches that variant's row.
func TestReplaySweepVariant(t *testing.T) {
	scenario := replayScenario(t, "sweep:\n  axes:\n    liquidators.rules.bonus: [0.05, 0.15]\n")
	out := runScenario(t, "sweep", scenario, "--paths", "4")
	file := filepath.Join(t.TempDir(), "v001.parquet")
	stdout, _ := replay(t, 0, out, "--path", "2", "--variant", "v001", "--out", file, "--data-dir", filepath.Dir(scenario))
	if !strings.Contains(stdout, "spiral-test, variant v001: path 2 of 4") || !strings.Contains(stdout, "matches the run's summary row") {
		t.Errorf("stdout:\n%s", stdout)
	}
	if md := metadataOf(t, file); md[report.MetaVariant] != "v001" {
		t.Errorf("variant %q in the metadata, want v001", md[report.MetaVariant])
	}
	_, stderr := replay(t, 2, out, "--path", "2", "--data-dir", filepath.Dir(scenario))
	if !strings.Contains(stderr, "is a sweep of 3 variants: choose one with --variant (base, v000, v001)") {
		t.Errorf("no --variant: %s", stderr)
	}
}

// A shard that has not run the path: the replay says so and still writes
// the path (from the shard's manifest, before merge).
func TestReplayPathNotInTheSummary(t *testing.T) {
	scenario := replayScenario(t, "")
	out := runScenario(t, "run", scenario, "--paths", "6", "--shard", "0/2")
	file := filepath.Join(t.TempDir(), "p5.parquet")
	stdout, _ := replay(t, 0, out, "--path", "5", "--out", file, "--data-dir", filepath.Dir(scenario))
	if !strings.Contains(stdout, "the run's summary has no row for path 5") || !strings.Contains(stdout, "wrote "+file+": 48 rows") {
		t.Errorf("stdout:\n%s", stdout)
	}
	stdout, _ = replay(t, 0, out, "--path", "2", "--out", filepath.Join(t.TempDir(), "p2.parquet"), "--data-dir", filepath.Dir(scenario))
	if !strings.Contains(stdout, "matches the run's summary row") {
		t.Errorf("path 2 of shard 0/2:\n%s", stdout)
	}
}

// When a data file has changed since the run, the replay would be another
// path: it is refused before anything is simulated or written (exit 2),
// naming the file and both digests.
func TestReplayDataFileChanged(t *testing.T) {
	scenario := replayScenario(t, "")
	out := runScenario(t, "run", scenario, "--paths", "4")
	prices := filepath.Join(filepath.Dir(scenario), "prices.csv")
	b, err := os.ReadFile(prices)
	if err != nil {
		t.Fatal(err)
	}
	changed := strings.Replace(string(b), "2009.09", "2109.09", 1)
	if changed == string(b) {
		t.Fatal("the prices edit did not apply")
	}
	if err := os.WriteFile(prices, []byte(changed), 0o644); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "p0.parquet")
	_, stderr := replay(t, 2, out, "--path", "0", "--out", file, "--data-dir", filepath.Dir(scenario))
	if !strings.Contains(stderr, "data file prices.csv (market.price.base.file") || !strings.Contains(stderr, "is not the one the run read") ||
		strings.Count(stderr, "sha256") != 1 || !strings.Contains(stderr, "bytes then;") {
		t.Errorf("stderr: %s", stderr)
	}
	if _, err := os.Stat(file); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("%s written: %v", file, err)
	}
}

// A sweep's variant is replayed when a data file that only other variants
// read has changed since the run; a changed file the variant reads itself
// (a value of its axis, or the base's that it keeps) is refused before
// anything is written (exit 2), naming the file and both digests.
func TestReplayVariantDataFiles(t *testing.T) {
	dir := dataScenarioDir(t, map[string]string{
		"spiral.yaml": "sweep:\n  axes:\n    positions.file: [book.csv, book2.csv]\n", // v000 book.csv, v001 book2.csv
		"book2.csv":   "id,collateral,debt_usd\n1,150,200000\n",
	})
	out := runScenario(t, "sweep", filepath.Join(dir, "spiral.yaml"), "--paths", "4")
	replayVariant := func(want int, variant string) (stdout, stderr, file string) {
		t.Helper()
		file = filepath.Join(t.TempDir(), variant+".parquet")
		stdout, stderr = replay(t, want, out, "--path", "1", "--variant", variant, "--out", file, "--data-dir", dir)
		return stdout, stderr, file
	}
	for _, c := range []struct {
		file, old, new string
		replayed       []string // the variants that do not read file
		refused        string
	}{
		{"book2.csv", "200000", "200001", []string{"base", "v000"}, "v001"},
		{"book.csv", "1,150,200000", "1,150,200001", []string{"v001"}, "v000"},
	} {
		path := filepath.Join(dir, c.file)
		then := fileSHA256(t, path)
		rewrite(t, path, c.old, c.new)
		for _, v := range c.replayed {
			if stdout, _, _ := replayVariant(0, v); !strings.Contains(stdout, "matches the run's summary row") {
				t.Errorf("%s changed, variant %s:\n%s", c.file, v, stdout)
			}
		}
		_, stderr, file := replayVariant(2, c.refused)
		for _, want := range []string{"data file " + c.file + " (positions.file, read from " + dir + "), which variant " + c.refused + " reads, is not the one the run read",
			"sha256 " + then + ", ", "; " + fileSHA256(t, path) + ", "} {
			if !strings.Contains(stderr, want) {
				t.Errorf("%s changed, variant %s: stderr lacks %q: %s", c.file, c.refused, want, stderr)
			}
		}
		if _, err := os.Stat(file); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s written: %v", file, err)
		}
		rewrite(t, path, c.new, c.old)
	}
}

// The commands that the message of a data file replay cannot read
// suggests repeat the user's own flags, and paste as they are from another
// directory: the output directory and --out are absolute.
func TestReplaySuggestionsRepeatTheFlags(t *testing.T) {
	scenario := replayScenario(t, "")
	out := runScenario(t, "run", scenario, "--paths", "6")
	here := t.TempDir()
	t.Chdir(here) // no prices.csv here
	if err := os.WriteFile("p3.parquet", []byte("an earlier replay"), 0o644); err != nil {
		t.Fatal(err)
	}
	rel, err := filepath.Rel(here, out)
	if err != nil {
		t.Fatal(err)
	}
	_, stderr := replay(t, 2, rel, "--path", "3", "--variant", "base", "--out", "p3.parquet", "--overwrite")
	flags := " --path 3 --out " + filepath.Join(here, "p3.parquet") + " --overwrite --variant base"
	var suggested []string
	for _, want := range []string{
		"  spiral replay " + out + flags + " --data-dir " + filepath.Dir(scenario) + "\n",
		"  spiral replay " + scenario + " --seed 42 --paths 6" + flags + "\n",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
		suggested = append(suggested, strings.TrimSpace(want))
	}
	t.Chdir(t.TempDir())
	for _, cmd := range suggested {
		if err := os.WriteFile(filepath.Join(here, "p3.parquet"), []byte("an earlier replay"), 0o644); err != nil {
			t.Fatal(err)
		}
		stdout, stderr, code := spiral(t, strings.Fields(cmd)[1:]...)
		if b, _ := os.ReadFile(filepath.Join(here, "p3.parquet")); code != 0 || string(b) == "an earlier replay" ||
			!strings.Contains(stdout, "path 3 of 6") {
			t.Errorf("%s: exit %d, the --out file not replaced\nstdout: %s\nstderr: %s", cmd, code, stdout, stderr)
		}
	}
}

// When the replay does not reproduce the run (here: the run's recorded
// scenario edited behind its back, as a different build would compute
// another path), the differing columns are listed with both values, exit 1.
func TestReplayMismatch(t *testing.T) {
	scenario := replayScenario(t, "")
	out := runScenario(t, "run", scenario, "--paths", "4")
	manifest := filepath.Join(out, report.ManifestFile)
	b, err := os.ReadFile(manifest)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	text, _ := m["scenario_yaml"].(string)
	edited := regexp.MustCompile(`(?m)^(\s*reserve_factor:) .*$`).ReplaceAllString(text, "$1 0.35")
	if edited == text {
		t.Fatalf("no reserve_factor in the recorded scenario:\n%s", text)
	}
	m["scenario_yaml"] = edited
	if b, err = json.Marshal(m); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(manifest, b, 0o644); err != nil {
		t.Fatal(err)
	}
	stdout, stderr := replay(t, 1, out, "--path", "0", "--out", filepath.Join(t.TempDir(), "p0.parquet"), "--data-dir", filepath.Dir(scenario))
	if !strings.Contains(stdout, "differs from the run's summary row in ") || !strings.Contains(stdout, "  interest_usd") ||
		!strings.Contains(stdout, " run ") || !strings.Contains(stdout, ", replay ") {
		t.Errorf("stdout:\n%s", stdout)
	}
	if !strings.Contains(stderr, "path 0 does not reproduce the run's summary row") {
		t.Errorf("stderr: %s", stderr)
	}
}

// Bad input exits 2 with a message naming what is wrong, and writes
// nothing.
func TestReplayBadInput(t *testing.T) {
	scenario := replayScenario(t, "")
	out := runScenario(t, "run", scenario, "--paths", "6")
	fromRun := func(args ...string) []string {
		return slices.Concat([]string{out, "--data-dir", filepath.Dir(scenario)}, args)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "replay.parquet")
	existing := filepath.Join(dir, "existing.parquet")
	if err := os.WriteFile(existing, []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	empty := t.TempDir()
	broken := t.TempDir()
	if err := os.WriteFile(filepath.Join(broken, report.ManifestFile), []byte("{\"scenario\": "), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{fromRun("--out", file), "replay needs --path N"},
		{fromRun("--path", "-1", "--out", file), "--path must be a path index ≥ 0, got -1"},
		{fromRun("--path", "6", "--out", file), "--path 6 is out of range: " + out + " has 6 paths, 0 to 5"},
		{[]string{scenario, "--path", "4", "--out", file}, "--path 4 is out of range: " + scenario + " has 4 paths, 0 to 3"},
		{[]string{empty, "--path", "0", "--out", file}, "replay " + empty + ": no manifest.json"},
		{[]string{broken, "--path", "0", "--out", file}, filepath.Join(broken, report.ManifestFile)},
		{fromRun("--path", "0", "--variant", "v001", "--out", file), `--variant "v001" is not a variant of ` + out + "; its variants: base"},
		{fromRun("--path", "0", "--seed", "3", "--out", file), "--seed and --paths apply to a replay from a scenario"},
		{[]string{scenario, "--path", "0", "--seed", "1e3", "--out", file}, "want an unsigned decimal integer"},
		{[]string{out, "--path", "0", "--out", file}, "market.price.base.file: cannot read prices.csv"}, // no --data-dir
		{[]string{out, "--path", "0", "--out", file}, "  spiral replay " + out + " --path 0 --out " + file + " --data-dir " + filepath.Dir(scenario) + "\n"},
		{fromRun("--path", "0", "--out", existing), "--out " + existing + " already exists; --overwrite replaces it"},
		{fromRun("--path", "0", "--out", dir), "--out " + dir + " is a directory"},
		{fromRun("--path", "0", "--out", filepath.Join(dir, "no", "x.parquet")), "the directory " + filepath.Join(dir, "no") + " does not exist"},
		{[]string{"no-such-preset", "--path", "0", "--out", file}, "no such scenario file or embedded preset"},
		{[]string{scenario, "--path", "0", "--out", file, "--data-dir", dir}, "--data-dir applies to a replay from an output directory"},
	} {
		_, stderr, code := spiral(t, append([]string{"replay"}, c.args...)...)
		if code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("replay %q: exit %d, stderr %q; want 2 and %q", c.args, code, stderr, c.want)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("files written: %v", entries)
	}
	if b, _ := os.ReadFile(existing); string(b) != "keep me" {
		t.Errorf("the existing --out was changed: %q", b)
	}
	// --overwrite replaces it.
	replay(t, 0, fromRun("--path", "0", "--out", existing, "--overwrite")...)
	if b, _ := os.ReadFile(existing); string(b) == "keep me" {
		t.Error("--overwrite did not replace the file")
	}
}
