-- 0004_deliveries_autovacuum: vacuum the delivery queue early.
-- Every delivery is updated twice (the claim, the outcome), and neither
-- update can be HOT (both change indexed columns), so the table holds two
-- dead row versions per delivery until autovacuum runs; with the default
-- threshold (20% of the table) that is rarely, and claims and outcomes get
-- slower as dead versions pile up (the benchmark's saturation step after a
-- full run). A fixed threshold keeps the dead versions bounded whatever the
-- table's size, and no cost delay lets the vacuum keep up with the churn.
ALTER TABLE deliveries SET (
    autovacuum_vacuum_scale_factor = 0,
    autovacuum_vacuum_threshold = 10000,
    autovacuum_vacuum_insert_scale_factor = 0,
    autovacuum_vacuum_insert_threshold = 10000,
    autovacuum_vacuum_cost_delay = 0,
    autovacuum_analyze_scale_factor = 0.05
);
