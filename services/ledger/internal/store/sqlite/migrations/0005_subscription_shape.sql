-- 0005_subscription_shape: the SQLite dialect of
-- postgres/migrations/0008. Times in unix microseconds; secrets is a JSON
-- array as in PostgreSQL.
--
-- deliveries loses its reference to subscriptions (a deleted
-- subscription's deliveries stay) and admits state 4 (cancelled). SQLite
-- cannot alter a constraint; this is its documented procedure for
-- removing a foreign key or loosening a CHECK, which change no stored
-- row: rewrite the table's definition in sqlite_schema. Writes are
-- serialized on the single writer, so no Record can race a deletion.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
SET sql = replace(replace(sql,
        'subscription    TEXT    NOT NULL REFERENCES subscriptions (name),', 'subscription    TEXT    NOT NULL,'),
        'CHECK (state IN (1, 2, 3))', 'CHECK (state IN (1, 2, 3, 4))')
WHERE type = 'table' AND name = 'deliveries';
PRAGMA writable_schema = RESET;

-- These bump the schema cookie, so every connection reloads the schema,
-- the rewritten deliveries included.
ALTER TABLE subscriptions ADD COLUMN filter TEXT NOT NULL DEFAULT '';
ALTER TABLE subscriptions ADD COLUMN rate_per_second REAL NOT NULL DEFAULT 0 CHECK (rate_per_second >= 0);
ALTER TABLE subscriptions ADD COLUMN rate_burst INTEGER NOT NULL DEFAULT 0 CHECK (rate_burst >= 0);
ALTER TABLE subscriptions ADD COLUMN ordering_key TEXT NOT NULL DEFAULT '';
ALTER TABLE subscriptions ADD COLUMN start_from INTEGER;
ALTER TABLE subscriptions ADD COLUMN payload INTEGER NOT NULL DEFAULT 0;
ALTER TABLE subscriptions ADD COLUMN secrets TEXT NOT NULL DEFAULT '[]';
