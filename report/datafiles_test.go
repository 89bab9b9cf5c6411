package report

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// dataMeta is testMeta of a scenario that read a price file whose
// contents hash to digest (64 hex digits), listed at the end of the
// resolved text as experiments writes it, so that the scenario hash
// changes with the file.
func dataMeta(paths int, digest string) Meta {
	m := testMeta(paths)
	m.DataFiles = []DataFile{
		{Field: "market.price.file", Path: "prices.csv", SHA256: digest, Size: 1408},
		{Field: "positions.file", Path: "book.csv", SHA256: strings.Repeat("b", 64), Size: 113},
	}
	m.ScenarioYAML = append(append([]byte{}, m.ScenarioYAML...),
		"# data files: the scenario's sha256 covers their contents\n"+
			"#   - {field: market.price.file, path: prices.csv, sha256: "+digest+", size_bytes: 1408}\n"+
			"#   - {field: positions.file, path: book.csv, sha256: "+strings.Repeat("b", 64)+", size_bytes: 113}\n"...)
	sum := sha256.Sum256(m.ScenarioYAML)
	m.ScenarioSHA256 = hex.EncodeToString(sum[:])
	return m
}

var digestA, digestB = strings.Repeat("a", 64), strings.Repeat("c", 64)

// writeDataShard writes shard i of 2 of a 40-path run of dataMeta(digest).
func writeDataShard(t *testing.T, dir string, i int, digest string) {
	t.Helper()
	m := dataMeta(40, digest)
	m.Shard, m.Shards, m.FirstPath, m.NumPaths, m.PartPaths = i, 2, 20*i, 20, 10
	o := mustCreate(t, dir, m, Fresh)
	feed(t, o.Sink(), synthetic(20*i, 20, 12, 24), 7)
	if err := o.Finish(); err != nil {
		t.Fatal(err)
	}
}

// The data files go into the parts' metadata, the shard manifests, and
// the manifest.json that merge and report rebuild from the parts; the
// report names them.
func TestDataFilesRecorded(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "o")
	writeDataShard(t, dir, 0, digestA)
	writeDataShard(t, dir, 1, digestA)
	want := dataMeta(40, digestA).DataFiles
	shard, err := ReadManifest(filepath.Join(dir, ShardManifestPath(1)))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(shard.DataFiles, want) {
		t.Errorf("shard manifest data_files %+v, want %+v", shard.DataFiles, want)
	}
	p := partFile{path: filepath.Join(dir, PartPath(SummaryDir, "base", 20))}
	if err := p.readFooter(); err != nil {
		t.Fatal(err)
	}
	if got, err := parseDataFiles(p.md[MetaDataFiles]); err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("part metadata %s = %q (%v)", MetaDataFiles, p.md[MetaDataFiles], err)
	}
	for _, step := range []func(string, MergeOptions) (*Aggregate, error){Merge, Recompute} {
		if _, err := step(dir, MergeOptions{}); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(dir, ManifestFile))
		if err != nil {
			t.Fatal(err)
		}
		var m struct {
			DataFiles []map[string]any `json:"data_files"`
		}
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		wantJSON := []map[string]any{
			{"field": "market.price.file", "path": "prices.csv", "sha256": digestA, "size_bytes": 1408.0},
			{"field": "positions.file", "path": "book.csv", "sha256": strings.Repeat("b", 64), "size_bytes": 113.0},
		}
		if !reflect.DeepEqual(m.DataFiles, wantJSON) {
			t.Errorf("manifest.json data_files %v, want %v", m.DataFiles, wantJSON)
		}
	}
	md, err := os.ReadFile(filepath.Join(dir, ReportMarkdown))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(md), "| data file | prices.csv: 1,408 bytes, SHA-256 aaaaaaaaaaaa… |") {
		t.Errorf("report.md does not name the data file:\n%s", md)
	}

	// Without data files the field is an empty list, and the parts do
	// not carry the key.
	plain := filepath.Join(t.TempDir(), "p")
	o := mustCreate(t, plain, testMeta(10), Fresh)
	feed(t, o.Sink(), synthetic(0, 10, 2, 24), 10)
	if err := o.Finish(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(plain, ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"data_files": [],`) {
		t.Errorf("manifest without data files:\n%s", b)
	}
	p = partFile{path: filepath.Join(plain, PartPath(SummaryDir, "base", 0))}
	if err := p.readFooter(); err != nil {
		t.Fatal(err)
	}
	if _, ok := p.md[MetaDataFiles]; ok {
		t.Errorf("a run without data files has %s", MetaDataFiles)
	}
}

// Shards whose data file had other contents are not merged, and the
// refusal names the file.
func TestMergeRefusesOtherDataFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "o")
	writeDataShard(t, dir, 0, digestA)
	writeDataShard(t, dir, 1, digestB)
	_, err := Merge(dir, MergeOptions{})
	var ce *CheckError
	want := `has spiral.scenario_sha256 "` // then the file
	file := `(data file prices.csv differs: sha256 "cccccccccccc…" vs "aaaaaaaaaaaa…")`
	if !errors.As(err, &ce) || ce.Incomplete || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), file) ||
		strings.Contains(err.Error(), "book.csv") {
		t.Fatalf("Merge: %v; want a CheckError naming prices.csv only", err)
	}
	if _, err := os.Stat(filepath.Join(dir, SuccessFile)); err == nil {
		t.Error("_SUCCESS written")
	}
}

// Resuming over parts computed from a data file that changed since is
// refused, and the message names the file.
func TestResumeRefusesChangedDataFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "o")
	m := dataMeta(30, digestA)
	m.PartPaths = 10
	o := mustCreate(t, dir, m, Fresh)
	feed(t, o.Sink(), synthetic(0, 15, 2, 24), 5)
	if err := o.Stop(); err != nil {
		t.Fatal(err)
	}
	if Complete(dir, m) {
		t.Fatal("an interrupted run is complete")
	}
	changed := dataMeta(30, digestB)
	changed.PartPaths = 10
	_, err := Create(dir, changed, Resume)
	want := `data file prices.csv has changed since the part was written: sha256 "aaaaaaaaaaaa…" then, "cccccccccccc…" now; restore it to resume`
	if !errors.Is(err, ErrOtherRun) || !strings.Contains(err.Error(), want) {
		t.Fatalf("Resume after the data changed: %v; want ErrOtherRun with %q", err, want)
	}
	// With the file as it was, the run resumes.
	r := mustCreate(t, dir, m, Resume)
	defer r.Abort()
	if got := r.Kept(); len(got) != 2 {
		t.Errorf("kept %v", got)
	}
}

func TestDataFilesValidation(t *testing.T) {
	for _, f := range []DataFile{
		{Path: "", SHA256: digestA},
		{Path: "p.csv", SHA256: "ABC"},
		{Path: "p.csv", SHA256: digestA, Size: -1},
	} {
		m := testMeta(10)
		m.DataFiles = []DataFile{f}
		dir := filepath.Join(t.TempDir(), "out")
		if _, err := Create(dir, m, Fresh); err == nil || !strings.Contains(err.Error(), "meta.data_files: data_files[0]") {
			t.Errorf("%+v: %v", f, err)
		}
	}
}
