package cli

import (
	"fmt"
	"io"
	"strings"
)

// progress draws a one-line bar on a terminal: "  37/100 [#####.....]  37%".
// On anything else (a file, a pipe, CI's log) it draws nothing: a bar
// redrawn with \r is noise there, and the command's result line says it
// all.
type progress struct {
	w     io.Writer
	total int
	label string
	on    bool
}

// newProgress returns a bar on w for total steps (0: set later).
func newProgress(w io.Writer, total int, label string) *progress {
	return &progress{w: w, total: total, label: label, on: isTerminal(w)}
}

func (p *progress) set(done int) {
	if !p.on || p.total <= 0 {
		return
	}
	const width = 30
	filled := width * done / p.total
	fmt.Fprintf(p.w, "\r%s %*d/%d [%s%s] %3d%%", p.label, len(fmt.Sprint(p.total)), done, p.total,
		strings.Repeat("#", filled), strings.Repeat(".", width-filled), 100*done/p.total)
}

// finish ends the bar's line.
func (p *progress) finish() {
	if p.on && p.total > 0 {
		fmt.Fprintln(p.w)
	}
}
