// Package internal is the root of code shared by the hookmesh services and
// by nothing else: the service host (start-up and shutdown order, package
// host), the gRPC server runtime, error classes, configuration
// and logging. Go's internal rule keeps it out of reach of other modules.
package internal
