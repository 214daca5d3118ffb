package main

import (
	"fmt"
	"image/color"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// chart draws ack latency p50 / p99 / p99.9 against the target rate of the
// open-loop steps, log latency axis: hookmesh solid, baseline dashed, the
// end-to-end p50 and p99 of hookmesh dotted; of `hookmesh run` only the
// ack p99 (one colour per store, square and triangle marks), so that ten
// lines stay readable. Systems not run are left out.
func (r *run) chart(path string) error {
	p := plot.New()
	p.Title.Text = "hookmesh, hookmesh run vs baseline: latency against offered rate (open loop)"
	p.X.Label.Text = "offered rate (webhooks/s)"
	p.Y.Label.Text = "latency (ms, log scale)"
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	p.Legend.Top = true
	p.Legend.Left = true
	p.Add(plotter.NewGrid())

	series := []struct {
		system, label string
		get           func(*Step) float64
		c             color.RGBA
		dash          []vg.Length
		glyph         draw.GlyphDrawer
	}{
		{"hookmesh", "hookmesh ack p50", func(s *Step) float64 { return s.Ack.P50 }, color.RGBA{31, 119, 180, 255}, nil, nil},
		{"hookmesh", "hookmesh ack p99", func(s *Step) float64 { return s.Ack.P99 }, color.RGBA{214, 39, 40, 255}, nil, nil},
		{"hookmesh", "hookmesh ack p99.9", func(s *Step) float64 { return s.Ack.P999 }, color.RGBA{148, 103, 189, 255}, nil, nil},
		{"baseline", "baseline ack p50", func(s *Step) float64 { return s.Ack.P50 }, color.RGBA{31, 119, 180, 255}, []vg.Length{vg.Points(6), vg.Points(4)}, nil},
		{"baseline", "baseline ack p99", func(s *Step) float64 { return s.Ack.P99 }, color.RGBA{214, 39, 40, 255}, []vg.Length{vg.Points(6), vg.Points(4)}, nil},
		{"baseline", "baseline ack p99.9", func(s *Step) float64 { return s.Ack.P999 }, color.RGBA{148, 103, 189, 255}, []vg.Length{vg.Points(6), vg.Points(4)}, nil},
		{"hookmesh", "hookmesh e2e p50", func(s *Step) float64 { return e2e(s, false) }, color.RGBA{44, 160, 44, 255}, []vg.Length{vg.Points(1), vg.Points(3)}, nil},
		{"hookmesh", "hookmesh e2e p99", func(s *Step) float64 { return e2e(s, true) }, color.RGBA{255, 127, 14, 255}, []vg.Length{vg.Points(1), vg.Points(3)}, nil},
		{sysRunPG, "hookmesh run (PostgreSQL) ack p99", func(s *Step) float64 { return s.Ack.P99 }, color.RGBA{140, 86, 75, 255}, nil, draw.BoxGlyph{}},
		{sysRunSQLite, "hookmesh run (SQLite) ack p99", func(s *Step) float64 { return s.Ack.P99 }, color.RGBA{23, 190, 207, 255}, nil, draw.TriangleGlyph{}},
	}
	n := 0
	for _, se := range series {
		var pts plotter.XYs
		for _, s := range r.steps {
			if s.System != se.system || s.Mode != "open" || !strings.HasPrefix(s.Name, "rate-") {
				continue
			}
			if v := se.get(s); v > 0 {
				pts = append(pts, plotter.XY{X: s.TargetRate, Y: v})
			}
		}
		if len(pts) == 0 {
			continue
		}
		l, sc, err := plotter.NewLinePoints(pts)
		if err != nil {
			return err
		}
		l.Color, l.Width, l.Dashes = se.c, vg.Points(1.5), se.dash
		sc.Color, sc.Shape = se.c, se.glyph
		if sc.Shape == nil {
			sc.Shape = draw.CircleGlyph{}
		}
		p.Add(l, sc)
		p.Legend.Add(se.label, l)
		n++
	}
	if n == 0 {
		return fmt.Errorf("no open-loop steps to draw")
	}
	return p.Save(10*vg.Inch, 6*vg.Inch, path)
}

func e2e(s *Step, p99 bool) float64 {
	if s.E2E == nil {
		return 0
	}
	if p99 {
		return s.E2E.P99
	}
	return s.E2E.P50
}
