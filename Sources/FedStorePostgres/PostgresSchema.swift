/// The PostgreSQL schema's history: the same logical versions as the SQLite schema (tables,
/// columns, keys and cascades of `FedStoreSQLite`'s `Schema`), in PostgreSQL's dialect.
///
/// Each migration is never edited once shipped; a change is a new one appended at the end. The
/// table `schema_version` holds a row per applied migration, so that an older fedreport finds a
/// version it does not know and refuses the database, as `PRAGMA user_version` does for SQLite.
enum PostgresSchema {
    struct Migration {
        var version: Int
        var name: String
        /// One statement after the other: the extended query protocol takes one at a time.
        var statements: [String]

        /// The migration as one script, for `psql`.
        var script: String { statements.joined(separator: ";\n") + ";\n" }
    }

    /// The version the last migration sets; equal to the SQLite schema's.
    static var version: Int { migrations.last?.version ?? 0 }
    /// The oldest version whose snapshots this fedreport reads without migrating. PostgreSQL
    /// databases were first written at version 3, so anything older was made by hand (or by the
    /// tests) and is read only after a writing command has migrated it.
    static let oldestReadable = 3

    static let createVersionTable = """
        CREATE TABLE IF NOT EXISTS schema_version (
            version INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
        )
        """

    /// The statements of `script`: split after lines that end in a semicolon (before any
    /// comment) outside a `$fn$` body; each keeps its semicolon, which PostgreSQL accepts.
    static func split(_ script: String) -> [String] {
        var statements: [String] = []
        var current = ""
        var inBody = false
        for line in script.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.contains("$fn$") { inBody.toggle() }
            if line.trimmingCharacters(in: .whitespaces).hasPrefix("--") && current.isEmpty { continue }
            current += line + "\n"
            let code = line.range(of: "--").map { line[..<$0.lowerBound] } ?? line[...]
            if !inBody && code.trimmingCharacters(in: .whitespaces).hasSuffix(";") {
                statements.append(current.trimmingCharacters(in: .whitespacesAndNewlines))
                current = ""
            }
        }
        let rest = current.trimmingCharacters(in: .whitespacesAndNewlines)
        if !rest.isEmpty { statements.append(rest) }
        return statements
    }

    static let migrations: [Migration] = [
        Migration(
            version: 1, name: "v1",
            statements: Self.split(
                """
                -- Identity columns never hand out an id twice, as SQLite's AUTOINCREMENT: reports and
                -- logs may name snapshots by id.
                CREATE TABLE snapshot (
                    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    cluster TEXT NOT NULL,
                    distribution TEXT NOT NULL,
                    build TEXT NOT NULL,
                    start_ms BIGINT NOT NULL,
                    end_ms BIGINT NOT NULL,
                    step_ms BIGINT NOT NULL CHECK (step_ms > 0),
                    included_timestamps BIGINT NOT NULL,
                    query_set_hash TEXT NOT NULL,
                    querier_url TEXT NOT NULL,
                    server_build TEXT,
                    fedreport_version TEXT NOT NULL,
                    left_out_no_version BIGINT NOT NULL,
                    left_out_multiple_versions BIGINT NOT NULL,
                    left_out_settling BIGINT NOT NULL,
                    left_out_non_finite_samples BIGINT NOT NULL,
                    warnings TEXT NOT NULL,          -- JSON array of strings
                    partial BOOLEAN NOT NULL,
                    collected_at_ms BIGINT NOT NULL,
                    no_data TEXT NOT NULL,           -- JSON array of strings
                    UNIQUE (cluster, build, start_ms, end_ms, step_ms)
                );
                CREATE INDEX snapshot_by_build ON snapshot (build, distribution);
                CREATE INDEX snapshot_by_start ON snapshot (start_ms, cluster);

                -- values_f64le: one little-endian IEEE 754 double per grid point, NaN = no data.
                CREATE TABLE component_series (
                    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    snapshot_id BIGINT NOT NULL REFERENCES snapshot (id) ON DELETE CASCADE,
                    component TEXT NOT NULL,
                    category TEXT NOT NULL,
                    resource TEXT NOT NULL,
                    members TEXT NOT NULL,           -- JSON array of strings
                    values_f64le BYTEA NOT NULL,
                    UNIQUE (snapshot_id, component, resource)
                );

                -- NULL where the value was NaN, as in SQLite.
                CREATE TABLE container_summary (
                    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    snapshot_id BIGINT NOT NULL REFERENCES snapshot (id) ON DELETE CASCADE,
                    namespace TEXT NOT NULL,
                    pod TEXT NOT NULL,
                    container TEXT NOT NULL,
                    component TEXT NOT NULL,
                    resource TEXT NOT NULL,
                    mean DOUBLE PRECISION,
                    min DOUBLE PRECISION,
                    p50 DOUBLE PRECISION,
                    p90 DOUBLE PRECISION,
                    p95 DOUBLE PRECISION,
                    p99 DOUBLE PRECISION,
                    max DOUBLE PRECISION,
                    samples BIGINT NOT NULL,
                    coverage DOUBLE PRECISION
                );
                CREATE INDEX container_summary_by_snapshot ON container_summary (snapshot_id);
                """)),
        Migration(
            version: 2, name: "v2",
            statements: Self.split(
                """
                CREATE TABLE query_set (
                    hash TEXT PRIMARY KEY,
                    folder TEXT NOT NULL,
                    definitions TEXT NOT NULL,       -- JSON array of {name, resource, distributions, promql}
                    first_seen_ms BIGINT NOT NULL
                );
                """)),
        Migration(
            version: 3, name: "v3",
            statements: Self.split(
                """
                ALTER TABLE snapshot
                    ADD COLUMN included_mask BYTEA,   -- bit i set: grid point i counts
                    ADD COLUMN measurement_hash TEXT NOT NULL DEFAULT '',
                    ADD COLUMN left_out_upgrading BIGINT NOT NULL DEFAULT 0,
                    ADD COLUMN left_out_incomplete_totals BIGINT NOT NULL DEFAULT 0,
                    ADD COLUMN off_grid_points BIGINT NOT NULL DEFAULT 0;
                ALTER TABLE component_series ADD COLUMN left_out_mask BYTEA;  -- NULL: nothing left out

                -- The points of a component series that count, for SQL that reads the blobs (the
                -- Grafana dashboards): (i, v) for each grid point i that the snapshot includes, that
                -- is not left out and whose value is finite, v decoded bit-exactly from the
                -- little-endian doubles. NULL masks mean every point is included / none left out.
                CREATE FUNCTION fedreport_points(vals BYTEA, included BYTEA, left_out BYTEA)
                RETURNS TABLE (i INTEGER, v DOUBLE PRECISION)
                LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $fn$
                DECLARE
                    bits BIGINT;
                    e INTEGER;
                    m BIGINT;
                    x DOUBLE PRECISION;
                BEGIN
                    FOR k IN 0 .. length(vals) / 8 - 1 LOOP
                        CONTINUE WHEN included IS NOT NULL AND (get_byte(included, k >> 3) >> (k & 7)) & 1 = 0;
                        CONTINUE WHEN left_out IS NOT NULL AND (get_byte(left_out, k >> 3) >> (k & 7)) & 1 = 1;
                        bits := 0;
                        FOR b IN 0 .. 7 LOOP
                            bits := bits | (get_byte(vals, k * 8 + b)::BIGINT << (8 * b));
                        END LOOP;
                        e := ((bits >> 52) & 2047)::INTEGER;
                        CONTINUE WHEN e = 2047;  -- NaN (no value) or an infinity
                        m := bits & 4503599627370495;  -- the 52 fraction bits
                        IF e = 0 THEN
                            x := m * 2::DOUBLE PRECISION ^ (-1074);
                        ELSE
                            x := (1 + m * 2::DOUBLE PRECISION ^ (-52)) * 2::DOUBLE PRECISION ^ (e - 1023);
                        END IF;
                        IF bits < 0 THEN
                            x := -x;
                        END IF;
                        i := k;
                        v := x;
                        RETURN NEXT;
                    END LOOP;
                END
                $fn$;
                """)),
        Migration(
            version: 4, name: "v4",
            statements: Self.split(
                """
                ALTER TABLE snapshot
                    ADD COLUMN payload_created_ms BIGINT,
                    ADD COLUMN node_count BIGINT,
                    ADD COLUMN node_roles TEXT;   -- JSON: roles (role to nodes) and source
                """)),
    ]
}
