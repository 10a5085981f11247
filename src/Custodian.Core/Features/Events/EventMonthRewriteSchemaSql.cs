namespace Custodian.Core.Features.Events;

/// <summary>
/// Provider SQL of the <c>EventMonthRewrite</c> migration: the month registry records whether a PostgreSQL month has
/// been rewritten in subscriber order (<see cref="EventMonthRewrite"/>), so the sweep does it once. SQLite gets the same
/// column: a sealed file is its own sorted copy, and a settled month the attach budget keeps in the main file is sorted
/// there (<see cref="EventMonthRewrite.RewriteSqliteAsync"/>) and marked.
/// </summary>
internal static class EventMonthRewriteSchemaSql
{
    public const string PostgresUp = "ALTER TABLE event_partitions ADD COLUMN rewritten boolean NOT NULL DEFAULT FALSE;";

    public const string PostgresDown = "ALTER TABLE event_partitions DROP COLUMN rewritten;";

    public const string SqliteUp = "ALTER TABLE event_partitions ADD COLUMN rewritten INTEGER NOT NULL DEFAULT FALSE;";

    public const string SqliteDown = "ALTER TABLE event_partitions DROP COLUMN rewritten;";
}
