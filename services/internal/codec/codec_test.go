package codec

import (
	"context"
	"net"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/encoding"
	protocodec "google.golang.org/grpc/encoding/proto"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/timestamppb"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	normalizerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/normalizer/v1"
)

func TestRegisteredOverProtoCodec(t *testing.T) {
	c, ok := encoding.GetCodecV2(protocodec.Name).(Codec)
	if !ok {
		t.Fatalf("codec %q is %T, want codec.Codec", protocodec.Name, encoding.GetCodecV2(protocodec.Name))
	}
	if _, self := c.Fallback.(Codec); self || c.Fallback == nil {
		t.Fatalf("fallback %T: want gRPC's own codec", c.Fallback)
	}
}

// request is a normalizer request with strings, bytes and a map.
func request() *normalizerv1.NormalizeRequest {
	return &normalizerv1.NormalizeRequest{
		Platform: "stripe",
		Body:     []byte(`{"id":"evt_1","type":"payment_intent.succeeded","data":{"object":{"amount":1999}}}`),
		Headers:  map[string]string{"stripe-signature": "t=1,v1=ab", "content-type": "application/json"},
	}
}

// TestSameBytesAsReflection: what the codec writes is what proto.Marshal
// writes (deterministic, for the map), and it reads back equal.
func TestSameBytesAsReflection(t *testing.T) {
	ev := &eventv1.NormalizedEvent{
		EventId: "evt_1", Platform: "stripe", SourceEventType: "payment_intent.succeeded",
		EventType: eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED, OccurredAt: timestamppb.New(time.Unix(1732838400, 5)),
		EntityId: "pi_1", Amount: &eventv1.Money{MinorUnits: 1999, Currency: "usd"},
		Metadata: map[string]string{"only": "one"}, SchemaVersion: 1,
	}
	c := encoding.GetCodecV2(protocodec.Name)
	for _, m := range []proto.Message{ev, &normalizerv1.NormalizeRequest{Platform: "github", Body: make([]byte, 64<<10)}} {
		data, err := c.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		want, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		if got := data.Materialize(); string(got) != string(want) {
			t.Errorf("%T: codec wrote %d bytes that differ from proto.Marshal's %d", m, len(got), len(want))
		}
		back := m.ProtoReflect().New().Interface()
		if err := c.Unmarshal(data, back); err != nil {
			t.Fatal(err)
		}
		data.Free()
		if !proto.Equal(back, m) {
			t.Errorf("%T read back as %v, want %v", m, back, m)
		}
	}
}

// TestUnmarshalReplaces: as with proto.Unmarshal, decoding into a used
// message leaves nothing of its old content.
func TestUnmarshalReplaces(t *testing.T) {
	c := encoding.GetCodecV2(protocodec.Name)
	data, err := c.Marshal(&normalizerv1.NormalizeRequest{Platform: "slack"})
	if err != nil {
		t.Fatal(err)
	}
	used := request()
	if err := c.Unmarshal(data, used); err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(used, &normalizerv1.NormalizeRequest{Platform: "slack"}) {
		t.Errorf("decoded into a used message: %v", used)
	}
}

// TestOverGRPC: hookmesh messages and a message without vtprotobuf
// methods (the health service's) cross a real connection.
func TestOverGRPC(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan *normalizerv1.NormalizeRequest, 1)
	srv := grpc.NewServer(grpc.UnknownServiceHandler(func(_ any, stream grpc.ServerStream) error {
		req := &normalizerv1.NormalizeRequest{}
		if err := stream.RecvMsg(req); err != nil {
			return err
		}
		got <- req
		return stream.SendMsg(&normalizerv1.NormalizeResponse{Event: &eventv1.NormalizedEvent{EventId: "evt_1"}})
	}))
	healthpb.RegisterHealthServer(srv, health.NewServer())
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	cc, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cc.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	resp := &normalizerv1.NormalizeResponse{}
	if err := cc.Invoke(ctx, "/test.Svc/Normalize", request(), resp); err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(<-got, request()) || resp.GetEvent().GetEventId() != "evt_1" {
		t.Errorf("round trip: response %v", resp)
	}
	h, err := healthpb.NewHealthClient(cc).Check(ctx, &healthpb.HealthCheckRequest{})
	if err != nil || h.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Errorf("health check through the fallback: %v, %v", h, err)
	}
}

// FuzzUnmarshal: any bytes, as a peer could send them, decode without a
// panic; and every message protobuf's reflection reads, written again as
// a protobuf library writes it, the codec decodes to an equal message.
// (On malformed input the two may disagree on what to keep or refuse: a
// known field with another wire type, unknown fields inside a map entry;
// no hookmesh peer sends those. The codec also does not check UTF-8.)
func FuzzUnmarshal(f *testing.F) {
	seed, err := proto.Marshal(request())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add([]byte{0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Add([]byte{0x1a, 0x03, 0x0a, 0x01})
	c := encoding.GetCodecV2(protocodec.Name)
	f.Fuzz(func(t *testing.T, b []byte) {
		_ = c.Unmarshal(mem.BufferSlice{mem.SliceBuffer(b)}, &normalizerv1.NormalizeRequest{})
		want := &normalizerv1.NormalizeRequest{}
		if proto.Unmarshal(b, want) != nil {
			return
		}
		dropUnknown(want.ProtoReflect())
		canonical, err := proto.MarshalOptions{Deterministic: true}.Marshal(want)
		if err != nil {
			t.Fatal(err)
		}
		got := &normalizerv1.NormalizeRequest{}
		if err := c.Unmarshal(mem.BufferSlice{mem.SliceBuffer(canonical)}, got); err != nil {
			t.Fatalf("codec refused a well-formed message: %v", err)
		}
		if !proto.Equal(got, want) {
			t.Fatalf("codec decoded %v, proto %v", got, want)
		}
	})
}

// dropUnknown clears the unknown fields of m and of its nested messages.
func dropUnknown(m protoreflect.Message) {
	m.SetUnknown(nil)
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		if fd.Message() != nil && !fd.IsList() && !fd.IsMap() {
			dropUnknown(v.Message())
		}
		return true
	})
}
