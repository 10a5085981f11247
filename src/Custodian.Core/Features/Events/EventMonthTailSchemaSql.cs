namespace Custodian.Core.Features.Events;

/// <summary>
/// Provider SQL of the <c>EventMonthSortedTail</c> migration: the month registry records up to which SQLite row id a
/// month that is still written to has been sorted (<see cref="EventMonthRewrite.SortTailSqliteAsync"/>): each night the
/// rows after it are put in subscriber order at the table's end. PostgreSQL gets the same column so both engines read
/// the registry with one query; it never sets it (its look-up reads ahead instead, <see cref="LookupPrefetch"/>).
/// </summary>
internal static class EventMonthTailSchemaSql
{
    public const string PostgresUp = "ALTER TABLE event_partitions ADD COLUMN sorted_rowid bigint;";

    public const string PostgresDown = "ALTER TABLE event_partitions DROP COLUMN sorted_rowid;";

    public const string SqliteUp = "ALTER TABLE event_partitions ADD COLUMN sorted_rowid INTEGER;";

    public const string SqliteDown = "ALTER TABLE event_partitions DROP COLUMN sorted_rowid;";
}
