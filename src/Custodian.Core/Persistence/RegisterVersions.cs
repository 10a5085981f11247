using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Custodian.Core.Persistence;

/// <summary>Records which registers Custodian ran with (see <see cref="RegisterVersion"/>).</summary>
internal static class RegisterVersions
{
    /// <summary>The hash <see cref="RecordAsync"/> expects: lower-case hex SHA-256 of the text's UTF-8 bytes.</summary>
    public static string ComputeSha256(string content) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(content)));

    /// <summary>
    /// Returns the version with this hash, recording it first if it is new. Idempotent and safe when several nodes start
    /// at once: the loser of the insert race gets the unique violation, which is recognised by its code, and reads the
    /// winner's row. An existing row is returned unchanged (its first <see cref="RegisterVersion.ActivatedAt"/> and path stay).
    /// </summary>
    /// <remarks><paramref name="sha256"/> is 64 hex digits, normally <see cref="ComputeSha256"/> of <paramref name="content"/>.</remarks>
    public static async Task<RegisterVersion> RecordAsync(
        CustodianDbContext db, string sha256, LocalDate lastUpdated, string sourcePath, string content, Instant now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(sourcePath);
        ArgumentNullException.ThrowIfNull(content);
        var hash = NormaliseSha256(sha256);

        var existing = await db.RegisterVersions.AsNoTracking().SingleOrDefaultAsync(v => v.Sha256 == hash, ct);
        if (existing is not null)
        {
            return existing;
        }

        var row = new RegisterVersion
        {
            Id = Guid.CreateVersion7(now.ToDateTimeOffset()),
            Sha256 = hash,
            LastUpdated = lastUpdated,
            ActivatedAt = now,
            SourcePath = sourcePath,
            Content = content,
        };
        db.RegisterVersions.Add(row);
        try
        {
            await db.SaveChangesAsync(ct);
            db.Entry(row).State = EntityState.Detached;
            return row;
        }
        catch (DbUpdateException e) when (DatabaseErrors.IsUniqueViolation(e))
        {
            db.Entry(row).State = EntityState.Detached;
            return await db.RegisterVersions.AsNoTracking().SingleAsync(v => v.Sha256 == hash, ct);
        }
    }

    /// <summary>The most recently activated version, or null when none was ever recorded.</summary>
    public static Task<RegisterVersion?> LatestAsync(CustodianDbContext db, CancellationToken ct) =>
        db.RegisterVersions.AsNoTracking()
            .OrderByDescending(v => v.ActivatedAt)
            .ThenByDescending(v => v.Id)
            .FirstOrDefaultAsync(ct);

    private static string NormaliseSha256(string sha256)
    {
        ArgumentNullException.ThrowIfNull(sha256);
        if (sha256.Length != 64 || !sha256.All(char.IsAsciiHexDigit))
        {
            throw new ArgumentException("Expected a SHA-256 as 64 hex digits.", nameof(sha256));
        }

        return sha256.ToLowerInvariant();
    }
}
