// Package chaos is hookmesh's chaos harness: TestChaos runs every service
// as its own process on PostgreSQL with a recording handler (./handler),
// sends signed webhooks of every platform like the platforms do (retrying
// until a 2xx), SIGKILLs each service in turn (and, in the long form,
// restarts PostgreSQL), then reconciles what was acknowledged against what
// the ledger stored and what the handler received. README.md explains the
// design and how to read the report.
package chaos
