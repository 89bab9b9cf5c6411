package report

import (
	"image/color"
	"io"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	xfont "golang.org/x/image/font"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/font/liberation"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgpdf"
)

// Page geometry of report.pdf: A4 portrait, in points.
const (
	pageWidth    = vg.Length(595.28)
	pageHeight   = vg.Length(841.89)
	marginX      = vg.Length(50)
	marginTop    = vg.Length(56)
	marginBottom = vg.Length(58)
)

// Colours of report.pdf (solid only).
var (
	colorText    = color.RGBA{R: 25, G: 25, B: 25, A: 255}
	colorMuted   = color.RGBA{R: 100, G: 100, B: 100, A: 255}
	colorAccent  = color.RGBA{R: 8, G: 48, B: 107, A: 255}
	colorRule    = color.RGBA{R: 190, G: 190, B: 190, A: 255}
	colorZebra   = color.RGBA{R: 243, G: 246, B: 250, A: 255}
	colorHeadRow = color.RGBA{R: 222, G: 232, B: 243, A: 255}
)

// pdfFonts holds Liberation Sans regular and, as a typeface of its own
// ("LiberationBold"), Liberation Sans Bold: vgpdf registers a font under
// its full name and then asks for the bold style of that name, which
// fails for a bold weight of the same typeface.
//
// vgpdf (gonum/plot v0.17) names every embedded font file "font.z", and
// the PDF library keeps one file per name: a second embedded font would
// be drawn with the first one's glyphs. So the regular face (the charts'
// too) is embedded and the bold face is referenced by name with its
// metrics, which every viewer resolves (Liberation Sans is metric
// compatible with Arial and Helvetica).
var pdfFonts = sync.OnceValue(func() *font.Cache {
	var coll font.Collection
	for _, f := range liberation.Collection() {
		if f.Font.Typeface != "Liberation" || f.Font.Variant != "Sans" || f.Font.Style != xfont.StyleNormal {
			continue
		}
		if f.Font.Weight == xfont.WeightBold {
			f.Font.Typeface, f.Font.Weight = "LiberationBold", xfont.WeightNormal
		}
		coll = append(coll, f)
	}
	return font.NewCache(coll)
})

// pdfFont returns Liberation Sans at size points, bold or not.
func pdfFont(size float64, bold bool) font.Face {
	f := font.Font{Typeface: "Liberation", Variant: "Sans"}
	if bold {
		f.Typeface = "LiberationBold"
	}
	return pdfFonts().Lookup(f, vg.Points(size))
}

// pdfLayout lays the document's blocks out on pages top to bottom.
type pdfLayout struct {
	doc   *document
	c     *vgpdf.Canvas
	y     vg.Length // top of the free space, from the bottom of the page
	page  int
	fresh bool // nothing drawn on the page yet
}

// writePDF writes the document as a vector PDF: text, tables and the
// charts drawn as vector graphics in solid colours (no raster images).
func (d *document) writePDF(w io.Writer) error {
	l := &pdfLayout{doc: d, c: vgpdf.New(pageWidth, pageHeight)}
	l.startPage()
	l.titleBlock()
	for i, b := range d.blocks {
		switch x := b.(type) {
		case *heading:
			keep := vg.Length(60) // a heading stays with a few lines of what follows
			if i+1 < len(d.blocks) {
				if _, ok := d.blocks[i+1].(*figure); ok {
					keep = ChartHeight + 20 // or with its chart
				}
			}
			l.heading(x, keep)
		case *paragraph:
			l.paragraph(x)
		case *preText:
			l.preText(x)
		case *table:
			l.table(x)
		case *figure:
			l.figure(x)
		case pageBreak:
			if !l.fresh {
				l.newPage()
			}
		}
	}
	l.footer()
	_, err := l.c.WriteTo(w)
	return err
}

func (l *pdfLayout) startPage() {
	l.page++
	l.y = pageHeight - marginTop
	l.fresh = true
}

func (l *pdfLayout) newPage() {
	l.footer()
	l.c.NextPage()
	l.startPage()
}

// footer draws the page's footer: the scenario and the page number.
func (l *pdfLayout) footer() {
	f := pdfFont(7.5, false)
	y := marginBottom - 26
	l.rule(marginX, pageWidth-marginX, y+10, colorRule, 0.5)
	l.text(f, colorMuted, marginX, y, "spiral risk report: "+l.doc.title)
	num := "page " + strconv.Itoa(l.page)
	l.text(f, colorMuted, pageWidth-marginX-f.Width(num), y, num)
}

// need starts a new page unless height fits below the cursor.
func (l *pdfLayout) need(height vg.Length) {
	if l.y-height < marginBottom && !l.fresh {
		l.newPage()
	}
}

func (l *pdfLayout) width() vg.Length { return pageWidth - 2*marginX }

// text draws s with its baseline at (x, y). vgpdf writes strings in code
// page 1252, so s is converted (characters outside it are spelt out).
func (l *pdfLayout) text(f font.Face, c color.Color, x, y vg.Length, s string) {
	l.c.SetColor(c)
	if f.Font.Typeface == "LiberationBold" {
		embed := l.c.EmbedFonts(false)
		defer l.c.EmbedFonts(embed)
	}
	l.c.FillString(f, vg.Point{X: x, Y: y}, toCP1252(s))
	l.fresh = false
}

func (l *pdfLayout) rule(x0, x1, y vg.Length, c color.Color, width float64) {
	var p vg.Path
	p.Move(vg.Point{X: x0, Y: y})
	p.Line(vg.Point{X: x1, Y: y})
	l.c.SetColor(c)
	l.c.SetLineWidth(vg.Points(width))
	l.c.SetLineDash(nil, 0)
	l.c.Stroke(p)
}

func (l *pdfLayout) fillRect(x0, y0, x1, y1 vg.Length, c color.Color) {
	var p vg.Path
	p.Move(vg.Point{X: x0, Y: y0})
	p.Line(vg.Point{X: x1, Y: y0})
	p.Line(vg.Point{X: x1, Y: y1})
	p.Line(vg.Point{X: x0, Y: y1})
	p.Close()
	l.c.SetColor(c)
	l.c.Fill(p)
}

// titleBlock draws the report's title at the top of the first page.
func (l *pdfLayout) titleBlock() {
	small := pdfFont(10, false)
	l.text(small, colorMuted, marginX, l.y-10, "spiral risk report")
	big := pdfFont(24, true)
	lines := wrapText(big, l.doc.title, l.width())
	y := l.y - 10 - 30
	for _, s := range lines {
		l.text(big, colorAccent, marginX, y, s)
		y -= 28
	}
	l.rule(marginX, pageWidth-marginX, y+14, colorAccent, 2)
	l.y = y - 4
}

func (l *pdfLayout) heading(h *heading, keep vg.Length) {
	size, before, after := 15.0, vg.Length(22), vg.Length(8)
	if h.level > 1 {
		size, before, after = 11.5, 14, 6
	}
	f := pdfFont(size, true)
	l.need(before + vg.Points(size) + after + keep)
	if !l.fresh {
		l.y -= before
	}
	lines := wrapText(f, h.text, l.width())
	for _, s := range lines {
		l.y -= vg.Points(size)
		l.text(f, colorAccent, marginX, l.y, s)
		l.y -= 3
	}
	if h.level == 1 {
		l.rule(marginX, pageWidth-marginX, l.y-1, colorRule, 0.6)
	}
	l.y -= after
}

func (l *pdfLayout) paragraph(p *paragraph) {
	size, col := 9.5, color.Color(colorText)
	if p.small {
		size, col = 8, colorMuted
	}
	l.lines(pdfFont(size, false), col, wrapText(pdfFont(size, false), p.text, l.width()), size*1.35)
	l.y -= 6
}

func (l *pdfLayout) lines(f font.Face, c color.Color, lines []string, leading float64) {
	for _, s := range lines {
		l.need(vg.Points(leading))
		l.y -= vg.Points(leading)
		l.text(f, c, marginX, l.y+vg.Points(leading*0.25), s)
	}
}

// preText keeps the description's line breaks, wrapping a line wider
// than the page at its indentation.
func (l *pdfLayout) preText(p *preText) {
	f := pdfFont(8.5, false)
	const leading = 11.5
	for _, line := range p.lines {
		line = strings.TrimRight(line, " ")
		if line == "" {
			l.y -= vg.Points(leading * 0.6)
			continue
		}
		body := strings.TrimLeft(line, " ")
		indent := f.Width(strings.Repeat(" ", len(line)-len(body)))
		if strings.HasPrefix(body, "- ") {
			indent += f.Width("- ") // continuation lines align with the item's text
		}
		for i, s := range wrapText(f, body, l.width()-indent) {
			l.need(vg.Points(leading))
			l.y -= vg.Points(leading)
			x := marginX + f.Width(strings.Repeat(" ", len(line)-len(body)))
			if i > 0 {
				x = marginX + indent
			}
			l.text(f, colorText, x, l.y+3, s)
		}
	}
	l.y -= 6
}

// table draws t across pages, repeating the header on each.
func (l *pdfLayout) table(t *table) {
	main, bold, sub := pdfFont(8, false), pdfFont(8, true), pdfFont(6.5, false)
	const pad = 3
	total := 0.0
	for _, w := range t.widths {
		total += w
	}
	xs := make([]vg.Length, len(t.widths)+1)
	xs[0] = marginX
	for i, w := range t.widths {
		xs[i+1] = xs[i] + l.width()*vg.Length(w/total)
	}
	// cellLines wraps a cell's text lines to its column.
	cellLines := func(col int, c cell) (mains, subs []string) {
		w := xs[col+1] - xs[col] - 2*pad
		return wrapText(main, c.main, w), wrapText(sub, c.sub, w)
	}
	rowHeight := func(r []cell) vg.Length {
		h := vg.Length(0)
		for i, c := range r {
			m, s := cellLines(i, c)
			h = max(h, vg.Length(len(m))*9.5+vg.Length(len(s))*8)
		}
		return h + 2*pad
	}
	header := func() {
		h := vg.Length(15)
		l.fillRect(marginX, l.y-h, pageWidth-marginX, l.y, colorHeadRow)
		for i, s := range t.header {
			x := xs[i] + pad
			if t.right[i] {
				x = xs[i+1] - pad - bold.Width(s)
			}
			l.text(bold, colorText, x, l.y-h+5, s)
		}
		l.y -= h
	}
	l.need(15 + rowHeight(t.rows[0]))
	header()
	for k, r := range t.rows {
		h := rowHeight(r)
		if l.y-h < marginBottom {
			l.newPage()
			header()
		}
		if k%2 == 1 {
			l.fillRect(marginX, l.y-h, pageWidth-marginX, l.y, colorZebra)
		}
		for i, c := range r {
			m, s := cellLines(i, c)
			y := l.y - pad - 8
			for _, line := range m {
				x := xs[i] + pad
				if t.right[i] {
					x = xs[i+1] - pad - main.Width(line)
				}
				l.text(main, colorText, x, y, line)
				y -= 9.5
			}
			for _, line := range s {
				x := xs[i] + pad
				if t.right[i] {
					x = xs[i+1] - pad - sub.Width(line)
				}
				y += 1.5
				l.text(sub, colorMuted, x, y, line)
				y -= 8
			}
		}
		l.y -= h
	}
	l.rule(marginX, pageWidth-marginX, l.y, colorRule, 0.6)
	l.y -= 10
}

// figure draws a chart at its own size (as in plots/*.pdf), centred.
func (l *pdfLayout) figure(f *figure) {
	l.need(ChartHeight + 10)
	if !l.fresh {
		l.y -= 6
	}
	x := marginX + (l.width()-ChartWidth)/2
	dc := draw.Canvas{Canvas: l.c, Rectangle: vg.Rectangle{
		Min: vg.Point{X: x, Y: l.y - ChartHeight}, Max: vg.Point{X: x + ChartWidth, Y: l.y}}}
	f.chart.Draw(dc)
	l.fresh = false
	l.y -= ChartHeight + 14
}

// wrapText breaks s into lines no wider than width, between words; a word
// wider than width gets a line of its own.
func wrapText(f font.Face, s string, width vg.Length) []string {
	if s == "" {
		return nil
	}
	var lines []string
	cur := ""
	for _, word := range strings.Fields(s) {
		next := word
		if cur != "" {
			next = cur + " " + word
		}
		if cur != "" && f.Width(next) > width {
			lines = append(lines, cur)
			cur = word
			continue
		}
		cur = next
	}
	return append(lines, cur)
}

// cp1252High maps the characters of code page 1252's 0x80–0x9F range.
var cp1252High = map[rune]byte{
	'€': 0x80, '‚': 0x82, 'ƒ': 0x83, '„': 0x84, '…': 0x85, '†': 0x86, '‡': 0x87, 'ˆ': 0x88, '‰': 0x89,
	'Š': 0x8a, '‹': 0x8b, 'Œ': 0x8c, 'Ž': 0x8e, '‘': 0x91, '’': 0x92, '“': 0x93, '”': 0x94, '•': 0x95,
	'–': 0x96, '—': 0x97, '˜': 0x98, '™': 0x99, 'š': 0x9a, '›': 0x9b, 'œ': 0x9c, 'ž': 0x9e, 'Ÿ': 0x9f,
}

// cp1252Spelt spells out common characters outside code page 1252.
var cp1252Spelt = map[rune]string{
	'≥': ">=", '≤': "<=", '≈': "~", '−': "-", '→': "->", '←': "<-", '√': "sqrt", '∞': "inf", '≠': "!=",
	'σ': "sigma", 'μ': "mu", 'α': "alpha", 'β': "beta", 'λ': "lambda", 'Δ': "delta", 'ξ': "xi",
	'\u202f': " ", '\u2009': " ", '\u2011': "-", '\u2010': "-",
}

// toCP1252 converts UTF-8 s to code page 1252 bytes, the encoding vgpdf
// writes text in.
func toCP1252(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r < 0x80 || r >= 0xa0 && r <= 0xff:
			b.WriteByte(byte(r))
		case cp1252High[r] != 0:
			b.WriteByte(cp1252High[r])
		case cp1252Spelt[r] != "":
			b.WriteString(cp1252Spelt[r])
		default:
			b.WriteByte('?')
		}
	}
	return b.String()
}
