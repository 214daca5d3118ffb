package admin

import (
	"runtime"
	"testing"
)

// TestBuildInfoMetric: every service's registry carries hookmesh_build_info
// = 1 with the running build's labels.
func TestBuildInfoMetric(t *testing.T) {
	t.Parallel()
	mfs, err := NewRegistry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "hookmesh_build_info" {
			continue
		}
		if len(mf.GetMetric()) != 1 || mf.GetMetric()[0].GetGauge().GetValue() != 1 {
			t.Fatalf("hookmesh_build_info = %v, want one series of value 1", mf.GetMetric())
		}
		labels := map[string]string{}
		for _, l := range mf.GetMetric()[0].GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		if labels["goversion"] != runtime.Version() || labels["version"] != BuildInfo().Version || labels["version"] == "" {
			t.Errorf("labels %v, want goversion %s and version %q", labels, runtime.Version(), BuildInfo().Version)
		}
		return
	}
	t.Fatal("no hookmesh_build_info in NewRegistry")
}
