package experiments

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/goccy/go-yaml/ast"

	"github.com/spiralrisk/spiral/stochastic"
)

// Data files named by a scenario (price histories, position snapshots) are
// read when the scenario is parsed. A relative path is relative to the
// directory of the scenario file ([Scenario.Dir]); for an embedded preset,
// whose file name has no directory, that is the current directory.
// [Scenario.Resolved] keeps the paths as written.
//
// Their contents are part of the scenario: every file is read through the
// scenario's dataStore, which records the SHA-256 of the bytes it read,
// and [Scenario.Resolved] (so [Scenario.SHA256]) ends with a comment
// listing each file with that digest and its size. The bytes hashed are the
// bytes parsed. A sweep's variants share the store of their sweep: a price
// history is read and parsed once for all of them, and a file read again
// (a position snapshot, whose book depends on the variant's threshold)
// must still have the digest first recorded, or the variant fails with a
// problem saying that the file changed.

// fileLoader is implemented by model parameters that read a data file; the
// decoder calls load after decoding the model's keys at path.
type fileLoader interface {
	load(d *decoder, path string)
}

const (
	// maxPriceFileSize bounds a price history (a century of hourly closes
	// is about 40 MB).
	maxPriceFileSize = 256 << 20
	// maxBookFileSize bounds a position snapshot: 1e7 positions (the most a
	// book may hold in memory) take about 400 MB of CSV.
	maxBookFileSize = 1 << 30
)

// resolvePath is file relative to dir unless file is absolute.
func resolvePath(dir, file string) string {
	if filepath.IsAbs(file) || dir == "" {
		return file
	}
	return filepath.Join(dir, file)
}

// readDataFile reads a regular file of at most limit bytes. Errors name the
// file.
func readDataFile(name string, limit int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fmt.Errorf("cannot read %s: %v", name, err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %v", name, err)
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("cannot read %s: not a regular file", name)
	}
	if info.Size() > limit {
		return nil, fmt.Errorf("%s is %d bytes; at most %d are read (the data is held in memory)", name, info.Size(), limit)
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %v", name, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s is more than %d bytes (the data is held in memory)", name, limit)
	}
	return data, nil
}

// problemAtValue records a problem at the value of the field at path, which
// the decoder has seen.
func (d *decoder) problemAtValue(path, format string, args ...any) {
	p := d.positions[path]
	line, col := p.valueLine, p.valueColumn
	if p.collection {
		line, col = p.keyLine, p.keyColumn
	}
	d.problemAt(line, col, path, format, args...)
}

// readPrices reads the price history named at path (a "file" key); on
// failure it records the problem and returns nil.
func (d *decoder) readPrices(file, path string) *stochastic.PriceSeries {
	if _, given := d.positions[path]; !given {
		return nil // reported as a missing key
	}
	if file == "" {
		if !d.hasProblem(path) { // else the value did not decode: reported
			d.problemAtValue(path, "must name a CSV file of prices")
		}
		return nil
	}
	series, err := d.data.prices(resolvePath(d.dir, file))
	if err != nil {
		d.problemAtValue(path, "%v", err)
		return nil
	}
	return series
}

// hasProblem reports whether a problem concerning the field at path was
// recorded.
func (d *decoder) hasProblem(path string) bool {
	return slices.ContainsFunc(d.problems, func(p Problem) bool { return p.Field == path })
}

// withoutData returns the fields of the price model m at path (and of its
// bases) that the engine checks against the contents of a data file that
// did not load, and the problems those fields have whatever the file
// holds. The engine's check would only follow from the file's problem,
// which is reported: a block length "in [1, 0] returns" for a history
// with no returns read.
func (s *Scenario) withoutData(m PriceModel, path string) (drop []string, problems []Problem) {
	switch p := m.Spec.(type) {
	case *Historical:
		if p.series == nil {
			// Within the history's length (the engine checks it only
			// with a valid interval, which comes from the file).
			drop = append(drop, join(path, "offset"))
		}
	case *Bootstrap:
		if p.series == nil {
			field := join(path, "block_length")
			drop = append(drop, field)
			if p.BlockLength < 1 {
				problems = append(problems, s.problemAt(field,
					fmt.Sprintf("must be in [1, the number of returns in the file], got %d", p.BlockLength)))
			}
		}
	case *Scripted:
		return s.withoutData(p.Base, join(path, "base"))
	case *Bridge:
		return s.withoutData(p.Base, join(path, "base"))
	}
	return drop, problems
}

// DataFile is a data file that a scenario reads, as recorded in the
// comment that ends [Scenario.Resolved] and in a run's manifest.
type DataFile struct {
	// Field is the field that names the file: market.price.file,
	// market.price.base.file, positions.file; in a sweep, the axis's field
	// for a file only a variant reads.
	Field string
	// Path is the file as written in the scenario (relative to the
	// scenario file's directory unless absolute).
	Path string
	// SHA256 is the lowercase hex SHA-256 of the file's contents as read;
	// empty when the file could not be read.
	SHA256 string
	// Size is the file's size in bytes; -1 when it could not be read.
	Size int64
}

// dataStore holds what a scenario (and the variants of its sweep) read of
// its data files, by resolved file name.
type dataStore struct {
	mu    sync.Mutex
	files map[string]*storedFile
}

// storedFile is one data file as first read.
type storedFile struct {
	sha256 [sha256.Size]byte
	size   int64
	err    error                   // the read failed: every later read fails alike
	prices *stochastic.PriceSeries // the parsed price history, once read as one
}

func (st *storedFile) hex() string { return hex.EncodeToString(st.sha256[:]) }

// read reads the file name (at most limit bytes) and records its digest;
// a file read before must have the same contents. Errors name the file.
// The caller holds st.mu.
func (st *dataStore) read(name string, limit int64) ([]byte, *storedFile, error) {
	if st.files == nil {
		st.files = map[string]*storedFile{}
	}
	f := st.files[name]
	if f != nil && f.err != nil {
		return nil, f, f.err
	}
	data, err := readDataFile(name, limit)
	if err != nil {
		if f == nil {
			st.files[name] = &storedFile{err: err}
		}
		return nil, f, err
	}
	sum := sha256.Sum256(data)
	if f == nil {
		f = &storedFile{sha256: sum, size: int64(len(data))}
		st.files[name] = f
	} else if sum != f.sha256 {
		return nil, f, fmt.Errorf("%s changed while spiral was using it: sha256 %s… (%d bytes) when first read, %s… (%d bytes) now; run again once it no longer changes",
			name, f.hex()[:12], f.size, hex.EncodeToString(sum[:])[:12], len(data))
	}
	return data, f, nil
}

// readFile reads the file name as read does, locking the store.
func (st *dataStore) readFile(name string, limit int64) ([]byte, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	data, _, err := st.read(name, limit)
	return data, err
}

// prices returns the price history in the file name, read and parsed the
// first time only.
func (st *dataStore) prices(name string) (*stochastic.PriceSeries, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if f := st.files[name]; f != nil && f.prices != nil {
		return f.prices, nil
	}
	data, f, err := st.read(name, maxPriceFileSize)
	if err != nil {
		return nil, err
	}
	series, err := stochastic.ReadPriceCSV(bytes.NewReader(data), name)
	if err != nil {
		return nil, err
	}
	f.prices = &series
	return f.prices, nil
}

// digest returns the recorded digest of the file name, reading it (at most
// maxBookFileSize bytes, the larger limit) if it was never read.
func (st *dataStore) digest(name string) (*storedFile, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if f := st.files[name]; f != nil {
		return f, f.err
	}
	_, f, err := st.read(name, maxBookFileSize)
	return f, err
}

// store returns s's data store, creating it for a scenario built in code.
func (s *Scenario) store() *dataStore {
	if s.data == nil {
		s.data = new(dataStore)
	}
	return s.data
}

// DataFiles lists the data files s reads, each once (by its path as
// written), in the order of the scenario's structure: market.price (and
// its bases), positions, then for a sweep the files named by its axes'
// values, axis by axis and value by value. Their digests are those of the
// bytes the scenario was built from. nil when s reads no data file, as
// every embedded preset.
func (s *Scenario) DataFiles() []DataFile {
	var out []DataFile
	seen := map[string]bool{}
	s.eachDataFile(func(field, file string, _ ast.Node) {
		if file == "" || seen[file] {
			return
		}
		seen[file] = true
		df := DataFile{Field: field, Path: file, Size: -1}
		if f, err := s.store().digest(resolvePath(s.Dir, file)); err == nil {
			df.SHA256, df.Size = f.hex(), f.size
		}
		out = append(out, df)
	})
	return out
}

// eachDataFile calls visit with the field and the file (as written, maybe
// empty) of every data-file key of s, in the order of DataFiles; for a
// file named by a value of a sweep axis, value is that value's node (else
// nil).
func (s *Scenario) eachDataFile(visit func(field, file string, value ast.Node)) {
	top := func(field, file string) { visit(field, file, nil) }
	valueFiles(reflect.ValueOf(s.Market), "market", top)
	valueFiles(reflect.ValueOf(s.Positions), "positions", top)
	if s.Sweep == nil {
		return
	}
	for _, a := range s.Sweep.Axes {
		for k, v := range a.decoded {
			if k < len(a.nodes) {
				valueFiles(v, a.Field, func(field, file string) { visit(field, file, a.nodes[k]) })
			}
		}
	}
}

// valueFiles calls visit for the data-file keys within v, the value of the
// field at path: a price model (through its bases), the market, a position
// book, or a file key itself (a sweep axis over market.price.file).
func valueFiles(v reflect.Value, path string, visit func(field, file string)) {
	if !v.IsValid() {
		return
	}
	switch x := v.Interface().(type) {
	case Market:
		valueFiles(reflect.ValueOf(x.Price), join(path, "price"), visit)
	case PriceModel:
		switch p := x.Spec.(type) {
		case *Historical:
			visit(join(path, "file"), p.File)
		case *Bootstrap:
			visit(join(path, "file"), p.File)
		case *Scripted:
			valueFiles(reflect.ValueOf(p.Base), join(path, "base"), visit)
		case *Bridge:
			valueFiles(reflect.ValueOf(p.Base), join(path, "base"), visit)
		}
	case *Positions:
		if x != nil && x.File != "" {
			visit(join(path, "file"), x.File)
		}
	case string:
		if path == "file" || strings.HasSuffix(path, ".file") {
			visit(path, x)
		}
	}
}

// dataFilesComment is the comment that ends a resolved scenario reading
// files: one line per file with its digest and size. Empty without files,
// so that the text and hash of a scenario without data files are what
// they were before files were hashed.
func dataFilesComment(files []DataFile) []byte {
	if len(files) == 0 {
		return nil
	}
	var b bytes.Buffer
	b.WriteString("# data files: the scenario's sha256 covers their contents\n")
	for _, f := range files {
		sum := f.SHA256
		if sum == "" {
			sum = "unreadable"
		}
		fmt.Fprintf(&b, "#   - {field: %s, path: %s, sha256: %s, size_bytes: %s}\n",
			f.Field, quoteLine(f.Path), sum, strconv.FormatInt(f.Size, 10))
	}
	return b.Bytes()
}

// quoteLine is s as a YAML scalar on one line: plain when that reads back
// the same, else double-quoted.
func quoteLine(s string) string {
	if plainString.MatchString(s) && !yamlWords[strings.ToLower(s)] {
		return s
	}
	return doubleQuote(s)
}

func (p *Historical) load(d *decoder, path string) {
	p.series = d.readPrices(p.File, join(path, "file"))
}

func (p *Bootstrap) load(d *decoder, path string) {
	p.series = d.readPrices(p.File, join(path, "file"))
}
