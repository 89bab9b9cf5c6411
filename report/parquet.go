package report

import (
	"bufio"
	"fmt"
	"math"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/spiralrisk/spiral/engine"
)

// SchemaVersion is the version of the output layout and columns, written as
// spiral.schema_version in every Parquet file and in the JSON files. It
// changes when a column is renamed, removed or changes meaning.
const SchemaVersion = 1

// RowGroupRows is the number of rows buffered in Arrow builders before they
// are written out as one Parquet row group.
const RowGroupRows = 65536

// Parquet key-value metadata keys written in every Parquet file.
const (
	MetaSchemaVersion  = "spiral.schema_version"
	MetaScenario       = "spiral.scenario" // the resolved scenario YAML
	MetaScenarioSHA256 = "spiral.scenario_sha256"
	MetaSeed           = "spiral.seed"    // decimal
	MetaVersion        = "spiral.version" // spiral's version string
	MetaVariant        = "spiral.variant"
	MetaShard          = "spiral.shard" // "i/n", 0-based i
	// Since schema version 1 as well, added for `spiral merge`, which builds
	// the report from the parts alone:
	MetaScenarioName = "spiral.scenario_name"
	MetaDescription  = "spiral.description"
	MetaPaths        = "spiral.paths"      // total paths of the run, decimal
	MetaFirstPath    = "spiral.first_path" // first path of this part, decimal; the part holds its rows in path order
	MetaStepHours    = "spiral.step_hours"
	MetaHorizonHours = "spiral.horizon_hours"
	MetaLiquidations = "spiral.liquidations" // "true" or "false"
	MetaStablecoin   = "spiral.stablecoin"   // "true" or "false"
	// Added later in schema version 1 (absent from older outputs, which
	// fall back to the resolved scenario): the numbers the risk metrics'
	// thresholds are relative to, of the part's own variant.
	MetaDepositsUSD = "spiral.deposits_usd"  // the pool's initial deposits, USD
	MetaBookDebtUSD = "spiral.book_debt_usd" // the position book's initial debt, USD; absent without a book
	// Added later still: the part's variant's liquidators.max_rounds
	// (decimal; absent without a liquidation model), for the note on
	// cascades cut short. Older parts fall back to the resolved scenario.
	MetaMaxRounds = "spiral.max_rounds"
)

// columnSpec is the type information of one result column.
type columnSpec struct {
	Name     string
	Kind     engine.ColumnKind
	Nullable bool
}

func specsOf[T any](cols []engine.Column[T]) []columnSpec {
	specs := make([]columnSpec, len(cols))
	for i, c := range cols {
		specs[i] = columnSpec{Name: c.Name, Kind: c.Kind, Nullable: c.Nullable}
	}
	return specs
}

func arrowType(k engine.ColumnKind) (arrow.DataType, error) {
	switch k {
	case engine.Float:
		return arrow.PrimitiveTypes.Float64, nil
	case engine.Int:
		return arrow.PrimitiveTypes.Int64, nil
	case engine.Bool:
		return arrow.FixedWidthTypes.Boolean, nil
	}
	return nil, fmt.Errorf("report: unknown column kind %d", k)
}

// fileMetadata is the key-value metadata of the Parquet files of one
// output; first is the first path of a part, or -1 for the aggregate.
func fileMetadata(m *Meta, first int) arrow.Metadata {
	keys := []string{MetaSchemaVersion, MetaScenario, MetaScenarioSHA256, MetaSeed, MetaVersion, MetaVariant, MetaShard,
		MetaScenarioName, MetaDescription, MetaPaths, MetaStepHours, MetaHorizonHours, MetaLiquidations, MetaStablecoin}
	values := []string{strconv.Itoa(SchemaVersion), string(m.ScenarioYAML), m.ScenarioSHA256,
		strconv.FormatUint(m.Seed, 10), m.Version, m.Variant, fmt.Sprintf("%d/%d", m.Shard, m.Shards),
		m.ScenarioName, m.Description, strconv.Itoa(m.Paths), strconv.FormatFloat(m.StepHours, 'g', -1, 64),
		strconv.FormatFloat(m.HorizonHours, 'g', -1, 64), strconv.FormatBool(m.Liquidations), strconv.FormatBool(m.Stablecoin)}
	if m.Sweep != nil {
		keys = append(keys, MetaSweep)
		values = append(values, m.Sweep.marshal())
	}
	if len(m.DataFiles) > 0 {
		keys = append(keys, MetaDataFiles)
		values = append(values, marshalDataFiles(m.DataFiles))
	}
	if b := m.RiskBase; b != nil && first >= 0 { // a part's own variant's
		keys = append(keys, MetaDepositsUSD)
		values = append(values, strconv.FormatFloat(b.DepositsUSD, 'g', -1, 64))
		if b.BookDebtUSD > 0 {
			keys = append(keys, MetaBookDebtUSD)
			values = append(values, strconv.FormatFloat(b.BookDebtUSD, 'g', -1, 64))
		}
		if b.MaxRounds > 0 {
			keys = append(keys, MetaMaxRounds)
			values = append(values, strconv.Itoa(b.MaxRounds))
		}
	}
	if first >= 0 {
		keys = append(keys, MetaFirstPath)
		values = append(values, strconv.Itoa(first))
	}
	return arrow.NewMetadata(keys, values)
}

// tableSchema is the Arrow schema of a part: the key columns, then the metric
// columns; metric columns are nullable in the schema only when Nullable.
func tableSchema(keys []arrow.Field, specs []columnSpec, md arrow.Metadata) (*arrow.Schema, error) {
	fields := append([]arrow.Field(nil), keys...)
	for _, s := range specs {
		t, err := arrowType(s.Kind)
		if err != nil {
			return nil, err
		}
		fields = append(fields, arrow.Field{Name: s.Name, Type: t, Nullable: s.Nullable})
	}
	return arrow.NewSchema(fields, &md), nil
}

// SummaryKeyColumns and SeriesKeyColumns are the columns written in front of
// engine.SummaryColumns and engine.SeriesColumns.
var (
	SummaryKeyColumns = []string{"variant", "path", "seed"}
	SeriesKeyColumns  = []string{"variant", "path"}
)

func summarySchema(md arrow.Metadata) (*arrow.Schema, error) {
	return tableSchema([]arrow.Field{
		{Name: "variant", Type: arrow.BinaryTypes.String},
		{Name: "path", Type: arrow.PrimitiveTypes.Int64},
		{Name: "seed", Type: arrow.PrimitiveTypes.Uint64},
	}, specsOf(engine.SummaryColumns), md)
}

func seriesSchema(md arrow.Metadata) (*arrow.Schema, error) {
	return tableSchema([]arrow.Field{
		{Name: "variant", Type: arrow.BinaryTypes.String},
		{Name: "path", Type: arrow.PrimitiveTypes.Int64},
	}, specsOf(engine.SeriesColumns), md)
}

// writerProperties: zstd, no dictionary except for string columns (floats
// and unique integers gain nothing from it and write 2× slower), row groups
// of RowGroupRows.
func writerProperties(schema *arrow.Schema) *parquet.WriterProperties {
	opts := []parquet.WriterProperty{
		parquet.WithCompression(compress.Codecs.Zstd),
		parquet.WithDictionaryDefault(false),
		parquet.WithMaxRowGroupLength(RowGroupRows),
		parquet.WithCreatedBy("spiral (github.com/spiralrisk/spiral) via arrow-go v18"),
	}
	for _, f := range schema.Fields() {
		if f.Type.ID() == arrow.STRING {
			opts = append(opts, parquet.WithDictionaryFor(f.Name, true))
		}
	}
	return parquet.NewWriterProperties(opts...)
}

// tableWriter appends rows to Arrow builders that are reused across batches
// and writes a Parquet row group every RowGroupRows rows and at close.
type tableWriter struct {
	path    string // final path
	file    *atomicFile
	buf     *bufio.Writer
	fw      *pqarrow.FileWriter
	rb      *array.RecordBuilder
	pending int   // rows in the builders
	rows    int64 // rows written or pending
	closed  bool
}

func newTableWriter(path string, schema *arrow.Schema) (*tableWriter, error) {
	file, err := createAtomic(path)
	if err != nil {
		return nil, err
	}
	buf := bufio.NewWriterSize(file, 1<<20)
	fw, err := pqarrow.NewFileWriter(schema, buf, writerProperties(schema), pqarrow.NewArrowWriterProperties())
	if err != nil {
		file.Discard()
		return nil, wrapWrite(path, err)
	}
	return &tableWriter{
		path: path,
		file: file,
		buf:  buf,
		fw:   fw,
		rb:   array.NewRecordBuilder(memory.DefaultAllocator, schema),
	}, nil
}

// endRow counts a completed row and flushes a full row group.
func (w *tableWriter) endRow() error {
	w.pending++
	w.rows++
	if w.pending >= RowGroupRows {
		return w.flush()
	}
	return nil
}

func (w *tableWriter) flush() error {
	if w.pending == 0 {
		return nil
	}
	rec := w.rb.NewRecordBatch()
	defer rec.Release()
	w.pending = 0
	if err := w.fw.Write(rec); err != nil {
		return wrapWrite(w.path, err)
	}
	return nil
}

// commit writes the last row group and the footer and renames the file to
// its final name.
func (w *tableWriter) commit() error {
	if w.closed {
		return fmt.Errorf("report: write %s: already closed", w.path)
	}
	err := w.flush()
	w.closed = true
	w.rb.Release()
	if cerr := w.fw.Close(); err == nil && cerr != nil {
		err = wrapWrite(w.path, cerr)
	}
	if err == nil {
		if ferr := w.buf.Flush(); ferr != nil {
			err = wrapWrite(w.path, ferr)
		}
	}
	if err != nil {
		w.file.Discard()
		return err
	}
	return w.file.Commit()
}

// discard drops everything written so far. Safe after commit and twice.
func (w *tableWriter) discard() {
	if !w.closed {
		w.closed = true
		w.rb.Release()
		w.fw.Close() // writes a footer into the temporary file, removed next
	}
	w.file.Discard()
}

// checkValue reports whether v can be written into a column of spec.
func checkValue(spec *columnSpec, v float64) error {
	if math.IsNaN(v) {
		if spec.Nullable {
			return nil
		}
		return fmt.Errorf("is NaN but the column is not nullable")
	}
	if math.IsInf(v, 0) {
		return fmt.Errorf("is %v", v)
	}
	switch spec.Kind {
	case engine.Int:
		if v != math.Trunc(v) || math.Abs(v) > 1<<53 {
			return fmt.Errorf("is %v, not an integer", v)
		}
	case engine.Bool:
		if v != 0 && v != 1 {
			return fmt.Errorf("is %v, not 0 or 1", v)
		}
	}
	return nil
}

// appendValue appends v (already checked) to builder b of a column of spec.
func appendValue(b array.Builder, spec *columnSpec, v float64) {
	if math.IsNaN(v) {
		b.AppendNull()
		return
	}
	switch spec.Kind {
	case engine.Float:
		b.(*array.Float64Builder).Append(v)
	case engine.Int:
		b.(*array.Int64Builder).Append(int64(v))
	case engine.Bool:
		b.(*array.BooleanBuilder).Append(v != 0)
	}
}
