// Package codec replaces gRPC's "proto" codec, in the process that imports
// it, with one that marshals and unmarshals hookmesh's messages through
// their generated vtprotobuf methods (gen/go/..._vtproto.pb.go): the same
// wire bytes, without protobuf's reflection. Protobuf was 8-20% of each
// service's CPU per webhook at saturation, most of it walking message
// descriptors. Messages without those methods (health, reflection) go
// through the codec it replaces.
//
// One difference from the reflection codec: vtprotobuf does not check that
// string fields hold valid UTF-8. Every string hookmesh sends was built by
// Go code from validated or JSON-decoded input, and PostgreSQL checks text
// again when it is stored.
package codec

import (
	"fmt"

	"google.golang.org/grpc/encoding"
	protocodec "google.golang.org/grpc/encoding/proto"
	"google.golang.org/grpc/mem"
)

// vtMessage is what protoc-gen-go-vtproto generates with the features
// marshal, unmarshal and size.
type vtMessage interface {
	SizeVT() int
	MarshalToSizedBufferVT(dAtA []byte) (int, error)
	UnmarshalVT(dAtA []byte) error
}

// resetter is every generated message: UnmarshalVT merges into the
// message, proto.Unmarshal replaces it, so the codec resets first.
type resetter interface{ Reset() }

// Codec is the "proto" codec for vtprotobuf messages, falling back to
// Fallback for others.
type Codec struct {
	// Fallback handles messages without vtprotobuf methods.
	Fallback encoding.CodecV2
}

// Name is gRPC's protobuf codec name: Codec replaces that codec.
func (Codec) Name() string { return protocodec.Name }

// Marshal encodes v into one buffer, pooled as gRPC's own codec pools
// buffers of the same size.
func (c Codec) Marshal(v any) (mem.BufferSlice, error) {
	m, ok := v.(vtMessage)
	if !ok {
		return c.Fallback.Marshal(v)
	}
	size := m.SizeVT()
	if mem.IsBelowBufferPoolingThreshold(size) {
		buf := make([]byte, size)
		if _, err := m.MarshalToSizedBufferVT(buf); err != nil {
			return nil, fmt.Errorf("marshal %T: %w", v, err)
		}
		return mem.BufferSlice{mem.SliceBuffer(buf)}, nil
	}
	pool := mem.DefaultBufferPool()
	buf := pool.Get(size)
	if _, err := m.MarshalToSizedBufferVT(*buf); err != nil {
		pool.Put(buf)
		return nil, fmt.Errorf("marshal %T: %w", v, err)
	}
	return mem.BufferSlice{mem.NewBuffer(buf, pool)}, nil
}

// Unmarshal decodes data into v. vtprotobuf copies bytes and strings out
// of data, so the pooled buffer can go back to the pool at once.
func (c Codec) Unmarshal(data mem.BufferSlice, v any) error {
	m, ok := v.(vtMessage)
	if !ok {
		return c.Fallback.Unmarshal(data, v)
	}
	if r, ok := v.(resetter); ok {
		r.Reset()
	}
	buf := data.MaterializeToBuffer(mem.DefaultBufferPool())
	defer buf.Free()
	if err := m.UnmarshalVT(buf.ReadOnlyData()); err != nil {
		return fmt.Errorf("unmarshal %T: %w", v, err)
	}
	return nil
}

// init registers Codec over the codec registered under its name, which
// the protocodec import guarantees is gRPC's own.
func init() {
	encoding.RegisterCodecV2(Codec{Fallback: encoding.GetCodecV2(protocodec.Name)})
}
