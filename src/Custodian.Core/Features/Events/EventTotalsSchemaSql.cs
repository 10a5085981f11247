namespace Custodian.Core.Features.Events;

/// <summary>
/// Provider SQL of the <c>EventMonthTotals</c> migration: the per-month, per-organisation totals of the event tables
/// (<see cref="EventMonthTotals"/>), filled from the rows already stored, and on PostgreSQL a BRIN index on
/// <c>start_time</c> of every month, so the sweep finds the expired rows of a partly expired month without reading it.
/// </summary>
/// <remarks>
/// <para>The backfill counts only months the registry lists: rows of dropped months kept for holds (the held table;
/// on PostgreSQL the DEFAULT partition) belong to no month table, and a month with held rows is never created again.</para>
/// <para>BRIN on PostgreSQL: rows arrive roughly in time order, so a block range's min/max of <c>start_time</c> is
/// narrow; the index is a few pages per month and costs the import almost nothing (a B-tree would cost every row an
/// index insert). Declared on the parents, so PostgreSQL builds it on every existing and future partition.</para>
/// <para>SQLite has no BRIN, and a B-tree on <c>start_time</c> would cost every imported row one more index insert
/// (the import's cost is its index maintenance). SQLite gets none: the totals let the sweep skip a month with nothing
/// expired, and a month that does have expired rows is read in rowid order, which is roughly import (time) order.</para>
/// </remarks>
internal static class EventTotalsSchemaSql
{
    public const string PostgresUp = """
        CREATE TABLE event_month_totals (
            family text NOT NULL,
            month integer NOT NULL,
            organization_id uuid NOT NULL,
            row_count bigint NOT NULL,
            earliest_start timestamptz NOT NULL,
            CONSTRAINT pk_event_month_totals PRIMARY KEY (family, month, organization_id)
        );
        INSERT INTO event_month_totals (family, month, organization_id, row_count, earliest_start)
        SELECT 'usage', m, organization_id, count(*), min(start_time) FROM (
            SELECT (extract(year FROM start_time AT TIME ZONE 'UTC') * 100 + extract(month FROM start_time AT TIME ZONE 'UTC'))::integer AS m,
                   organization_id, start_time
            FROM usage_records) r
        WHERE m IN (SELECT month FROM event_partitions WHERE family = 'usage')
        GROUP BY m, organization_id;
        INSERT INTO event_month_totals (family, month, organization_id, row_count, earliest_start)
        SELECT 'traffic', m, organization_id, count(*), min(start_time) FROM (
            SELECT (extract(year FROM start_time AT TIME ZONE 'UTC') * 100 + extract(month FROM start_time AT TIME ZONE 'UTC'))::integer AS m,
                   organization_id, start_time
            FROM traffic_records) r
        WHERE m IN (SELECT month FROM event_partitions WHERE family = 'traffic')
        GROUP BY m, organization_id;
        CREATE INDEX ix_usage_records_start_brin ON usage_records USING brin (start_time);
        CREATE INDEX ix_traffic_records_start_brin ON traffic_records USING brin (start_time);
        """;

    public const string PostgresDown = """
        DROP INDEX IF EXISTS ix_traffic_records_start_brin;
        DROP INDEX IF EXISTS ix_usage_records_start_brin;
        DROP TABLE IF EXISTS event_month_totals;
        """;

    public const string SqliteUp = """
        CREATE TABLE event_month_totals (
            family TEXT NOT NULL,
            month INTEGER NOT NULL,
            organization_id BLOB NOT NULL,
            row_count INTEGER NOT NULL,
            earliest_start INTEGER NOT NULL,
            CONSTRAINT pk_event_month_totals PRIMARY KEY (family, month, organization_id)
        ) STRICT;
        INSERT INTO event_month_totals (family, month, organization_id, row_count, earliest_start)
        SELECT 'usage', m, organization_id, count(*), min(start_time) FROM (
            SELECT CAST(strftime('%Y%m', start_time / 1000000, 'unixepoch') AS INTEGER) AS m, organization_id, start_time
            FROM usage_records) r
        WHERE m IN (SELECT month FROM event_partitions WHERE family = 'usage')
        GROUP BY m, organization_id;
        INSERT INTO event_month_totals (family, month, organization_id, row_count, earliest_start)
        SELECT 'traffic', m, organization_id, count(*), min(start_time) FROM (
            SELECT CAST(strftime('%Y%m', start_time / 1000000, 'unixepoch') AS INTEGER) AS m, organization_id, start_time
            FROM traffic_records) r
        WHERE m IN (SELECT month FROM event_partitions WHERE family = 'traffic')
        GROUP BY m, organization_id;
        """;

    public const string SqliteDown = """
        DROP TABLE IF EXISTS event_month_totals;
        """;
}
