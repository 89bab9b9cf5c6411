package report

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/parquet/file"
)

// Errors Create wraps, so that a command line can say what to do about
// them.
var (
	// ErrEarlierRun: the directory holds output of an earlier run for the
	// same paths (Create with Fresh).
	ErrEarlierRun = errors.New("holds output of an earlier run")
	// ErrOtherRun: a part of this shard's paths belongs to another run
	// (Create with Resume).
	ErrOtherRun = errors.New("belongs to another run")
)

var (
	partPattern = regexp.MustCompile(`^part-(\d{10})\.parquet$`)
	// tempPartPattern matches the temporary name of a part (see tempPattern).
	tempPartPattern = regexp.MustCompile(`^\.part-(\d{10})\.parquet\.tmp-`)
)

// partFile is a part file found on disk.
type partFile struct {
	path  string // full path
	rel   string // relative to the output directory, forward slashes
	first int    // from the file name
	rows  int64  // from the footer (after readFooter)
	md    map[string]string
}

// listParts lists the part files of a table and variant, sorted by first
// path, without reading them. A missing directory has no parts.
func listParts(dir, table, variant string) ([]partFile, error) {
	sub := filepath.Join(dir, table, "variant="+variant)
	entries, err := os.ReadDir(sub)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	var parts []partFile
	for _, e := range entries {
		m := partPattern.FindStringSubmatch(e.Name())
		if m == nil || !e.Type().IsRegular() {
			continue
		}
		first, _ := strconv.Atoi(m[1])
		parts = append(parts, partFile{
			path:  filepath.Join(sub, e.Name()),
			rel:   table + "/variant=" + variant + "/" + e.Name(),
			first: first,
		})
	}
	slices.SortFunc(parts, func(a, b partFile) int { return a.first - b.first })
	return parts, nil
}

// readFooter reads the row count and key-value metadata of p.
func (p *partFile) readFooter() error {
	rdr, err := file.OpenParquetFile(p.path, false)
	if err != nil {
		return fmt.Errorf("unreadable part %s: %w", p.path, err)
	}
	defer rdr.Close()
	p.rows = rdr.NumRows()
	p.md = map[string]string{}
	for _, kv := range rdr.MetaData().KeyValueMetadata() {
		if kv.Value != nil {
			p.md[kv.Key] = *kv.Value
		}
	}
	return nil
}

// sameRunKeys are the metadata keys that every part of one run shares.
var sameRunKeys = []string{MetaSchemaVersion, MetaScenarioSHA256, MetaSeed, MetaVersion, MetaPaths}

// mismatch returns the first key of sameRunKeys on which md differs from
// meta's parts, or "".
func mismatch(md map[string]string, meta *Meta) (key, got, want string) {
	ref := fileMetadata(meta, -1)
	for _, k := range sameRunKeys {
		w := ref.Values()[ref.FindKey(k)]
		if md[k] != w {
			return k, md[k], w
		}
	}
	return "", "", ""
}

// short abbreviates a SHA-256 for messages.
func short(s string) string {
	if len(s) > 12 {
		return s[:12] + "…"
	}
	return s
}

// prepareParts handles the existing parts of meta's variant that hold paths
// of shard, as mode says, and returns the parts kept (Resume), sorted.
// It also removes temporary files left in those paths by a killed process.
func prepareParts(dir string, meta *Meta, shard Range, mode Mode) ([]Range, error) {
	in := func(first int) bool { return first >= shard.First && first < shard.End() }
	for _, table := range []string{SummaryDir, SeriesDir} {
		if err := removeTempParts(filepath.Join(dir, table, "variant="+meta.Variant), in); err != nil {
			return nil, err
		}
	}
	if meta.Shards == 1 {
		for _, d := range []string{dir, filepath.Join(dir, PlotsDir)} {
			if err := removeTemps(d); err != nil {
				return nil, err
			}
		}
	}
	summary, err := listParts(dir, SummaryDir, meta.Variant)
	if err != nil {
		return nil, err
	}
	series, err := listParts(dir, SeriesDir, meta.Variant)
	if err != nil {
		return nil, err
	}

	var kept []Range
	var earlier []string
	keptFirst := map[int]bool{}
	for i := range summary {
		p := &summary[i]
		if p.first >= shard.End() {
			continue
		}
		if !in(p.first) {
			// A part of an earlier path must end before this shard.
			if err := p.readFooter(); err != nil {
				return nil, fmt.Errorf("report: %w", err)
			}
			if p.first+int(p.rows) > shard.First {
				return nil, fmt.Errorf("report: %s: part %s holds paths [%d, %d), which overlap this shard's paths %v: it was written with another shard split; remove it or write to another directory",
					dir, p.rel, p.first, p.first+int(p.rows), shard)
			}
			continue
		}
		switch mode {
		case Fresh:
			earlier = append(earlier, p.rel)
		case Overwrite:
			if err := os.Remove(p.path); err != nil {
				return nil, fmt.Errorf("report: overwrite: %w", err)
			}
		case Resume:
			if err := p.readFooter(); err != nil {
				return nil, fmt.Errorf("report: %w; remove it to redo its paths", err)
			}
			if k, got, want := mismatch(p.md, meta); k != "" {
				why := ""
				if k == MetaScenarioSHA256 {
					now := map[string]string{MetaDataFiles: marshalDataFiles(meta.DataFiles)}
					if d := dataFilesDiffer(p.md, now, "data file %s has changed since the part was written: sha256 %q then, %q now"); d != "" {
						why = "; " + d + "; restore it to resume"
					}
				}
				return nil, fmt.Errorf("report: %s: part %s %w (%s is %q, this run's is %q%s)", dir, p.rel, ErrOtherRun, k, short(got), short(want), why)
			}
			end := p.first + int(p.rows)
			if p.md[MetaFirstPath] != strconv.Itoa(p.first) || p.rows < 1 || end > shard.End() {
				return nil, fmt.Errorf("report: %s: part %s holds paths [%d, %d) (first path %q in its metadata), not inside this shard's paths %v: remove it or write to another directory",
					dir, p.rel, p.first, end, p.md[MetaFirstPath], shard)
			}
			if n := len(kept); n > 0 && kept[n-1].End() > p.first {
				return nil, fmt.Errorf("report: %s: parts overlap at path %d (%s); remove the extra one", dir, p.first, p.rel)
			}
			kept = append(kept, Range{p.first, int(p.rows)})
			keptFirst[p.first] = true
		}
	}
	for _, p := range series {
		if !in(p.first) || keptFirst[p.first] {
			continue
		}
		if mode == Fresh {
			earlier = append(earlier, p.rel)
			continue
		}
		// The series part of a part not (or no longer) complete.
		if err := os.Remove(p.path); err != nil {
			return nil, fmt.Errorf("report: %w", err)
		}
	}
	if len(earlier) > 0 {
		return nil, fmt.Errorf("report: %s %w for paths %v (%d part files, e.g. %s)", dir, ErrEarlierRun, shard, len(earlier), earlier[0])
	}
	return kept, nil
}

// removeTempParts removes the temporary part files in dir whose first path
// satisfies in.
func removeTempParts(dir string, in func(first int) bool) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	for _, e := range entries {
		m := tempPartPattern.FindStringSubmatch(e.Name())
		if m == nil {
			continue
		}
		if first, _ := strconv.Atoi(m[1]); in(first) {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
				return fmt.Errorf("report: remove a leftover temporary file: %w", err)
			}
		}
	}
	return nil
}

// removeTemps removes the temporary files (".<name>.tmp-*") in dir.
func removeTemps(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") && strings.Contains(e.Name(), ".tmp-") && e.Type().IsRegular() {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
				return fmt.Errorf("report: remove a leftover temporary file: %w", err)
			}
		}
	}
	return nil
}
