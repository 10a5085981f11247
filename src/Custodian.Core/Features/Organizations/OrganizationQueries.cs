using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Register;
using Custodian.Core.Features.Retention;
using Custodian.Core.Features.Store;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Custodian.Core.Features.Organizations;

/// <param name="Name">Only organisations whose trading name or code contains this (case-insensitive).</param>
/// <param name="After">The <see cref="OrganizationListPage.Next"/> of the previous page; null for the first.</param>
/// <param name="Limit">Page size, 1 to <see cref="StoreCommands.MaxPageSize"/>.</param>
internal sealed record OrganizationListQuery(string? Name = null, Guid? After = null, int Limit = 50);

internal sealed record OrganizationListItem(Guid Id, string Code, string Name, bool CallRecordingEnabled, bool AgreementRecorded);

/// <summary>A page of organisations; <c>Next</c> is the cursor of the next page (an organisation id), null on the last page.</summary>
internal sealed record OrganizationListPage(IReadOnlyList<OrganizationListItem> Items, Guid? Next);

/// <summary>One organisation for the back office: its services, contacts, settings and processing agreement.</summary>
internal sealed record OrganizationDetail(
    Guid Id,
    string Code,
    string Name,
    string BillingCompanyName,
    Instant CreatedAt,
    IReadOnlyList<OrganizationServiceView> Services,
    IReadOnlyList<OrganizationContactView> Contacts,
    RecordingSettingView Recording,
    ProcessingAgreementView Agreement);

/// <summary>A service of the organisation; <c>EndDate</c> is its last day, null while it runs.</summary>
internal sealed record OrganizationServiceView(Guid Id, string Kind, string Reference, LocalDate StartDate, LocalDate? EndDate);

/// <summary>A contact person; <c>Role</c> is privacy, billing, technical or general.</summary>
internal sealed record OrganizationContactView(Guid Id, string Name, string Role, string? Email, string? Phone);

/// <summary>The organisation's call-recording setting and the register's bounds for it.</summary>
/// <param name="Enabled">Whether the organisation has the call-recording feature.</param>
/// <param name="Retention">Its instruction; null: none yet.</param>
/// <param name="Min">The register's lower bound (the retention that applies without an instruction).</param>
/// <param name="Max">The register's upper bound.</param>
/// <param name="Effective">What retention applies now: the instruction, else <paramref name="Min"/>.</param>
/// <param name="RuleText">The register's rule in English words.</param>
internal sealed record RecordingSettingView(bool Enabled, Period? Retention, Period Min, Period Max, Period Effective, string RuleText);

/// <summary>The processing agreement's terms; each null while not recorded.</summary>
internal sealed record ProcessingAgreementView(string? Reference, LocalDate? SignedOn, bool? OrganizationIsController)
{
    /// <summary>All three terms are recorded.</summary>
    public bool IsRecorded => Reference is not null && SignedOn is not null && OrganizationIsController is not null;
}

/// <summary>
/// The back office's organisation pages: a list (sorted by name, keyset pages, filter on name) and one organisation's
/// detail. Through the context's tenant scope: a client organisation sees only itself; another's id is not found.
/// Both reads are audited like the API's (<c>organization.listed</c>, <c>organization.viewed</c>).
/// </summary>
internal sealed class OrganizationQueries(CustodianDbContext db, StoreTransactions transactions, ProcessingRegister register)
{
    public async Task<OrganizationListPage> ListAsync(StoreCaller caller, OrganizationListQuery query, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(query);
        var limit = Math.Clamp(query.Limit, 1, StoreCommands.MaxPageSize);
        return await transactions.ReadAsync(
            async c =>
            {
                var rows = db.Organizations.AsNoTracking();
                if (!string.IsNullOrWhiteSpace(query.Name))
                {
#pragma warning disable CA1304, CA1308, CA1311, CA1862 // translated to SQL lower(); both engines compare the lowered text
                    var part = query.Name.Trim().ToLowerInvariant();
                    rows = rows.Where(o => o.Name.ToLower().Contains(part) || o.Code.Contains(part));
#pragma warning restore CA1304, CA1308, CA1311, CA1862
                }

                if (query.After is { } after)
                {
                    var from = await db.Organizations.AsNoTracking().Where(o => o.Id == after).Select(o => o.Name).FirstOrDefaultAsync(c);
                    if (from is not null)
                    {
                        rows = rows.Where(o => o.Name.CompareTo(from) > 0 || (o.Name == from && o.Id.CompareTo(after) > 0));
                    }
                }

                var page = await rows.OrderBy(o => o.Name).ThenBy(o => o.Id).Take(limit + 1)
                    .Select(o => new OrganizationListItem(
                        o.Id, o.Code, o.Name, o.CallRecordingEnabled,
                        o.ProcessingAgreementReference != null && o.ProcessingAgreementDate != null && o.ProcessingAgreementOrganizationIsController != null))
                    .ToListAsync(c);
                var items = page.Take(limit).ToList();
                return new OrganizationListPage(items, page.Count > limit ? items[^1].Id : null);
            },
            page => page.Items.Count == 0
                ? null
                : new AuditEntry("organization.listed", caller.Actor, caller.TenantId, [.. page.Items.Select(o => new AuditObject("organization", o.Id.ToString()))]),
            ct);
    }

    public async Task<StoreResult<OrganizationDetail>> GetAsync(StoreCaller caller, Guid id, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var detail = await transactions.ReadAsync(
            async c =>
            {
                var o = await db.Organizations.AsNoTracking().FirstOrDefaultAsync(x => x.Id == id, c);
                if (o is null)
                {
                    return null;
                }

                var services = await db.Services.AsNoTracking().Where(s => s.OrganizationId == id)
                    .OrderBy(s => s.StartDate).ThenBy(s => s.Reference)
                    .Select(s => new OrganizationServiceView(s.Id, s.Kind, s.Reference, s.StartDate, s.EndDate))
                    .ToListAsync(c);
                var contacts = await db.ContactPersons.AsNoTracking().Where(p => p.OrganizationId == id)
                    .OrderBy(p => p.Role).ThenBy(p => p.Name)
                    .Select(p => new OrganizationContactView(p.Id, p.Name, p.Role, p.Email, p.Phone))
                    .ToListAsync(c);
                return new OrganizationDetail(
                    o.Id, o.Code, o.Name, o.BillingCompanyName, o.CreatedAt, services, contacts,
                    Recording(o),
                    new ProcessingAgreementView(o.ProcessingAgreementReference, o.ProcessingAgreementDate, o.ProcessingAgreementOrganizationIsController));
            },
            d => d is null
                ? null
                : new AuditEntry(
                    "organization.viewed",
                    caller.Actor,
                    d.Id,
                    [new AuditObject("organization", d.Id.ToString()), .. d.Contacts.Select(p => new AuditObject("contact_person", p.Id.ToString()))]),
            ct);
        return detail is null ? StoreErrors.NotFound("organization") : detail;
    }

    private RecordingSettingView Recording(Organization o)
    {
        var category = register.Category(OrganizationCommands.CustomerRecordingsCategory);
        var bounds = (ClientDefinedRetention)category.Retention;
        return new RecordingSettingView(
            o.CallRecordingEnabled,
            o.CustomerCallRecordingRetention,
            bounds.Min,
            bounds.Max,
            o.CustomerCallRecordingRetention ?? bounds.Min,
            RetentionRuleText.Describe(register, bounds));
    }
}
