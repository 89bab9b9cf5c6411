package experiments

import (
	"strings"
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
	}{
		{"0", 0},
		{"0s", 0},
		{"90m", 90 * time.Minute},
		{"1h", time.Hour},
		{"7d", 7 * Day},
		{"1d12h", 36 * time.Hour},
		{"1.5d", 36 * time.Hour},
		{"30d", 720 * time.Hour},
		{"1h30m", 90 * time.Minute},
		{"2d3h4m5s", 2*Day + 3*time.Hour + 4*time.Minute + 5*time.Second},
		{"1.5s", 1500 * time.Millisecond},
		{"-1h", -time.Hour},
		{"+2d", 2 * Day},
		{"250ms", 250 * time.Millisecond},
		{"3650d", 3650 * Day},
	} {
		got, err := ParseDuration(tc.in)
		if err != nil || got.Std() != tc.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", tc.in, got.Std(), err, tc.want)
		}
	}
}

func TestParseDurationErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", "invalid duration"},
		{"12", "missing unit"},
		{"1.5", "missing unit"},
		{"d", "want e.g."},
		{"1x", "want e.g."},
		{"1d-2h", "want e.g."},
		{"1h2d", "want e.g."},
		{"-", "invalid duration"},
		{"1e3d", "want e.g."},
		{"200000d", "too long"},
		{"106751d24h", "too long"},
		{"9999999999h", "too long"},
		{"1d1d", "want e.g."},
	} {
		_, err := ParseDuration(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseDuration(%q) error = %v; want one containing %q", tc.in, err, tc.want)
		}
	}
}

func TestDurationString(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{0, "0s"},
		{time.Hour, "1h"},
		{90 * time.Minute, "1h30m"},
		{30 * Day, "30d"},
		{36 * time.Hour, "1d12h"},
		{1500 * time.Millisecond, "1.5s"},
		{time.Nanosecond, "0.000000001s"},
		{-25 * time.Hour, "-1d1h"},
	} {
		if got := Duration(tc.d).String(); got != tc.want {
			t.Errorf("Duration(%v).String() = %q; want %q", tc.d, got, tc.want)
		}
	}
}

// Every duration formats to text that parses back to itself.
func TestDurationRoundTrip(t *testing.T) {
	values := []time.Duration{1, -1, 999, time.Second + 1, 3*Day + 59*time.Second, 1<<63 - 1, -(1<<63 - 1)}
	for i := time.Duration(1); i < 1<<62; i = i*7 + 3 {
		values = append(values, i, -i)
	}
	for _, d := range values {
		got, err := ParseDuration(Duration(d).String())
		if err != nil || got != Duration(d) {
			t.Errorf("round trip of %d via %q gave %d, %v", d, Duration(d).String(), got, err)
		}
	}
}
