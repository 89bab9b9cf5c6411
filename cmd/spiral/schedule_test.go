package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Black Thursday cut to a 2-day horizon: its scripted crash goes on to
// 72 h, so run refuses it (exit 2, positional message, nothing written).
func TestRunRefusesScriptedPointAfterHorizon(t *testing.T) {
	base, _, code := spiral(t, "validate", "black-thursday-2020")
	if code != 0 {
		t.Fatal("black-thursday-2020 does not validate")
	}
	text := strings.Replace(base, "horizon: 7d\n", "horizon: 2d\n", 1)
	if text == base {
		t.Fatal("the edit did not apply")
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "short.yaml")
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	_, stderr, code := spiral(t, "run", file, "--out", out, "--quiet", "--paths", "5")
	want := regexp.MustCompile(regexp.QuoteMeta(file) + `:\d+:\d+: market\.price\.points\.12\.at: must be at or before the horizon \(2d\), got 3d`)
	if code != 2 || !want.MatchString(stderr) {
		t.Errorf("exit %d, stderr %q; want exit 2 and %s", code, stderr, want)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("%s was created", out)
	}
}
