using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Organizations;
using Custodian.Core.Features.Store;
using Custodian.Core.Features.Subjects;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace Custodian.IntegrationTests.Demo;

/// <summary>
/// A canonical text dump of everything a seed stores: every column of every store table, the subject index and the
/// audit events, with each row id replaced by a label (<c>services#3</c>) given by the row's content. Ids are minted by
/// the product's write path (UUIDv7: creation time plus randomness) and so differ between two runs; everything else,
/// including every relation between rows, must not.
/// </summary>
internal static partial class DemoDump
{
    // Parents before children, so a foreign key can be written as its parent's label.
    private static readonly Type[] Order =
    [
        typeof(Organization), typeof(ContactPerson), typeof(DeliveryAddress), typeof(Service), typeof(SupportTicket),
        typeof(SupportTicketAttachment), typeof(SupportCallRecording), typeof(CustomerCallRecording),
        typeof(InternetConnection), typeof(VoipDevice), typeof(VoipContact), typeof(Keyholder), typeof(MobileSubscription),
        typeof(MobileNotification), typeof(SubjectIdentifier),
    ];

    public static async Task<string> CanonicalAsync(CustodianDbContext db, CancellationToken ct)
    {
        var labels = new Dictionary<Guid, string>();
        var dump = new StringBuilder();
        foreach (var type in Order)
        {
            var entity = db.Model.FindEntityType(type)!;
            var rows = await RowsAsync(db, type, ct);
            var lines = rows.Select(row => (Id: (Guid)entity.FindPrimaryKey()!.Properties[0].PropertyInfo!.GetValue(row)!, Text: Line(entity, row, labels)))
                .OrderBy(r => r.Text, StringComparer.Ordinal)
                .ToList();
            for (var i = 0; i < lines.Count; i++)
            {
                var label = string.Create(CultureInfo.InvariantCulture, $"{entity.GetTableName()}#{i}");
                labels[lines[i].Id] = label;
                dump.Append(label).Append(' ').AppendLine(lines[i].Text);
            }
        }

        foreach (var e in await db.Set<AuditEvent>().AsNoTracking().OrderBy(e => e.Seq).ToListAsync(ct))
        {
            // Ids outside the labelled tables (import batches, blobs) become "?"; the rest of the details stays, so the
            // import events' file hashes and row counts show that the usage and traffic files were byte-identical.
            var objects = GuidPattern().Replace(e.Objects, m => labels.GetValueOrDefault(Guid.Parse(m.Value), "?"));
            var details = GuidPattern().Replace(e.Details, m => labels.GetValueOrDefault(Guid.Parse(m.Value), "?"));
            dump.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"audit#{e.Seq} {e.OccurredAt} {e.ActorKind}/{e.ActorId} {e.Action} {Label(e.OrganizationId, labels)} {objects} {e.Reason} {details}"));
        }

        return dump.ToString();
    }

    private static async Task<IReadOnlyList<object>> RowsAsync(CustodianDbContext db, Type type, CancellationToken ct)
    {
        var method = typeof(DemoDump).GetMethod(nameof(ListAsync), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!;
        return await (Task<IReadOnlyList<object>>)method.MakeGenericMethod(type).Invoke(null, [db, ct])!;
    }

    private static async Task<IReadOnlyList<object>> ListAsync<T>(CustodianDbContext db, CancellationToken ct)
        where T : class =>
        [.. await db.Set<T>().AsNoTracking().ToListAsync(ct)];

    private static string Line(IEntityType entity, object row, Dictionary<Guid, string> labels)
    {
        var key = entity.FindPrimaryKey()!.Properties[0].Name;
        return string.Join(" | ", entity.GetProperties()
            .Where(p => p.Name != key)
            .OrderBy(p => p.Name, StringComparer.Ordinal)
            .Select(p => $"{p.Name}={Format(p.PropertyInfo!.GetValue(row), labels)}"));
    }

    private static string Format(object? value, Dictionary<Guid, string> labels) => value switch
    {
        null => "null",
        Guid g => Label(g, labels),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "null",
    };

    private static string Label(Guid? id, Dictionary<Guid, string> labels) =>
        id is { } g ? labels.GetValueOrDefault(g, "unlabelled") : "null";

    [GeneratedRegex("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")]
    private static partial Regex GuidPattern();
}
