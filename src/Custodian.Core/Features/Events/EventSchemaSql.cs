namespace Custodian.Core.Features.Events;

/// <summary>
/// The provider SQL of the <c>EventTables</c> migrations (kept here, not in the generated migration files, so the model
/// migrations can be regenerated without losing it). Version 1 of the layout; a later change to the columns needs a new
/// migration that alters the parent tables and every existing month, and a matching change to <see cref="EventTable"/>.
/// </summary>
/// <remarks>
/// <para>PostgreSQL: <c>usage_records</c> and <c>traffic_records</c> are declaratively RANGE-partitioned on
/// <c>start_time</c> by UTC month; indexes declared on the parent exist on every partition (PostgreSQL creates them with
/// each partition). No foreign keys: the tables must stay shardable by <c>organization_id</c> (Citus) and a partition
/// must be droppable without touching other tables.</para>
/// <para>SQLite: one STRICT table per month (<c>usage_records_2026_11</c>), created on demand by
/// <see cref="EventPartitions"/>, and a view named like the PostgreSQL parent that unions the existing months (empty
/// until the first month exists), so both engines answer the same SQL.</para>
/// <para><c>event_partitions</c> lists the months that exist, on both engines; it changes in the same transaction as
/// the month tables themselves.</para>
/// </remarks>
internal static class EventSchemaSql
{
    public const string PostgresUp = """
        CREATE TABLE event_partitions (
            family text NOT NULL,
            month integer NOT NULL,
            table_name text NOT NULL,
            CONSTRAINT pk_event_partitions PRIMARY KEY (family, month)
        );

        CREATE TABLE usage_records (
            organization_id uuid NOT NULL,
            start_time timestamptz NOT NULL,
            record_key text NOT NULL,
            kind text NOT NULL,
            direction text NOT NULL,
            caller_number text,
            callee_number text NOT NULL,
            duration_seconds integer NOT NULL,
            billed_seconds integer NOT NULL,
            outcome text,
            cell_id text,
            country text,
            volume bigint,
            cost numeric(18,6),
            currency text,
            service_reference text,
            import_batch_id uuid NOT NULL
        ) PARTITION BY RANGE (start_time);
        CREATE INDEX ix_usage_records_caller ON usage_records (caller_number, organization_id, start_time);
        CREATE INDEX ix_usage_records_callee ON usage_records (callee_number, organization_id, start_time);

        CREATE TABLE traffic_records (
            organization_id uuid NOT NULL,
            start_time timestamptz NOT NULL,
            record_key text NOT NULL,
            kind text NOT NULL,
            direction text NOT NULL,
            subscriber_kind text NOT NULL,
            subscriber text NOT NULL,
            counterpart text,
            duration_seconds integer,
            bytes bigint,
            protocol text,
            cell_id text,
            country text,
            service_reference text,
            import_batch_id uuid NOT NULL
        ) PARTITION BY RANGE (start_time);
        CREATE INDEX ix_traffic_records_subscriber ON traffic_records (subscriber, organization_id, start_time);
        CREATE INDEX ix_traffic_records_counterpart ON traffic_records (counterpart, organization_id, start_time);
        """;

    public const string PostgresDown = """
        DROP TABLE IF EXISTS traffic_records;
        DROP TABLE IF EXISTS usage_records;
        DROP TABLE IF EXISTS event_partitions;
        """;

    public const string SqliteUp = """
        CREATE TABLE event_partitions (
            family TEXT NOT NULL,
            month INTEGER NOT NULL,
            table_name TEXT NOT NULL,
            CONSTRAINT pk_event_partitions PRIMARY KEY (family, month)
        ) STRICT;

        CREATE VIEW usage_records AS SELECT
            NULL AS organization_id, NULL AS start_time, NULL AS record_key, NULL AS kind, NULL AS direction,
            NULL AS caller_number, NULL AS callee_number, NULL AS duration_seconds, NULL AS billed_seconds, NULL AS outcome,
            NULL AS cell_id, NULL AS country, NULL AS volume, NULL AS cost, NULL AS currency, NULL AS service_reference,
            NULL AS import_batch_id
        WHERE 0;

        CREATE VIEW traffic_records AS SELECT
            NULL AS organization_id, NULL AS start_time, NULL AS record_key, NULL AS kind, NULL AS direction,
            NULL AS subscriber_kind, NULL AS subscriber, NULL AS counterpart, NULL AS duration_seconds, NULL AS bytes,
            NULL AS protocol, NULL AS cell_id, NULL AS country, NULL AS service_reference, NULL AS import_batch_id
        WHERE 0;
        """;

    /// <summary>Drops the views and every month table the registry lists is left to the operator: a down-migration of data tables is not automatic.</summary>
    public const string SqliteDown = """
        DROP VIEW IF EXISTS traffic_records;
        DROP VIEW IF EXISTS usage_records;
        DROP TABLE IF EXISTS event_partitions;
        """;
}
