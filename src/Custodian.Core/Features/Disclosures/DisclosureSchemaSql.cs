namespace Custodian.Core.Features.Disclosures;

/// <summary>
/// Provider SQL of the disclosure tables, kept here (not in a generated migration) so model migrations can be
/// regenerated without losing it.
/// </summary>
internal static class DisclosureSchemaSql
{
    /// <summary>
    /// Runs before the unique index "one waiting package per order" is created: an order that already has several
    /// unreleased packages (made before ProduceAsync returned the waiting one) would make creating the index fail. All
    /// but the newest (by production time, then id) are marked superseded by the newest, which stays releasable: it
    /// holds the most recent data, and nothing of the others ever left the provider (none was released). Nothing is
    /// deleted: the packages' rows, blobs and audit events stay as they were; the page shows them as superseded and
    /// <see cref="AuthorityOrders.ReleaseAsync"/> refuses them. Same text on both engines (correlated subquery, LIMIT).
    /// </summary>
    public const string SupersedeExtraWaitingPackages = """
        UPDATE authority_order_productions
        SET superseded_by_id = (
            SELECT n.id FROM authority_order_productions n
            WHERE n.order_id = authority_order_productions.order_id AND n.released_at IS NULL
            ORDER BY n.produced_at DESC, n.id DESC LIMIT 1)
        WHERE released_at IS NULL AND superseded_by_id IS NULL AND id <> (
            SELECT n.id FROM authority_order_productions n
            WHERE n.order_id = authority_order_productions.order_id AND n.released_at IS NULL
            ORDER BY n.produced_at DESC, n.id DESC LIMIT 1);
        """;
}
