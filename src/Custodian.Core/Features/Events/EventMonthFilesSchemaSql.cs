namespace Custodian.Core.Features.Events;

/// <summary>
/// Provider SQL of the <c>EventMonthFiles</c> migration: the month registry learns where a SQLite month's sealed copy
/// lives (<c>sealed_file</c>, a file name in the months folder, <see cref="EventMonthFiles"/>) and whether the month is
/// being removed (<c>dropping</c>: the sweep has deleted it logically, in the transaction that audited it, and removes
/// the file after the commit). PostgreSQL gets the same columns so both engines read the registry with one query; it
/// never seals (a partition drop is already a file removal there). SQLite also gets <c>event_file_erasures</c>: the
/// records an erasure deletes from a sealed month, written in the erasure's own transaction so a crash between the
/// main file's commit and the month file's is finished afterwards (<c>EventRetention.FinishFileErasuresAsync</c>).
/// </summary>
internal static class EventMonthFilesSchemaSql
{
    public const string PostgresUp = """
        ALTER TABLE event_partitions ADD COLUMN sealed_file text;
        ALTER TABLE event_partitions ADD COLUMN dropping boolean NOT NULL DEFAULT FALSE;
        """;

    public const string PostgresDown = """
        ALTER TABLE event_partitions DROP COLUMN dropping;
        ALTER TABLE event_partitions DROP COLUMN sealed_file;
        """;

    // STRICT tables accept ALTER TABLE ADD COLUMN with a typed column.
    public const string SqliteUp = """
        ALTER TABLE event_partitions ADD COLUMN sealed_file TEXT;
        ALTER TABLE event_partitions ADD COLUMN dropping INTEGER NOT NULL DEFAULT FALSE;
        CREATE TABLE event_file_erasures (
            id INTEGER PRIMARY KEY,
            family TEXT NOT NULL,
            month INTEGER NOT NULL,
            organization_id BLOB NOT NULL,
            start_time INTEGER NOT NULL,
            import_batch_id BLOB NOT NULL,
            record_key TEXT NOT NULL,
            index_column TEXT NOT NULL,
            index_value TEXT NOT NULL
        ) STRICT;
        """;

    public const string SqliteDown = """
        DROP TABLE IF EXISTS event_file_erasures;
        ALTER TABLE event_partitions DROP COLUMN dropping;
        ALTER TABLE event_partitions DROP COLUMN sealed_file;
        """;
}
