package report

import (
	"fmt"
	"io"
	"strings"
)

// writeMarkdown writes the document as GitHub-flavoured Markdown whose
// figures link the PNG charts (relative paths, so the report reads in
// place and in a copy of the whole directory).
func (d *document) writeMarkdown(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s: risk report\n\n", d.title)
	for _, blk := range d.blocks {
		switch x := blk.(type) {
		case *heading:
			fmt.Fprintf(&b, "%s %s\n\n", strings.Repeat("#", x.level+1), x.text)
		case *paragraph:
			fmt.Fprintf(&b, "%s\n\n", x.text)
		case *preText:
			for _, l := range x.lines {
				b.WriteString(strings.TrimRight(l, " ") + "\n")
			}
			b.WriteString("\n")
		case *table:
			markdownTable(&b, x)
		case *figure:
			fmt.Fprintf(&b, "![%s](%s)\n\n", x.name, x.png)
		case pageBreak:
		}
	}
	_, err := io.WriteString(w, strings.TrimRight(b.String(), "\n")+"\n")
	return err
}

// markdownTable writes t; a cell's second line follows its first in
// brackets' place, or for a text column (the risk metrics' conventions)
// in an extra column.
func markdownTable(b *strings.Builder, t *table) {
	split := make([]bool, len(t.header)) // a text column with second lines
	for _, r := range t.rows {
		for i, c := range r {
			if c.sub != "" && !t.right[i] && i < len(t.header) {
				split[i] = true
			}
		}
	}
	var head, rule []string
	for i, h := range t.header {
		if h == "" {
			h = " "
		}
		head = append(head, h)
		if t.right[i] {
			rule = append(rule, "---:")
		} else {
			rule = append(rule, "---")
		}
		if split[i] {
			head = append(head, "Convention")
			rule = append(rule, "---")
		}
	}
	esc := func(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
	fmt.Fprintf(b, "| %s |\n| %s |\n", strings.Join(head, " | "), strings.Join(rule, " | "))
	for _, r := range t.rows {
		var cells []string
		for i, c := range r {
			switch {
			case split[i]:
				cells = append(cells, esc(c.main), esc(c.sub))
			case c.sub != "":
				cells = append(cells, esc(c.main+" "+c.sub))
			default:
				cells = append(cells, esc(c.main))
			}
		}
		fmt.Fprintf(b, "| %s |\n", strings.Join(cells, " | "))
	}
	b.WriteString("\n")
}
