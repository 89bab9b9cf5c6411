package report

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"time"
)

// Manifest is the content of manifest.json (a complete single-process run)
// and of manifest-shard-<i>.json (one shard of a sharded run). Paths in Files
// and Rows are relative to the output directory, with forward slashes.
type Manifest struct {
	SchemaVersion  int              `json:"schema_version"`
	Scenario       string           `json:"scenario"`
	Description    string           `json:"description,omitempty"`
	ScenarioSHA256 string           `json:"scenario_sha256"`
	ScenarioYAML   string           `json:"scenario_yaml"`
	DataFiles      []DataFile       `json:"data_files"` // data files the scenario read (ScenarioSHA256 covers their contents); [] for none
	Seed           uint64           `json:"seed"`
	Paths          int              `json:"paths"`
	Variants       []string         `json:"variants"`
	Shard          int              `json:"shard"`
	Shards         int              `json:"shards"`
	FirstPath      int              `json:"first_path"`
	NumPaths       int              `json:"num_paths"`
	TracedPaths    int              `json:"traced_paths"`
	StepHours      float64          `json:"step_hours"`
	HorizonHours   float64          `json:"horizon_hours,omitempty"`
	SpiralVersion  string           `json:"spiral_version"`
	GoVersion      string           `json:"go_version"`
	GOOS           string           `json:"goos"`
	GOARCH         string           `json:"goarch"`
	Start          string           `json:"start"` // RFC 3339, UTC
	End            string           `json:"end"`   // RFC 3339, UTC
	Args           []string         `json:"args"`
	Rows           map[string]int64 `json:"rows"`  // rows per Parquet file
	Files          []string         `json:"files"` // files written before the manifest, in order
	Notes          []string         `json:"notes,omitempty"`
	// Segments are the (variant, paths) a shard of a sweep wrote (its
	// first path and paths above count them over all its variants);
	// absent otherwise.
	Segments []Segment `json:"segments,omitempty"`
}

// newManifest returns the manifest of meta's run with its versions and
// times filled in, and empty Rows and Files.
func newManifest(meta *Meta, start time.Time) *Manifest {
	return &Manifest{
		SchemaVersion:  SchemaVersion,
		Scenario:       meta.ScenarioName,
		Description:    meta.Description,
		ScenarioSHA256: meta.ScenarioSHA256,
		ScenarioYAML:   string(meta.ScenarioYAML),
		DataFiles:      append([]DataFile{}, meta.DataFiles...),
		Seed:           meta.Seed,
		Paths:          meta.Paths,
		Variants:       []string{meta.Variant},
		Shard:          0,
		Shards:         1,
		FirstPath:      0,
		NumPaths:       meta.Paths,
		StepHours:      meta.StepHours,
		SpiralVersion:  meta.Version,
		GoVersion:      runtime.Version(),
		GOOS:           runtime.GOOS,
		GOARCH:         runtime.GOARCH,
		Start:          start.Format(time.RFC3339),
		End:            time.Now().UTC().Format(time.RFC3339),
		Args:           slices.Clone(meta.Args),
		Rows:           map[string]int64{},
		Files:          []string{},
	}
}

func (m *Manifest) write(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(m)
}

// ReadManifest reads a manifest.json or manifest-shard-<i>.json file.
func ReadManifest(path string) (*Manifest, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("report: read %s: %w", path, err)
	}
	return &m, nil
}

// Complete reports whether dir already holds the complete output of the
// run meta describes, so that `--resume` can skip it: for a single process,
// _SUCCESS and a manifest.json; for a shard, its manifest-shard-<i>.json.
// The manifest must record the same scenario (SHA-256), seed, paths,
// variant, shard and path range, and every file it lists must exist.
func Complete(dir string, meta Meta) bool {
	if meta.ScenarioSHA256 == "" {
		sum := sha256.Sum256(meta.ScenarioYAML)
		meta.ScenarioSHA256 = hex.EncodeToString(sum[:])
	}
	name := ManifestFile
	if meta.Shards > 1 {
		name = ShardManifestPath(meta.Shard)
	} else if _, err := os.Stat(filepath.Join(dir, SuccessFile)); err != nil {
		return false
	}
	m, err := ReadManifest(filepath.Join(dir, name))
	if err != nil {
		return false
	}
	if m.ScenarioSHA256 != meta.ScenarioSHA256 || m.Seed != meta.Seed || m.Paths != meta.Paths ||
		!slices.Contains(m.Variants, meta.Variant) || m.Shard != meta.Shard || m.Shards != meta.Shards ||
		m.FirstPath != meta.FirstPath || m.NumPaths != meta.NumPaths {
		return false
	}
	for _, f := range m.Files {
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(f))); err != nil {
			return false
		}
	}
	return true
}
