package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// The tests in this file run spiral as separate processes, as a scheduler
// would: built once per test binary.
var (
	binOnce sync.Once
	binPath string
	binErr  error
	binDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// spiralBinary builds cmd/spiral once and returns the executable.
func spiralBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		binDir, binErr = os.MkdirTemp("", "spiral-bin-")
		if binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "spiral")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// proc runs spiral with args as a process and returns stdout, stderr and
// the exit status.
func proc(t *testing.T, env []string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(spiralBinary(t), args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

// summaryRows reads every summary part of dir (variant base) and returns
// each path's row, every value printed exactly, keyed by path.
func summaryRows(t *testing.T, dir string) map[int64]string {
	t.Helper()
	parts, err := filepath.Glob(filepath.Join(dir, "summary", "variant=base", "*.parquet"))
	if err != nil || len(parts) == 0 {
		t.Fatalf("no summary parts in %s: %v", dir, err)
	}
	rows := map[int64]string{}
	for _, p := range parts {
		tbl := readTable(t, p)
		tr := newTableReader(tbl)
		for r := range int(tbl.NumRows()) {
			path, row := tr.row(r)
			if _, dup := rows[path]; dup {
				t.Fatalf("path %d twice (%s)", path, p)
			}
			rows[path] = row
		}
	}
	return rows
}

// readTable reads a whole Parquet file; it is released when the test ends.
func readTable(t *testing.T, path string) arrow.Table {
	t.Helper()
	rdr, err := file.OpenParquetFile(path, false)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	defer rdr.Close()
	fr, err := pqarrow.NewFileReader(rdr, pqarrow.ArrowReadProperties{BatchSize: 1 << 16}, memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := fr.ReadTable(context.Background())
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	t.Cleanup(tbl.Release)
	return tbl
}

// aggregateVariants returns the "variants" section of dir's aggregate.json.
func aggregateVariants(t *testing.T, dir string) any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "aggregate.json"))
	if err != nil {
		t.Fatal(err)
	}
	var agg map[string]any
	if err := json.Unmarshal(b, &agg); err != nil {
		t.Fatal(err)
	}
	return agg["variants"]
}

// sameSummaries fails unless a and b hold the same paths with the same
// values, and the same aggregates.
func sameSummaries(t *testing.T, a, b string, paths int) {
	t.Helper()
	ra, rb := summaryRows(t, a), summaryRows(t, b)
	if len(ra) != paths || len(rb) != paths {
		t.Fatalf("%d and %d paths, want %d", len(ra), len(rb), paths)
	}
	for p := range int64(paths) {
		if ra[p] != rb[p] {
			t.Fatalf("path %d differs:\n%s\n%s", p, ra[p], rb[p])
		}
	}
	if va, vb := aggregateVariants(t, a), aggregateVariants(t, b); !reflect.DeepEqual(va, vb) {
		t.Fatalf("aggregate.json differs between %s and %s", a, b)
	}
}

// leftovers lists temporary files under dir.
func leftovers(dir string) []string {
	var found []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.Contains(d.Name(), ".tmp-") {
			found = append(found, p)
		}
		return nil
	})
	return found
}

// summaryParts counts the complete summary parts in dir.
func summaryParts(dir string) int {
	parts, _ := filepath.Glob(filepath.Join(dir, "summary", "variant=base", "part-*.parquet"))
	return len(parts)
}

// Four shards run as separate processes and merged give the values of one
// process; DuckDB reads the merged directory as one row per path.
func TestShardsMergeEqualOneProcess(t *testing.T) {
	const paths = 240
	dir := t.TempDir()
	one := filepath.Join(dir, "one")
	if _, stderr, code := proc(t, nil, "run", "--out", one, "--paths", strconv.Itoa(paths), "--quiet"); code != 0 {
		t.Fatalf("one process: exit %d: %s", code, stderr)
	}
	sharded := filepath.Join(dir, "sharded")
	runShards(t, 4, "run", "--out", sharded, "--paths", strconv.Itoa(paths), "--quiet", "--part-paths", "25", "--workers", "1")
	if _, err := os.Stat(filepath.Join(sharded, "_SUCCESS")); err == nil {
		t.Fatal("_SUCCESS before merge")
	}
	stdout, stderr, code := proc(t, nil, "merge", sharded)
	if code != 0 {
		t.Fatalf("merge: exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "merged 240 paths") {
		t.Errorf("merge output: %q", stdout)
	}
	sameSummaries(t, one, sharded, paths)
	for _, f := range []string{"_SUCCESS", "manifest.json", "aggregate.parquet", "plots/stuck_share_hist.png", "plots/utilization_fan.pdf"} {
		if _, err := os.Stat(filepath.Join(sharded, f)); err != nil {
			t.Errorf("merged: %v", err)
		}
	}
	// The fan charts read the traced paths of every shard: the same bytes.
	for _, f := range []string{"plots/utilization_fan.png", "plots/stuck_share_hist.png"} {
		a, _ := os.ReadFile(filepath.Join(one, f))
		b, _ := os.ReadFile(filepath.Join(sharded, f))
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs between one process and merged shards", f)
		}
	}
	if got := duckdbCount(t, sharded); got != paths {
		t.Errorf("DuckDB reads %d distinct paths in one row each, want %d", got, paths)
	}
}

// duckdbCount returns the number of summary rows DuckDB reads from dir,
// failing unless they are one per path, paths 0, 1, ..., n−1. It skips
// when Node.js is missing (as TestDuckDBReadsTheOutput does).
func duckdbCount(t *testing.T, dir string) int {
	t.Helper()
	got := duckdbCheck(t, duckdbReader(t), dir)
	s := got.Summary
	rows, distinct := int(num(t, s.Rows)), int(num(t, s.Paths))
	if rows != distinct || num(t, s.MinPath) != 0 || int(num(t, s.MaxPath)) != rows-1 {
		t.Fatalf("DuckDB: %d rows, %d distinct paths in [%s, %s]", rows, distinct, s.MinPath, s.MaxPath)
	}
	return rows
}

// startRun starts a long run and waits until it has committed at least
// parts summary parts.
func startRun(t *testing.T, out string, parts int, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(spiralBinary(t), append([]string{"run", "--out", out, "--quiet"}, args...)...)
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	deadline := time.Now().Add(60 * time.Second)
	for summaryParts(out) < parts {
		if time.Now().After(deadline) {
			t.Fatalf("no %d parts after 60 s: %s", parts, errb.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	return cmd
}

// A run killed with SIGKILL mid-way and resumed gives the values of an
// uninterrupted run; the killed process's temporary file is cleaned up.
func TestKillAndResume(t *testing.T) {
	const paths = 6000
	dir := t.TempDir()
	whole := filepath.Join(dir, "whole")
	args := []string{"--paths", strconv.Itoa(paths), "--part-paths", "100", "--workers", "1"}
	if _, stderr, code := proc(t, nil, append([]string{"run", "--out", whole, "--quiet"}, args...)...); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	killed := filepath.Join(dir, "killed")
	cmd := startRun(t, killed, 3, args...)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	if _, err := os.Stat(filepath.Join(killed, "_SUCCESS")); err == nil {
		t.Fatal("the run finished before it was killed: make it longer")
	}
	done := summaryParts(killed)
	if done >= paths/100 {
		t.Fatalf("all %d parts written before the kill", done)
	}
	// Without --resume the directory is refused.
	if _, stderr, code := proc(t, nil, append([]string{"run", "--out", killed, "--quiet"}, args...)...); code != 2 || !strings.Contains(stderr, "--resume") {
		t.Errorf("rerun without --resume: exit %d, %q; want 2 suggesting --resume", code, stderr)
	}
	_, stderr, code := proc(t, nil, append([]string{"run", "--out", killed, "--resume"}, args...)...)
	if code != 0 {
		t.Fatalf("resume: exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "resuming") {
		t.Errorf("resume did not say it kept parts: %s", stderr)
	}
	if l := leftovers(killed); len(l) > 0 {
		t.Errorf("temporary files after resume: %v", l)
	}
	sameSummaries(t, whole, killed, paths)
	t.Logf("killed after %d parts of 100 paths, resumed", done)
}

// SIGINT stops the run after the paths in flight: complete, readable parts
// only, no temporary files, exit 1 with the command that resumes.
func TestInterruptLeavesCompleteParts(t *testing.T) {
	out := filepath.Join(t.TempDir(), "o")
	cmd := startRun(t, out, 2, "--paths", "20000", "--part-paths", "100", "--workers", "1")
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	stderr := cmd.Stderr.(*bytes.Buffer).String()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("exit %v, want 1: %s", err, stderr)
	}
	for _, want := range []string{"interrupted by SIGINT", "continue with:", "--resume"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr %q does not say %q", stderr, want)
		}
	}
	if l := leftovers(out); len(l) > 0 {
		t.Errorf("temporary files: %v", l)
	}
	if _, err := os.Stat(filepath.Join(out, "_SUCCESS")); err == nil {
		t.Error("_SUCCESS after an interruption")
	}
	rows := summaryRows(t, out) // every part opens and reads
	if len(rows) == 0 || len(rows) >= 20000 {
		t.Fatalf("%d paths kept", len(rows))
	}
	if got := duckdbCount(t, out); got != len(rows) {
		t.Errorf("DuckDB reads %d rows, Go %d", got, len(rows))
	}
	// The series of every kept part is there: the interrupted part was
	// committed whole, summary and series.
	series, _ := filepath.Glob(filepath.Join(out, "series", "variant=base", "part-*.parquet"))
	if len(series) != summaryParts(out) {
		t.Errorf("%d series parts for %d summary parts", len(series), summaryParts(out))
	}
}

// Two runs of the same paths into one directory are refused, and so is a
// merge while a run writes; the shards of one run are not.
func TestLockRefusesASecondWriter(t *testing.T) {
	out := filepath.Join(t.TempDir(), "o")
	args := []string{"--paths", "40000", "--part-paths", "100", "--workers", "1", "--shard", "0/2"}
	cmd := startRun(t, out, 1, args...)
	_, stderr, code := proc(t, nil, append([]string{"run", "--out", out, "--quiet", "--resume"}, args...)...)
	if code != 2 || !strings.Contains(stderr, "another spiral process is writing") || !strings.Contains(stderr, fmt.Sprint(cmd.Process.Pid)) {
		t.Errorf("second writer: exit %d, %q; want 2 naming process %d", code, stderr, cmd.Process.Pid)
	}
	if _, stderr, code := proc(t, nil, "merge", out); code != 2 || !strings.Contains(stderr, "still writing") {
		t.Errorf("merge during a run: exit %d, %q", code, stderr)
	}
	// Shard 1/2 writes other paths: not refused (it is stopped at once).
	other := exec.Command(spiralBinary(t), "run", "--out", out, "--quiet", "--paths", "40000", "--part-paths", "100", "--workers", "1", "--shard", "1/2")
	var errb bytes.Buffer
	other.Stderr = &errb
	if err := other.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	other.Process.Signal(os.Interrupt)
	if err := other.Wait(); err != nil && strings.Contains(errb.String(), "another spiral process") {
		t.Errorf("shard 1/2 refused while 0/2 runs: %s", errb.String())
	}
}

// A write error (here the file size limit, as on a full device) fails with
// exit 1 naming the file and leaves no partial file; a full stdout fails
// the command too.
func TestWriteErrors(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	bin := spiralBinary(t)
	t.Run("file size limit", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "o")
		// 1 MB: the first series part (200 traced paths × 720 steps) does not fit.
		cmd := exec.Command("sh", "-c", `ulimit -f 2048 && exec "$0" "$@"`, bin, "run", "--out", out, "--paths", "300", "--quiet")
		msg, err := cmd.CombinedOutput()
		ee, ok := err.(*exec.ExitError)
		if !ok || ee.ExitCode() != 1 {
			t.Fatalf("exit %v, want 1: %s", err, msg)
		}
		if !strings.Contains(string(msg), out) || !strings.Contains(string(msg), "file too large") {
			t.Errorf("message %q does not name the file and the cause", msg)
		}
		checkNothingPartial(t, out)
	})
	t.Run("full device", func(t *testing.T) {
		// A real full file system: a 1 MB tmpfs in a user and mount namespace.
		if _, err := exec.LookPath("unshare"); err != nil {
			t.Skip("no unshare")
		}
		mnt := t.TempDir()
		script := `mount -t tmpfs -o size=1m tmpfs "$1" || exit 99
"$2" run --out "$1/o" --paths 300 --quiet; echo "exit $?"
echo "temporary: $(find "$1" -name '.*.tmp-*')"; echo "success: $(ls "$1/o/_SUCCESS" 2>/dev/null)"`
		msg, err := exec.Command("unshare", "--user", "--map-root-user", "--mount", "sh", "-c", script, "sh", mnt, bin).CombinedOutput()
		if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 99 || err != nil {
			t.Skipf("cannot mount a tmpfs here: %v: %s", err, msg)
		}
		s := string(msg)
		if !strings.Contains(s, "exit 1\n") || !strings.Contains(s, "no space left on device") || !strings.Contains(s, mnt+"/o/") {
			t.Errorf("want exit 1 naming a file under %s/o and ENOSPC:\n%s", mnt, s)
		}
		if !strings.Contains(s, "temporary: \n") || !strings.Contains(s, "success: \n") {
			t.Errorf("partial or temporary files left:\n%s", s)
		}
	})
	t.Run("stdout /dev/full", func(t *testing.T) {
		full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
		if err != nil {
			t.Skip("no /dev/full")
		}
		defer full.Close()
		out := filepath.Join(t.TempDir(), "o")
		cmd := exec.Command(bin, "run", "--out", out, "--paths", "20", "--quiet")
		var errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = full, &errb
		err = cmd.Run()
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 || !strings.Contains(errb.String(), "write standard output: write /dev/stdout: no space left on device") {
			t.Errorf("exit %v, stderr %q; want 1 and ENOSPC on standard output", err, errb.String())
		}
	})
}

// checkNothingPartial fails if dir holds a temporary file, _SUCCESS, or a
// part that does not read.
func checkNothingPartial(t *testing.T, dir string) {
	t.Helper()
	if l := leftovers(dir); len(l) > 0 {
		t.Errorf("temporary files: %v", l)
	}
	if _, err := os.Stat(filepath.Join(dir, "_SUCCESS")); err == nil {
		t.Error("_SUCCESS written")
	}
	parts, _ := filepath.Glob(filepath.Join(dir, "*", "variant=base", "*.parquet"))
	for _, p := range parts {
		rdr, err := file.OpenParquetFile(p, false)
		if err != nil {
			t.Errorf("partial file %s: %v", p, err)
			continue
		}
		rdr.Close()
	}
}

func TestResolveShard(t *testing.T) {
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	for _, tc := range []struct {
		name    string
		flagSet bool
		flag    shardFlag
		shards  int
		env     func(string) string
		want    string // "i/n" or an error fragment
	}{
		{"none", false, shardFlag{}, 0, env(), "0/1"},
		{"flag wins", true, shardFlag{1, 3}, 0, env(envSlurmID, "0", envSlurmCount, "4"), "1/3"},
		{"slurm", false, shardFlag{}, 0, env(envSlurmID, "2", envSlurmCount, "4"), "2/4"},
		{"slurm from 1", false, shardFlag{}, 0, env(envSlurmID, "4", envSlurmCount, "4", envSlurmMin, "1"), "3/4"},
		{"slurm step", false, shardFlag{}, 0, env(envSlurmID, "8", envSlurmCount, "4", envSlurmMin, "0", envSlurmStep, "4"), "2/4"},
		{"slurm no count", false, shardFlag{}, 0, env(envSlurmID, "2"), "SLURM_ARRAY_TASK_COUNT is not"},
		{"slurm sparse", false, shardFlag{}, 0, env(envSlurmID, "7", envSlurmCount, "3"), "--array=0-2"},
		{"slurm bad id", false, shardFlag{}, 0, env(envSlurmID, "x", envSlurmCount, "3"), "want an integer"},
		{"slurm shards disagree", false, shardFlag{}, 5, env(envSlurmID, "1", envSlurmCount, "3"), "disagrees"},
		{"k8s flag", false, shardFlag{}, 8, env(envK8sIndex, "7"), "7/8"},
		{"k8s env", false, shardFlag{}, 0, env(envK8sIndex, "0", envShards, "4"), "0/4"},
		{"k8s flag over env", false, shardFlag{}, 2, env(envK8sIndex, "1", envShards, "4"), "1/2"},
		{"k8s no count", false, shardFlag{}, 0, env(envK8sIndex, "1"), "SPIRAL_SHARDS"},
		{"k8s index too big", false, shardFlag{}, 0, env(envK8sIndex, "4", envShards, "4"), "not below"},
		{"both", false, shardFlag{}, 0, env(envK8sIndex, "1", envSlurmID, "1", envSlurmCount, "2"), "both"},
		{"shards alone", false, shardFlag{}, 4, env(), "--shards needs"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, _, err := resolveShard(tc.flagSet, tc.flag, tc.shards, tc.env)
			if strings.Contains(tc.want, "/") && !strings.Contains(tc.want, " ") {
				if err != nil || got.String() != tc.want {
					t.Errorf("got %v, %v; want %s", got.String(), err, tc.want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// The Kubernetes variables select the shard of a run in-process too.
func TestShardFromEnvironment(t *testing.T) {
	t.Setenv(envK8sIndex, "1")
	t.Setenv(envShards, "2")
	out := filepath.Join(t.TempDir(), "o")
	_, stderr, code := spiral(t, "run", "--out", out, "--paths", "30", "--part-paths", "10")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "JOB_COMPLETION_INDEX=1") {
		t.Errorf("stderr does not say where the shard came from: %s", stderr)
	}
	for _, f := range []string{"manifest-shard-00001.json", "summary/variant=base/part-0000000015.parquet", "summary/variant=base/part-0000000025.parquet"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
	// Shard 0 is missing: merge says which.
	_, stderr, code = spiral(t, "merge", out)
	if code != 2 || !strings.Contains(stderr, "paths [0, 15) are missing (shard 0/2") {
		t.Errorf("merge with a shard missing: exit %d, %q", code, stderr)
	}
}

// tableReader prints the rows of a table.
type tableReader struct {
	cols []arrow.Array
	path *array.Int64
}

func newTableReader(tbl arrow.Table) *tableReader {
	tr := &tableReader{}
	for i := range int(tbl.NumCols()) {
		a, err := array.Concatenate(tbl.Column(i).Data().Chunks(), memory.DefaultAllocator)
		if err != nil {
			panic(err)
		}
		tr.cols = append(tr.cols, a)
		if tbl.Schema().Field(i).Name == "path" {
			tr.path = a.(*array.Int64)
		}
	}
	return tr
}

// row returns row r's path and all its values, exactly (shortest
// round-trip formatting), separated by tabs.
func (tr *tableReader) row(r int) (int64, string) {
	var b strings.Builder
	for _, c := range tr.cols {
		b.WriteString(c.ValueStr(r))
		b.WriteByte('\t')
	}
	return tr.path.Value(r), b.String()
}

// runShards runs the spiral command args as n concurrent processes with
// --shard i/n and fails unless every one exits 0.
func runShards(t *testing.T, n int, args ...string) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make([]string, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, stderr, code := proc(t, nil, append(args, "--shard", fmt.Sprintf("%d/%d", i, n))...)
			if code != 0 {
				errs[i] = fmt.Sprintf("shard %d: exit %d: %s", i, code, stderr)
			}
		}()
	}
	wg.Wait()
	for _, e := range errs {
		if e != "" {
			t.Fatal(e)
		}
	}
}
