package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A cascade cap reached on many paths (max_rounds 1: every step with a
// liquidation reaches it) is noted in report.md, manifest.json and the
// lines run prints; with the default cap on the same paths it is not.
func TestCascadeCapNoted(t *testing.T) {
	dir := dataScenarioDir(t, map[string]string{})
	file := filepath.Join(dir, "spiral.yaml")
	rewrite(t, file, "  max_rounds: 5\n", "  max_rounds: 1\n")
	out := filepath.Join(dir, "out")
	stdout, stderr, code := spiral(t, "run", file, "--paths", "20", "--out", out, "--quiet")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	const want = "cascade cap: on 100 % of the paths (20 of 20) a step's liquidation cascade reached liquidators.max_rounds (1 round)"
	if !strings.Contains(stdout, "\nnote: "+want) {
		t.Errorf("run does not print the note:\n%s", stdout)
	}
	md, err := os.ReadFile(filepath.Join(out, "report.md"))
	if err != nil || !strings.Contains(string(md), want) {
		t.Errorf("report.md lacks the note (%v)", err)
	}
	var man struct{ Notes []string }
	b, err := os.ReadFile(filepath.Join(out, "manifest.json"))
	if err != nil || json.Unmarshal(b, &man) != nil || len(man.Notes) == 0 || !strings.HasPrefix(man.Notes[0], want) {
		t.Errorf("manifest notes %q (%v)", man.Notes, err)
	}
	// spiral report recomputes it from the parts.
	stdout, stderr, code = spiral(t, "report", out)
	if code != 0 || !strings.Contains(stdout, "note: "+want) {
		t.Errorf("report: exit %d, %s%s", code, stdout, stderr)
	}

	rewrite(t, file, "  max_rounds: 1\n", "  max_rounds: 1000\n")
	stdout, stderr, code = spiral(t, "run", file, "--paths", "20", "--out", out, "--quiet", "--overwrite")
	if code != 0 || strings.Contains(stdout, "cascade cap") {
		t.Errorf("max_rounds 1000: exit %d, %s%s", code, stdout, stderr)
	}
}

// In a sweep the note names the variants whose paths reached their cap,
// each with its own max_rounds (from the parts' metadata, not the base's).
func TestCascadeCapNotedPerVariant(t *testing.T) {
	dir := dataScenarioDir(t, map[string]string{})
	file := filepath.Join(dir, "spiral.yaml")
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, append(b, "sweep:\n  axes:\n    liquidators.max_rounds: [1000, 1]\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code := spiral(t, "sweep", file, "--paths", "20", "--out", filepath.Join(dir, "out"), "--quiet")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	want := "note: cascade cap: a step's liquidation cascade reached liquidators.max_rounds, the most a step runs, so cascades may have been cut short, on at least 1 % of the paths of variant v001 (20 of 20 paths, 100 %, max_rounds 1): "
	if !strings.Contains(stdout, want) {
		t.Errorf("sweep does not print %q:\n%s", want, stdout)
	}
}
