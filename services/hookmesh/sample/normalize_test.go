package sample

import (
	"context"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	normalizerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/normalizer/v1"
	"github.com/hookmesh/hookmesh/services/internal/eventkey"
	"github.com/hookmesh/hookmesh/services/internal/platforms"
	"github.com/hookmesh/hookmesh/services/normalizer"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// unmappedPlatforms have no event the normalizer maps to a common type
// (see the normalizer README), or — discord — only the PING handshake,
// which the edge answers itself and never records.
var unmappedPlatforms = map[string]bool{"linear": true, "resend": true, "sendgrid": true, "mailgun": true, "discord": true}

// unmapped reports whether p has no mapped event type: listed above, or a
// registered platform whose mapping is empty (docs/platforms.md says so
// for each).
func unmapped(p string) bool {
	if rp, ok := platforms.Lookup(p); ok {
		return len(rp.Mapping) == 0
	}
	return unmappedPlatforms[p]
}

// TestSamplesNormalize runs the real normalizer in-process and sends it
// every signed sample as the edge would (lower-case headers, the signed
// body): each normalizes, carries the edge's key, and the default type of
// a platform with mappable events is mapped.
func TestSamplesNormalize(t *testing.T) {
	t.Parallel()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- normalizer.Run(ctx, normalizer.Config{GRPCListener: lis}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("normalizer.Run: %v", err)
		}
	}()
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	client := normalizerv1.NewNormalizerServiceClient(conn)

	now := time.Now()
	for _, p := range Platforms() {
		for i, typ := range Types(p) {
			s := buildSigned(t, p, typ, now)
			headers := lowerHeaders(s.header)
			key, err := eventkey.Derive(p, headers, s.body)
			if err != nil {
				t.Errorf("%s %s: edge key: %v", p, typ, err)
				continue
			}
			cctx, ccancel := context.WithTimeout(ctx, 10*time.Second)
			resp, err := client.Normalize(cctx, &normalizerv1.NormalizeRequest{
				Platform: p, Headers: headers, Body: s.body, ReceivedAt: timestamppb.New(now),
			})
			ccancel()
			if err != nil {
				t.Errorf("%s %s: normalize: %v", p, typ, err)
				continue
			}
			ev := resp.GetEvent()
			if ev.GetEventId() != key.EventID || ev.GetSource() != key.Source {
				t.Errorf("%s %s: normalized key (%q, %q), edge key (%q, %q)", p, typ, ev.GetSource(), ev.GetEventId(), key.Source, key.EventID)
			}
			et := ev.GetEventType()
			if et == eventv1.EventType_EVENT_TYPE_UNSPECIFIED {
				t.Errorf("%s %s: event type unspecified", p, typ)
			}
			if i == 0 && !unmapped(p) && et == eventv1.EventType_EVENT_TYPE_UNMAPPED {
				t.Errorf("%s: default type %s (%s) is UNMAPPED", p, typ, ev.GetSourceEventType())
			}
			if testing.Verbose() {
				t.Logf("%-9s %-33s -> %-28s entity %s/%s amount %v", p, typ, et, ev.GetEntityType(), ev.GetEntityId(), ev.GetAmount())
			}
		}
	}
}
