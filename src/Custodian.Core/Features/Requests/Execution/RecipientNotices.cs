using Custodian.Core.Features.Register;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Custodian.Core.Features.Requests.Execution;

/// <summary>A recipient to tell of an executed change (Art. 19): a processor of the register for that category.</summary>
internal sealed record RecipientToNotify(string RecipientId, string Category, LocalizedText Name, string Country);

/// <summary>
/// Art. 19 (NOT-1): the recipients of a category are the register's processors for it. Authorities under an order and
/// the other disclosures are not recipients (REG-6) and never appear here (ACC-5).
/// </summary>
internal static class RecipientNotices
{
    public static IReadOnlyList<RecipientToNotify> For(ProcessingRegister register, string category) =>
        [.. register.Processors.Where(p => p.CategoryIds.Contains(category)).Select(p => new RecipientToNotify(p.Id, category, p.Name, p.Country))];

    /// <summary>
    /// Adds one <c>to_notify</c> row per recipient, unless the request already has it for this action, category and
    /// organisation (a second run adds nothing). Inside the caller's transaction; saved by the caller.
    /// </summary>
    public static async Task<IReadOnlyList<RecipientToNotify>> AddAsync(
        CustodianDbContext db, ProcessingRegister register, Guid requestId, string action, string category, Guid? organizationId, Instant now, CancellationToken ct)
    {
        var recipients = For(register, category);
        var existing = await db.Set<RequestRecipientNotice>()
            .Where(n => n.RequestId == requestId && n.Action == action && n.Category == category && n.OrganizationId == organizationId)
            .Select(n => n.RecipientId)
            .ToListAsync(ct);
        foreach (var r in recipients.Where(r => !existing.Contains(r.RecipientId)))
        {
            db.Add(new RequestRecipientNotice
            {
                RequestId = requestId,
                Action = action,
                Category = category,
                OrganizationId = organizationId,
                RecipientId = r.RecipientId,
                CreatedAt = now,
            });
        }

        return recipients;
    }
}
