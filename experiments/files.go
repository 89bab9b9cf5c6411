package experiments

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spiralrisk/spiral/stochastic"
)

// Data files named by a scenario (price histories, position snapshots) are
// read when the scenario is parsed. A relative path is relative to the
// directory of the scenario file ([Scenario.Dir]); for an embedded preset,
// whose file name has no directory, that is the current directory.
// [Scenario.Resolved] keeps the paths as written.

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
		d.problemAtValue(path, "must name a CSV file of prices")
		return nil
	}
	name := resolvePath(d.dir, file)
	data, err := readDataFile(name, maxPriceFileSize)
	if err != nil {
		d.problemAtValue(path, "%v", err)
		return nil
	}
	series, err := stochastic.ReadPriceCSV(bytes.NewReader(data), name)
	if err != nil {
		d.problemAtValue(path, "%v", err)
		return nil
	}
	return &series
}

func (p *Historical) load(d *decoder, path string) {
	p.series = d.readPrices(p.File, join(path, "file"))
}

func (p *Bootstrap) load(d *decoder, path string) {
	p.series = d.readPrices(p.File, join(path, "file"))
}
