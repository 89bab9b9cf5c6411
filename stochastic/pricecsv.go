package stochastic

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// MinPriceRows is the fewest prices [ReadPriceCSV] accepts.
const MinPriceRows = 30

// PriceSeries is a price history at a (nearly) regular step.
type PriceSeries struct {
	// Name identifies the source in messages and fits (e.g. the file name).
	Name string
	// Times are the observation times, strictly increasing.
	Times []time.Time
	// Prices are the observed prices, USD (or quote units), finite and > 0.
	Prices []float64
	// Step is the median spacing of Times.
	Step time.Duration
	// Irregular counts the spacings that differ from Step by more than 1 %.
	Irregular int
	// MaxGap is the longest spacing.
	MaxGap time.Duration
}

// Len is the number of observations.
func (s PriceSeries) Len() int { return len(s.Prices) }

// LogReturns returns the log returns between consecutive observations.
func (s PriceSeries) LogReturns() []float64 {
	if len(s.Prices) < 2 {
		return nil
	}
	r := make([]float64, len(s.Prices)-1)
	for i := range r {
		r[i] = math.Log(s.Prices[i+1] / s.Prices[i])
	}
	return r
}

// Irregularity describes the spacing for a report, e.g. "regular" or
// "6 of 3141 spacings differ from 1d (longest 4d)".
func (s PriceSeries) Irregularity() string {
	if s.Irregular == 0 {
		return "regular"
	}
	return fmt.Sprintf("%d of %d spacings differ from %s (longest %s)", s.Irregular, len(s.Times)-1, formatDuration(s.Step), formatDuration(s.MaxGap))
}

// Replay returns a [Historical] process that replays the series from its
// start (the step is treated as exact).
func (s PriceSeries) Replay() Historical {
	return Historical{Prices: s.Prices, Interval: s.Step}
}

// Bootstrap returns a [Bootstrap] process over the series' log returns that
// starts at its last price.
func (s PriceSeries) Bootstrap(blockLength int) Bootstrap {
	return Bootstrap{Initial: s.Prices[len(s.Prices)-1], LogReturns: s.LogReturns(), Interval: s.Step, BlockLength: blockLength}
}

// CSVError is a positional error of [ReadPriceCSV]: "name:line: column:
// message" (the column is omitted when the problem is not in one column).
type CSVError struct {
	Name   string // the name given to ReadPriceCSV
	Line   int    // 1-based line in the file
	Column string // the column's header name, or ""
	Err    error
}

func (e *CSVError) Error() string {
	if e.Column == "" {
		return fmt.Sprintf("%s:%d: %v", e.Name, e.Line, e.Err)
	}
	return fmt.Sprintf("%s:%d: %s: %v", e.Name, e.Line, e.Column, e.Err)
}

func (e *CSVError) Unwrap() error { return e.Err }

// ReadPriceCSV reads a price history from CSV with a header row. It uses the
// `close` column and the `timestamp` column (RFC 3339), or the `unix` column
// (seconds since 1970, UTC) when there is no `timestamp`; other columns are
// ignored and names are matched case-insensitively. Rows must be in strictly
// increasing time, prices finite and > 0, and there must be at least
// [MinPriceRows] rows. The step is the median spacing; irregular spacings
// are counted, not rejected. Errors read "name:line: column: message".
func ReadPriceCSV(r io.Reader, name string) (PriceSeries, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	cr.TrimLeadingSpace = true
	fail := func(line int, col string, format string, args ...any) (PriceSeries, error) {
		return PriceSeries{}, &CSVError{Name: name, Line: line, Column: col, Err: fmt.Errorf(format, args...)}
	}
	csvFail := func(err error) (PriceSeries, error) {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return fail(pe.Line, "", "%v", pe.Err)
		}
		return PriceSeries{}, fmt.Errorf("%s: %w", name, err)
	}
	header, err := cr.Read()
	if err == io.EOF {
		return fail(1, "", "empty file: want a header row with timestamp (or unix) and close columns")
	}
	if err != nil {
		return csvFail(err)
	}
	timeCol, closeCol, unix := -1, -1, false
	unixCol := -1
	for i, h := range header {
		switch strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))) {
		case "timestamp":
			timeCol = i
		case "unix":
			unixCol = i
		case "close":
			closeCol = i
		}
	}
	if timeCol < 0 && unixCol >= 0 {
		timeCol, unix = unixCol, true
	}
	have := ClipField(strings.Join(header, ","))
	if timeCol < 0 {
		return fail(1, "timestamp", "missing column: want a timestamp (RFC 3339) or unix (seconds) column in the header, have %q", have)
	}
	if closeCol < 0 {
		return fail(1, "close", "missing column: want a close column in the header, have %q", have)
	}
	timeName := "timestamp"
	if unix {
		timeName = "unix"
	}
	s := PriceSeries{Name: name}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return csvFail(err)
		}
		line, _ := cr.FieldPos(0)
		var t time.Time
		raw := strings.TrimSpace(rec[timeCol])
		if unix {
			sec, err := strconv.ParseFloat(raw, 64)
			if err != nil || math.IsNaN(sec) || math.IsInf(sec, 0) {
				return fail(line, timeName, "want seconds since 1970 (a number), got %q", ClipField(raw))
			}
			if sec < minUnixSeconds || sec > maxUnixSeconds {
				return fail(line, timeName, "want seconds since 1970 from %.0f (year 1) to %.0f (year 9999), got %q",
					float64(minUnixSeconds), float64(maxUnixSeconds), ClipField(raw))
			}
			whole, frac := math.Modf(sec)
			t = time.Unix(int64(whole), int64(math.Round(frac*1e9))).UTC()
		} else {
			t, err = time.Parse(time.RFC3339Nano, raw)
			if err != nil {
				return fail(line, timeName, "want an RFC 3339 time such as 2020-03-12T00:00:00Z, got %q", ClipField(raw))
			}
		}
		if n := len(s.Times); n > 0 {
			switch prev := s.Times[n-1]; {
			case t.Equal(prev):
				return fail(line, timeName, "duplicate time %s (same as the previous row)", ClipField(raw))
			case t.Before(prev):
				return fail(line, timeName, "time %s is before the previous row's %s: rows must be sorted by time", ClipField(raw), prev.Format(time.RFC3339))
			}
		}
		rawPrice := strings.TrimSpace(rec[closeCol])
		p, err := strconv.ParseFloat(rawPrice, 64)
		if err != nil {
			return fail(line, "close", "want a number, got %q", ClipField(rawPrice))
		}
		if !finitePositive(p) {
			return fail(line, "close", "want a finite price > 0, got %q", ClipField(rawPrice))
		}
		s.Times = append(s.Times, t)
		s.Prices = append(s.Prices, p)
	}
	if len(s.Prices) < MinPriceRows {
		line := len(s.Prices) + 1
		return fail(line, "", "too few rows: want at least %d prices, got %d", MinPriceRows, len(s.Prices))
	}
	gaps := make([]time.Duration, len(s.Times)-1)
	for i := range gaps {
		gaps[i] = s.Times[i+1].Sub(s.Times[i])
	}
	sorted := slices.Clone(gaps)
	slices.Sort(sorted)
	s.Step = sorted[len(sorted)/2]
	s.MaxGap = sorted[len(sorted)-1]
	for _, g := range gaps {
		if math.Abs(float64(g-s.Step)) > 0.01*float64(s.Step) {
			s.Irregular++
		}
	}
	return s, nil
}

// The unix column's range: the times RFC 3339 can write, years 1 to 9999.
const (
	minUnixSeconds = -62135596800
	maxUnixSeconds = 253402300799
)

// ClipField shortens a field of an input file that an error message quotes
// to its first 60 bytes (whole UTF-8 characters) followed by its length,
// so that a huge bad field does not make a huge message; a field of at
// most 60 bytes is returned as it is.
func ClipField(field string) string {
	const most = 60
	if len(field) <= most {
		return field
	}
	cut := most
	for cut > 0 && !utf8.RuneStart(field[cut]) {
		cut--
	}
	return fmt.Sprintf("%s… (%d bytes)", field[:cut], len(field))
}
