package experiments

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// The decoder walks the YAML AST against Go types by reflection over their
// `yaml:"name[,required]"` tags, collecting every problem instead of
// stopping at the first. Types with their own syntax (durations, model
// choices) implement nodeDecoder.

// nodeDecoder is implemented (with a pointer receiver) by types that decode
// themselves from a node.
type nodeDecoder interface {
	decodeNode(d *decoder, n ast.Node, path string)
}

// position is where a field's key and value start in the file.
type position struct {
	keyLine, keyColumn     int
	valueLine, valueColumn int
	// collection is set when the value is a mapping or sequence; problems
	// then point at the key rather than at the first nested entry.
	collection bool
}

// decoder holds the state of decoding one file.
type decoder struct {
	file     string
	problems []Problem
	// positions maps every field path present in the file to its position.
	positions map[string]position
	anchors   map[string]ast.Node
	// budget bounds the nodes visited, so aliases cannot expand without
	// limit (a "billion laughs" file).
	budget int
	depth  int
	// notYet are top-level keys reserved by DESIGN §5 but not implemented.
	notYet map[string]bool
	// dir is the directory relative file paths (price histories) are
	// resolved against.
	dir string
	// data holds the data files read (files.go): the scenario's store.
	data *dataStore
}

const (
	// maxFileSize bounds a scenario file (presets are a few kB; the YAML
	// parser is slow on huge inputs).
	maxFileSize = 1 << 20
	nodeBudget  = 1_000_000
	maxDepth    = 100
)

func newDecoder(file string) *decoder {
	return &decoder{
		file:      file,
		positions: map[string]position{},
		anchors:   map[string]ast.Node{},
		budget:    nodeBudget,
	}
}

// problem records a problem at n's position.
func (d *decoder) problem(n ast.Node, path, format string, args ...any) {
	line, col := nodePosition(n)
	d.problemAt(line, col, path, format, args...)
}

func (d *decoder) problemAt(line, col int, path, format string, args ...any) {
	d.problems = append(d.problems, Problem{File: d.file, Line: line, Column: col, Field: path, Msg: fmt.Sprintf(format, args...)})
}

// nodePosition is the line and column of n's first token (0, 0 if unknown).
func nodePosition(n ast.Node) (int, int) {
	if n == nil || reflect.ValueOf(n).IsNil() {
		return 0, 0
	}
	tk := n.GetToken()
	if tk == nil || tk.Position == nil {
		return 0, 0
	}
	return tk.Position.Line, tk.Position.Column
}

// parseDocument parses data and returns the body of its only document; a
// nil body means an empty file. Syntax errors become problems.
func (d *decoder) parseDocument(data []byte) (body ast.Node, ok bool) {
	if len(data) > maxFileSize {
		d.problemAt(0, 0, "", "file is %d bytes; a scenario is at most %d", len(data), maxFileSize)
		return nil, false
	}
	if !utf8.Valid(data) {
		d.problemAt(0, 0, "", "file is not valid UTF-8")
		return nil, false
	}
	f, err := parseBytes(data)
	if err != nil {
		var se *yaml.SyntaxError
		if errors.As(err, &se) {
			line, col := 0, 0
			if se.Token != nil && se.Token.Position != nil {
				line, col = se.Token.Position.Line, se.Token.Position.Column
			}
			d.problemAt(line, col, "", "syntax error: %s", se.Message)
		} else {
			d.problemAt(0, 0, "", "syntax error: %v", err)
		}
		return nil, false
	}
	var docs []*ast.DocumentNode
	for _, doc := range f.Docs {
		if doc != nil && doc.Body != nil {
			docs = append(docs, doc)
		}
	}
	switch len(docs) {
	case 0:
		return nil, true
	case 1:
		return docs[0].Body, true
	}
	line, col := mappingStart(docs[1].Body)
	d.problemAt(line, col, "", "a scenario file holds one YAML document, found %d", len(docs))
	return nil, false
}

// parseBytes parses YAML, turning a panic of the parser on malformed input
// into a syntax error. Duplicate keys are allowed here and reported by the
// decoder, with their field path, together with every other problem.
func parseBytes(data []byte) (f *ast.File, err error) {
	defer func() {
		if r := recover(); r != nil {
			f, err = nil, fmt.Errorf("the YAML parser failed on this input: %v", r)
		}
	}()
	return parser.ParseBytes(data, 0, parser.AllowDuplicateMapKey())
}

// resolve unwraps anchors, aliases and tags, returning the node holding the
// value. It returns nil (after recording a problem) for an unknown alias.
func (d *decoder) resolve(n ast.Node, path string) ast.Node {
	for i := 0; i < maxDepth; i++ {
		switch v := n.(type) {
		case *ast.AnchorNode:
			if v.Name != nil {
				d.anchors[v.Name.String()] = v.Value
			}
			n = v.Value
		case *ast.AliasNode:
			name := ""
			if v.Value != nil {
				name = v.Value.String()
			}
			target, ok := d.anchors[name]
			if !ok {
				d.problem(v, path, "unknown alias *%s", name)
				return nil
			}
			n = target
		case *ast.TagNode:
			n = v.Value
		default:
			return n
		}
		if n == nil || reflect.ValueOf(n).IsNil() {
			return nil
		}
	}
	d.problem(n, path, "anchors and aliases nest too deeply")
	return nil
}

// decode stores node n into v (addressable) at field path.
func (d *decoder) decode(n ast.Node, v reflect.Value, path string) {
	if d.budget--; d.budget < 0 {
		if d.budget == -1 {
			d.problem(n, path, "document too large (more than %d nodes after expanding aliases)", nodeBudget)
		}
		return
	}
	if d.depth++; d.depth > maxDepth {
		d.depth--
		d.problem(n, path, "nested too deeply")
		return
	}
	defer func() { d.depth-- }()
	n = d.resolve(n, path)
	if n == nil {
		return
	}
	if nd, ok := v.Addr().Interface().(nodeDecoder); ok {
		nd.decodeNode(d, n, path)
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		d.decodeStruct(n, v, path, nil)
	case reflect.Pointer:
		// An optional section: nil when absent, its defaults when given.
		if v.IsNil() {
			p := reflect.New(v.Type().Elem())
			if dv, ok := p.Interface().(defaulter); ok {
				dv.setDefaults()
			}
			v.Set(p)
		}
		d.decode(n, v.Elem(), path)
	case reflect.Slice:
		d.decodeSlice(n, v, path)
	case reflect.Float64:
		if f, ok := d.number(n, path); ok {
			v.SetFloat(f)
		}
	case reflect.Int, reflect.Int64:
		if i, ok := d.integer(n, path, math.MinInt64, math.MaxInt64); ok {
			v.SetInt(i.int64())
		}
	case reflect.Uint64:
		if i, ok := d.integer(n, path, 0, math.MaxUint64); ok {
			v.SetUint(i.abs)
		}
	case reflect.String:
		if s, ok := d.str(n, path); ok {
			v.SetString(s)
		}
	case reflect.Bool:
		if b, ok := n.(*ast.BoolNode); ok {
			v.SetBool(b.Value)
		} else {
			d.wrongType(n, path, "true or false")
		}
	default:
		panic(fmt.Sprintf("experiments: cannot decode into %v", v.Type()))
	}
}

// wrongType records "expected <want>, got <what n is>".
func (d *decoder) wrongType(n ast.Node, path, want string) {
	d.problem(n, path, "expected %s, got %s", want, describe(n))
}

// describe names what a node holds, for messages.
func describe(n ast.Node) string {
	switch v := n.(type) {
	case *ast.NullNode:
		return "no value"
	case *ast.MappingNode, *ast.MappingValueNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a list"
	case *ast.BoolNode:
		return "a boolean " + v.String()
	case *ast.IntegerNode, *ast.FloatNode:
		return "the number " + v.GetToken().Value
	case *ast.NanNode, *ast.InfinityNode:
		return v.GetToken().Value
	case *ast.StringNode:
		return "the string " + strconv.Quote(clip(v.Value))
	case *ast.LiteralNode:
		return "a text block"
	}
	return "a " + strings.ToLower(n.Type().String())
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:37] + "..."
	}
	return s
}

// numberSyntax is a decimal number as people write it in scenario files:
// 52.8e6, 1e9, -0.5, 1_000_000.
var numberSyntax = regexp.MustCompile(`^[-+]?([0-9][0-9_]*(\.[0-9_]*)?|\.[0-9][0-9_]*)([eE][-+]?[0-9]+)?$`)

// number reads a finite float64 from a numeric node or a plain scalar in
// number syntax (the YAML lexer leaves "1e9" as a string).
func (d *decoder) number(n ast.Node, path string) (float64, bool) {
	var f float64
	switch v := n.(type) {
	case *ast.IntegerNode:
		switch i := v.Value.(type) {
		case int64:
			f = float64(i)
		case uint64:
			f = float64(i)
		default:
			d.wrongType(n, path, "a number")
			return 0, false
		}
	case *ast.FloatNode:
		f = v.Value
	case *ast.NanNode, *ast.InfinityNode:
		d.problem(n, path, "must be a finite number, got %s", v.GetToken().Value)
		return 0, false
	case *ast.StringNode:
		var ok bool
		f, ok = plainNumber(v)
		if !ok {
			d.wrongType(n, path, "a number")
			return 0, false
		}
	default:
		d.wrongType(n, path, "a number")
		return 0, false
	}
	if math.IsInf(f, 0) || math.IsNaN(f) {
		d.problem(n, path, "number %s is out of range", n.GetToken().Value)
		return 0, false
	}
	return f, true
}

// plainNumber parses an unquoted scalar in number syntax.
func plainNumber(v *ast.StringNode) (float64, bool) {
	if v.Token == nil || v.Token.Type != token.StringType || !numberSyntax.MatchString(v.Value) {
		return 0, false
	}
	f, err := strconv.ParseFloat(strings.ReplaceAll(v.Value, "_", ""), 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, false
	}
	return f, true
}

// integer reads a whole number in [lo, hi]; a float is accepted when it is
// integral ("paths: 1e4").
func (d *decoder) integer(n ast.Node, path string, lo, hi float64) (intValue, bool) {
	if v, ok := n.(*ast.IntegerNode); ok {
		switch i := v.Value.(type) {
		case int64:
			if float64(i) < lo {
				d.problem(n, path, "must be ≥ %v, got %d", lo, i)
				return intValue{}, false
			}
			return intValue{neg: i < 0, abs: absInt64(i)}, true
		case uint64:
			if hi < math.MaxUint64 && i > uint64(math.MaxInt64) {
				d.problem(n, path, "number %d is too large", i)
				return intValue{}, false
			}
			return intValue{abs: i}, true
		}
	}
	f, ok := d.number(n, path)
	if !ok {
		return intValue{}, false
	}
	if f != math.Trunc(f) {
		d.problem(n, path, "must be a whole number, got %v", f)
		return intValue{}, false
	}
	if f < lo || f >= hi {
		d.problem(n, path, "number %s is out of range for an integer", n.GetToken().Value)
		return intValue{}, false
	}
	if f < 0 {
		return intValue{neg: true, abs: uint64(-f)}, true
	}
	return intValue{abs: uint64(f)}, true
}

// intValue holds any int64 or uint64 exactly.
type intValue struct {
	neg bool
	abs uint64
}

func absInt64(i int64) uint64 {
	if i < 0 {
		return -uint64(i)
	}
	return uint64(i)
}

func (i intValue) int64() int64 {
	if i.neg {
		return -int64(i.abs)
	}
	return int64(i.abs)
}

// str reads a string scalar. Numbers and booleans are not strings: quote
// them.
func (d *decoder) str(n ast.Node, path string) (string, bool) {
	switch v := n.(type) {
	case *ast.StringNode:
		return v.Value, true
	case *ast.LiteralNode:
		if v.Value != nil {
			return v.Value.Value, true
		}
		return "", true
	}
	switch n.(type) {
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.NanNode, *ast.InfinityNode, *ast.NullNode:
		d.wrongType(n, path, "a string (quote it)")
	default:
		d.wrongType(n, path, "a string")
	}
	return "", false
}

// mappingEntries returns the key/value pairs of a mapping node; a null node
// is an empty mapping (a section whose entries are all commented out).
func mappingEntries(n ast.Node) ([]*ast.MappingValueNode, bool) {
	switch v := n.(type) {
	case *ast.MappingNode:
		return v.Values, true
	case *ast.MappingValueNode:
		return []*ast.MappingValueNode{v}, true
	case *ast.NullNode:
		return nil, true
	}
	return nil, false
}

// keyOf returns the text of a mapping key, or false (after recording a
// problem) for keys that are not plain scalars.
func (d *decoder) keyOf(mv *ast.MappingValueNode, path string) (string, bool) {
	switch k := mv.Key.(type) {
	case *ast.StringNode:
		return k.Value, true
	case *ast.MergeKeyNode:
		d.problem(k, path, "merge keys (<<) are not supported; repeat the keys")
		return "", false
	case *ast.MappingKeyNode:
		d.problem(k, path, "complex keys (?) are not supported")
		return "", false
	case nil:
		d.problem(mv, path, "missing key")
		return "", false
	}
	if tk := mv.Key.GetToken(); tk != nil {
		return tk.Value, true
	}
	d.problem(mv, path, "unsupported key")
	return "", false
}

// defaulter is implemented (with a pointer receiver) by the types of
// optional sections, which are pointers in their parent: the decoder
// allocates the section when the file gives it and sets its defaults before
// decoding the keys.
type defaulter interface {
	setDefaults()
}

// structField is one yaml-tagged field of a struct type.
type structField struct {
	name     string
	index    int
	required bool
}

type structInfo struct {
	fields []structField
	byName map[string]int // name → position in fields
}

var structCache sync.Map // reflect.Type → *structInfo

// fieldsOf lists t's yaml-tagged fields in declaration order. Fields without
// a yaml tag or tagged "-" are not part of the file.
func fieldsOf(t reflect.Type) *structInfo {
	if si, ok := structCache.Load(t); ok {
		return si.(*structInfo)
	}
	si := &structInfo{byName: map[string]int{}}
	for i := 0; i < t.NumField(); i++ {
		tag, ok := t.Field(i).Tag.Lookup("yaml")
		if !ok || tag == "-" || !t.Field(i).IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		si.byName[name] = len(si.fields)
		si.fields = append(si.fields, structField{name: name, index: i, required: opts == "required"})
	}
	structCache.Store(t, si)
	return si
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// decodeStruct decodes a mapping into struct v. extra are keys handled by
// the caller (a model's "model" key): accepted here and not decoded.
func (d *decoder) decodeStruct(n ast.Node, v reflect.Value, path string, extra []string) {
	entries, ok := mappingEntries(n)
	if !ok {
		d.wrongType(n, path, "a mapping")
		return
	}
	si := fieldsOf(v.Type())
	seen := map[string]*ast.MappingValueNode{}
	for _, mv := range entries {
		key, ok := d.keyOf(mv, path)
		if !ok {
			continue
		}
		kp := join(path, key)
		if first, dup := seen[key]; dup {
			line, _ := nodePosition(first.Key)
			d.problem(mv.Key, kp, "duplicate key (first given on line %d)", line)
			continue
		}
		seen[key] = mv
		if path == "" && d.notYet[key] {
			d.problem(mv.Key, kp, "not supported yet by this version of spiral; remove the section")
			continue
		}
		if contains(extra, key) {
			continue
		}
		i, known := si.byName[key]
		if !known {
			d.unknownKey(mv, kp, key, si, extra)
			continue
		}
		d.record(kp, mv)
		d.decode(mv.Value, v.Field(si.fields[i].index), kp)
	}
	for _, f := range si.fields {
		if f.required && seen[f.name] == nil {
			line, col := d.at(path, n)
			d.problemAt(line, col, join(path, f.name), "missing required key")
		}
	}
}

// at is the position used for problems about the mapping at path itself.
func (d *decoder) at(path string, n ast.Node) (int, int) {
	if p, ok := d.positions[path]; ok {
		return p.keyLine, p.keyColumn
	}
	if path == "" {
		if line, col := mappingStart(n); line > 0 {
			return line, col
		}
		return 1, 1
	}
	return mappingStart(n)
}

// mappingStart is the position of a mapping's first key (the token of a
// mapping node is its first colon), or of any other node.
func mappingStart(n ast.Node) (int, int) {
	switch v := n.(type) {
	case *ast.MappingNode:
		if len(v.Values) > 0 && v.Values[0].Key != nil {
			return nodePosition(v.Values[0].Key)
		}
	case *ast.MappingValueNode:
		if v.Key != nil {
			return nodePosition(v.Key)
		}
	}
	return nodePosition(n)
}

// record remembers where the field at path is.
func (d *decoder) record(path string, mv *ast.MappingValueNode) {
	var p position
	p.keyLine, p.keyColumn = nodePosition(mv.Key)
	value := mv.Value
	for {
		switch v := value.(type) {
		case *ast.AnchorNode:
			value = v.Value
			continue
		case *ast.TagNode:
			value = v.Value
			continue
		}
		break
	}
	switch value.(type) {
	case *ast.MappingNode, *ast.MappingValueNode, *ast.SequenceNode, *ast.AliasNode, *ast.NullNode:
		p.collection = true
	}
	p.valueLine, p.valueColumn = nodePosition(mv.Value)
	if p.valueLine == 0 {
		p.collection = true
	}
	d.positions[path] = p
}

func (d *decoder) unknownKey(mv *ast.MappingValueNode, path, key string, si *structInfo, extra []string) {
	known := append([]string(nil), extra...)
	for _, f := range si.fields {
		known = append(known, f.name)
	}
	if path == key { // top level: the sweep section and the reserved keys are known too
		known = append(known, sweepKey)
		for k := range d.notYet {
			known = append(known, k)
		}
	}
	if s := closest(key, known); s != "" {
		d.problem(mv.Key, path, "unknown key; did you mean %q?", s)
		return
	}
	sort.Strings(known)
	d.problem(mv.Key, path, "unknown key; known keys: %s", strings.Join(known, ", "))
}

// decodeSlice decodes a sequence into slice v, one element per entry.
func (d *decoder) decodeSlice(n ast.Node, v reflect.Value, path string) {
	seq, ok := n.(*ast.SequenceNode)
	if !ok {
		if _, null := n.(*ast.NullNode); null {
			v.Set(reflect.MakeSlice(v.Type(), 0, 0))
			return
		}
		d.wrongType(n, path, "a list")
		return
	}
	out := reflect.MakeSlice(v.Type(), len(seq.Values), len(seq.Values))
	for i, item := range seq.Values {
		d.decode(item, out.Index(i), fmt.Sprintf("%s.%d", path, i))
	}
	v.Set(out)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// closest returns the candidate nearest to s in edit distance when it is
// near enough to be a likely typo, or "".
func closest(s string, candidates []string) string {
	best, bestDist := "", math.MaxInt
	for _, c := range candidates {
		if dist := editDistance(strings.ToLower(s), c); dist < bestDist || dist == bestDist && c < best {
			best, bestDist = c, dist
		}
	}
	if bestDist <= max(2, len(s)/3) && bestDist < len(s) {
		return best
	}
	// An abbreviation: "jump" for "jump_rate".
	if len(s) >= 3 {
		for _, c := range candidates {
			if strings.HasPrefix(c, strings.ToLower(s)) {
				return c
			}
		}
	}
	return ""
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// decodeNode reads a duration written as a string ("30d", "1h").
func (dur *Duration) decodeNode(d *decoder, n ast.Node, path string) {
	var text string
	switch v := n.(type) {
	case *ast.StringNode:
		text = v.Value
	case *ast.IntegerNode:
		if v.GetToken().Value == "0" {
			*dur = 0
			return
		}
		d.problem(n, path, "%v: add a unit, e.g. %sh or %sd", errNotDuration, v.GetToken().Value, v.GetToken().Value)
		return
	default:
		d.problem(n, path, "%v, got %s", errNotDuration, describe(n))
		return
	}
	v, err := ParseDuration(text)
	if err != nil {
		d.problem(n, path, "%v", err)
		return
	}
	*dur = v
}
