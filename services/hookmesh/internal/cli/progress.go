package cli

import (
	"fmt"
	"io"
	"strings"
)

// progress draws a one-line bar on a terminal: "  37/100 [#####.....]  37%".
type progress struct {
	w     io.Writer
	total int
	label string
}

func (p *progress) set(done int) {
	if p.total <= 0 {
		return
	}
	const width = 30
	filled := width * done / p.total
	fmt.Fprintf(p.w, "\r%s %*d/%d [%s%s] %3d%%", p.label, len(fmt.Sprint(p.total)), done, p.total,
		strings.Repeat("#", filled), strings.Repeat(".", width-filled), 100*done/p.total)
}

func (p *progress) finish() { fmt.Fprintln(p.w) }
