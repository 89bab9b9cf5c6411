package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spiralrisk/spiral/report"
)

// dataScenarioDir copies the test scenario that reads a price history and
// a position book (experiments/testdata/spiral.yaml) with its data files
// into a new directory, adding extra files.
func dataScenarioDir(t *testing.T, extra map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range []string{"spiral.yaml", "prices.csv", "book.csv"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "experiments", "testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		extra[name] = string(b) + extra[name]
	}
	for name, text := range extra {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// rewrite replaces old by new, once, in the file at path.
func rewrite(t *testing.T, path, old, new string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), old) {
		t.Fatalf("%s has no %q", path, old)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(string(b), old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}

func fileSHA256(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// mustSpiral runs spiral in-process and fails unless it exits 0.
func mustSpiral(t *testing.T, args ...string) string {
	t.Helper()
	out, errs, code := spiral(t, args...)
	if code != 0 {
		t.Fatalf("spiral %s: exit %d: %s", strings.Join(args, " "), code, errs)
	}
	return out
}

// A price history edited between two shards, or before --resume, is not
// mixed into one run: resume and merge refuse with exit status 2 and name
// the file; with the file restored the run resumes and merges, and the
// manifest lists the data files with their digests.
func TestChangedDataFileIsNotMixed(t *testing.T) {
	dir := dataScenarioDir(t, map[string]string{})
	scenario, prices, out := filepath.Join(dir, "spiral.yaml"), filepath.Join(dir, "prices.csv"), filepath.Join(dir, "out")
	args := []string{"run", scenario, "--out", out, "--paths", "40", "--part-paths", "10", "--quiet", "--workers", "1"}
	mustSpiral(t, append(args, "--shard", "0/2")...)

	rewrite(t, prices, "2009.09", "2009.08") // one byte
	_, errs, code := spiral(t, append(args, "--shard", "0/2", "--resume")...)
	if code != 2 || !strings.Contains(errs, "belongs to another run") ||
		!strings.Contains(errs, "data file prices.csv has changed since the part was written") {
		t.Errorf("--resume after the price file changed: exit %d: %s", code, errs)
	}
	mustSpiral(t, append(args, "--shard", "1/2")...) // the other shard, with the changed file
	_, errs, code = spiral(t, "merge", out)
	if code != 2 || !strings.Contains(errs, "parts of different runs") || !strings.Contains(errs, "data file prices.csv differs") {
		t.Errorf("merge of shards made from different price files: exit %d: %s", code, errs)
	}
	if _, err := os.Stat(filepath.Join(out, report.SuccessFile)); err == nil {
		t.Error("_SUCCESS after a refused merge")
	}

	rewrite(t, prices, "2009.08", "2009.09")
	if got := mustSpiral(t, append(args, "--shard", "0/2", "--resume")...); !strings.Contains(got, "already complete") {
		t.Errorf("--resume with the file restored: %q", got)
	}
	mustSpiral(t, append(args, "--shard", "1/2", "--overwrite")...)
	mustSpiral(t, "merge", out)
	m, err := report.ReadManifest(filepath.Join(out, report.ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	want := []report.DataFile{
		{Field: "market.price.base.file", Path: "prices.csv", SHA256: fileSHA256(t, prices), Size: fileSize(t, prices)},
		{Field: "positions.file", Path: "book.csv", SHA256: fileSHA256(t, filepath.Join(dir, "book.csv")), Size: fileSize(t, filepath.Join(dir, "book.csv"))},
	}
	if got, _ := json.Marshal(m.DataFiles); string(got) != string(mustJSON(t, want)) {
		t.Errorf("manifest data_files %s, want %s", got, mustJSON(t, want))
	}
	sum := sha256.Sum256([]byte(m.ScenarioYAML))
	if m.ScenarioSHA256 != hex.EncodeToString(sum[:]) || !strings.Contains(m.ScenarioYAML, "sha256: "+want[0].SHA256) {
		t.Errorf("scenario_sha256 %s is not the hash of scenario_yaml, or it does not list the files:\n%s", m.ScenarioSHA256, m.ScenarioYAML)
	}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Size()
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A sweep's hash covers the files its axes name: shards run before and
// after one of them changed are not merged. validate prints the data
// files with their digests.
func TestSweepDataFiles(t *testing.T) {
	dir := dataScenarioDir(t, map[string]string{
		"spiral.yaml": "sweep:\n  axes:\n    positions.file: [book.csv, book2.csv]\n",
		"book2.csv":   "id,collateral,debt_usd\n1,150,200000\n",
	})
	scenario, out := filepath.Join(dir, "spiral.yaml"), filepath.Join(dir, "out")
	printed := mustSpiral(t, "validate", scenario)
	for _, name := range []string{"prices.csv", "book.csv", "book2.csv"} {
		line := "path: " + name + ", sha256: " + fileSHA256(t, filepath.Join(dir, name)) + ", size_bytes: "
		if !strings.Contains(printed, line) {
			t.Errorf("validate does not print %q:\n%s", line, printed)
		}
	}
	args := []string{"sweep", scenario, "--out", out, "--paths", "10", "--quiet", "--workers", "1"}
	mustSpiral(t, append(args, "--shard", "0/2")...)
	rewrite(t, filepath.Join(dir, "book2.csv"), "200000", "200001")
	mustSpiral(t, append(args, "--shard", "1/2")...)
	_, errs, code := spiral(t, "merge", out)
	if code != 2 || !strings.Contains(errs, "data file book2.csv differs") {
		t.Errorf("merge of sweep shards made from different book2.csv: exit %d: %s", code, errs)
	}
}

// breakpoint --json says which scenario and data it ran.
func TestBreakpointJSONNamesTheData(t *testing.T) {
	dir := dataScenarioDir(t, map[string]string{})
	js := mustSpiral(t, "breakpoint", filepath.Join(dir, "spiral.yaml"), "--shock", "price_drop", "--target", "bad_debt_usd>1e9",
		"--json", "--quiet", "--paths", "4", "--max-evals", "2", "--workers", "1")
	var got struct {
		SHA256    string            `json:"scenario_sha256"`
		DataFiles []report.DataFile `json:"data_files"`
	}
	if err := json.Unmarshal([]byte(js), &got); err != nil {
		t.Fatal(err)
	}
	validated := mustSpiral(t, "validate", filepath.Join(dir, "spiral.yaml"))
	if len(got.SHA256) != 64 || len(got.DataFiles) != 2 || got.DataFiles[1].Path != "book.csv" ||
		got.DataFiles[0].SHA256 != fileSHA256(t, filepath.Join(dir, "prices.csv")) {
		t.Errorf("breakpoint --json: %s", js)
	}
	// --paths 4 is the file's own: the hash is that of the text validate
	// prints.
	if sum := sha256.Sum256([]byte(validated)); hex.EncodeToString(sum[:]) != got.SHA256 {
		t.Errorf("breakpoint's scenario_sha256 %s is not the hash of the scenario validate prints", got.SHA256)
	}
}
