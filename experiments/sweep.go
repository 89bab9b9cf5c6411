package experiments

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml/ast"

	"github.com/spiralrisk/spiral/engine"
)

// A sweep file is a scenario file with a top-level `sweep` section: the
// scenario is the base, and the section lists axes (field paths of the
// scenario, each with values or a range) and a design that picks the
// variants: every combination (grid), or a number of points spread over
// the axes (latin_hypercube, sobol). Each variant is the base with its
// values set at the axes' paths, validated as a scenario of its own; a
// problem that a variant's value causes is reported at that value in the
// sweep section. Every variant keeps the base's seed, paths, horizon and
// step, so variant k and variant j see the same exogenous draws on path i
// (common random numbers) and their difference on that path is the
// effect of their parameters alone. docs/sweeps.md describes the file.

// sweepKey is the top-level key of the sweep section.
const sweepKey = "sweep"

// The designs of a sweep.
const (
	DesignGrid           = "grid"            // every combination of the axes' values
	DesignLatinHypercube = "latin_hypercube" // points, one per stratum of every axis
	DesignSobol          = "sobol"           // the first points of the Sobol sequence
)

// BaseVariant is the name of the variant that is the base scenario itself.
const BaseVariant = "base"

// Bounds of a sweep.
const (
	// MaxVariants bounds the variants of a sweep (its grid's size or its
	// points).
	MaxVariants = 10000
	// MaxSobolAxes is the number of axes the Sobol direction numbers cover.
	MaxSobolAxes = 21
)

// unsweepable are the fields that every variant must share: the run's
// layout (paths, horizon, step, traced paths) and its random numbers
// (seed).
var unsweepable = []string{"name", "description", "seed", "paths", "horizon", "step", "start", "outputs"}

// Sweep is a scenario's sweep section.
type Sweep struct {
	// Design is how variants are picked: grid, latin_hypercube or sobol.
	// Default grid.
	Design string
	// Points is the number of variants of a latin_hypercube or sobol
	// design, in [1, MaxVariants]; required for them, not allowed for a
	// grid (whose size is the product of the axes' sizes, at most
	// MaxVariants).
	Points int
	// Baseline names the variant the others are compared with path by
	// path: "base" (the base scenario, run as a variant of its own) or the
	// name of a design variant (v000, v001, …; then no base variant runs).
	// Default base.
	Baseline string
	// Metric is the summary column that the sweep's heatmaps and tornado
	// chart show (its mean over paths). Default bad_debt_usd for a
	// scenario with positions, else stuck_share.
	Metric string
	// Axes are the swept fields, in file order; at least one.
	Axes []Axis

	base *Scenario // the scenario the sweep belongs to
}

// Axis is one swept field.
type Axis struct {
	// Field is the field's path in the scenario, as in problems:
	// liquidators.rules.bonus, policy.pauses, depositors.withdrawals.0.baseline.
	Field string
	// Column is the name of the axis in the variants table: Field with
	// dots replaced by underscores.
	Column string
	// Numeric is set when the field is a number (values are numbers, or a
	// range); otherwise the values are alternatives named by Labels.
	Numeric bool
	// Range is the axis's range; nil for a list of values.
	Range *AxisRange
	// Values are the listed values: numbers for a numeric axis (NaN
	// otherwise); nil for a range.
	Values []float64
	// Labels name the listed values: from the file's labels, else the
	// value's text when it is a short scalar, else "option<i>" (1-based).
	Labels []string

	nodes   []ast.Node      // the listed values
	decoded []reflect.Value // the listed values decoded into the field's type
	kind    reflect.Kind    // the field's kind
	at      position        // the axis key and value in the file
}

// AxisRange is a continuous range of a numeric axis.
type AxisRange struct {
	From, To float64 // the ends, From < To (both > 0 on a log scale)
	// Steps is the number of grid values from From to To (both included),
	// ≥ 2; 0 for a latin_hypercube or sobol design, which draw values
	// anywhere in [From, To).
	Steps int
	// Scale spaces the values: "linear" (default) or "log" (geometric).
	Scale string
}

// Size is the number of values of a listed axis or of a grid range; 0 for
// a continuous range.
func (a *Axis) Size() int {
	if a.Range != nil {
		return a.Range.Steps
	}
	return len(a.Values)
}

// Variant is one point of a sweep.
type Variant struct {
	// Name is "base" or v000, v001, … in design order (more digits for
	// more than 1,000 variants).
	Name string
	// Values holds the variant's value of each axis, in axis order.
	Values []AxisValue

	overrides []override
}

// AxisValue is a variant's value of one axis.
type AxisValue struct {
	// Number is the value of a numeric axis (for the base variant, the
	// base scenario's value); NaN for an axis of alternatives.
	Number float64
	// Label names the value: the number as text, or the alternative's
	// label ("base" for the base scenario's).
	Label string
	// Index is the position of the value in the axis's list, or of the
	// step on a grid range; -1 for a value drawn from a continuous range
	// and for the base variant.
	Index int
}

// override is a value set at a field path of a variant.
type override struct {
	path   string
	node   ast.Node // a listed value; nil for a number drawn from a range
	number float64
	at     position // where the problems of this value are reported
}

// splitSweep removes the top-level sweep entry from a document body.
func splitSweep(body ast.Node) (rest ast.Node, sweep *ast.MappingValueNode) {
	switch v := body.(type) {
	case *ast.MappingValueNode:
		if keyText(v) == sweepKey {
			return nil, v
		}
	case *ast.MappingNode:
		for i, mv := range v.Values {
			if keyText(mv) == sweepKey {
				cp := *v
				cp.Values = append(slices.Clone(v.Values[:i]), v.Values[i+1:]...)
				if len(cp.Values) == 0 {
					return nil, mv
				}
				return &cp, mv
			}
		}
	}
	return body, nil
}

func keyText(mv *ast.MappingValueNode) string {
	if k, ok := mv.Key.(*ast.StringNode); ok {
		return k.Value
	}
	return ""
}

// decodeSweep reads the sweep section of base's file.
func (d *decoder) decodeSweep(mv *ast.MappingValueNode, base *Scenario) *Sweep {
	d.record(sweepKey, mv)
	sw := &Sweep{Design: DesignGrid, Baseline: BaseVariant, base: base}
	n := d.resolve(mv.Value, sweepKey)
	entries, ok := mappingEntries(n)
	if !ok || n == nil {
		d.wrongType(mv.Value, sweepKey, "a mapping with axes and a design")
		return sw
	}
	var axesNode *ast.MappingValueNode
	seen := map[string]bool{}
	for _, e := range entries {
		key, ok := d.keyOf(e, sweepKey)
		if !ok {
			continue
		}
		path := join(sweepKey, key)
		if seen[key] {
			d.problem(e.Key, path, "duplicate key")
			continue
		}
		seen[key] = true
		d.record(path, e)
		switch key {
		case "design":
			d.decode(e.Value, reflect.ValueOf(&sw.Design).Elem(), path)
			if !slices.Contains([]string{DesignGrid, DesignLatinHypercube, DesignSobol}, sw.Design) {
				d.problem(e.Value, path, "unknown design %q; one of grid, latin_hypercube, sobol", sw.Design)
			}
		case "points":
			d.decode(e.Value, reflect.ValueOf(&sw.Points).Elem(), path)
			if sw.Points < 1 || sw.Points > MaxVariants {
				d.problem(e.Value, path, "must be in [1, %d], got %d", MaxVariants, sw.Points)
			}
		case "baseline":
			d.decode(e.Value, reflect.ValueOf(&sw.Baseline).Elem(), path)
		case "metric":
			d.decode(e.Value, reflect.ValueOf(&sw.Metric).Elem(), path)
		case "axes":
			axesNode = e
		default:
			d.unknownKey(e, path, key, &structInfo{}, []string{"axes", "baseline", "design", "metric", "points"})
		}
	}
	if axesNode == nil {
		line, col := nodePosition(mv.Key)
		d.problemAt(line, col, "sweep.axes", "missing required key: the fields to sweep")
	} else {
		d.decodeAxes(axesNode, sw)
	}
	d.checkSweep(sw, base, mv)
	return sw
}

// decodeAxes reads the axes: a mapping from field paths to a list of
// values or to {values, labels} or {from, to, steps, scale}.
func (d *decoder) decodeAxes(mv *ast.MappingValueNode, sw *Sweep) {
	n := d.resolve(mv.Value, "sweep.axes")
	entries, ok := mappingEntries(n)
	if !ok || n == nil {
		d.wrongType(mv.Value, "sweep.axes", "a mapping from field paths to values or ranges")
		return
	}
	if len(entries) == 0 {
		d.problem(mv.Key, "sweep.axes", "needs at least one axis: a field path with its values or range")
		return
	}
	for _, e := range entries {
		field, ok := d.keyOf(e, "sweep.axes")
		if !ok {
			continue
		}
		path := "sweep.axes." + field
		d.record(path, e)
		a := Axis{Field: field, Column: strings.ReplaceAll(field, ".", "_"), at: d.positions[path]}
		d.decodeAxis(e, &a, path)
		sw.Axes = append(sw.Axes, a)
	}
}

func (d *decoder) decodeAxis(e *ast.MappingValueNode, a *Axis, path string) {
	n := d.resolve(e.Value, path)
	if n == nil {
		d.problem(e.Key, path, "needs values: a list, or a range {from, to, steps, scale}")
		return
	}
	if seq, ok := n.(*ast.SequenceNode); ok {
		a.nodes = seq.Values
		if len(a.nodes) == 0 {
			d.problem(e.Key, path, "empty axis: list at least one value")
		}
		return
	}
	entries, ok := mappingEntries(n)
	if !ok {
		d.wrongType(n, path, "a list of values or a range {from, to, steps, scale}")
		return
	}
	var from, to *float64
	given := map[string]ast.Node{}
	for _, m := range entries {
		key, ok := d.keyOf(m, path)
		if !ok {
			continue
		}
		kp := join(path, key)
		if _, dup := given[key]; dup {
			d.problem(m.Key, kp, "duplicate key")
			continue
		}
		given[key] = m.Value
		d.record(kp, m)
		switch key {
		case "values":
			v := d.resolve(m.Value, kp)
			seq, ok := v.(*ast.SequenceNode)
			if !ok {
				d.wrongType(m.Value, kp, "a list")
				continue
			}
			a.nodes = seq.Values
			if len(a.nodes) == 0 {
				d.problem(m.Key, kp, "empty axis: list at least one value")
			}
		case "labels":
			d.decode(m.Value, reflect.ValueOf(&a.Labels).Elem(), kp)
		case "from", "to":
			v := d.resolve(m.Value, kp)
			if v == nil {
				continue
			}
			f, ok := d.number(v, kp)
			if ok && key == "from" {
				from = &f
			} else if ok {
				to = &f
			}
		case "steps", "scale":
			if a.Range == nil {
				a.Range = &AxisRange{Scale: "linear"}
			}
			if key == "steps" {
				d.decode(m.Value, reflect.ValueOf(&a.Range.Steps).Elem(), kp)
				if a.Range.Steps < 2 {
					d.problem(m.Value, kp, "must be ≥ 2 (the range's ends are both values), got %d", a.Range.Steps)
				}
			} else {
				d.decode(m.Value, reflect.ValueOf(&a.Range.Scale).Elem(), kp)
				if a.Range.Scale != "linear" && a.Range.Scale != "log" {
					d.problem(m.Value, kp, "unknown scale %q; linear or log", a.Range.Scale)
				}
			}
		default:
			d.unknownKey(m, kp, key, &structInfo{}, []string{"from", "labels", "scale", "steps", "to", "values"})
		}
	}
	_, hasValues := given["values"]
	_, hasFrom := given["from"]
	_, hasTo := given["to"]
	switch {
	case hasValues && (hasFrom || hasTo || a.Range != nil):
		d.problem(e.Key, path, "give values or a range (from, to, steps, scale), not both")
		a.Range = nil
	case hasValues:
	case !hasFrom || !hasTo:
		if len(d.problems) == 0 || (from == nil) == hasFrom && (to == nil) == hasTo {
			d.problem(e.Key, path, "a range needs from and to (or list the values)")
		}
		a.Range = nil
	default:
		if from == nil || to == nil {
			a.Range = nil
			return // reported
		}
		if a.Range == nil {
			a.Range = &AxisRange{Scale: "linear"}
		}
		a.Range.From, a.Range.To = *from, *to
		if !(a.Range.From < a.Range.To) {
			d.problemAtValue(path+".to", "must be above from (%v), got %v", a.Range.From, a.Range.To)
		}
		if a.Range.Scale == "log" && !(a.Range.From > 0) {
			d.problemAtValue(path+".from", "a log scale needs from > 0, got %v", a.Range.From)
		}
	}
	if _, ok := given["labels"]; ok && a.Range != nil {
		d.problemAtValue(path+".labels", "a range has no labels")
	}
}

// checkSweep checks the section as a whole against the base scenario: the
// axes' fields exist and may be swept, their values have the field's type,
// the design fits the axes.
func (d *decoder) checkSweep(sw *Sweep, base *Scenario, mv *ast.MappingValueNode) {
	root := reflect.ValueOf(base).Elem()
	for i := range sw.Axes {
		a := &sw.Axes[i]
		keyLine, keyCol := a.at.keyLine, a.at.keyColumn
		where := "sweep.axes." + a.Field
		bad := func(format string, args ...any) { d.problemAt(keyLine, keyCol, where, format, args...) }
		for j := range i {
			b := sw.Axes[j].Field
			if b == a.Field || strings.HasPrefix(a.Field, b+".") || strings.HasPrefix(b, a.Field+".") {
				bad("overlaps the axis %s: each field is swept by one axis", b)
			}
		}
		if top, _, _ := strings.Cut(a.Field, "."); slices.Contains(unsweepable, top) {
			bad("%s cannot be swept: every variant shares the seed, the paths, the horizon, the step and the outputs (common random numbers, one output layout)", top)
			continue
		}
		target, err := walkField(root, a.Field, false)
		if err != nil {
			bad("%v", err)
			continue
		}
		a.kind = target.Kind()
		isDuration := target.Type() == reflect.TypeOf(Duration(0))
		numeric := !isDuration && (a.kind == reflect.Float64 || a.kind == reflect.Int || a.kind == reflect.Int64 || a.kind == reflect.Uint64)
		if a.Range != nil {
			if !numeric {
				bad("a range needs a number field, and %s is %s: list its values instead", a.Field, describeType(target.Type()))
				continue
			}
			a.Numeric = true
			if (a.kind != reflect.Float64) && (a.Range.From != math.Trunc(a.Range.From) || a.Range.To != math.Trunc(a.Range.To)) {
				bad("%s is a whole number: give a range with whole ends (values are rounded to whole numbers)", a.Field)
			}
			switch {
			case sw.Design == DesignGrid && a.Range.Steps == 0:
				bad("a grid needs steps for a range: the number of values from %v to %v", a.Range.From, a.Range.To)
			case sw.Design != DesignGrid && a.Range.Steps != 0:
				d.problemAtValue(where+".steps", "a %s design draws values anywhere in the range: remove steps, or use design: grid", sw.Design)
			}
			continue
		}
		if len(a.nodes) == 0 {
			continue // reported
		}
		if a.Labels != nil && len(a.Labels) != len(a.nodes) {
			d.problemAtValue(where+".labels", "%d labels for %d values: give one label per value", len(a.Labels), len(a.nodes))
		}
		a.Numeric = numeric
		for k, n := range a.nodes {
			v := reflect.New(target.Type()).Elem()
			before := len(d.problems)
			d.decodeAxisValue(n, v, a)
			if len(d.problems) > before {
				// Name the axis: the problem is in the sweep section.
				for p := before; p < len(d.problems); p++ {
					d.problems[p].Msg += " (a value of the axis " + a.Field + ")"
				}
			}
			a.decoded = append(a.decoded, v)
			num := math.NaN()
			if numeric {
				num = numberOf(v)
			}
			a.Values = append(a.Values, num)
			label := ""
			if k < len(a.Labels) {
				label = a.Labels[k]
			} else if numeric {
				label = formatFloat(num)
			} else {
				label = shortText(n, k)
			}
			if k >= len(a.Labels) {
				a.Labels = append(a.Labels[:k:k], label)
			}
		}
		seen := map[string]int{}
		for k, l := range a.Labels {
			if j, dup := seen[l]; dup && k < len(a.nodes) {
				bad("values %d and %d have the same label %q: give labels", j+1, k+1, l)
				break
			}
			seen[l] = k
		}
	}
	line, col := nodePosition(mv.Key)
	where := func(key string) (int, int) {
		if p, ok := d.positions["sweep."+key]; ok {
			return p.valueLine, p.valueColumn
		}
		return line, col
	}
	switch sw.Design {
	case DesignGrid:
		if _, given := d.positions["sweep.points"]; given {
			l, c := where("points")
			d.problemAt(l, c, "sweep.points", "a grid has every combination of the axes' values: remove points, or use design: latin_hypercube or sobol")
		}
		size := 1
		for _, a := range sw.Axes {
			size *= max(a.Size(), 1)
			if size > MaxVariants {
				l, c := where("axes")
				d.problemAt(l, c, "sweep.axes", "the grid has more than %d variants: use fewer values, or a latin_hypercube or sobol design with points", MaxVariants)
				break
			}
		}
	case DesignLatinHypercube, DesignSobol:
		if _, given := d.positions["sweep.points"]; !given {
			d.problemAt(line, col, "sweep.points", "missing required key: a %s design needs the number of points", sw.Design)
		}
		if sw.Design == DesignSobol && len(sw.Axes) > MaxSobolAxes {
			l, c := where("axes")
			d.problemAt(l, c, "sweep.axes", "a sobol design covers at most %d axes, got %d", MaxSobolAxes, len(sw.Axes))
		}
	}
	if sw.Metric == "" {
		sw.Metric = "stuck_share"
		if base.Positions != nil {
			sw.Metric = "bad_debt_usd"
		}
	} else if !slices.ContainsFunc(engine.SummaryColumns, func(c engine.Column[engine.Summary]) bool { return c.Name == sw.Metric }) {
		var names []string
		for _, c := range engine.SummaryColumns {
			names = append(names, c.Name)
		}
		l, c := where("metric")
		msg := fmt.Sprintf("unknown summary column %q", sw.Metric)
		if s := closest(sw.Metric, names); s != "" {
			msg += fmt.Sprintf("; did you mean %q?", s)
		}
		d.problemAt(l, c, "sweep.metric", "%s (docs/outputs.md lists the columns)", msg)
	}
	if sw.Baseline != BaseVariant && len(d.problems) == 0 {
		vs, _ := sw.variants(base.Seed)
		if !slices.ContainsFunc(vs, func(v Variant) bool { return v.Name == sw.Baseline }) {
			l, c := where("baseline")
			last := ""
			if len(vs) > 0 {
				last = ", " + vs[0].Name + " … " + vs[len(vs)-1].Name
			}
			d.problemAt(l, c, "sweep.baseline", "no variant %q; the variants are %s%s", sw.Baseline, BaseVariant, last)
		}
	}
}

// describeType names a field's type for messages.
func describeType(t reflect.Type) string {
	switch {
	case t == reflect.TypeOf(Duration(0)):
		return "a duration"
	case t.Kind() == reflect.Slice:
		return "a list"
	case t.Kind() == reflect.Struct || t.Kind() == reflect.Pointer:
		return "a section"
	case t.Kind() == reflect.String:
		return "text"
	case t.Kind() == reflect.Bool:
		return "true or false"
	}
	return "a " + t.Kind().String()
}

// numberOf is the value of a number field as float64.
func numberOf(v reflect.Value) float64 {
	switch v.Kind() {
	case reflect.Float64:
		return v.Float()
	case reflect.Int, reflect.Int64:
		return float64(v.Int())
	case reflect.Uint64:
		return float64(v.Uint())
	}
	return math.NaN()
}

// shortText labels a listed value: its text when it is a one-line scalar of
// at most 24 characters, else "option<k+1>".
func shortText(n ast.Node, k int) string {
	switch n.(type) {
	case *ast.StringNode, *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode:
		if s := n.GetToken().Value; len(s) <= 24 && !strings.ContainsAny(s, "\n\r") && s != "" {
			return s
		}
	}
	return "option" + strconv.Itoa(k+1)
}

// walkField returns the field at path (dotted yaml keys; list entries by
// index) inside root. With create, absent optional sections on the way
// are created with their defaults; without, stand-ins are used and root is
// not changed.
func walkField(root reflect.Value, path string, create bool) (reflect.Value, error) {
	v := root
	done := ""
	for _, seg := range strings.Split(path, ".") {
		for v.Kind() == reflect.Pointer {
			if v.IsNil() {
				p := reflect.New(v.Type().Elem())
				if dv, ok := p.Interface().(defaulter); ok {
					dv.setDefaults()
				}
				if create {
					v.Set(p)
				}
				v = p.Elem()
			} else {
				v = v.Elem()
			}
		}
		if c, ok := v.Interface().(choice); ok {
			name, spec := c.choice()
			if seg == "model" {
				return v, fmt.Errorf("%s.model cannot be swept alone: sweep %s itself with complete models as values", done, done)
			}
			if l, isLister := v.Interface().(lister); isLister && listed(l) {
				v = v.FieldByName("Parts") // a list of models: entries by index
			} else {
				if spec == nil || reflect.ValueOf(spec).IsNil() {
					return v, fmt.Errorf("%s has no model to hold %s", done, seg)
				}
				v = reflect.ValueOf(spec).Elem()
				if _, ok := fieldsOf(v.Type()).byName[seg]; !ok {
					return v, unknownField(join(done, seg), seg, v.Type(), []string{"model"}, name)
				}
			}
		}
		switch v.Kind() {
		case reflect.Struct:
			si := fieldsOf(v.Type())
			i, ok := si.byName[seg]
			if !ok {
				return v, unknownField(join(done, seg), seg, v.Type(), nil, "")
			}
			v = v.Field(si.fields[i].index)
		case reflect.Slice:
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= v.Len() {
				return v, fmt.Errorf("unknown field path %s: %s is a list of %d entries, numbered from 0", join(done, seg), done, v.Len())
			}
			v = v.Index(i)
		default:
			return v, fmt.Errorf("unknown field path %s: %s is %s, without fields", join(done, seg), done, describeType(v.Type()))
		}
		done = join(done, seg)
	}
	return v, nil
}

func listed(l lister) bool {
	_, ok := l.list()
	return ok
}

// unknownField is the error for a key seg that struct type t lacks.
func unknownField(path, seg string, t reflect.Type, extra []string, model string) error {
	known := slices.Clone(extra)
	for _, f := range fieldsOf(t).fields {
		known = append(known, f.name)
	}
	in := ""
	if model != "" {
		in = " of model " + model
	}
	if s := closest(seg, known); s != "" {
		return fmt.Errorf("unknown field path %s: no key %q%s; did you mean %q?", path, seg, in, s)
	}
	slices.Sort(known)
	return fmt.Errorf("unknown field path %s: no key %q%s; known keys: %s", path, seg, in, strings.Join(known, ", "))
}

// Variants returns the sweep's variants in order: the base variant first
// when the baseline is "base", then the design's variants v000, v001, …
// A latin_hypercube design draws from a source seeded by the scenario's
// seed, so the variants depend on it (and on nothing else).
func (s *Scenario) Variants() []Variant {
	if s.Sweep == nil {
		return []Variant{{Name: BaseVariant}}
	}
	vs, _ := s.Sweep.variants(s.Seed)
	return vs
}

// variants expands the design; the second result is the unit position of
// every design variant on each axis (in [0, 1), for tests).
func (sw *Sweep) variants(seed uint64) ([]Variant, [][]float64) {
	var units [][]float64 // per design variant, per axis: a position in [0, 1) or a grid index
	var grid bool
	switch sw.Design {
	case DesignGrid:
		grid = true
		units = gridPoints(sw.Axes)
	case DesignLatinHypercube:
		units = LatinHypercube(sw.Points, len(sw.Axes), seed)
	case DesignSobol:
		units = Sobol(sw.Points, len(sw.Axes))
	}
	var out []Variant
	if sw.Baseline == BaseVariant {
		out = append(out, sw.baseVariant())
	}
	width := max(3, len(strconv.Itoa(len(units)-1)))
	for i, u := range units {
		v := Variant{Name: fmt.Sprintf("v%0*d", width, i)}
		for j := range sw.Axes {
			a := &sw.Axes[j]
			val, o := a.at01(u[j], grid)
			o.path = a.Field
			v.Values = append(v.Values, val)
			v.overrides = append(v.overrides, o)
		}
		out = append(out, v)
	}
	return out, units
}

// baseVariant is the base scenario as a variant: its values at the axes.
func (sw *Sweep) baseVariant() Variant {
	v := Variant{Name: BaseVariant}
	for _, a := range sw.Axes {
		val := AxisValue{Number: math.NaN(), Label: BaseVariant, Index: -1}
		if a.Numeric && sw.base != nil {
			if f, err := walkField(reflect.ValueOf(sw.base).Elem(), a.Field, false); err == nil {
				val.Number = numberOf(f)
				val.Label = formatFloat(val.Number)
			}
		}
		v.Values = append(v.Values, val)
	}
	return v
}

// at01 is the axis's value at u: for a grid, u is the index of the value;
// otherwise a position in [0, 1) mapped onto the range, or onto the list
// (value floor(u·n)).
func (a *Axis) at01(u float64, grid bool) (AxisValue, override) {
	o := override{at: a.at}
	if a.Range != nil {
		r := a.Range
		t := u
		index := -1
		if grid {
			index = int(u)
			t = u / float64(r.Steps-1)
		}
		x := r.From + t*(r.To-r.From)
		if r.Scale == "log" {
			x = r.From * math.Pow(r.To/r.From, t)
		}
		if grid && index == r.Steps-1 {
			x = r.To // exactly the end
		}
		if a.kind != reflect.Float64 {
			x = math.Round(x)
		}
		o.number = x
		return AxisValue{Number: x, Label: formatFloat(x), Index: index}, o
	}
	k := int(u)
	if !grid {
		k = min(int(u*float64(len(a.nodes))), len(a.nodes)-1)
	}
	o.node = a.nodes[k]
	o.at = a.valueAt(o.node)
	num := math.NaN()
	if k < len(a.Values) {
		num = a.Values[k]
	}
	label := ""
	if k < len(a.Labels) {
		label = a.Labels[k]
	}
	return AxisValue{Number: num, Label: label, Index: k}, o
}

// valueAt is the position of the field of axis a when it holds the listed
// value n: where the problems of the value itself are reported (at its
// start, or at its first key for a mapping).
func (a *Axis) valueAt(n ast.Node) position {
	p := a.at
	p.valueLine, p.valueColumn = nodePosition(n)
	p.collection = isCollection(n)
	if p.collection {
		p.keyLine, p.keyColumn = mappingStart(n)
	}
	return p
}

// decodeAxisValue decodes the listed value n of axis a into v. The
// positions recorded meanwhile are the value's, in the sweep section: they
// locate the value's problems and are then dropped, so that the base
// scenario's positions of the same field paths, which locate the base's
// own problems, stay as they are.
func (d *decoder) decodeAxisValue(n ast.Node, v reflect.Value, a *Axis) {
	base := d.positions
	d.positions = map[string]position{a.Field: a.valueAt(n)}
	defer func() { d.positions = base }()
	d.decode(n, v, a.Field)
}

func isCollection(n ast.Node) bool {
	switch n.(type) {
	case *ast.MappingNode, *ast.MappingValueNode, *ast.SequenceNode:
		return true
	}
	return false
}

// gridPoints lists every combination of the axes' value indexes, the first
// axis varying slowest.
func gridPoints(axes []Axis) [][]float64 {
	total := 1
	for _, a := range axes {
		total *= a.Size()
	}
	if total == 0 || total > MaxVariants {
		return nil
	}
	out := make([][]float64, total)
	for i := range out {
		p := make([]float64, len(axes))
		rest := i
		for j := len(axes) - 1; j >= 0; j-- {
			n := axes[j].Size()
			p[j] = float64(rest % n)
			rest /= n
		}
		out[i] = p
	}
	return out
}

// LatinHypercube returns n points in [0, 1)^dims with one point in each
// of the n equal strata of every dimension: point i's coordinate j is
// (π_j(i) + U_ij)/n for a random permutation π_j and uniform jitter U_ij.
// The draws come from a PCG seeded by seed (and a constant naming the
// sweep design), so the points depend on the seed alone.
func LatinHypercube(n, dims int, seed uint64) [][]float64 {
	rng := rand.New(rand.NewPCG(seed, 0x7377_6565_702d_6c68)) // "sweep-lh"
	uniform := func() float64 { return float64(rng.Uint64()>>11) / (1 << 53) }
	out := make([][]float64, n)
	for i := range out {
		out[i] = make([]float64, dims)
	}
	perm := make([]int, n)
	for j := range dims {
		for i := range perm {
			perm[i] = i
		}
		for i := n - 1; i > 0; i-- { // Fisher-Yates
			k := int(uniform() * float64(i+1))
			perm[i], perm[k] = perm[k], perm[i]
		}
		for i := range n {
			out[i][j] = (float64(perm[i]) + uniform()) / float64(n)
		}
	}
	return out
}

// sobolDirections are Joe and Kuo's direction numbers (new-joe-kuo-6.21201)
// for dimensions 2 to 21, each as s, a, m_1 … m_s (degree of the
// primitive polynomial, its coefficients as a bit mask, initial direction
// numbers). Dimension 1 is the van der Corput sequence.
var sobolDirections = [][]uint32{
	{1, 0, 1},
	{2, 1, 1, 3},
	{3, 1, 1, 3, 1},
	{3, 2, 1, 1, 1},
	{4, 1, 1, 1, 3, 3},
	{4, 4, 1, 3, 5, 13},
	{5, 2, 1, 1, 5, 5, 17},
	{5, 4, 1, 1, 5, 5, 5},
	{5, 7, 1, 1, 7, 11, 19},
	{5, 11, 1, 1, 5, 1, 1},
	{5, 13, 1, 1, 1, 3, 11},
	{5, 14, 1, 3, 5, 5, 31},
	{6, 1, 1, 3, 3, 9, 7, 49},
	{6, 13, 1, 1, 1, 15, 21, 21},
	{6, 16, 1, 3, 1, 13, 27, 49},
	{6, 19, 1, 1, 1, 15, 7, 5},
	{6, 22, 1, 3, 1, 15, 13, 25},
	{6, 25, 1, 1, 5, 5, 19, 61},
	{7, 1, 1, 3, 7, 11, 23, 15, 103},
	{7, 4, 1, 3, 7, 13, 13, 15, 69},
}

// sobolBits is the precision of the Sobol points: 2^32 points at most.
const sobolBits = 32

// Sobol returns the first n points (from the origin on, in Gray-code
// order as Joe and Kuo's and SciPy's unscrambled generators give them) of
// the Sobol sequence in [0, 1)^dims, dims ≤ MaxSobolAxes.
func Sobol(n, dims int) [][]float64 {
	dirs := make([][sobolBits]uint32, dims)
	for j := range dims {
		if j == 0 {
			for k := range sobolBits {
				dirs[0][k] = 1 << (sobolBits - 1 - k)
			}
			continue
		}
		row := sobolDirections[j-1]
		s, a, m := int(row[0]), row[1], row[2:]
		for k := range sobolBits {
			if k < s {
				dirs[j][k] = m[k] << (sobolBits - 1 - k)
				continue
			}
			v := dirs[j][k-s] ^ (dirs[j][k-s] >> s)
			for b := 1; b < s; b++ {
				if (a>>(s-1-b))&1 == 1 {
					v ^= dirs[j][k-b]
				}
			}
			dirs[j][k] = v
		}
	}
	out := make([][]float64, n)
	x := make([]uint32, dims)
	for i := range n {
		p := make([]float64, dims)
		if i > 0 {
			c := 0 // the lowest zero bit of i-1
			for (i-1)>>c&1 == 1 {
				c++
			}
			for j := range dims {
				x[j] ^= dirs[j][c]
			}
		}
		for j := range dims {
			p[j] = float64(x[j]) / (1 << sobolBits)
		}
		out[i] = p
	}
	return out
}

// Variant returns the scenario of variant v of s's sweep: s's file parsed
// with v's values set at its axes, validated as a scenario of its own
// (without the sweep section). A problem caused by a value is located at
// that value in the sweep section and names the variant.
func (s *Scenario) Variant(v Variant) (*Scenario, error) {
	if s.Sweep == nil {
		if v.Name == BaseVariant {
			return s, nil
		}
		return nil, &Error{Problems: []Problem{{File: s.File, Msg: "not a sweep: no variant " + v.Name}}}
	}
	vs, err := parseScenario(s.Dir, s.File, s.source, &v, s)
	if err != nil {
		if e, ok := err.(*Error); ok {
			for i := range e.Problems {
				if e.Problems[i].Line > 0 {
					e.Problems[i].Msg += " (variant " + v.describe(s.Sweep) + ")"
				}
			}
		}
		return nil, err
	}
	vs.Paths, vs.Seed = s.Paths, s.Seed // as overridden on the command line
	return vs, nil
}

// describe names the variant with its values: "v003: liquidators.rules.bonus=0.1".
func (v Variant) describe(sw *Sweep) string {
	parts := []string{}
	for i, a := range sw.Axes {
		if i < len(v.Values) && v.Name != BaseVariant {
			parts = append(parts, a.Field+"="+v.Values[i].Label)
		}
	}
	if len(parts) == 0 {
		return v.Name
	}
	return v.Name + ": " + strings.Join(parts, ", ")
}

// CheckVariants parses and validates every variant of s's sweep and
// returns all their problems at once (a problem shared by several variants
// once, naming them); nil when every variant is valid or s has no sweep.
func (s *Scenario) CheckVariants() error {
	if s.Sweep == nil {
		return nil
	}
	var problems []Problem
	index := map[string]int{}
	names := map[string][]string{}
	for _, v := range s.Variants() {
		_, err := s.Variant(v)
		e, ok := err.(*Error)
		if err != nil && !ok {
			return err
		}
		if e == nil {
			continue
		}
		for _, p := range e.Problems {
			base := p
			if i := strings.LastIndex(base.Msg, " (variant "); i >= 0 {
				base.Msg = base.Msg[:i]
			}
			key := base.String()
			if _, ok := index[key]; !ok {
				index[key] = len(problems)
				problems = append(problems, base)
			}
			names[key] = append(names[key], v.Name)
		}
	}
	for key, i := range index {
		if problems[i].Line == 0 {
			continue
		}
		n := names[key]
		switch {
		case len(n) == 1:
			problems[i].Msg += " (variant " + n[0] + ")"
		case len(n) <= 4:
			problems[i].Msg += " (variants " + strings.Join(n, ", ") + ")"
		default:
			problems[i].Msg += fmt.Sprintf(" (variants %s and %d more)", strings.Join(n[:3], ", "), len(n)-3)
		}
	}
	return errorOf(problems)
}

// applyVariant sets v's values in s (just decoded from the file) and moves
// the fields' recorded positions to the values in the sweep section, so
// that the checks that follow report a bad value there.
func (d *decoder) applyVariant(s *Scenario, v *Variant) {
	root := reflect.ValueOf(s).Elem()
	for _, o := range v.overrides {
		target, err := walkField(root, o.path, true)
		if err != nil {
			d.problemAt(o.at.keyLine, o.at.keyColumn, o.path, "%v", err)
			continue
		}
		for p := range d.positions {
			if p == o.path || strings.HasPrefix(p, o.path+".") {
				delete(d.positions, p)
			}
		}
		d.positions[o.path] = o.at
		if o.node == nil {
			switch target.Kind() {
			case reflect.Float64:
				target.SetFloat(o.number)
			case reflect.Int, reflect.Int64:
				target.SetInt(int64(o.number))
			case reflect.Uint64:
				target.SetUint(uint64(max(o.number, 0)))
			}
			continue
		}
		target.Set(reflect.Zero(target.Type()))
		if target.CanAddr() {
			if dv, ok := target.Addr().Interface().(defaulter); ok {
				dv.setDefaults()
			}
		}
		d.decode(o.node, target, o.path)
		d.reload(root, o.path)
	}
}

// reload reads the data file again after a variant set the file key at
// path (market.price.file): the model read the base's file when it was
// decoded. A position book is read later, from the key's final value.
func (d *decoder) reload(root reflect.Value, path string) {
	parent, ok := strings.CutSuffix(path, ".file")
	if !ok {
		return
	}
	v, err := walkField(root, parent, false)
	if err != nil {
		return
	}
	var params any
	if c, ok := v.Interface().(choice); ok {
		_, params = c.choice()
	} else if v.CanAddr() {
		params = v.Addr().Interface()
	}
	if l, ok := params.(fileLoader); ok {
		l.load(d, parent)
	}
}

// readAxisFiles reads the data files that only the values of s's sweep
// axes name and that decoding them did not read (a position snapshot, a
// value of market.price.file), so that s's hash covers every file its
// variants read. Problems are located at the value.
func (s *Scenario) readAxisFiles() []Problem {
	var problems []Problem
	s.eachDataFile(func(field, file string, value ast.Node) {
		if value == nil || file == "" {
			return
		}
		if _, err := s.store().digest(resolvePath(s.Dir, file)); err != nil {
			axis := field
			for _, a := range s.Sweep.Axes {
				if slices.Contains(a.nodes, value) {
					axis = a.Field
				}
			}
			line, col := nodePosition(value)
			problems = append(problems, Problem{File: s.File, Line: line, Column: col, Field: field,
				Msg: fmt.Sprintf("%v (a value of the axis %s)", err, axis)})
		}
	})
	return problems
}

// encode writes the sweep section as resolved YAML: every default filled
// in, every listed value written out in full as its field reads it.
func (sw *Sweep) encode() []byte {
	var b bytes.Buffer
	b.WriteString("sweep:\n")
	fmt.Fprintf(&b, "  design: %s\n", sw.Design)
	if sw.Design != DesignGrid {
		fmt.Fprintf(&b, "  points: %d\n", sw.Points)
	}
	fmt.Fprintf(&b, "  baseline: %s\n", quote(sw.Baseline, 2))
	fmt.Fprintf(&b, "  metric: %s\n", quote(sw.Metric, 2))
	b.WriteString("  axes:\n")
	for _, a := range sw.Axes {
		fmt.Fprintf(&b, "    %s:\n", quote(a.Field, 4))
		if r := a.Range; r != nil {
			fmt.Fprintf(&b, "      from: %s\n      to: %s\n", formatFloat(r.From), formatFloat(r.To))
			if r.Steps > 0 {
				fmt.Fprintf(&b, "      steps: %d\n", r.Steps)
			}
			fmt.Fprintf(&b, "      scale: %s\n", r.Scale)
			continue
		}
		b.WriteString("      values:\n")
		for _, v := range a.decoded {
			for v.Kind() == reflect.Pointer && !v.IsNil() {
				v = v.Elem()
			}
			if v.Kind() == reflect.Pointer {
				b.WriteString("        - null\n")
				continue
			}
			if l, ok := v.Interface().(lister); ok {
				if entries, ok := l.list(); ok {
					v = entries
				}
			}
			encodeItem(&b, v, 8)
		}
		b.WriteString("      labels:\n")
		for _, l := range a.Labels {
			fmt.Fprintf(&b, "        - %s\n", quote(l, 8))
		}
	}
	return b.Bytes()
}
