import GRDB

/// The schema's history. Each migration is written in SQL, talks only to the database, and is
/// never edited once shipped: a change of schema is a new migration appended at the end, which
/// also sets `PRAGMA user_version` to its number so that older fedreports can refuse the file.
enum Schema {
    /// The `user_version` the last registered migration sets.
    static let version = 4
    /// The oldest `user_version` whose snapshots this fedreport can read without migrating.
    static let oldestReadable = 1

    static let migrator: DatabaseMigrator = {
        var migrator = DatabaseMigrator()

        migrator.registerMigration("v1") { db in
            // AUTOINCREMENT so that the id of a replaced snapshot is never handed out again:
            // reports and logs may name snapshots by id.
            try db.execute(
                sql: """
                    CREATE TABLE snapshot (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        cluster TEXT NOT NULL,
                        distribution TEXT NOT NULL,
                        build TEXT NOT NULL,
                        start_ms INTEGER NOT NULL,
                        end_ms INTEGER NOT NULL,
                        step_ms INTEGER NOT NULL CHECK (step_ms > 0),
                        included_timestamps INTEGER NOT NULL,
                        query_set_hash TEXT NOT NULL,
                        querier_url TEXT NOT NULL,
                        server_build TEXT,
                        fedreport_version TEXT NOT NULL,
                        left_out_no_version INTEGER NOT NULL,
                        left_out_multiple_versions INTEGER NOT NULL,
                        left_out_settling INTEGER NOT NULL,
                        left_out_non_finite_samples INTEGER NOT NULL,
                        warnings TEXT NOT NULL,          -- JSON array of strings
                        partial INTEGER NOT NULL CHECK (partial IN (0, 1)),
                        collected_at_ms INTEGER NOT NULL,
                        no_data TEXT NOT NULL,           -- JSON array of strings
                        UNIQUE (cluster, build, start_ms, end_ms, step_ms)
                    );
                    CREATE INDEX snapshot_by_build ON snapshot(build, distribution);
                    CREATE INDEX snapshot_by_start ON snapshot(start_ms, cluster);

                    -- values_f64le: one little-endian IEEE 754 double per grid point, NaN = no data.
                    CREATE TABLE component_series (
                        id INTEGER PRIMARY KEY,
                        snapshot_id INTEGER NOT NULL REFERENCES snapshot(id) ON DELETE CASCADE,
                        component TEXT NOT NULL,
                        category TEXT NOT NULL,
                        resource TEXT NOT NULL,
                        members TEXT NOT NULL,           -- JSON array of strings
                        values_f64le BLOB NOT NULL,
                        UNIQUE (snapshot_id, component, resource)
                    );

                    -- The statistics are NULL where the value was NaN (SQLite stores NaN as NULL).
                    CREATE TABLE container_summary (
                        id INTEGER PRIMARY KEY,
                        snapshot_id INTEGER NOT NULL REFERENCES snapshot(id) ON DELETE CASCADE,
                        namespace TEXT NOT NULL,
                        pod TEXT NOT NULL,
                        container TEXT NOT NULL,
                        component TEXT NOT NULL,
                        resource TEXT NOT NULL,
                        mean REAL,
                        min REAL,
                        p50 REAL,
                        p90 REAL,
                        p95 REAL,
                        p99 REAL,
                        max REAL,
                        samples INTEGER NOT NULL,
                        coverage REAL
                    );
                    CREATE INDEX container_summary_by_snapshot ON container_summary(snapshot_id);

                    PRAGMA user_version = 1;
                    """)
        }

        // v2: the query sets snapshots were measured with, by content hash, so a report's
        // "query-set hash" can be turned back into the PromQL that produced the numbers.
        migrator.registerMigration("v2") { db in
            try db.execute(
                sql: """
                    CREATE TABLE query_set (
                        hash TEXT PRIMARY KEY,
                        folder TEXT NOT NULL,
                        definitions TEXT NOT NULL,       -- JSON array of {name, resource, distributions, promql}
                        first_seen_ms INTEGER NOT NULL
                    );
                    PRAGMA user_version = 2;
                    """)
        }

        // v3: what the statistics need to tell "no value" from "left out" and to trust a
        // comparison: which grid points count for the snapshot (a bit per point), where a
        // component was left out because a member sent NaN, upgrade and incomplete-total
        // counts, points the querier sent off the step grid, and the measurement hash (query
        // set as rendered, settings and component maps). Older rows keep NULL masks and an
        // empty hash: read as "every point may count" and "unknown".
        migrator.registerMigration("v3") { db in
            try db.execute(
                sql: """
                    ALTER TABLE snapshot ADD COLUMN included_mask BLOB;   -- bit i set: grid point i counts
                    ALTER TABLE snapshot ADD COLUMN measurement_hash TEXT NOT NULL DEFAULT '';
                    ALTER TABLE snapshot ADD COLUMN left_out_upgrading INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE snapshot ADD COLUMN left_out_incomplete_totals INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE snapshot ADD COLUMN off_grid_points INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE component_series ADD COLUMN left_out_mask BLOB;  -- NULL: nothing left out
                    PRAGMA user_version = 3;
                    """)
        }

        // v4: what orders builds and explains per-node figures: the release payload's creation
        // time (`cluster_version{type="current"}`'s value) and the cluster's node count and
        // roles. NULL where unknown, as for every older row.
        migrator.registerMigration("v4") { db in
            try db.execute(
                sql: """
                    ALTER TABLE snapshot ADD COLUMN payload_created_ms INTEGER;
                    ALTER TABLE snapshot ADD COLUMN node_count INTEGER;
                    ALTER TABLE snapshot ADD COLUMN node_roles TEXT;   -- JSON: roles (role to nodes) and source
                    PRAGMA user_version = 4;
                    """)
        }

        return migrator
    }()
}
