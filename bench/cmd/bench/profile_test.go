package main

import (
	"net/http"
	"net/http/httptest"
	"net/http/pprof"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestProfileSavesCPUAndAllocations: BENCH_PROFILE's fetch saves, for each
// admin listener, the CPU profile and the allocation profile of the same
// seconds, each with its summary; the allocation summary is in bytes
// allocated (alloc_space).
func TestProfileSavesCPUAndAllocations(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	results := t.TempDir()
	r := newRun(config{SatDuration: 3 * time.Second}, nil, results)
	s := &system{name: "x", admin: map[string]string{"svc": strings.TrimPrefix(srv.URL, "http://")}}
	var wg sync.WaitGroup
	r.profile(s, &wg)
	wg.Wait()

	for key, base := range map[string]string{"svc": "profile-svc", "svc allocs": "profile-svc.allocs"} {
		want := filepath.Join(results, base+".pb.gz")
		if got := r.profiles[key]; got != want {
			t.Errorf("profiles[%q] = %q, want %q", key, got, want)
		}
		if fi, err := os.Stat(want); err != nil || fi.Size() == 0 {
			t.Errorf("%s: %v", want, err)
		}
	}
	top, err := os.ReadFile(filepath.Join(results, "profile-svc.allocs.top.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(top), "alloc_space") {
		t.Errorf("allocation summary is not of alloc_space:\n%s", top)
	}
}
