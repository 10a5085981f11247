using Custodian.Core.Features.Audit;
using Custodian.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Custodian.IntegrationTests.Audit;

public sealed class AuditOperationsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly AuditActor Officer = new(AuditActorKind.User, "user-officer");

    [Theory, AllEngines]
    public async Task VerifyAsync_IntactLog_RecordsTheOutcomeForTheStatus(Engine engine)
    {
        await using var f = await AuditFixture.CreateAsync(engine);
        await f.AppendManyAsync(5, Ct);
        var operations = f.Services.GetRequiredService<AuditOperations>();
        var before = await operations.StatusAsync(Ct);
        Assert.Equal(5, before.Size);
        Assert.Null(before.LastVerification);

        var outcome = await operations.VerifyAsync(Officer, null, Ct);
        var status = await operations.StatusAsync(Ct);

        Assert.True(outcome.Intact);
        Assert.Equal(5, outcome.EventCount);
        Assert.False(outcome.WithExternalCheckpoint);
        var last = Assert.IsType<AuditVerificationSummary>(status.LastVerification);
        Assert.True(last.Intact);
        Assert.Equal(5, last.EventCount);
        Assert.Equal(outcome.VerifiedAt, last.VerifiedAt);
        Assert.Equal(("user", "user-officer"), (last.ActorKind, last.ActorId));
        Assert.Null(last.FirstProblemCode);
    }

    [Theory, AllEngines]
    public async Task VerifyAsync_ExternalCheckpointOfALargerLog_RecordsTheFirstProblem(Engine engine)
    {
        await using var f = await AuditFixture.CreateAsync(engine);
        await f.AppendManyAsync(3, Ct);
        var operations = f.Services.GetRequiredService<AuditOperations>();
        var download = await operations.ExportCheckpointAsync(Ct);

        // A checkpoint of a log that claims more events than this one holds: truncation.
        await using var other = await AuditFixture.CreateAsync(engine);
        await other.AppendManyAsync(6, Ct);
        var larger = await other.Services.GetRequiredService<AuditOperations>().ExportCheckpointAsync(Ct);
        var outcome = await operations.VerifyAsync(Officer, larger.Note, Ct);
        f.Time.Advance(TimeSpan.FromSeconds(1));
        var status = await operations.StatusAsync(Ct);

        Assert.Equal(3, download.Size);
        Assert.False(outcome.Intact);
        Assert.Equal("audit.truncated", outcome.Problems[0].Code);
        var last = Assert.IsType<AuditVerificationSummary>(status.LastVerification);
        Assert.False(last.Intact);
        Assert.True(last.WithExternalCheckpoint);
        Assert.Equal("audit.truncated", last.FirstProblemCode);
        Assert.Equal(4, last.FirstProblemSeq);
        Assert.Equal(outcome.Problems.Count, last.ProblemCount);
    }

    [Theory, AllEngines]
    public async Task ExportCheckpointAsync_CoversTheLogAndOpensWithTheVerifierKey(Engine engine)
    {
        await using var f = await AuditFixture.CreateAsync(engine);
        await f.AppendManyAsync(4, Ct);
        var operations = f.Services.GetRequiredService<AuditOperations>();

        var download = await operations.ExportCheckpointAsync(Ct);
        var again = await operations.ExportCheckpointAsync(Ct);
        var status = await operations.StatusAsync(Ct);

        Assert.Equal(4, download.Size);
        Assert.Equal(download.Number, again.Number); // nothing new to sign: the same checkpoint
        Assert.Equal($"custodian-audit-checkpoint-{download.Number}.txt", download.FileName);
        Assert.Equal(0, download.ExportedToDirectory);
        var opened = f.Services.GetRequiredService<CheckpointSigner>().Verifier.Open(download.Note);
        Assert.NotNull(opened.Body);
        Assert.Equal(4, opened.Body.Size);
        Assert.Equal(download.RootBase64, Convert.ToBase64String(opened.Body.Root));
        Assert.Equal(f.Services.GetRequiredService<CheckpointSigner>().VerifierKey, download.VerifierKey);
        Assert.Equal((download.Number, 4L, download.CreatedAt), (status.CheckpointCount, status.LastCheckpointSize, status.LastCheckpointAt!.Value));
        await using var db = f.CreateContext();
        Assert.Equal(download.Number, await db.Set<AuditCheckpoint>().MaxAsync(c => c.Number, Ct));
    }
}
