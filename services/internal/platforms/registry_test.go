package platforms

import (
	"io/fs"
	"slices"
	"strings"
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/platform"
)

// TestRegistrySorted keeps the registry one sorted line per platform, so
// Lookup's binary search finds every one and a name is never listed twice.
func TestRegistrySorted(t *testing.T) {
	t.Parallel()
	names := Names()
	if !slices.IsSorted(names) {
		t.Errorf("registry not sorted by name: %v", names)
	}
	if len(slices.Compact(slices.Clone(names))) != len(names) {
		t.Errorf("registry lists a name twice: %v", names)
	}
	for _, n := range names {
		if p, ok := Lookup(n); !ok || p.Name != n {
			t.Errorf("Lookup(%q) = %q, %v", n, p.Name, ok)
		}
	}
	if _, ok := Lookup("no-such-platform"); ok {
		t.Error("Lookup of an unknown name succeeded")
	}
}

// TestComplete fails for a registered platform that lacks any part:
// verifier, signer, dedup key, normalizer, mapping, samples (a default
// that is one of its templates, an id maker), golden normalization cases
// and fuzz seeds. platformtest.Run and platformtest.Goldens, called from
// each platform's own tests, check that the parts work.
func TestComplete(t *testing.T) {
	t.Parallel()
	for _, p := range All() {
		t.Run(p.Name, func(t *testing.T) {
			t.Parallel()
			missing := Missing(p)
			if len(missing) > 0 {
				t.Errorf("%s lacks: %s", p.Name, strings.Join(missing, ", "))
			}
		})
	}
}

// TestCompleteCatchesGaps: a platform with nothing is reported as lacking
// every part, so TestComplete cannot pass vacuously.
func TestCompleteCatchesGaps(t *testing.T) {
	t.Parallel()
	got := Missing(platform.Platform{Name: "empty"})
	want := []string{"verifier", "sign", "key", "normalize", "mapping", "samples.default", "samples.newid", "samples.templates", "testdata", "goldens", "fuzz seeds"}
	if !slices.Equal(got, want) {
		t.Errorf("Missing(empty) = %v, want %v", got, want)
	}
}

// Missing lists the parts p lacks, in a fixed order.
func Missing(p platform.Platform) []string {
	var missing []string
	need := func(ok bool, part string) {
		if !ok {
			missing = append(missing, part)
		}
	}
	need(p.NewVerifier != nil, "verifier")
	need(p.Sign != nil, "sign")
	need(p.Key != nil, "key")
	need(p.Normalize != nil, "normalize")
	need(p.Mapping != nil, "mapping")
	_, hasDefault := p.Samples.Templates[p.Samples.Default]
	need(p.Samples.Default != "" && hasDefault, "samples.default")
	need(p.Samples.NewID != nil, "samples.newid")
	need(len(p.Samples.Templates) > 0, "samples.templates")
	need(p.TestData != nil, "testdata")
	if p.TestData == nil {
		missing = append(missing, "goldens", "fuzz seeds")
		return missing
	}
	goldens, _ := fs.Glob(p.TestData, "testdata/normalize/*.golden.json")
	need(len(goldens) > 0, "goldens")
	seeds, _ := fs.Glob(p.TestData, "testdata/fuzz/*/*")
	need(len(seeds) > 0, "fuzz seeds")
	return missing
}
