package cli

import (
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/durationpb"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
)

func TestByteSize(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1536: "1.5 KiB", 20 << 20: "20.0 MiB", 3 << 30: "3.0 GiB"} {
		if got := byteSize(n); got != want {
			t.Errorf("byteSize(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestWriteRetention(t *testing.T) {
	var b strings.Builder
	err := writeRetention(&b, &ledgerv1.ApplyRetentionResponse{
		DryRun: true, Policy: "bodies=1w events=4w2d", Kept: 2, Took: durationpb.New(1500 * time.Millisecond),
		Tables: []*ledgerv1.RetentionTable{
			{Table: "receipts", Rows: 15000, Bytes: 34 << 20},
			{Table: "events", Rows: 10000, Bytes: 2 << 20, Partitions: []string{"events_p20261001", "events_p20261002"}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := `policy bodies=1w events=4w2d: would drop (dry run)
TABLE     ROWS   BYTES     PARTITIONS
receipts  15000  34.0 MiB  -
events    10000  2.0 MiB   events_p20261001,events_p20261002
kept (unfinished work past the limits): 2
took 1.5s
`
	if b.String() != want {
		t.Errorf("table:\n%s\nwant:\n%s", b.String(), want)
	}
}
