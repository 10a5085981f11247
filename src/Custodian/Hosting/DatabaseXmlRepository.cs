using System.Xml.Linq;
using Custodian.Core.Persistence;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Custodian.Hosting;

/// <summary>
/// The data-protection key ring in the database (table <c>data_protection_keys</c>), so a session cookie or an
/// antiforgery token made by one <c>serve</c> node is read by every other (issue 8 §3). The elements arrive already
/// encrypted under the master key. Key files an earlier version wrote to <c>&lt;data&gt;/keys</c> are moved in on first
/// use, so the sessions of a running single-node deployment survive the upgrade.
/// </summary>
/// <remarks>
/// The data-protection system calls this synchronously and rarely (at start, then about once a day, and when it meets
/// a key id it does not know, e.g. one another node made a moment ago), so plain synchronous queries are right here.
/// </remarks>
internal sealed partial class DatabaseXmlRepository(
    IDbContextFactory<CustodianDbContext> contexts, TimeProvider time, string? legacyFolder, ILogger<DatabaseXmlRepository> logger)
    : IXmlRepository
{
    /// <summary>The suffix a moved key file gets: kept as a copy for a rollback, never read again.</summary>
    internal const string ImportedSuffix = ".imported";

    private readonly Lock _importLock = new();
    private bool _imported;

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        ImportLegacyFilesOnce();
        using var db = contexts.CreateDbContext();
        return [.. db.Set<DataProtectionKeyRow>().AsNoTracking().OrderBy(k => k.StoredAt).ThenBy(k => k.Name)
            .Select(k => k.Xml).AsEnumerable().Select(x => XElement.Parse(x))];
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        ArgumentNullException.ThrowIfNull(element);
        ArgumentException.ThrowIfNullOrWhiteSpace(friendlyName);
        using var db = contexts.CreateDbContext();
        Store(db, friendlyName, element.ToString(SaveOptions.DisableFormatting));
    }

    private void Store(CustodianDbContext db, string name, string xml)
    {
        db.Set<DataProtectionKeyRow>().Add(new DataProtectionKeyRow
        {
            Name = name,
            Xml = xml,
            StoredAt = Instant.FromDateTimeOffset(time.GetUtcNow()),
        });
        try
        {
            db.SaveChanges();
        }
        catch (DbUpdateException ex) when (DatabaseErrors.IsUniqueViolation(ex))
        {
            // Another node moved the same legacy file in first: the element is there, which is all that matters.
            db.ChangeTracker.Clear();
        }
    }

    /// <summary>
    /// Moves <c>key-*.xml</c> from the legacy folder into the table (once per process; idempotent across nodes: the
    /// friendly name is the key). The file is renamed, not deleted, so a rollback to the old version can rename it back.
    /// </summary>
    private void ImportLegacyFilesOnce()
    {
        if (_imported || legacyFolder is null)
        {
            return;
        }

        lock (_importLock)
        {
            if (_imported)
            {
                return;
            }

            if (Directory.Exists(legacyFolder))
            {
                var moved = 0;
                using var db = contexts.CreateDbContext();
                foreach (var file in Directory.EnumerateFiles(legacyFolder, "*.xml").Order(StringComparer.Ordinal))
                {
                    var name = Path.GetFileNameWithoutExtension(file);
                    var xml = XElement.Load(file).ToString(SaveOptions.DisableFormatting);
                    if (!db.Set<DataProtectionKeyRow>().AsNoTracking().Any(k => k.Name == name))
                    {
                        Store(db, name, xml);
                    }

                    File.Move(file, file + ImportedSuffix, overwrite: true);
                    moved++;
                }

                if (moved > 0)
                {
                    LogImported(moved);
                }
            }

            _imported = true;
        }
    }

    [LoggerMessage(EventId = 1201, Level = LogLevel.Information, Message = "Moved {Count} data-protection key file(s) from the data folder into the database")]
    private partial void LogImported(int count);
}
