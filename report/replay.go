package report

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/spiralrisk/spiral/engine"
)

// checkSeries reports the first value of r's series that a series table
// of specs (specsOf(engine.SeriesColumns)) cannot hold.
func checkSeries(specs []columnSpec, r *engine.PathResult) error {
	for j := range r.Series {
		p := &r.Series[j]
		for i := range engine.SeriesColumns {
			if err := checkValue(&specs[i], engine.SeriesColumns[i].Value(p)); err != nil {
				return fmt.Errorf("report: path %d step %d: series column %s %w", r.Summary.Path, p.Step, specs[i].Name, err)
			}
		}
	}
	return nil
}

// appendSeries appends r's series (checked by checkSeries), one row per
// point, to w, a table of seriesSchema.
func appendSeries(w *tableWriter, specs []columnSpec, variant string, r *engine.PathResult) error {
	rb := w.rb
	for j := range r.Series {
		p := &r.Series[j]
		rb.Field(0).(*array.StringBuilder).Append(variant)
		rb.Field(1).(*array.Int64Builder).Append(int64(r.Summary.Path))
		for i := range engine.SeriesColumns {
			appendValue(rb.Field(2+i), &specs[i], engine.SeriesColumns[i].Value(p))
		}
		if err := w.endRow(); err != nil {
			return err
		}
	}
	return nil
}

// WriteSeries writes the series of one path, r, to file as a Parquet
// table with the columns and key-value metadata of the series parts of the
// run meta describes (spiral.first_path is r's path), so that code reading
// a run's series reads it unchanged: `spiral replay` writes it. The file
// is written under a temporary name and renamed when complete; an existing
// file is replaced. On any error nothing is left under either name.
func WriteSeries(file string, meta Meta, r *engine.PathResult) error {
	if err := meta.validate(); err != nil {
		return err
	}
	path := r.Summary.Path
	if path < 0 || path >= meta.Paths {
		return fmt.Errorf("report: path %d is not a path of the run's %d", path, meta.Paths)
	}
	specs := specsOf(engine.SeriesColumns)
	if err := checkSeries(specs, r); err != nil {
		return err
	}
	schema, err := seriesSchema(fileMetadata(&meta, path))
	if err != nil {
		return err
	}
	w, err := newTableWriter(file, schema)
	if err != nil {
		return err
	}
	if err := appendSeries(w, specs, meta.Variant, r); err != nil {
		w.discard()
		return err
	}
	return w.commit()
}

// SummaryRow reads path's row of the summary parts of variant in the
// output directory dir: the values of engine.SummaryColumns in order, NaN
// for a null, booleans as 0/1. found is false when no part holds the path
// (a shard that has not run yet, an interrupted run).
func SummaryRow(dir, variant string, path int) (values []float64, found bool, err error) {
	parts, err := listParts(dir, SummaryDir, variant)
	if err != nil {
		return nil, false, err
	}
	for i := range parts {
		p := parts[i]
		if p.first > path {
			break
		}
		if err := p.readFooter(); err != nil {
			return nil, false, fmt.Errorf("report: %w", err)
		}
		if path < p.first+int(p.rows) {
			values, err := rowOf(p, path)
			return values, err == nil, err
		}
	}
	return nil, false, nil
}

// rowOf reads path's row of the summary part p, which holds it.
func rowOf(p partFile, path int) ([]float64, error) {
	row := path - p.first
	value := func(name string) (float64, error) {
		column, err := readAligned([]partFile{p}, name)
		if err != nil {
			return 0, err
		}
		return column[row], nil
	}
	if got, err := value("path"); err != nil {
		return nil, err
	} else if got != float64(path) {
		return nil, fmt.Errorf("report: %s: row %d holds path %v, want %d", p.path, row, got, path)
	}
	values := make([]float64, len(engine.SummaryColumns))
	for i, c := range engine.SummaryColumns {
		v, err := value(c.Name)
		if err != nil {
			return nil, err
		}
		values[i] = v
	}
	return values, nil
}
