package experiments

import (
	"embed"
	"errors"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
	"sync"
)

// presetFiles are the embedded scenarios: this directory's *.yaml (not
// testdata, which holds deliberately invalid files for the tests).
//
//go:embed *.yaml
var presetFiles embed.FS

// DefaultPreset is the preset [Load] uses for an empty name.
const DefaultPreset = "baseline"

// Preset is an embedded scenario.
type Preset struct {
	// Name is the file name without ".yaml".
	Name string
	// Description is the scenario's description.
	Description string
}

// Summary is the first line of the description.
func (p Preset) Summary() string {
	first, _, _ := strings.Cut(strings.TrimSpace(p.Description), "\n")
	return strings.TrimSpace(first)
}

var presets = sync.OnceValue(func() []Preset {
	entries, err := fs.ReadDir(presetFiles, ".")
	if err != nil {
		panic(err) // the embedded directory always reads
	}
	var out []Preset
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".yaml")
		if !ok || e.IsDir() {
			continue
		}
		p := Preset{Name: name}
		if s, err := loadPreset(name); err == nil {
			p.Description = s.Description
		} else {
			p.Description = "INVALID PRESET: " + err.Error()
		}
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
})

// List returns the embedded presets sorted by name.
func List() []Preset { return append([]Preset(nil), presets()...) }

// Load reads a scenario. nameOrPath is a file on disk when such a file
// exists or when it ends in .yaml or .yml; otherwise it names an embedded
// preset ("" is [DefaultPreset]). Any problem comes back as an [*Error].
func Load(nameOrPath string) (*Scenario, error) {
	if isFile(nameOrPath) || strings.HasSuffix(nameOrPath, ".yaml") || strings.HasSuffix(nameOrPath, ".yml") {
		data, err := os.ReadFile(nameOrPath)
		if err != nil {
			msg := err.Error()
			var pe *fs.PathError
			if errors.As(err, &pe) {
				msg = pe.Err.Error()
			}
			return nil, &Error{Problems: []Problem{{File: nameOrPath, Msg: "cannot read scenario: " + msg}}}
		}
		return Parse(nameOrPath, data)
	}
	if nameOrPath == "" {
		nameOrPath = DefaultPreset
	}
	s, err := loadPreset(nameOrPath)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrInvalid) {
		names := make([]string, 0, len(presets()))
		for _, p := range presets() {
			names = append(names, p.Name)
		}
		return nil, &Error{Problems: []Problem{{File: nameOrPath,
			Msg: "no such scenario file or embedded preset; presets: " + strings.Join(names, ", ")}}}
	}
	return s, err
}

// loadPreset parses the embedded preset name.
func loadPreset(name string) (*Scenario, error) {
	file := name + ".yaml"
	if !fs.ValidPath(file) || path.Dir(file) != "." {
		return nil, fs.ErrInvalid
	}
	data, err := presetFiles.ReadFile(file)
	if err != nil {
		return nil, err
	}
	return Parse(file, data)
}

func isFile(p string) bool {
	if p == "" {
		return false
	}
	info, err := os.Stat(p)
	return err == nil && !info.IsDir()
}
