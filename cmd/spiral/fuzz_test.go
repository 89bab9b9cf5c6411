package main

import (
	"errors"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/spiralrisk/spiral/stochastic"
)

// FuzzPriceCSV feeds arbitrary CSV text to the price reader behind
// `spiral calibrate` (the header rewrite of --column, then
// stochastic.ReadPriceCSV). It must not panic; an error names the file and
// a line ≥ 1 when it is a *stochastic.CSVError; an accepted series has at
// least MinPriceRows positive finite prices at strictly increasing times.
// `go test` runs the seed corpus and any crasher kept in
// testdata/fuzz/FuzzPriceCSV.
func FuzzPriceCSV(f *testing.F) {
	if data, err := os.ReadFile("testdata/calibrate_gbm.csv"); err == nil {
		f.Add(data, "close")
		f.Add(data, "Close")
		f.Add(data, "open")
	}
	var b strings.Builder
	b.WriteString("timestamp,close\n")
	for d := 1; d <= 31; d++ {
		fmt.Fprintf(&b, "2024-01-%02dT00:00:00Z,%d\n", d, 100+d%3)
	}
	f.Add([]byte(b.String()), "close")
	for _, s := range []string{
		"", "\ufeff", "date,close\n", "date,close\n2024-01-01,NaN\n", "date,close\n2024-01-01,-1\n",
		"date,close\n2024-01-01,1e999\n", "timestamp,price\n1,1\n", "a,b,c\n\"unterminated\n", "date,close,close\n",
		"date;close\n2024-01-01;1\n", "date,close\n2024-13-01,1\n", "date,close\r\n2024-01-01,1\r\n",
	} {
		f.Add([]byte(s), "close")
		f.Add([]byte(s), "price")
	}
	f.Fuzz(func(t *testing.T, data []byte, column string) {
		var s stochastic.PriceSeries
		r, err := renameColumn(data, "fuzz.csv", column)
		if strings.EqualFold(strings.TrimSpace(column), "close") {
			r, err = strings.NewReader(string(data)), nil
		}
		if err == nil {
			s, err = stochastic.ReadPriceCSV(r, "fuzz.csv")
		}
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error")
			}
			var ce *stochastic.CSVError
			if errors.As(err, &ce) && (ce.Name != "fuzz.csv" || ce.Line < 0) {
				t.Fatalf("error %v names %q line %d", err, ce.Name, ce.Line)
			}
			return
		}
		if s.Len() < stochastic.MinPriceRows || len(s.Times) != s.Len() {
			t.Fatalf("accepted %d prices at %d times", s.Len(), len(s.Times))
		}
		for i, p := range s.Prices {
			if !(p > 0) || math.IsInf(p, 0) {
				t.Fatalf("accepted price %v at row %d", p, i)
			}
			if i > 0 && !s.Times[i].After(s.Times[i-1]) {
				t.Fatalf("times not increasing at row %d", i)
			}
		}
	})
}
