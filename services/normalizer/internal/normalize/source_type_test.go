package normalize

import "testing"

// TestSourceTypeEverywhere: every platform's events, presets and configured
// sources alike, keep the platform's own event type (source_event_type,
// the source_type of subscription filters): a filter on it must work for
// every event, mapped or not.
func TestSourceTypeEverywhere(t *testing.T) {
	t.Parallel()
	platforms := map[string]bool{}
	for _, c := range loadCases(t, "") {
		ev, err := testNormalizer(t).Normalize(c.platform, c.headers, c.body, testReceivedAt)
		if err != nil {
			t.Fatalf("%s/%s: Normalize: %v", c.platform, c.name, err)
		}
		if ev.GetSourceEventType() == "" {
			t.Errorf("%s/%s: no source_event_type", c.platform, c.name)
		}
		platforms[c.platform] = true
	}
	if len(platforms) < 20 {
		t.Errorf("cases of %d platforms, want every preset and a configured source", len(platforms))
	}
}
