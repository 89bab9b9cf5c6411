package experiments

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestList(t *testing.T) {
	list := List()
	found := false
	for i, p := range list {
		if i > 0 && list[i-1].Name >= p.Name {
			t.Errorf("List not sorted: %q before %q", list[i-1].Name, p.Name)
		}
		if strings.HasPrefix(p.Description, "INVALID") || strings.TrimSpace(p.Description) == "" {
			t.Errorf("preset %s: description %q", p.Name, p.Summary())
		}
		found = found || p.Name == "baseline"
	}
	if !found {
		t.Fatalf("List() = %v lacks baseline", list)
	}
	if got := list[0].Summary(); strings.Contains(got, "\n") || got == "" {
		t.Errorf("Summary() = %q", got)
	}
}

// Every embedded preset parses, validates, and says where its numbers came
// from; testdata is not embedded.
func TestEveryPresetValidates(t *testing.T) {
	entries, err := fs.ReadDir(presetFiles, ".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".yaml") {
			t.Errorf("embedded %s is not a preset", e.Name())
			continue
		}
		name := strings.TrimSuffix(e.Name(), ".yaml")
		s, err := Load(name)
		if err != nil {
			t.Errorf("preset %s: %v", name, err)
			continue
		}
		if _, err := s.Config(); err != nil {
			t.Errorf("preset %s: %v", name, err)
		}
		if s.Name != name {
			t.Errorf("preset file %s.yaml has name %q", name, s.Name)
		}
		if !strings.Contains(s.Description, ".csv") {
			t.Errorf("preset %s: the description does not cite its data", name)
		}
	}
}

func TestLoad(t *testing.T) {
	def, err := Load("")
	if err != nil || def.Name != DefaultPreset || def.File != "baseline.yaml" {
		t.Fatalf(`Load("") = %v, %v`, def, err)
	}
	_, err = Load("no-such-preset")
	var e *Error
	if !errors.As(err, &e) || !strings.Contains(err.Error(), "presets: baseline") {
		t.Errorf("unknown preset: %v", err)
	}
	_, err = Load("missing.yaml")
	if !errors.As(err, &e) || !strings.Contains(err.Error(), "missing.yaml: cannot read scenario") {
		t.Errorf("missing file: %v", err)
	}
	for _, bad := range []string{"../baseline", "testdata/invalid", "."} {
		if _, err := Load(bad); !errors.As(err, &e) {
			t.Errorf("Load(%q) = %v, want *Error", bad, err)
		}
	}
	// A file on disk wins over a preset, with or without an extension.
	dir := t.TempDir()
	for _, file := range []string{filepath.Join(dir, "mine.yaml"), filepath.Join(dir, "mine")} {
		if err := os.WriteFile(file, []byte(minimal), 0o644); err != nil {
			t.Fatal(err)
		}
		s, err := Load(file)
		if err != nil || s.Name != "minimal" || s.File != file {
			t.Errorf("Load(%s) = %v, %v", file, s, err)
		}
	}
}
