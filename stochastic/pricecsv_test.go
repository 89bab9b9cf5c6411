package stochastic

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// csvRows writes a header and n daily rows starting 2020-01-01 with the
// given close prices (cycled).
func csvRows(header string, n int, row func(i int, ts time.Time) string) string {
	var b strings.Builder
	b.WriteString(header + "\n")
	t0 := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		b.WriteString(row(i, t0.Add(time.Duration(i)*24*time.Hour)) + "\n")
	}
	return b.String()
}

func TestReadPriceCSV(t *testing.T) {
	good := csvRows("timestamp,unix,open,close,volume", 40, func(i int, ts time.Time) string {
		return fmt.Sprintf("%s,%d,1,%v,5", ts.Format(time.RFC3339), ts.Unix(), 100+i)
	})
	s, err := ReadPriceCSV(strings.NewReader(good), "good.csv")
	if err != nil {
		t.Fatal(err)
	}
	if s.Len() != 40 || s.Prices[39] != 139 || s.Step != 24*time.Hour || s.Irregular != 0 || s.Name != "good.csv" {
		t.Errorf("got %d prices, last %v, step %v, irregular %d", s.Len(), s.Prices[39], s.Step, s.Irregular)
	}
	if r := s.LogReturns(); len(r) != 39 {
		t.Errorf("%d log returns, want 39", len(r))
	}

	unix := csvRows("unix,Close", 40, func(i int, ts time.Time) string {
		if i >= 20 {
			ts = ts.Add(24 * time.Hour) // one 2-day gap
		}
		return fmt.Sprintf("%d,%v", ts.Unix(), 100+i)
	})
	s, err = ReadPriceCSV(strings.NewReader(unix), "unix.csv")
	if err != nil {
		t.Fatal(err)
	}
	if s.Step != 24*time.Hour || s.Irregular != 1 || s.MaxGap != 48*time.Hour || !s.Times[0].Equal(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("unix: step %v irregular %d max gap %v first %v", s.Step, s.Irregular, s.MaxGap, s.Times[0])
	}
	if !strings.Contains(s.Irregularity(), "1 of 39 spacings") {
		t.Errorf("irregularity %q", s.Irregularity())
	}

	bad := func(i int, ts time.Time, what string) string {
		stamp, price := ts.Format(time.RFC3339), fmt.Sprint(100+i)
		if i == 5 {
			switch what {
			case "time":
				stamp = "2020-01-06 00:00"
			case "price":
				price = "12,5"
			case "negative":
				price = "-3"
			case "zero":
				price = "0"
			case "nan":
				price = "NaN"
			case "inf":
				price = "+Inf"
			case "empty":
				price = ""
			case "unsorted":
				stamp = ts.Add(-72 * time.Hour).Format(time.RFC3339)
			case "duplicate":
				stamp = ts.Add(-24 * time.Hour).Format(time.RFC3339)
			}
		}
		return fmt.Sprintf("%s,%q", stamp, price)
	}
	for _, c := range []struct {
		name, input, want string
	}{
		{"no close", "timestamp,open\n2020-01-01T00:00:00Z,1\n", "f.csv:1: close: missing column"},
		{"no time", "open,close\n1,2\n", "f.csv:1: timestamp: missing column"},
		{"empty", "", "f.csv:1: empty file"},
		{"bad time", csvRows("timestamp,close", 40, func(i int, ts time.Time) string { return bad(i, ts, "time") }), `f.csv:7: timestamp: want an RFC 3339 time such as 2020-03-12T00:00:00Z, got "2020-01-06 00:00"`},
		{"bad price", csvRows("timestamp,close", 40, func(i int, ts time.Time) string { return bad(i, ts, "price") }), `f.csv:7: close: want a number, got "12,5"`},
		{"empty price", csvRows("timestamp,close", 40, func(i int, ts time.Time) string { return bad(i, ts, "empty") }), `f.csv:7: close: want a number, got ""`},
		{"negative", csvRows("timestamp,close", 40, func(i int, ts time.Time) string { return bad(i, ts, "negative") }), `f.csv:7: close: want a finite price > 0, got "-3"`},
		{"zero", csvRows("timestamp,close", 40, func(i int, ts time.Time) string { return bad(i, ts, "zero") }), `f.csv:7: close: want a finite price > 0, got "0"`},
		{"nan", csvRows("timestamp,close", 40, func(i int, ts time.Time) string { return bad(i, ts, "nan") }), `f.csv:7: close: want a finite price > 0, got "NaN"`},
		{"inf", csvRows("timestamp,close", 40, func(i int, ts time.Time) string { return bad(i, ts, "inf") }), `f.csv:7: close: want a finite price > 0, got "+Inf"`},
		{"unsorted", csvRows("timestamp,close", 40, func(i int, ts time.Time) string { return bad(i, ts, "unsorted") }), "f.csv:7: timestamp: time 2020-01-03T00:00:00Z is before the previous row's 2020-01-05T00:00:00Z: rows must be sorted by time"},
		{"duplicate", csvRows("timestamp,close", 40, func(i int, ts time.Time) string { return bad(i, ts, "duplicate") }), "f.csv:7: timestamp: duplicate time 2020-01-05T00:00:00Z"},
		{"bad unix", "unix,close\n1577836800,1\nsoon,2\n", `f.csv:3: unix: want seconds since 1970 (a number), got "soon"`},
		{"unix too late", "unix,close\n1577836800,1\n1e300,2\n", `f.csv:3: unix: want seconds since 1970 from -62135596800 (year 1) to 253402300799 (year 9999), got "1e300"`},
		{"unix too early", "unix,close\n-1e12,1\n", `f.csv:2: unix: want seconds since 1970 from -62135596800 (year 1) to 253402300799 (year 9999), got "-1e12"`},
		{"huge bad field", "timestamp,close\n2020-01-01T00:00:00Z," + strings.Repeat("é", 1e6) + "\n",
			`f.csv:2: close: want a number, got "` + strings.Repeat("é", 30) + `… (2000000 bytes)"`},
		{"ragged", "timestamp,close\n2020-01-01T00:00:00Z,1,7\n", "f.csv:2: wrong number of fields"},
		{"too few", csvRows("timestamp,close", 29, func(i int, ts time.Time) string { return bad(i, ts, "") }), "f.csv:30: too few rows: want at least 30 prices, got 29"},
	} {
		_, err := ReadPriceCSV(strings.NewReader(c.input), "f.csv")
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%s: error %q, want it to start with %q", c.name, err, c.want)
		}
		if err != nil && len(err.Error()) > 300 {
			t.Errorf("%s: an error of %d bytes", c.name, len(err.Error()))
		}
	}
}
