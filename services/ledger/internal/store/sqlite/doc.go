// Package sqlite is the embedded ledger store, on SQLite compiled to pure
// Go (modernc.org/sqlite, no cgo), behind the same store.Store interface as
// package postgres and checked by the same conformance suite. The ledger
// uses it when DATABASE_URL is unset: for development and single-node
// trials, not for production (see the ledger's README).
//
// Durability. Every connection runs with journal_mode=WAL and
// synchronous=FULL: a commit appends to the write-ahead log and fsyncs it
// before it returns, so when Record answers, the webhook is on disk and
// survives a crash or power loss (NORMAL would only survive a crash of the
// process). foreign_keys=ON, so the references hold as in PostgreSQL, and
// busy_timeout lets another process holding the file's lock (a "ledger
// migrate" run) make us wait rather than fail at once.
//
// One writer. SQLite allows one write transaction at a time per file. The
// Store therefore keeps two pools: a writer of exactly one connection,
// through which every write transaction goes (database/sql queues callers
// for it, honouring their contexts), and a pool of read-only connections
// that WAL lets read a committed snapshot while the writer works. Write
// transactions start with BEGIN IMMEDIATE, taking the file's write lock at
// once, so even a second process cannot interleave with them. This single
// writer is what replaces PostgreSQL's advisory lock and FOR UPDATE SKIP
// LOCKED in ClaimDeliveries: a claim reads the free room and the due rows
// and leases them in one serialized transaction, so no two claims can hand
// out the same delivery or together exceed max_concurrency.
//
// Time. Timestamps are INTEGER unix microseconds (PostgreSQL's precision,
// and what store.Prepare* truncate to), so they order and compare as times
// and the dead-letter cursor round-trips exactly. "Now" is taken once per
// transaction from the Go clock, after the write lock is held, like
// PostgreSQL's statement_timestamp().
//
// Notifications. SQLite has no LISTEN/NOTIFY. After each committed write
// that PostgreSQL would NOTIFY for, the Store wakes its in-process
// listeners (Listen); only this process's ledger sees them, which is the
// single-node design.
package sqlite
