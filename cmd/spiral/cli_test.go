package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden .stdout files")

// spiral runs the command line in-process and returns its output and exit status.
func spiral(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	code = exitStatus(run(context.Background(), args, &out, &errb), &errb)
	return out.String(), errb.String(), code
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	goldenMatch(t, name, got, func(got, want string) bool { return got == want })
}

// goldenMatch compares got with testdata/<name>.stdout using same, or
// rewrites the file under -update.
func goldenMatch(t *testing.T, name, got string, same func(got, want string) bool) {
	t.Helper()
	path := filepath.Join("testdata", name+".stdout")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !same(got, string(want)) {
		t.Errorf("output differs from %s (go test -update rewrites it):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

func TestList(t *testing.T) {
	out, _, code := spiral(t, "list")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	golden(t, "list", out)
}

func TestValidateBaseline(t *testing.T) {
	out, errs, code := spiral(t, "validate", "baseline")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	golden(t, "validate_baseline", out)
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"frobnicate"},
		{"run", "--paths"},
		{"run", "--workers", "0"},
		{"run", "--shard", "3/2"},
		{"run", "--seed", "-1"},
		{"run", "--seed", "1e3"},   // not seed 1
		{"run", "--seed", "12abc"}, // not seed 12
		{"run", "a.yaml", "b.yaml"},
		{"run", "no-such-preset"},
		{"run", "no/such/file.yaml"},
		{"validate"},
	} {
		_, stderr, code := spiral(t, args...)
		if code != 2 || stderr == "" {
			t.Errorf("spiral %q: exit %d, stderr %q; want 2 and a message", args, code, stderr)
		}
	}
}

// Bad scenarios exit 2 with file:line: field messages, and write nothing.
func TestBadScenarios(t *testing.T) {
	dir := t.TempDir()
	cases := []struct{ name, yaml, want string }{
		{"unknown key", "colour: blue\n", "bad.yaml:NN:1: colour: unknown key"},
		{"negative volatility", "", "market.price.volatility: must be in [0, 10]"},
		{"zero paths", "", "paths: must be in [1, 1e9], got 0"},
	}
	base, _, code := spiral(t, "validate", "baseline")
	if code != 0 {
		t.Fatal("baseline does not validate")
	}
	for _, c := range cases {
		text := base + c.yaml
		switch c.name {
		case "negative volatility":
			text = strings.Replace(base, "volatility: 0.89", "volatility: -0.2", 1)
		case "zero paths":
			text = strings.Replace(base, "paths: 1000", "paths: 0", 1)
		}
		if text == base {
			t.Fatalf("%s: the edit did not apply", c.name)
		}
		file := filepath.Join(dir, "bad.yaml")
		if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(dir, "out-"+strings.ReplaceAll(c.name, " ", "-"))
		_, stderr, code := spiral(t, "run", file, "--out", out, "--quiet")
		want := strings.Replace(c.want, "bad.yaml:NN:", "bad.yaml:", 1)
		if code != 2 || !strings.Contains(stderr, file+":") || !strings.Contains(stderr, strings.TrimPrefix(want, "bad.yaml:")) {
			t.Errorf("%s: exit %d, stderr %q; want exit 2 naming %s and %q", c.name, code, stderr, file, want)
		}
		if _, err := os.Stat(out); !os.IsNotExist(err) {
			t.Errorf("%s: %s was created", c.name, out)
		}
	}
}

func TestUnwritableOut(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "a-file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(file, "results") // a directory under a regular file
	_, stderr, code := spiral(t, "run", "--out", out, "--paths", "10", "--quiet")
	if code != 2 || !strings.Contains(stderr, out) {
		t.Fatalf("exit %d, stderr %q; want 2 naming %s", code, stderr, out)
	}
}

// The summary part is byte-identical for 1 and 2 workers, and differs
// with another seed.
func TestWorkersDoNotChangeResults(t *testing.T) {
	dir := t.TempDir()
	part := func(name string, args ...string) []byte {
		out := filepath.Join(dir, name)
		_, stderr, code := spiral(t, append([]string{"run", "--out", out, "--paths", "60", "--quiet"}, args...)...)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", name, code, stderr)
		}
		b, err := os.ReadFile(filepath.Join(out, "summary", "variant=base", "part-0000000000.parquet"))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	one := part("w1", "--workers", "1")
	two := part("w2", "--workers", "2", "--chunk", "7")
	if !bytes.Equal(one, two) {
		t.Fatal("summary differs between --workers 1 and --workers 2")
	}
	if bytes.Equal(one, part("s2", "--seed", "2")) {
		t.Fatal("--seed 2 gives the same summary as seed 1")
	}
}

func TestRunWritesTheLayout(t *testing.T) {
	out := filepath.Join(t.TempDir(), "o")
	stdout, stderr, code := spiral(t, "run", "--out", out, "--paths", "40", "--quiet")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	golden(t, "run_40_paths", strings.ReplaceAll(stdout, out, "<out>"))
	for _, f := range []string{"manifest.json", "summary/variant=base/part-0000000000.parquet", "series/variant=base/part-0000000000.parquet",
		"aggregate.parquet", "aggregate.json", "plots/stuck_share_hist.png", "plots/stuck_share_hist.pdf",
		"plots/utilization_fan.png", "plots/utilization_fan.pdf", "plots/borrow_apr_fan.png", "plots/borrow_apr_fan.pdf", "_SUCCESS"} {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() == 0 && f != "_SUCCESS" {
			t.Errorf("%s: %v", f, err)
		}
	}
	// A second run into the same directory needs --overwrite or --resume.
	if _, _, code := spiral(t, "run", "--out", out, "--paths", "40", "--quiet"); code != 2 {
		t.Errorf("rerun without --overwrite: exit %d, want 2", code)
	}
	if stdout, _, code := spiral(t, "run", "--out", out, "--paths", "40", "--quiet", "--resume"); code != 0 || !strings.Contains(stdout, "already complete") {
		t.Errorf("--resume of a complete run: exit %d, %q", code, stdout)
	}
	var leftovers []string
	filepath.WalkDir(out, func(p string, d os.DirEntry, err error) error {
		if strings.Contains(d.Name(), ".tmp") || strings.HasPrefix(d.Name(), ".spiral-probe") {
			leftovers = append(leftovers, p)
		}
		return nil
	})
	if len(leftovers) > 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
}

func TestShardsCoverThePaths(t *testing.T) {
	seen := 0
	for i := range 3 {
		first, n := pathRange(10, i, 3)
		if first != seen {
			t.Fatalf("shard %d starts at %d, want %d", i, first, seen)
		}
		seen += n
	}
	if seen != 10 {
		t.Fatalf("shards cover %d of 10 paths", seen)
	}
}

// A build that names no clean commit carries its executable's digest, so
// that merge never takes two different such builds for one; a release or a
// clean commit does not (rebuilding it gives the same name).
func TestVersionNamesTheBuild(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Skip(err)
	}
	b, err := os.ReadFile(exe)
	if err != nil {
		t.Skip(err)
	}
	sum := sha256.Sum256(b)
	digest := "+exe." + hex.EncodeToString(sum[:])[:12]
	defer func(v string) { buildVersion = v }(buildVersion)
	for _, c := range []struct {
		build      string
		wantPrefix string
		wantDigest bool
	}{
		{"", "devel", true}, // a test binary records no VCS revision
		{"v1.2.3", "v1.2.3", false},
		{"af55c59", "af55c59", false},
		{"af55c59-dirty", "af55c59-dirty", true},
	} {
		buildVersion = c.build
		v := version()
		if !strings.HasPrefix(v, c.wantPrefix) || strings.Contains(v, digest) != c.wantDigest || !c.wantDigest && strings.Contains(v, "+exe.") {
			t.Errorf("buildVersion %q: version %q, want it to start with %q and carry the digest %s: %v", c.build, v, c.wantPrefix, digest, c.wantDigest)
		}
	}
}
