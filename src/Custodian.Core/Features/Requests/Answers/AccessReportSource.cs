namespace Custodian.Core.Features.Requests.Answers;

/// <summary>One category of a streamed access report.</summary>
/// <param name="Header">The category as the report describes it, without records.</param>
/// <param name="Held">Its store records (few per person), already read.</param>
/// <param name="Streamed">How many usage or traffic records follow them from a cursor (the database's count).</param>
/// <param name="Fields">The table's columns: the field names of its records, in order of first appearance.</param>
internal sealed record AccessCategoryPart(AccessCategory Header, IReadOnlyList<AccessRecord> Held, long Streamed, IReadOnlyList<string> Fields)
{
    public long Count => Held.Count + Streamed;
}

/// <summary>
/// An access report to be written while its records are read (<see cref="AccessReportBuilder.PrepareAsync"/>): the
/// report's head (its categories without records) and, per category, where its records come from. Reading the records
/// uses the context it was prepared with, so one source is written by one writer at a time.
/// </summary>
internal sealed class AccessReportSource(
    AccessReport head, IReadOnlyList<AccessCategoryPart> categories, AnswerScope scope,
    Func<AccessCategoryPart, CancellationToken, IAsyncEnumerable<AccessRecord>> records)
{
    /// <summary>The report without records; its categories are the headers of <see cref="Categories"/>.</summary>
    public AccessReport Head { get; } = head;

    public IReadOnlyList<AccessCategoryPart> Categories { get; } = categories;

    public AnswerScope Scope { get; } = scope;

    public long RecordCount => Categories.Sum(c => c.Count);

    /// <summary>Whether the report holds usage or traffic records (whose other parties are masked: the third-party notice).</summary>
    public bool HasEvents =>
        Categories.Any(c => c.Streamed > 0 || c.Held.Any(r => AccessReportHtml.IsEvent(r.Type)));

    /// <summary>The category's records, held ones first, then the streamed ones from a cursor.</summary>
    public IAsyncEnumerable<AccessRecord> RecordsAsync(AccessCategoryPart part, CancellationToken ct) => records(part, ct);

    /// <summary>A writer announced <see cref="AccessCategoryPart.Count"/> before the records; anything else is a changed report, not a written one.</summary>
    public static void CheckCount(AccessCategoryPart part, long written)
    {
        ArgumentNullException.ThrowIfNull(part);
        if (written != part.Count)
        {
            throw new InvalidOperationException(
                $"The records of {part.Header.Id} changed while the access report was written ({part.Count} counted, {written} read).");
        }
    }
}
