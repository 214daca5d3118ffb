// Package chaos is hookmesh's chaos harness: TestChaos runs every service
// as its own process on PostgreSQL with a recording handler (./handler),
// sends signed webhooks of every platform like the platforms do (retrying
// until a 2xx), SIGKILLs each service in turn (and, in the long form,
// restarts PostgreSQL), then reconciles what was acknowledged against what
// the ledger stored and what the handler received. TestReplicas runs two
// of every service on one PostgreSQL, kills one of each for good and
// reconciles the same way. README.md explains the design and how to read
// the report.
package chaos
