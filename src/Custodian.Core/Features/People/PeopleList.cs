using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Store;
using Custodian.Core.Features.Subjects;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Custodian.Core.Features.People;

/// <param name="Kind">Which identifiers to list (<c>name</c> by default: people by name; or phone, email, imei, iccid, mac, ip).</param>
/// <param name="Prefix">Only values starting with this, in the index's form (names and e-mail addresses compare in lower case).</param>
/// <param name="OrganizationId">Only this organisation's (a provider-wide caller's filter; a tenant sees only its own anyway).</param>
/// <param name="Descending">Sort by value from Z to A instead of A to Z.</param>
/// <param name="After">The <see cref="PeoplePage.Next"/> of the previous page; null for the first.</param>
/// <param name="Limit">Page size, 1 to <see cref="StoreCommands.MaxPageSize"/>.</param>
internal sealed record PeopleListQuery(
    string? Kind = "name", string? Prefix = null, Guid? OrganizationId = null, bool Descending = false, Guid? After = null, int Limit = 50);

/// <summary>One person in the list: an identifier value and how many records hold it (within the caller's scope and filter).</summary>
internal sealed record PeopleListItem(string Kind, string Value, int Records);

/// <param name="Items">The page's people, in the requested order.</param>
/// <param name="Next">
/// Opaque cursor for the next page (the id of an index row holding the page's last value, never the value itself, so
/// no personal data lands in a URL); null on the last page.
/// </param>
internal sealed record PeoplePage(IReadOnlyList<PeopleListItem> Items, Guid? Next);

/// <summary>
/// The paged list of people (subjects) for the back office: distinct identifier values of one kind from the subject
/// index, sorted by value, with keyset pagination. Every page is one range of the index (organisation, kind, value)
/// or (kind, value), so the millionth row costs what the first does. Audited as a read of personal data
/// (<c>subject.listed</c>; the values themselves are not in the event, only the count).
/// </summary>
internal sealed class PeopleList(CustodianDbContext db, StoreTransactions transactions)
{
    public async Task<StoreResult<PeoplePage>> ListAsync(StoreCaller caller, PeopleListQuery query, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(query);
        var v = new FieldValidator();
        var kind = SubjectKey.ParseKind(query.Kind ?? "name");
        if (kind is null)
        {
            v.Add("kind", "field.not_allowed", $"'kind' must be one of {string.Join(", ", SubjectKey.KindNames)}.");
        }

        var prefix = string.IsNullOrWhiteSpace(query.Prefix) ? null : query.Prefix.Trim();
        if (prefix is { Length: > 320 })
        {
            v.Add("prefix", "field.too_long", "'prefix' must be at most 320 characters.");
        }

        if (!v.IsValid || kind is null)
        {
            return v.ToError();
        }

        var kindName = SubjectKey.KindName(kind.Value);
        if (prefix is not null)
        {
            prefix = SubjectKey.IndexForm(kind.Value, prefix);
        }

        var limit = Math.Clamp(query.Limit, 1, StoreCommands.MaxPageSize);
        return await transactions.ReadAsync<StoreResult<PeoplePage>>(
            async c =>
            {
                var rows = db.SubjectIdentifiers.AsNoTracking().Where(s => s.Kind == kindName);
                if (query.OrganizationId is { } organization)
                {
                    rows = rows.Where(s => s.OrganizationId == organization);
                }

                if (query.After is { } after)
                {
                    // The cursor row goes through the same tenant filter: another organisation's row id is unknown here.
                    var from = await db.SubjectIdentifiers.AsNoTracking().Where(s => s.Id == after && s.Kind == kindName).Select(s => s.Value).FirstOrDefaultAsync(c);
                    if (from is null)
                    {
                        return new ValidationError([new FieldError("after", "people.cursor_unknown", "The page cursor is unknown or no longer valid; start from the first page.")]);
                    }

                    rows = query.Descending ? rows.Where(s => s.Value.CompareTo(from) < 0) : rows.Where(s => s.Value.CompareTo(from) > 0);
                }

                if (prefix is not null)
                {
                    // A lower bound lets the index start at the prefix; StartsWith decides.
                    rows = rows.Where(s => s.Value.CompareTo(prefix) >= 0 && s.Value.StartsWith(prefix));
                }

                var groups = rows.GroupBy(s => s.Value).Select(g => new { Value = g.Key, Records = g.Count() });
                groups = query.Descending ? groups.OrderByDescending(g => g.Value) : groups.OrderBy(g => g.Value);
                var page = await groups.Take(limit + 1).ToListAsync(c);
                var items = page.Take(limit).Select(g => new PeopleListItem(kindName, g.Value, g.Records)).ToList();
                Guid? next = null;
                if (page.Count > limit)
                {
                    var last = items[^1].Value;
                    next = await db.SubjectIdentifiers.AsNoTracking().Where(s => s.Kind == kindName && s.Value == last).Select(s => s.Id).FirstAsync(c);
                }

                return new PeoplePage(items, next);
            },
            result => result.IsSuccess && result.Value.Items.Count > 0
                ? new AuditEntry(
                    "subject.listed",
                    caller.Actor,
                    caller.TenantId,
                    [],
                    Details: new Dictionary<string, string>
                    {
                        ["kind"] = kindName,
                        ["count"] = result.Value.Items.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    })
                : null,
            ct);
    }
}
