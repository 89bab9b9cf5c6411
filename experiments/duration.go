package experiments

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Day is 24 hours; scenario durations ignore calendars and leap seconds.
const Day = 24 * time.Hour

// Duration is a time span written with units d (24 h), h, m, s, ms, us and
// ns, largest first, e.g. "7d", "1d12h", "90m", "1.5h". It is a
// [time.Duration] with days.
type Duration time.Duration

// ParseDuration parses a duration such as "30d", "1d12h" or "90m". A leading
// "d" term may be fractional ("1.5d"); the rest follows
// [time.ParseDuration]. A bare number without a unit is an error, except 0.
func ParseDuration(s string) (Duration, error) {
	orig := s
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if s == "0" {
		return 0, nil
	}
	if s == "" {
		return 0, fmt.Errorf("invalid duration %q", orig)
	}
	var days time.Duration
	if i := strings.IndexByte(s, 'd'); i >= 0 {
		text := s[:i]
		if !isDecimal(text) {
			return 0, fmt.Errorf("invalid duration %q: want e.g. 30d, 1d12h, 90m", orig)
		}
		if n, err := strconv.ParseInt(text, 10, 64); err == nil {
			if n > math.MaxInt64/int64(Day) {
				return 0, fmt.Errorf("duration %q is too long (at most about 106751d)", orig)
			}
			days = time.Duration(n) * Day
		} else {
			f, _ := strconv.ParseFloat(text, 64) // isDecimal: always parses
			if f*float64(Day) >= math.MaxInt64 {
				return 0, fmt.Errorf("duration %q is too long (at most about 106751d)", orig)
			}
			days = time.Duration(math.Round(f * float64(Day)))
		}
		s = s[i+1:]
	}
	var rest time.Duration
	if s != "" {
		if s[0] == '-' || s[0] == '+' {
			return 0, fmt.Errorf("invalid duration %q: want e.g. 30d, 1d12h, 90m", orig)
		}
		var err error
		rest, err = time.ParseDuration(s)
		if err != nil {
			msg := "want e.g. 30d, 1d12h, 90m"
			if _, nerr := strconv.ParseFloat(s, 64); nerr == nil {
				msg = "missing unit (d, h, m, s)"
			} else if strings.Contains(err.Error(), "invalid duration") && isUnitSyntax(s) {
				msg = "too long (at most about 106751d)"
			}
			return 0, fmt.Errorf("invalid duration %q: %s", orig, msg)
		}
	}
	if rest > math.MaxInt64-days {
		return 0, fmt.Errorf("duration %q is too long (at most about 106751d)", orig)
	}
	d := days + rest
	if neg {
		d = -d
	}
	return Duration(d), nil
}

// isUnitSyntax reports whether s looks like number-unit terms, so that a
// failure to parse it is an overflow.
func isUnitSyntax(s string) bool {
	return strings.Trim(s, "0123456789.hmsuµn") == ""
}

// isDecimal reports whether s is digits with at most one '.'.
func isDecimal(s string) bool {
	dot := false
	digits := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !dot:
			dot = true
		default:
			return false
		}
	}
	return digits > 0
}

// String formats d with days, hours, minutes and seconds, largest first and
// zero terms left out, e.g. "30d", "1d12h", "1h30m", "1.5s"; zero is "0s".
// ParseDuration(d.String()) == d for every d.
func (d Duration) String() string {
	if d == 0 {
		return "0s"
	}
	var b strings.Builder
	u := uint64(d)
	if d < 0 {
		b.WriteByte('-')
		u = -u
	}
	for _, unit := range []struct {
		name string
		size uint64
	}{{"d", uint64(Day)}, {"h", uint64(time.Hour)}, {"m", uint64(time.Minute)}} {
		if n := u / unit.size; n > 0 {
			b.WriteString(strconv.FormatUint(n, 10))
			b.WriteString(unit.name)
			u -= n * unit.size
		}
	}
	if u > 0 {
		sec, frac := u/uint64(time.Second), u%uint64(time.Second)
		b.WriteString(strconv.FormatUint(sec, 10))
		if frac > 0 {
			f := fmt.Sprintf("%09d", frac)
			b.WriteByte('.')
			b.WriteString(strings.TrimRight(f, "0"))
		}
		b.WriteByte('s')
	}
	return b.String()
}

// Std returns d as a [time.Duration].
func (d Duration) Std() time.Duration { return time.Duration(d) }

// MarshalText formats d as [Duration.String] does.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText parses d as [ParseDuration] does.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := ParseDuration(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

var errNotDuration = errors.New("expected a duration such as 30d, 1h, 90m or 1d12h")
