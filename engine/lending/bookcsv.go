package lending

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/spiralrisk/spiral/stochastic"
)

// Book CSV columns. A snapshot has a header naming at least these columns,
// in any order; other columns are ignored.
const (
	csvID         = "id"         // position id, an integer unique in the file
	csvCollateral = "collateral" // collateral, units ≥ 0
	csvDebt       = "debt_usd"   // debt at the snapshot, USD ≥ 0
)

// maxCSVErrors bounds the errors one ReadBookCSV call reports.
const maxCSVErrors = 20

// ReadBookCSV reads a position snapshot in CSV with the header
// id,collateral,debt_usd (any order, extra columns ignored; fields may be
// surrounded by spaces) into a book for a market with liquidation threshold
// lt in (0, 1). The snapshot's debts become scaled debts, i.e. the borrow
// index is 1 at the snapshot. name labels errors, which read
// "name:line: column: what was expected" (up to 20 of them, joined).
func ReadBookCSV(r io.Reader, name string, lt float64) (*Book, error) {
	if err := openRange("liquidation_threshold", lt, 0, 1); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true

	header, err := cr.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("%s:1: header: expected %s,%s,%s, got an empty file", name, csvID, csvCollateral, csvDebt)
	}
	if err != nil {
		return nil, csvError(name, err)
	}
	col := map[string]int{csvID: -1, csvCollateral: -1, csvDebt: -1}
	for i, h := range header {
		h = strings.TrimSpace(h)
		if i == 0 {
			h = strings.TrimPrefix(h, "\uFEFF") // byte order mark
		}
		if j, ok := col[h]; ok {
			if j >= 0 {
				return nil, fmt.Errorf("%s:1: %s: expected the column once, found it twice", name, h)
			}
			col[h] = i
		}
	}
	var errs []error
	for _, c := range []string{csvID, csvCollateral, csvDebt} {
		if col[c] < 0 {
			errs = append(errs, fmt.Errorf("%s:1: %s: expected a column named %q in the header", name, c, c))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	idCol, collCol, debtCol := col[csvID], col[csvCollateral], col[csvDebt]

	var positions []Position
	firstLine := map[int]int{} // id → line; lookups only
	for len(errs) < maxCSVErrors {
		record, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			errs = append(errs, csvError(name, err))
			break // the reader cannot recover from a syntax error
		}
		line, _ := cr.FieldPos(0)
		var p Position
		bad := false
		fail := func(column, msg string) {
			errs = append(errs, fmt.Errorf("%s:%d: %s: %s", name, line, column, msg))
			bad = true
		}
		field := func(i int) (string, bool) {
			if i >= len(record) {
				return "", false
			}
			return strings.TrimSpace(record[i]), true
		}
		if s, ok := field(idCol); !ok {
			fail(csvID, "expected an integer id, the field is missing")
		} else if id, err := strconv.Atoi(s); err != nil {
			fail(csvID, fmt.Sprintf("expected an integer id, got %q", stochastic.ClipField(s)))
		} else if l, dup := firstLine[id]; dup {
			fail(csvID, fmt.Sprintf("expected a unique id, %d is also on line %d", id, l))
		} else {
			p.ID = id
			firstLine[id] = line
		}
		number := func(column string, i int, unit string) float64 {
			s, ok := field(i)
			if !ok {
				fail(column, fmt.Sprintf("expected a number ≥ 0 (%s), the field is missing", unit))
				return 0
			}
			v, err := strconv.ParseFloat(s, 64)
			switch {
			case err != nil && !errors.Is(err, strconv.ErrRange):
				fail(column, fmt.Sprintf("expected a number ≥ 0 (%s), got %q", unit, stochastic.ClipField(s)))
			case math.IsNaN(v) || math.IsInf(v, 0):
				fail(column, fmt.Sprintf("expected a finite number ≥ 0 (%s), got %q", unit, stochastic.ClipField(s)))
			case v < 0:
				fail(column, fmt.Sprintf("expected a number ≥ 0 (%s), got %q", unit, stochastic.ClipField(s)))
			}
			return v
		}
		p.Collateral = number(csvCollateral, collCol, "units")
		p.ScaledDebt = number(csvDebt, debtCol, "USD")
		if !bad {
			positions = append(positions, p)
		}
	}
	if len(errs) >= maxCSVErrors {
		errs = append(errs[:maxCSVErrors], fmt.Errorf("%s: too many errors, stopped", name))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if len(positions) == 0 {
		return nil, fmt.Errorf("%s:2: %s: expected at least one position after the header, got none", name, csvID)
	}
	b, err := NewBook(positions, lt)
	if err != nil { // only an overflowing total: every row was checked above
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return b, nil
}

// csvError rewrites an encoding/csv error as "name:line: what".
func csvError(name string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s:%d: csv: expected valid CSV, %v", name, pe.Line, pe.Err)
	}
	return fmt.Errorf("%s: %w", name, err)
}
