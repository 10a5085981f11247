namespace Custodian.Core.Features.Retention;

/// <summary>
/// Provider SQL of the <c>RetentionHeldEvents</c> migration: where usage and traffic records of a dropped month go when a
/// legal hold still covers them. Version 1 of the event layout (<see cref="Events.EventSchemaSql"/>); a column change
/// there needs the same change here.
/// </summary>
/// <remarks>
/// PostgreSQL: the DEFAULT partition of each parent, so the rows stay visible through <c>usage_records</c> and its
/// indexes (PostgreSQL creates them on the partition). A month partition created later checks the default partition
/// for rows of its range; there are none, because only months already dropped (past retention) have held rows.
/// SQLite: a plain table per family; <see cref="Events.EventPartitions"/> puts it in the view whenever it rebuilds the
/// view, and the sweep rebuilds the view in the same transaction that first moves rows into it.
/// </remarks>
internal static class RetentionSchemaSql
{
    public const string PostgresUp = """
        CREATE TABLE usage_records_held PARTITION OF usage_records DEFAULT;
        CREATE TABLE traffic_records_held PARTITION OF traffic_records DEFAULT;
        """;

    public const string PostgresDown = """
        DROP TABLE IF EXISTS traffic_records_held;
        DROP TABLE IF EXISTS usage_records_held;
        """;

    public const string SqliteUp = """
        CREATE TABLE usage_records_held (
            organization_id BLOB NOT NULL, start_time INTEGER NOT NULL, record_key TEXT NOT NULL, kind TEXT NOT NULL,
            direction TEXT NOT NULL, caller_number TEXT, callee_number TEXT NOT NULL, duration_seconds INTEGER NOT NULL,
            billed_seconds INTEGER NOT NULL, outcome TEXT, cell_id TEXT, country TEXT, volume INTEGER, cost TEXT,
            currency TEXT, service_reference TEXT, import_batch_id BLOB NOT NULL
        ) STRICT;
        CREATE INDEX ix_usage_records_held_caller ON usage_records_held (caller_number, organization_id, start_time);
        CREATE INDEX ix_usage_records_held_callee ON usage_records_held (callee_number, organization_id, start_time);

        CREATE TABLE traffic_records_held (
            organization_id BLOB NOT NULL, start_time INTEGER NOT NULL, record_key TEXT NOT NULL, kind TEXT NOT NULL,
            direction TEXT NOT NULL, subscriber_kind TEXT NOT NULL, subscriber TEXT NOT NULL, counterpart TEXT,
            duration_seconds INTEGER, bytes INTEGER, protocol TEXT, cell_id TEXT, country TEXT, service_reference TEXT,
            import_batch_id BLOB NOT NULL
        ) STRICT;
        CREATE INDEX ix_traffic_records_held_subscriber ON traffic_records_held (subscriber, organization_id, start_time);
        CREATE INDEX ix_traffic_records_held_counterpart ON traffic_records_held (counterpart, organization_id, start_time);
        """;

    public const string SqliteDown = """
        DROP TABLE IF EXISTS traffic_records_held;
        DROP TABLE IF EXISTS usage_records_held;
        """;
}
