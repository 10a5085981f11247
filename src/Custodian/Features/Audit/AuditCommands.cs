using System.CommandLine;
using Custodian.Cli;
using Custodian.Core.Features.Audit;
using Custodian.Core.Persistence;
using Custodian.Features.Database;
using Custodian.Hosting;

namespace Custodian.Features.Audit;

/// <summary>
/// <c>custodian audit verify [--checkpoint FILE]</c> and <c>custodian audit checkpoint [--output FILE]</c>: offline
/// operator commands on the configured database, with the master key (which derives the checkpoint signing key).
/// </summary>
internal static class AuditCommands
{
    internal static Command Build()
    {
        var audit = new Command("audit", "The tamper-evident audit trail: verify it, make and export signed checkpoints");

        var checkpointFile = new Option<FileInfo?>("--checkpoint")
        {
            Description = "An exported checkpoint held outside the system (from 'audit checkpoint --output'): also detects truncation, rollback and rewrites",
        };
        var verify = new Command("verify", "Recompute every event's hash and the tree, check every stored checkpoint's signature, root and order; exit 1 naming the first bad position")
        {
            checkpointFile,
        };
        verify.SetAction(async (parse, ct) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            string? external = null;
            if (parse.GetValue(checkpointFile) is { } file)
            {
                try
                {
                    external = await File.ReadAllTextAsync(file.FullName, ct);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    await error.WriteLineAsync($"{file.FullName}: error audit.checkpoint_unreadable: {ex.Message}");
                    return ExitCodes.Failure;
                }
            }

            await using var services = await ServicesAsync(parse, ct);
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<CustodianDbContext>();
            var result = await scope.ServiceProvider.GetRequiredService<AuditVerifier>().VerifyAsync(db, external, ct);

            // Recorded for the dashboard's "last verification" (not evidence: re-running the verifier is).
            await scope.ServiceProvider.GetRequiredService<AuditOperations>()
                .RecordAsync(db, new AuditActor(AuditActorKind.Cli, "cli:audit verify"), result, external is not null, ct);
            await output.WriteLineAsync($"Events:      {result.EventCount}");
            await output.WriteLineAsync($"Root:        {Convert.ToBase64String(result.Root)}");
            await output.WriteLineAsync($"Checkpoints: {result.CheckpointCount} stored{(external is null ? "" : ", 1 given")}");
            if (result.Intact)
            {
                await output.WriteLineAsync(external is null
                    ? "Intact. (Without --checkpoint, removal of the newest events cannot be detected: keep exported checkpoints outside the system.)"
                    : "Intact, and consistent with the given checkpoint.");
                return ExitCodes.Success;
            }

            await error.WriteLineAsync($"error {result.Problems[0]}");
            foreach (var p in result.Problems.Skip(1))
            {
                await error.WriteLineAsync($"  also: {p}");
            }

            return ExitCodes.Failure;
        });

        var outputFile = new Option<FileInfo?>("--output")
        {
            Description = "Write the checkpoint note to this file (store it outside the system: WORM storage, another host, the privacy officer)",
        };
        var checkpoint = new Command("checkpoint", "Sign a checkpoint of the log now (origin, size, root), print it and the public verifier key, and optionally export it")
        {
            outputFile,
        };
        checkpoint.SetAction(async (parse, ct) =>
        {
            var output = parse.InvocationConfiguration.Output;
            await using var services = await ServicesAsync(parse, ct);
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<CustodianDbContext>();
            var checkpoints = scope.ServiceProvider.GetRequiredService<AuditCheckpoints>();
            var made = await checkpoints.CreateNowAsync(db, ct);
            if (checkpoints.Options.ExportDirectory is { } directory)
            {
                var exported = await CheckpointExport.ExportNewAsync(db, directory, ct);
                await output.WriteLineAsync($"{exported} checkpoint(s) appended to {Path.Combine(directory, CheckpointExport.LogFile)}");
            }

            if (parse.GetValue(outputFile) is { } file)
            {
                await AuditCheckpoints.ExportAsync(made, file.FullName, ct);
                await output.WriteLineAsync($"Checkpoint #{made.Number} ({made.Size} events) written to {file.FullName}");
            }

            await output.WriteAsync(made.Note);
            await output.WriteLineAsync($"Verifier key: {checkpoints.Signer.VerifierKey}");
            return ExitCodes.Success;
        });

        audit.Subcommands.Add(verify);
        audit.Subcommands.Add(checkpoint);
        audit.Subcommands.Add(BuildCompare());
        return audit;
    }

    /// <summary>
    /// <c>custodian audit compare A B</c>: the witness check (L-08). Two checkpoints kept by different holders (client
    /// organisations, a witness) must be one history: same size and root, or a consistency proof between them, taken
    /// from the database. Exit 1 naming the fork otherwise.
    /// </summary>
    private static Command BuildCompare()
    {
        var first = new Argument<FileInfo>("A") { Description = "A checkpoint one holder kept" };
        var second = new Argument<FileInfo>("B") { Description = "A checkpoint another holder kept" };
        var compare = new Command("compare", "Check that two held checkpoints describe one append-only log (consistency proof from the database); exit 1 on a fork")
        {
            first,
            second,
        };
        compare.SetAction(async (parse, ct) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            var notes = new List<string>();
            foreach (var file in new[] { parse.GetValue(first)!, parse.GetValue(second)! })
            {
                try
                {
                    notes.Add(await File.ReadAllTextAsync(file.FullName, ct));
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    await error.WriteLineAsync($"{file.FullName}: error audit.checkpoint_unreadable: {ex.Message}");
                    return ExitCodes.Failure;
                }
            }

            await using var services = await ServicesAsync(parse, ct);
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<CustodianDbContext>();
            var signer = scope.ServiceProvider.GetRequiredService<CheckpointSigner>();
            var bodies = new List<CheckpointBody>();
            foreach (var (note, file) in notes.Zip([parse.GetValue(first)!, parse.GetValue(second)!]))
            {
                var opened = signer.Verifier.Open(note);
                if (opened.Body is null)
                {
                    await error.WriteLineAsync($"{file.FullName}: error audit.checkpoint_invalid: {opened.Error}");
                    return ExitCodes.Failure;
                }

                bodies.Add(opened.Body);
            }

            var (a, b) = (bodies[0], bodies[1]);
            IReadOnlyList<byte[]>? proof = null;
            if (a.Size != b.Size)
            {
                var proved = await AuditProofs.ConsistencyAsync(db, Math.Min(a.Size, b.Size), Math.Max(a.Size, b.Size), ct);
                proof = proved?.Proof;
            }

            var result = CheckpointWitness.Compare(a, b, proof);
            if (result.Consistent)
            {
                await output.WriteLineAsync($"Consistent: {result.Message}.");
                return ExitCodes.Success;
            }

            await error.WriteLineAsync($"error {result.Code}: {result.Message}");
            return ExitCodes.Failure;
        });
        return compare;
    }

    private static async Task<ServiceProvider> ServicesAsync(ParseResult parse, CancellationToken ct)
    {
        var settings = CustodianCli.ResolveSettings(parse);
        var target = DatabaseTarget.Resolve(settings.Database, settings.DataFolder);
        var masterKey = MasterKeyFiles.LoadExisting(settings);
        var services = new ServiceCollection();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(masterKey);
        services.AddLogging();
        services.AddCustodianDatabase(target);
        services.AddCustodianAudit(AuditSettings.Configure(settings));
        return await DatabaseStartup.BuildReadyAsync(services, ct);
    }
}
