// Package inproc carries gRPC calls between services of one process in
// memory. A Channel is both ends of a connection: a server registers its
// services on it (RegisterService, as on a grpc.Server, so the generated
// RegisterXServer functions work), and clients call through it
// (Invoke, NewStream, as on a grpc.ClientConn, so the generated NewXClient
// functions work). `hookmesh run` uses one Channel per service, so that the
// edge and the dispatcher reach the normalizer and the ledger without
// marshalling, HTTP/2 framing, syscalls or the scheduler hops of loopback
// TCP; services deployed apart keep their gRPC connections.
//
// A call through a Channel keeps what callers and handlers rely on over the
// wire:
//
//   - Messages are copied both ways (proto.Merge into the handler's fresh
//     request; the caller's reply reset, then filled): neither side ever
//     holds a message the other may still change.
//   - The server's interceptors run exactly as its grpc.Server runs them
//     (grpcserver: error mapping, panic recovery, admin token, internal
//     authentication), given to Start as one chain.
//   - The caller's outgoing metadata, validated as grpc-go validates it,
//     becomes the handler's incoming metadata; per-RPC credentials given as
//     call options (grpc.PerRPCCredentials) add theirs, as on the wire. The
//     handler's context carries a peer.Peer whose address is "inprocess",
//     the caller's deadline and its cancellation.
//   - Errors reach the caller as status errors with the codes and messages
//     a gRPC client would see: the handler's status, a non-status error as
//     Unknown, the caller's context as Canceled or DeadlineExceeded, an
//     unknown method as Unimplemented, a service that is not serving (not
//     started yet, or stopped) as Unavailable.
//   - Streams (every kind; hookmesh has one server stream, the ledger's
//     WatchDeliveries) run in memory too, with the same copies, headers and
//     trailers, and end with the handler's status or io.EOF.
//
// What differs from a gRPC connection: no message size limits (gRPC
// refuses messages over 4 MiB by default), no reflection service (grpcurl
// uses the services' ports, which stay open), no compression, and no
// otelgrpc stats handler: instead each call starts one server span, child
// of the caller's span, named like otelgrpc's and marked
// hookmesh.inprocess=true. Every call is counted in
// hookmesh_inprocess_calls_total{method, code} (Metrics).
package inproc
