using System.CommandLine;
using System.Globalization;
using Custodian.Cli;
using Custodian.Configuration;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Blobs;
using Custodian.Core.Persistence;
using Custodian.Features.Audit;
using Custodian.Features.Database;
using Custodian.Hosting;

namespace Custodian.Features.Blobs;

/// <summary>
/// <c>custodian blobs migrate --to s3|filesystem [--delete-source]</c>: moves the encrypted blob contents between the
/// data folder (<c>&lt;data&gt;/blobs</c>) and the configured bucket (<c>s3Bucket</c> …). Ciphertext is copied as is
/// (<see cref="BlobMigration"/>); the key store and the database do not change. See docs/object-storage.md.
/// </summary>
internal static class BlobCommands
{
    internal static Command Build()
    {
        var blobs = new Command("blobs", "The encrypted blob contents (recordings, attachments, answers): where they are stored");
        var to = new Option<string>("--to")
        {
            Description = "The store to copy to: s3 (the bucket named by s3Bucket) or filesystem (<data>/blobs); the other one is the source",
            Required = true,
        };
        to.AcceptOnlyFromAmong("s3", "filesystem");
        var deleteSource = new Option<bool>("--delete-source")
        {
            Description = "After every content is copied and verified (also those already there), remove them from the source",
        };
        var migrate = new Command("migrate", "Copy every blob content from one store to the other: streaming, resumable (skips contents already there with the same length), each copy verified by length and SHA-256; exit 1 on any mismatch")
        {
            to,
            deleteSource,
        };
        migrate.SetAction(async (parse, ct) =>
        {
            var settings = CustodianCli.ResolveSettings(parse);
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            if (settings.S3 is null)
            {
                await error.WriteLineAsync("error blobs.no_bucket: no bucket is configured (s3Bucket / CUSTODIAN_S3_BUCKET, with s3ServiceUrl or s3Region; keys in CUSTODIAN_S3_ACCESS_KEY / CUSTODIAN_S3_SECRET_KEY).");
                return ExitCodes.Failure;
            }

            // The database takes the audit event at the end: checked before anything is copied, so a wrong --db cannot
            // leave a migration without its event.
            await using var audit = await AuditServicesAsync(settings, ct);
            var toS3 = parse.GetValue(to) == "s3";
            using var s3 = new S3BlobStore(settings.S3);
            var files = new FileSystemBlobStore(Path.Combine(settings.DataFolder, "blobs"));
            IBlobStore source = toS3 ? files : s3, target = toS3 ? s3 : files;
            var from = toS3 ? $"filesystem {files.Root}" : $"s3 {Describe(settings.S3)}";
            var into = toS3 ? $"s3 {Describe(settings.S3)}" : $"filesystem {files.Root}";
            await output.WriteLineAsync($"Copying blob contents from {from} to {into}");

            var result = await BlobMigration.CopyAsync(source, target, parse.GetValue(deleteSource), ct);

            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"Copied {result.Copied} ({result.BytesCopied} bytes), already there {result.Skipped}, mismatched {result.Mismatched.Count}, removed from source {result.DeletedFromSource}."));
            foreach (var key in result.Mismatched)
            {
                await error.WriteLineAsync($"error blobs.mismatch: content {key} differs between the stores (length or SHA-256); it was not counted as copied.");
            }

            if (parse.GetValue(deleteSource) && !result.Verified)
            {
                await error.WriteLineAsync("Nothing was removed from the source, because not every content verified.");
            }

            await AuditAsync(audit, toS3, from, into, result, ct);
            return result.Verified ? ExitCodes.Success : ExitCodes.Failure;
        });
        blobs.Subcommands.Add(migrate);
        return blobs;
    }

    private static string Describe(S3BlobStoreOptions s3) =>
        $"{s3.ServiceUrl?.ToString() ?? "aws:" + (s3.Region ?? "eu-central-1")} bucket {s3.Bucket}{(s3.NormalizedPrefix.Length > 0 ? " prefix " + s3.NormalizedPrefix : "")}";

    private static async Task<ServiceProvider> AuditServicesAsync(CustodianSettings settings, CancellationToken ct)
    {
        var services = new ServiceCollection();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(MasterKeyFiles.LoadExisting(settings));
        services.AddLogging();
        services.AddCustodianDatabase(DatabaseTarget.Resolve(settings.Database, settings.DataFolder));
        services.AddCustodianAudit(AuditSettings.Configure(settings));
        return await DatabaseStartup.BuildReadyAsync(services, ct);
    }

    /// <summary>One <c>blobs.migrated</c> event with the counts (no keys: they say nothing to an auditor and are many).</summary>
    private static async Task AuditAsync(ServiceProvider provider, bool toS3, string from, string into, BlobMigrationResult result, CancellationToken ct)
    {
        await using var scope = provider.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CustodianDbContext>();
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await scope.ServiceProvider.GetRequiredService<IAuditTrail>().AppendAsync(
            db,
            new AuditEntry(
                "blobs.migrated",
                new AuditActor(AuditActorKind.Cli, "cli:blobs migrate"),
                null,
                [new AuditObject("blob_store", toS3 ? "s3" : "filesystem")],
                Details: new Dictionary<string, string>
                {
                    ["from"] = from,
                    ["to"] = into,
                    ["copied"] = result.Copied.ToString(CultureInfo.InvariantCulture),
                    ["skipped"] = result.Skipped.ToString(CultureInfo.InvariantCulture),
                    ["mismatched"] = result.Mismatched.Count.ToString(CultureInfo.InvariantCulture),
                    ["bytes"] = result.BytesCopied.ToString(CultureInfo.InvariantCulture),
                    ["deleted_from_source"] = result.DeletedFromSource.ToString(CultureInfo.InvariantCulture),
                }),
            ct);
        await tx.CommitAsync(ct);
    }
}
