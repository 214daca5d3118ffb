package normalize

import (
	"bytes"
	"encoding/json"
	"testing"
)

// benchKind is one webhook of the load mix (bench/internal/load.DefaultMix)
// with its share in parts of 200.
type benchKind struct {
	platform, name string
	weight         int
}

// benchMix mirrors the benchmark's load mix with the testdata payloads
// closest to it. services/hookmesh/sample is not a dependency of this
// module, so the GitHub push is the testdata one with its commit repeated
// until the body is about 15 KB, the size of the sample push.
var benchMix = []benchKind{
	{"stripe", "payment_intent_succeeded", 80},
	{"shopify", "orders_create", 50},
	{"github", "push", 40},
	{"slack", "message", 15},
	{"standard", "user_created", 15},
}

// benchPushSize is the body size the GitHub push is grown to.
const benchPushSize = 15 << 10

// benchCase loads the testdata case name of platform, growing a GitHub push
// to benchPushSize.
func benchCase(b *testing.B, platform, name string) goldenCase {
	b.Helper()
	for _, c := range loadCases(b, platform) {
		if c.name != name {
			continue
		}
		if platform == "github" && name == "push" {
			c.body = growPush(b, c.body)
		}
		return c
	}
	b.Fatalf("no testdata case %s/%s", platform, name)
	return goldenCase{}
}

// growPush repeats the first commit of a push body until the body reaches
// benchPushSize.
func growPush(b *testing.B, body []byte) []byte {
	b.Helper()
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		b.Fatal(err)
	}
	var commits []json.RawMessage
	if err := json.Unmarshal(fields["commits"], &commits); err != nil || len(commits) == 0 {
		b.Fatalf("push has no commits: %v", err)
	}
	var out []byte
	for n := 1; len(out) < benchPushSize; n++ {
		grown := make([]json.RawMessage, n)
		for i := range grown {
			grown[i] = commits[0]
		}
		raw, err := json.Marshal(grown)
		if err != nil {
			b.Fatal(err)
		}
		fields["commits"] = raw
		var buf bytes.Buffer
		enc, err := json.Marshal(fields)
		if err != nil {
			b.Fatal(err)
		}
		if err := json.Indent(&buf, enc, "", "  "); err != nil {
			b.Fatal(err)
		}
		out = buf.Bytes()
	}
	return out
}

// BenchmarkNormalize measures each kind of the load mix, and the mix
// itself in its proportions.
func BenchmarkNormalize(b *testing.B) {
	n := testNormalizer(b)
	var seq []goldenCase
	for _, k := range benchMix {
		c := benchCase(b, k.platform, k.name)
		if _, err := n.Normalize(c.platform, c.headers, c.body, testReceivedAt); err != nil {
			b.Fatalf("%s/%s: %v", k.platform, k.name, err)
		}
		for range k.weight {
			seq = append(seq, c)
		}
		b.Run(k.platform, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(c.body)))
			for b.Loop() {
				if _, err := n.Normalize(c.platform, c.headers, c.body, testReceivedAt); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("mix", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			c := seq[i%len(seq)]
			i++
			if _, err := n.Normalize(c.platform, c.headers, c.body, testReceivedAt); err != nil {
				b.Fatal(err)
			}
		}
	})
}
