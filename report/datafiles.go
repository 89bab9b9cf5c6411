package report

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// A scenario may read data files (price histories, position snapshots).
// Their contents are part of the scenario: the resolved scenario text ends
// with a comment listing them with their SHA-256, so the scenario hash
// changes with them. Meta.DataFiles lists them again for the outputs:
// manifest.json's data_files, and the parts' MetaDataFiles, from which
// Merge and Recompute rebuild the manifest and with which a refusal to mix
// two runs names the file that differs.

// MetaDataFiles is the Parquet key-value metadata key of the data files
// the scenario read (a JSON list of DataFile); absent when it read none.
const MetaDataFiles = "spiral.data_files"

// DataFile is a data file the run's scenario read.
type DataFile struct {
	// Field is the scenario field that names the file, e.g.
	// market.price.file or positions.file.
	Field string `json:"field"`
	// Path is the file as written in the scenario (relative to the
	// scenario file's directory unless absolute).
	Path string `json:"path"`
	// SHA256 is the lowercase hex SHA-256 of its contents as read.
	SHA256 string `json:"sha256"`
	// Size is its size in bytes.
	Size int64 `json:"size_bytes"`
}

var sha256Pattern = regexp.MustCompile(`^[0-9a-f]{64}$`)

// validateDataFiles checks each entry: a path, a SHA-256, a size ≥ 0.
func validateDataFiles(files []DataFile) error {
	for i, f := range files {
		if f.Path == "" || !sha256Pattern.MatchString(f.SHA256) || f.Size < 0 {
			return fmt.Errorf("data_files[%d]: want a path, a lowercase hex SHA-256 and a size ≥ 0, got %+v", i, f)
		}
	}
	return nil
}

func marshalDataFiles(files []DataFile) string {
	b, err := json.Marshal(files)
	if err != nil {
		panic(err) // plain data always marshals
	}
	return string(b)
}

// parseDataFiles reads MetaDataFiles; "" is none.
func parseDataFiles(text string) ([]DataFile, error) {
	if text == "" {
		return nil, nil
	}
	var files []DataFile
	if err := json.Unmarshal([]byte(text), &files); err != nil {
		return nil, fmt.Errorf("report: %s: %w", MetaDataFiles, err)
	}
	if err := validateDataFiles(files); err != nil {
		return nil, fmt.Errorf("report: %s: %w", MetaDataFiles, err)
	}
	return files, nil
}

// dataFilesDiffer says how the data files recorded in the part metadata a
// and b differ, for the message that refuses to mix them: format (with the
// path and the two digests) for each file recorded in both with other
// contents, joined by "; "; "" when there is none (or a part does not
// say).
func dataFilesDiffer(a, b map[string]string, format string) string {
	fa, errA := parseDataFiles(a[MetaDataFiles])
	fb, errB := parseDataFiles(b[MetaDataFiles])
	if errA != nil || errB != nil {
		return ""
	}
	digest := func(files []DataFile, path string) (string, bool) {
		for _, f := range files {
			if f.Path == path {
				return f.SHA256, true
			}
		}
		return "", false
	}
	var diffs []string
	for _, f := range fa {
		if sum, ok := digest(fb, f.Path); ok && sum != f.SHA256 {
			diffs = append(diffs, fmt.Sprintf(format, f.Path, short(f.SHA256), short(sum)))
		}
	}
	if len(diffs) == 0 {
		return ""
	}
	return strings.Join(diffs, "; ")
}
