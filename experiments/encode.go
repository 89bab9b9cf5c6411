package experiments

import (
	"bytes"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The encoder writes the block-style YAML of [Scenario.Resolved]: struct
// fields in declaration order under their yaml names, model choices with
// their `model:` key first, numbers in the shortest form that reads back to
// the same float64. It is the decoder's mirror: Parse(encode(s)) == s.

// choice is implemented by the model wrappers.
type choice interface {
	choice() (name string, spec any)
}

func encode(s *Scenario) []byte {
	var b bytes.Buffer
	encodeStruct(&b, reflect.ValueOf(s).Elem(), 0)
	return b.Bytes()
}

// lister is implemented by model wrappers that may hold a list of models
// (depositors.withdrawals); list reports whether v is one and its entries.
type lister interface {
	list() (entries reflect.Value, ok bool)
}

// skipper is implemented by structs with keys that exclude others (a
// position book is generated or read from a file): skip reports the keys
// that do not apply to this value and are left out.
type skipper interface {
	skip(key string) bool
}

func encodeStruct(b *bytes.Buffer, v reflect.Value, indent int) {
	sk, _ := v.Interface().(skipper)
	for _, f := range fieldsOf(v.Type()).fields {
		if sk != nil && sk.skip(f.name) {
			continue
		}
		encodeField(b, f.name, v.Field(f.index), indent)
	}
}

func encodeField(b *bytes.Buffer, key string, v reflect.Value, indent int) {
	pad := strings.Repeat(" ", indent)
	if v.Kind() == reflect.Pointer { // an optional section: absent when nil
		if v.IsNil() {
			return
		}
		v = v.Elem()
	}
	if l, ok := v.Interface().(lister); ok {
		if entries, ok := l.list(); ok {
			v = entries
		}
	}
	if isMapping(v) {
		fmt.Fprintf(b, "%s%s:\n", pad, key)
		encodeBody(b, v, indent+2)
		return
	}
	if v.Kind() == reflect.Slice {
		if v.Len() == 0 {
			fmt.Fprintf(b, "%s%s: []\n", pad, key)
			return
		}
		fmt.Fprintf(b, "%s%s:\n", pad, key)
		for i := 0; i < v.Len(); i++ {
			encodeItem(b, v.Index(i), indent+2)
		}
		return
	}
	fmt.Fprintf(b, "%s%s: %s\n", pad, key, scalar(v, indent))
}

// isMapping reports whether v is written as a mapping: a struct or a model
// choice.
func isMapping(v reflect.Value) bool {
	_, ok := v.Interface().(choice)
	return ok || v.Kind() == reflect.Struct
}

// encodeBody writes the entries of a struct or model choice at indent.
func encodeBody(b *bytes.Buffer, v reflect.Value, indent int) {
	if c, ok := v.Interface().(choice); ok {
		name, spec := c.choice()
		fmt.Fprintf(b, "%smodel: %s\n", strings.Repeat(" ", indent), quote(name, indent))
		if rv := reflect.ValueOf(spec); spec != nil && !rv.IsNil() {
			encodeStruct(b, rv.Elem(), indent)
		}
		return
	}
	encodeStruct(b, v, indent)
}

// encodeItem writes one list entry at indent: "- scalar", or a mapping whose
// first entry follows the dash.
func encodeItem(b *bytes.Buffer, v reflect.Value, indent int) {
	pad := strings.Repeat(" ", indent)
	switch {
	case isMapping(v):
		var inner bytes.Buffer
		encodeBody(&inner, v, indent+2)
		text := inner.String()
		if text == "" {
			fmt.Fprintf(b, "%s- {}\n", pad)
			return
		}
		b.WriteString(pad + "- " + text[indent+2:])
	case v.Kind() == reflect.Slice:
		if v.Len() == 0 {
			fmt.Fprintf(b, "%s- []\n", pad)
			return
		}
		fmt.Fprintf(b, "%s-\n", pad)
		for i := 0; i < v.Len(); i++ {
			encodeItem(b, v.Index(i), indent+2)
		}
	default:
		fmt.Fprintf(b, "%s- %s\n", pad, scalar(v, indent+2))
	}
}

// scalar formats a scalar value; indent is that of its key, for text blocks.
func scalar(v reflect.Value, indent int) string {
	if d, ok := v.Interface().(Duration); ok {
		return d.String()
	}
	switch v.Kind() {
	case reflect.Float64:
		return formatFloat(v.Float())
	case reflect.Int, reflect.Int64:
		return strconv.FormatInt(v.Int(), 10)
	case reflect.Uint64:
		return strconv.FormatUint(v.Uint(), 10)
	case reflect.Bool:
		return strconv.FormatBool(v.Bool())
	case reflect.String:
		return quote(v.String(), indent)
	}
	panic(fmt.Sprintf("experiments: cannot encode %v", v.Type()))
}

// formatFloat writes f in the shortest form that parses back to f, without
// an exponent for everyday magnitudes (52817711, not 5.2817711e+07).
func formatFloat(f float64) string {
	if a := math.Abs(f); a == 0 || a >= 1e-4 && a < 1e15 {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// plainString is text that reads back as the same string when unquoted.
var plainString = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.\-/]*( [A-Za-z0-9_.\-/()]+)*$`)

// yamlWords read as booleans or null when unquoted (YAML 1.1 and 1.2).
var yamlWords = map[string]bool{
	"true": true, "false": true, "yes": true, "no": true, "on": true, "off": true,
	"y": true, "n": true, "null": true,
}

// quote writes s as a plain scalar when that is unambiguous, as a literal
// block (|) when it is multi-line prose, and double-quoted otherwise.
func quote(s string, indent int) string {
	if plainString.MatchString(s) && !yamlWords[strings.ToLower(s)] {
		return s
	}
	if literalSafe(s) {
		body := strings.TrimRight(s, "\n")
		chomp := "-" // strip: no final newline
		if len(s) > len(body) {
			chomp = "" // clip: one final newline
		}
		pad := strings.Repeat(" ", indent+2)
		var b strings.Builder
		b.WriteString("|" + chomp)
		for _, line := range strings.Split(s[:len(body)], "\n") {
			b.WriteByte('\n')
			if line != "" {
				b.WriteString(pad + line)
			}
		}
		return b.String()
	}
	return doubleQuote(s)
}

// literalSafe reports whether s can be written as a literal block and read
// back unchanged: several lines of printable text, no tabs, no trailing
// blanks, not starting with a blank.
func literalSafe(s string) bool {
	body := strings.TrimRight(s, "\n")
	if !strings.Contains(body, "\n") || body == "" || body[0] == ' ' || len(s)-len(body) > 1 {
		return false
	}
	for _, line := range strings.Split(body, "\n") {
		if strings.HasSuffix(line, " ") {
			return false
		}
		for _, r := range line {
			if r == '\t' || !unicode.IsPrint(r) || r == utf8.RuneError || r == '\ufeff' {
				return false
			}
		}
	}
	return true
}

// doubleQuote writes s as a YAML double-quoted scalar.
func doubleQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r == ' ' || r < utf8.RuneSelf || unicode.IsPrint(r):
			b.WriteRune(r)
		case r <= 0xffff:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			fmt.Fprintf(&b, `\U%08x`, r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
