using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Custodian.Cli;
using Custodian.Configuration;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Blobs;
using Custodian.Core.Persistence;
using Custodian.Features.Database;
using Custodian.Hosting;
using NodaTime;
using NodaTime.Text;

namespace Custodian.Features.Keys;

/// <summary>
/// <c>custodian keys status|rotate|destroy-retired</c>: the key store of key-encryption keys (KEKs) that wrap the data
/// keys. <c>serve</c> does rotation and destruction on its own schedule; these commands show the state and force a step.
/// </summary>
internal static class KeyCommands
{
    internal static Command Build()
    {
        var keys = new Command("keys", "The key store: key-encryption keys that wrap data keys (rotation makes crypto-shredding hold for database backups)");

        var json = new Option<bool>("--json") { Description = "Machine-readable output" };
        var status = new Command("status", "List the key-encryption keys with state, age and the data keys each wraps; exit 1 when live data keys use a KEK that is not in the key store")
        {
            json,
        };
        status.SetAction(async (parse, ct) =>
        {
            var settings = CustodianCli.ResolveSettings(parse);
            await using var services = await ServicesAsync(settings, ct);
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<CustodianDbContext>();
            var time = scope.ServiceProvider.GetRequiredService<TimeProvider>();
            var result = await KeyRotation.StatusAsync(
                scope.ServiceProvider.GetRequiredService<KekStore>(), db, Instant.FromDateTimeOffset(time.GetUtcNow()), ct);
            var missing = result.LiveDataKeysOutsideStore.Where(p => p.Key != KeyEncryptionKeys.LegacyId).ToList();
            if (parse.GetValue(json))
            {
                await parse.InvocationConfiguration.Output.WriteLineAsync(StatusJson(result));
            }
            else
            {
                await WriteStatusAsync(parse.InvocationConfiguration.Output, result);
            }

            foreach (var (kekId, count) in missing)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync(
                    $"error keys.kek_missing: {count} live data keys are wrapped by key-encryption key '{kekId}', which is not in the key store {result.Folder} " +
                    "(is --keys / CUSTODIAN_KEYS the installation's key store? was it restored?). Their blobs cannot be read.");
            }

            return missing.Count == 0 ? ExitCodes.Success : ExitCodes.Failure;
        });

        var rotate = new Command("rotate", "Make a new key-encryption key current now, retire the previous one and re-wrap every live data key under the new one");
        rotate.SetAction(async (parse, ct) =>
        {
            var settings = CustodianCli.ResolveSettings(parse);
            var output = parse.InvocationConfiguration.Output;
            await using var services = await ServicesAsync(settings, ct);
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<CustodianDbContext>();
            var rotation = scope.ServiceProvider.GetRequiredService<KeyRotation>();
            var holder = Holder("rotate");
            if (!await rotation.TryAcquireLeaseAsync(db, holder, ct))
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync(
                    "error keys.busy: another process is rotating or destroying key-encryption keys now (lease keys.rotation); try again later.");
                return ExitCodes.Failure;
            }

            try
            {
                var result = await rotation.RotateAsync(db, CliActor("keys rotate"), holder, ct);
                await output.WriteLineAsync($"Current key-encryption key: {result.CurrentKekId}");
                await output.WriteLineAsync($"Retired: {(result.RetiredKekIds.Count == 0 ? "none" : string.Join(", ", result.RetiredKekIds))}");
                await WriteRewrapAsync(output, result.Rewrap);
                return result.Rewrap.Unreadable == 0 ? ExitCodes.Success : ExitCodes.Failure;
            }
            finally
            {
                await rotation.ReleaseLeaseAsync(db, holder, CancellationToken.None);
            }
        });

        var retention = new Option<string?>("--retention")
        {
            Description = $"Destroy KEKs retired at least this long ago (e.g. 35d, 12h). Default: the kekRetention setting ({DurationText.Format(KeyRotation.DefaultKekRetention)}). " +
                          $"At least {DurationText.Format(KeyRotation.MinimumKekRetention)}. Shorter than the database backup retention makes older backups unrestorable.",
        };
        var destroy = new Command("destroy-retired", "Destroy retired key-encryption keys past retention, after re-wrapping any data keys still under them; database backups that need them become unreadable")
        {
            retention,
        };
        destroy.SetAction(async (parse, ct) =>
        {
            var settings = CustodianCli.ResolveSettings(parse);
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            var keep = settings.KekRetention;
            if (parse.GetValue(retention) is { } text)
            {
                if (!DurationText.TryParse(text, out keep))
                {
                    await error.WriteLineAsync($"error keys.bad_retention: --retention {text}: give a whole number with a unit: d, h or m (e.g. 35d).");
                    return ExitCodes.Usage;
                }

                if (keep < KeyRotation.MinimumKekRetention)
                {
                    await error.WriteLineAsync(
                        $"error keys.retention_too_short: --retention {text} is below the minimum {DurationText.Format(KeyRotation.MinimumKekRetention)}: " +
                        "a process that has not reloaded the key store yet could still be wrapping new data keys with the retired key.");
                    return ExitCodes.Usage;
                }

                if (keep < settings.KekRetention)
                {
                    await error.WriteLineAsync(
                        $"warning keys.retention_below_setting: --retention {text} is shorter than the configured KEK retention {DurationText.Format(settings.KekRetention)}: " +
                        "database backups older than that can no longer be restored readable.");
                }
            }

            await using var services = await ServicesAsync(settings, ct);
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<CustodianDbContext>();
            var rotation = scope.ServiceProvider.GetRequiredService<KeyRotation>();
            var holder = Holder("destroy-retired");
            if (!await rotation.TryAcquireLeaseAsync(db, holder, ct))
            {
                await error.WriteLineAsync("error keys.busy: another process is rotating or destroying key-encryption keys now (lease keys.rotation); try again later.");
                return ExitCodes.Failure;
            }

            try
            {
                var results = await rotation.DestroyRetiredAsync(db, keep, CliActor("keys destroy-retired"), holder, ct);
                if (results.Count == 0)
                {
                    await output.WriteLineAsync($"No retired key-encryption key was retired {DurationText.Format(keep)} or longer ago; nothing destroyed.");
                }

                foreach (var r in results)
                {
                    await output.WriteLineAsync(r.Destroyed
                        ? string.Create(CultureInfo.InvariantCulture, $"Destroyed {r.KekId} (re-wrapped {r.Rewrap.Rewrapped} data keys first).")
                        : string.Create(CultureInfo.InvariantCulture, $"Kept {r.KekId}: {r.RemainingDataKeys} data keys still use it after re-wrapping; run again."));
                }

                return results.All(r => r.Destroyed) ? ExitCodes.Success : ExitCodes.Failure;
            }
            finally
            {
                await rotation.ReleaseLeaseAsync(db, holder, CancellationToken.None);
            }
        });

        keys.Subcommands.Add(status);
        keys.Subcommands.Add(rotate);
        keys.Subcommands.Add(destroy);
        return keys;
    }

    private static AuditActor CliActor(string command) => new(AuditActorKind.Cli, $"cli:{command}");

    private static string Holder(string command) => $"cli:keys {command}:{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";

    private static string Time(Instant instant) => InstantPattern.General.Format(instant);

    private static string Age(Duration d) =>
        d >= Duration.FromDays(1) ? string.Create(CultureInfo.InvariantCulture, $"{(long)d.TotalDays}d")
        : d >= Duration.FromHours(1) ? string.Create(CultureInfo.InvariantCulture, $"{(long)d.TotalHours}h")
        : string.Create(CultureInfo.InvariantCulture, $"{Math.Max(0, (long)d.TotalMinutes)}m");

    private static async Task WriteStatusAsync(TextWriter output, KeyStoreStatus s)
    {
        await output.WriteLineAsync($"Key store: {s.Folder}");
        if (s.Keks.Count == 0)
        {
            await output.WriteLineAsync("No key-encryption keys yet (serve creates the first one).");
        }
        else
        {
            await output.WriteLineAsync("KEK                          STATE            AGE     CREATED               RETIRED               DATA KEYS");
            foreach (var k in s.Keks)
            {
                await output.WriteLineAsync(string.Join("  ",
                    k.Id.PadRight(27),
                    (k.State == KekState.Active ? (k.Current ? "active, current" : "active") : "retired").PadRight(15),
                    Age(s.Now - k.CreatedAt).PadRight(6),
                    Time(k.CreatedAt).PadRight(20),
                    (k.RetiredAt is { } r ? Time(r) : "-").PadRight(20),
                    k.LiveDataKeys.ToString(CultureInfo.InvariantCulture)));
            }
        }

        foreach (var (kekId, count) in s.LiveDataKeysOutsideStore)
        {
            await output.WriteLineAsync(kekId == KeyEncryptionKeys.LegacyId
                ? string.Create(CultureInfo.InvariantCulture, $"Legacy {kekId} (derived from the master key; the next rotation re-wraps them): {count} data keys")
                : string.Create(CultureInfo.InvariantCulture, $"Not in the key store: {kekId}: {count} data keys"));
        }

        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"Destroyed data keys: {s.DestroyedDataKeys}"));
    }

    private static string StatusJson(KeyStoreStatus s) => JsonSerializer.Serialize(new
    {
        keyStore = s.Folder,
        now = Time(s.Now),
        keks = s.Keks.Select(k => new
        {
            id = k.Id,
            state = k.State == KekState.Active ? "active" : "retired",
            current = k.Current,
            created = Time(k.CreatedAt),
            retiredAt = k.RetiredAt is { } r ? Time(r) : null,
            ageSeconds = (long)(s.Now - k.CreatedAt).TotalSeconds,
            dataKeys = k.LiveDataKeys,
        }),
        dataKeysOutsideStore = s.LiveDataKeysOutsideStore,
        destroyedDataKeys = s.DestroyedDataKeys,
    });

    private static async Task WriteRewrapAsync(TextWriter output, RewrapResult r)
    {
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"Re-wrapped {r.Rewrapped} data keys; {r.ChangedConcurrently} changed meanwhile (destroyed or re-wrapped elsewhere); {r.Unreadable} unreadable."));
        if (r.Unreadable > 0)
        {
            await output.WriteLineAsync("Unreadable data keys are wrapped by a key-encryption key that is not in the key store, or damaged: see 'custodian keys status'.");
        }
    }

    /// <summary>Database, master key (seals the key store; derives the audit keys), audit trail, key store, ring and rotation.</summary>
    private static async Task<ServiceProvider> ServicesAsync(CustodianSettings settings, CancellationToken ct)
    {
        var target = DatabaseTarget.Resolve(settings.Database, settings.DataFolder);
        var masterKey = MasterKeyFiles.LoadExisting(settings);
        var services = new ServiceCollection();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(masterKey);
        services.AddLogging();
        services.AddCustodianDatabase(target);
        services.AddCustodianAudit();
        services.AddCustodianBlobs(settings.DataFolder, settings.KeysFolder, settings.BlobStoreS3);
        return await DatabaseStartup.BuildReadyAsync(services, ct);
    }
}
