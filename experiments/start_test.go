package experiments

import (
	"strings"
	"testing"
	"time"
)

// start accepts a plain date, as holidays do, as midnight UTC; it is
// resolved in RFC 3339, so both spellings are one scenario (one hash).
func TestStartPlainDate(t *testing.T) {
	withStart := func(v string) string { return minimal + "start: " + v + "\n" }
	date, err := Parse("date.yaml", []byte(withStart("2022-05-07")))
	if err != nil {
		t.Fatalf("start: 2022-05-07: %v", err)
	}
	full, err := Parse("full.yaml", []byte(withStart("2022-05-07T00:00:00Z")))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := date.Config()
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2022, 5, 7, 0, 0, 0, 0, time.UTC); !cfg.Start.Equal(want) || cfg.Start.Location() != time.UTC {
		t.Errorf("start = %v, want %v", cfg.Start, want)
	}
	if !strings.Contains(string(date.Resolved()), `start: "2022-05-07T00:00:00Z"`) {
		t.Errorf("resolved start is not midnight UTC in RFC 3339:\n%s", date.Resolved())
	}
	if date.SHA256() != full.SHA256() {
		t.Error("start: 2022-05-07 and start: 2022-05-07T00:00:00Z hash differently")
	}
	// Neither a time nor a date: the message names both forms.
	for _, bad := range []string{"2022-05-32", "07/05/2022", "2022-05-07T00:00:00"} {
		checkProblems(t, problemsOf(t, "s.yaml", withStart(bad)), []want{
			{13, 8, "start", "expected an RFC 3339 time such as 2023-03-10T00:00:00Z or a date such as 2023-03-10 (midnight UTC), got"},
		})
	}
}
