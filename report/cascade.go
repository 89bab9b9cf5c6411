package report

import (
	"fmt"
	"strconv"
	"strings"
)

// CascadeColumn is the summary column of the most cascade rounds with
// liquidations in one step of a path.
const CascadeColumn = "max_cascade_rounds"

// CascadeNoteShare is the share of paths on which the cascade cap must be
// reached for the report to note it.
const CascadeNoteShare = 0.01

// cascadeNote says on how many paths of which variants a step's
// liquidation cascade reached liquidators.max_rounds, where the engine
// stops it: a cascade cut short understates liquidations, their price
// impact and bad debt. It notes the variants where that happened on at
// least CascadeNoteShare of the paths; "" when none.
func cascadeNote(variants []VariantAggregate, sweep bool) string {
	var parts []string
	for _, v := range variants {
		n := v.Paths
		for _, m := range v.Metrics {
			if m.Metric == CascadeColumn {
				n = m.N
			}
		}
		if v.CascadeCap <= 0 || n <= 0 || float64(v.CascadePaths) < CascadeNoteShare*float64(n) {
			continue
		}
		share := strconv.FormatFloat(100*float64(v.CascadePaths)/float64(n), 'g', 3, 64) + " %"
		if !sweep {
			return fmt.Sprintf("cascade cap: on %s of the paths (%s of %s) a step's liquidation cascade reached liquidators.max_rounds (%s), the most a step runs, so cascades may have been cut short: "+
				"those paths may understate liquidations, their price impact and bad debt; raise liquidators.max_rounds (at most 1000) and compare",
				share, formatCount(v.CascadePaths), formatCount(n), countNoun(v.CascadeCap, "round"))
		}
		parts = append(parts, fmt.Sprintf("%s (%s of %s paths, %s, max_rounds %d)", v.Variant, formatCount(v.CascadePaths), formatCount(n), share, v.CascadeCap))
	}
	if len(parts) == 0 {
		return ""
	}
	const most = 8
	list := strings.Join(parts[:min(most, len(parts))], ", ")
	if len(parts) > most {
		list += fmt.Sprintf(" and %d more variants", len(parts)-most)
	}
	noun := "variant"
	if len(parts) > 1 {
		noun = "variants"
	}
	return "cascade cap: a step's liquidation cascade reached liquidators.max_rounds, the most a step runs, so cascades may have been cut short, on at least 1 % of the paths of " + noun + " " + list +
		": those paths may understate liquidations, their price impact and bad debt; raise liquidators.max_rounds (at most 1000) and compare"
}
