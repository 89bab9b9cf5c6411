package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// A position book read from a file that starts with positions already
// liquidatable (a unit slip, or deliberate) is accepted: validate
// summarizes it, and run warns on stderr with the file and the counts.
func TestBookStartingUnderwater(t *testing.T) {
	dir := dataScenarioDir(t, map[string]string{"book.csv": "9,0.01,5000\n10,0,1000\n"})
	file := filepath.Join(dir, "spiral.yaml")
	out, stderr, code := spiral(t, "validate", file)
	if code != 0 {
		t.Fatalf("validate: exit %d: %s", code, stderr)
	}
	for _, want := range []string{
		"position book book.csv: 10 positions, debt $",
		"at the initial price $2k; liquidation threshold 0.8)\n",
		"\n  health factor at the initial price: min 0, median ",
		"; starting with HF < 1 (liquidatable in the first step): 2; with debt but no collateral: 1\n",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("validate does not print %q on stderr:\n%s", want, stderr)
		}
	}
	if strings.Contains(out, "position book") {
		t.Errorf("the summary is in validate's stdout, the resolved scenario:\n%s", out)
	}
	_, stderr, code = spiral(t, "run", file, "--paths", "4", "--out", filepath.Join(dir, "out"), "--quiet")
	if code != 0 {
		t.Fatalf("run: exit %d: %s", code, stderr)
	}
	want := "spiral: warning: positions.file book.csv: 2 of 10 positions start with health factor < 1 at the initial price $2k, 1 of them with debt but no collateral: "
	if strings.Count(stderr, "warning") != 1 || !strings.Contains(stderr, want) {
		t.Errorf("run's stderr %q, want one line %q…", stderr, want)
	}
	// A reverse stress test of the book warns the same way.
	_, stderr, code = spiral(t, "breakpoint", file, "--shock", "price_drop", "--target", "bad_debt_usd>1e9",
		"--paths", "4", "--max-evals", "2", "--quiet")
	if code > 1 {
		t.Fatalf("breakpoint: exit %d: %s", code, stderr)
	}
	if strings.Count(stderr, "warning") != 1 || !strings.Contains(stderr, want) {
		t.Errorf("breakpoint's stderr %q, want one line %q…", stderr, want)
	}
}

// A healthy book gets its summary from validate and no warning from run.
func TestBookHealthyNoWarning(t *testing.T) {
	dir := dataScenarioDir(t, map[string]string{})
	file := filepath.Join(dir, "spiral.yaml")
	_, stderr, code := spiral(t, "validate", file)
	if code != 0 || stderr != "position book book.csv: 8 positions, debt $385k, collateral 371.7 units ($743k at the initial price $2k; liquidation threshold 0.8)\n"+
		"  health factor at the initial price: min 1.07, median 1.28; starting with HF < 1 (liquidatable in the first step): 0; with debt but no collateral: 0\n" {
		t.Errorf("validate: exit %d, stderr not the summary of book.csv:\n%s", code, stderr)
	}
	_, stderr, code = spiral(t, "run", file, "--paths", "4", "--out", filepath.Join(dir, "out"), "--quiet")
	if code != 0 || strings.Contains(stderr, "warning") {
		t.Errorf("run: exit %d, stderr %q; want no warning", code, stderr)
	}
}
