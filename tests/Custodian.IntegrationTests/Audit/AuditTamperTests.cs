using Custodian.Core.Common;
using Custodian.Core.Features.Audit;
using Custodian.Core.Persistence;
using Custodian.Testing;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using Xunit;

namespace Custodian.IntegrationTests.Audit;

/// <summary>security.md §2.4: each mutation an attacker with database access can make is detected (L-01..L-09, L-11).</summary>
public sealed class AuditTamperTests
{
    private const int Events = 40;

    private static async Task<AuditFixture> LogAsync(Engine engine, CancellationToken ct)
    {
        var f = await AuditFixture.CreateAsync(engine, o => o.CheckpointEveryEvents = 10);
        await f.AppendManyAsync(Events, ct);
        return f;
    }

    private static void AssertFailsAt(AuditVerification result, params long[] positions)
    {
        Assert.False(result.Intact, "the verifier did not notice the tampering");
        Assert.True(result.Problems[0].Seq is { } s && positions.Contains(s),
            $"expected the first problem at seq {string.Join(" or ", positions)}, got: {string.Join(" | ", result.Problems)}");
    }

    [Theory, AllEngines]
    public async Task AppendOnly_UpdateOrDeleteEvent_RefusedByDatabase(Engine engine)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var f = await LogAsync(engine, ct);
        await using var context = f.CreateContext();

        await Assert.ThrowsAnyAsync<Exception>(() => context.Database.ExecuteSqlRawAsync("UPDATE audit_events SET action = 'x' WHERE seq = 3", ct));
        await Assert.ThrowsAnyAsync<Exception>(() => context.Database.ExecuteSqlRawAsync("DELETE FROM audit_events WHERE seq = 40", ct));
        await Assert.ThrowsAnyAsync<Exception>(() => context.Database.ExecuteSqlRawAsync("DELETE FROM audit_events", ct));
        await Assert.ThrowsAnyAsync<Exception>(() => context.Database.ExecuteSqlRawAsync("UPDATE audit_checkpoints SET size = 0", ct));
        await Assert.ThrowsAnyAsync<Exception>(() => context.Database.ExecuteSqlRawAsync("DELETE FROM audit_checkpoints", ct));
        await Assert.ThrowsAnyAsync<Exception>(() => context.Database.ExecuteSqlRawAsync("DELETE FROM audit_head", ct));
        if (engine == Engine.Postgres)
        {
            await Assert.ThrowsAnyAsync<Exception>(() => context.Database.ExecuteSqlRawAsync("TRUNCATE audit_events", ct));
            await Assert.ThrowsAnyAsync<Exception>(() => context.Database.ExecuteSqlRawAsync("TRUNCATE audit_checkpoints", ct));
            await Assert.ThrowsAnyAsync<Exception>(() => context.Database.ExecuteSqlRawAsync("TRUNCATE audit_head", ct));
        }

        Assert.Equal(Events, await context.Set<AuditEvent>().CountAsync(ct));
        Assert.True((await f.VerifyAsync(ct)).Intact);
    }

    /// <summary>L-01: one flipped bit in any stored field of any event fails verification at that event.</summary>
    [Theory, AllEngines]
    public async Task Verify_RandomBitFlips_EachFailsAtFlippedEvent(Engine engine)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var f = await LogAsync(engine, ct);
        await using var context = f.CreateContext();
        await AuditTamper.DropTriggersAsync(context, engine, ct);
        var events = await AuditTamper.EventsAsync(context, ct);
        var random = new Random(20260302);
        string[] columns = ["id", "occurred_at", "organization_id", "actor_kind", "actor_id", "action", "objects", "reason", "details", "leaf_hash", "tree_root"];

        for (var round = 0; round < 150; round++)
        {
            var e = events[random.Next(events.Count)];
            var column = columns[random.Next(columns.Length)];
            var (original, mutated) = Mutate(e, column, random);

            await AuditTamper.SetColumnAsync(context, e.Seq, column, mutated, ct);
            var result = await f.VerifyAsync(ct);
            await AuditTamper.SetColumnAsync(context, e.Seq, column, original, ct);

            Assert.False(result.Intact, $"round {round}: flipping {column} of event {e.Seq} went unnoticed");
            Assert.True(result.Problems[0].Seq == e.Seq, $"round {round}: {column} of event {e.Seq}: {string.Join(" | ", result.Problems)}");
        }

        Assert.True((await f.VerifyAsync(ct)).Intact, "the log did not verify after every flip was undone");
    }

    private static (object? Original, object? Mutated) Mutate(AuditEvent e, string column, Random random) => column switch
    {
        "id" => (e.Id, FlipGuid(e.Id, random)),
        "organization_id" => (e.OrganizationId, e.OrganizationId is { } o ? FlipGuid(o, random) : Guid.NewGuid()),
        "occurred_at" => (e.OccurredAt.ToDateTimeUtc(), (e.OccurredAt + Duration.FromTicks(10L << random.Next(30))).ToDateTimeUtc()),
        "leaf_hash" => (e.LeafHash, FlipBytes(e.LeafHash, random)),
        "tree_root" => (e.TreeRoot, FlipBytes(e.TreeRoot, random)),
        "actor_kind" => (e.ActorKind, FlipText(e.ActorKind, random)),
        "actor_id" => (e.ActorId, FlipText(e.ActorId, random)),
        "action" => (e.Action, FlipText(e.Action, random)),
        "objects" => (e.Objects, FlipText(e.Objects, random)),
        "reason" => (e.Reason, e.Reason is null ? "a reason that was never given" : FlipText(e.Reason, random)),
        "details" => (e.Details, FlipText(e.Details, random)),
        _ => throw new ArgumentOutOfRangeException(nameof(column)),
    };

    private static Guid FlipGuid(Guid g, Random random)
    {
        var bytes = g.ToByteArray();
        bytes[random.Next(16)] ^= (byte)(1 << random.Next(8));
        return new Guid(bytes);
    }

    private static byte[] FlipBytes(byte[] b, Random random)
    {
        var copy = (byte[])b.Clone();
        copy[random.Next(copy.Length)] ^= (byte)(1 << random.Next(8));
        return copy;
    }

    /// <summary>Flips one of the low 7 bits of one (ASCII) character, never producing NUL (PostgreSQL text cannot hold it).</summary>
    private static string FlipText(string s, Random random)
    {
        var chars = s.ToCharArray();
        var i = random.Next(chars.Length);
        var flipped = (char)(chars[i] ^ (1 << random.Next(7)));
        chars[i] = flipped == '\0' ? (char)(chars[i] ^ 0x40) : flipped;
        return new string(chars);
    }

    /// <summary>L-02: an interior event deleted, with or without renumbering the later ones, fails at that position.</summary>
    [Theory, AllEngines]
    public async Task Verify_InteriorEventDeleted_FailsAtIt(Engine engine)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var f = await LogAsync(engine, ct);
        await using var context = f.CreateContext();
        await AuditTamper.DropTriggersAsync(context, engine, ct);

        await context.Database.ExecuteSqlAsync($"DELETE FROM audit_events WHERE seq = 17", ct);
        AssertFailsAt(await f.VerifyAsync(ct), 17);

        await AuditTamper.ShiftSeqAsync(context, 18, -1, ct);
        await AuditTamper.RepairHeadAsync(context, ct);
        AssertFailsAt(await f.VerifyAsync(ct), 17);
    }

    /// <summary>L-03: two events swapped (their contents trade positions) fails at the earlier one.</summary>
    [Theory, AllEngines]
    public async Task Verify_TwoEventsSwapped_FailsAtEarlier(Engine engine)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var f = await LogAsync(engine, ct);
        await using var context = f.CreateContext();
        await AuditTamper.DropTriggersAsync(context, engine, ct);

        await context.Database.ExecuteSqlAsync($"UPDATE audit_events SET seq = -1 WHERE seq = 12", ct);
        await context.Database.ExecuteSqlAsync($"UPDATE audit_events SET seq = 12 WHERE seq = 25", ct);
        await context.Database.ExecuteSqlAsync($"UPDATE audit_events SET seq = 25 WHERE seq = -1", ct);
        AssertFailsAt(await f.VerifyAsync(ct), 12);

        // Even with the leaf hashes and roots recomputed for the new order, the stored checkpoints expose it.
        await AuditTamper.RecomputeAllHashesAsync(context, ct);
        var result = await f.VerifyAsync(ct);
        Assert.False(result.Intact);
        Assert.Contains(result.Problems, p => p.Code == "audit.rewritten");
    }

    /// <summary>L-04: a forged event inserted in the middle (with a correct leaf hash and root for its position) fails.</summary>
    [Theory, AllEngines]
    public async Task Verify_ForgedEventInserted_Fails(Engine engine)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var f = await LogAsync(engine, ct);
        await using var context = f.CreateContext();
        await AuditTamper.DropTriggersAsync(context, engine, ct);
        var events = await AuditTamper.EventsAsync(context, ct);

        await AuditTamper.ShiftSeqAsync(context, 20, +1, ct);
        var forged = new AuditEvent
        {
            Seq = 20,
            Id = Guid.NewGuid(),
            OccurredAt = events[18].OccurredAt,
            OrganizationId = events[18].OrganizationId,
            ActorKind = "system",
            ActorId = "retention",
            Action = "retention.swept",
            Objects = "[]",
            Reason = null,
            Details = "{}",
            LeafHash = [],
            TreeRoot = [],
        };
        var leaf = AuditCanonical.LeafHash(forged);
        var range = CompactRange.Empty();
        foreach (var e in events.Take(19))
        {
            range.Append(e.LeafHash);
        }

        range.Append(leaf);
        var root = range.Root();
        var occurredAt = forged.OccurredAt.ToDateTimeUtc();
        await context.Database.ExecuteSqlAsync(
            $"""
            INSERT INTO audit_events (seq, id, occurred_at, organization_id, actor_kind, actor_id, action, objects, reason, details, leaf_hash, tree_root)
            VALUES (20, {forged.Id}, {occurredAt}, {forged.OrganizationId}, 'system', 'retention', 'retention.swept', {forged.Objects}, NULL, {forged.Details}, {leaf}, {root})
            """, ct);
        await AuditTamper.RepairHeadAsync(context, ct);

        // The forged row is self-consistent; the first event after it no longer is.
        AssertFailsAt(await f.VerifyAsync(ct), 20, 21);
    }

    /// <summary>
    /// L-05: the last k events removed, with the stored checkpoints beyond them and the head repaired. The internal
    /// checks PASS (which is why checkpoints must leave the system); the exported checkpoint makes it FAIL.
    /// </summary>
    [Theory, AllEngines]
    public async Task Verify_TailTruncated_PassesInternallyButFailsAgainstExportedCheckpoint(Engine engine)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var f = await LogAsync(engine, ct);
        await using var context = f.CreateContext();
        var exported = (await f.Checkpoints.CreateNowAsync(context, ct)).Note;
        Assert.Equal(Events, (await AuditTamper.EventsAsync(context, ct)).Count);
        await AuditTamper.DropTriggersAsync(context, engine, ct);

        foreach (var k in new[] { 1, 3, 11, 39 })
        {
            var keep = Events - k;
            await context.Database.ExecuteSqlAsync($"DELETE FROM audit_events WHERE seq > {keep}", ct);
            await context.Database.ExecuteSqlAsync($"DELETE FROM audit_checkpoints WHERE size > {keep}", ct);
            await AuditTamper.RepairHeadAsync(context, ct);

            var inside = await f.VerifyAsync(ct);
            Assert.True(inside.Intact, $"k={k}: internal checks should not see a clean truncation: {string.Join(" | ", inside.Problems)}");

            var outside = await f.VerifyAsync(ct, exported);
            AssertFailsAt(outside, keep + 1);
            Assert.Equal("audit.truncated", outside.Problems[0].Code);
        }
    }

    /// <summary>L-07: the whole log rewritten consistently and re-signed with the stolen key still fails against an exported checkpoint.</summary>
    [Theory, AllEngines]
    public async Task Verify_RewrittenAndResignedWithStolenKey_FailsAgainstExportedCheckpoint(Engine engine)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var f = await LogAsync(engine, ct);
        await using var context = f.CreateContext();
        var exported = (await f.Checkpoints.CreateNowAsync(context, ct)).Note;
        await AuditTamper.DropTriggersAsync(context, engine, ct);

        await AuditTamper.SetColumnAsync(context, 5, "action", "contact.viewed", ct);
        await AuditTamper.RecomputeAllHashesAsync(context, ct);
        await AuditTamper.ResignCheckpointsAsync(context, MasterKey.FromBytes(AuditFixture.TestMasterKeyBytes), f.Checkpoints.Options.Origin, ct);

        Assert.True((await f.VerifyAsync(ct)).Intact, "a consistent rewrite with the key cannot be seen from inside");
        var outside = await f.VerifyAsync(ct, exported);
        Assert.False(outside.Intact);
        Assert.Equal("audit.rewritten", outside.Problems[0].Code);
    }

    /// <summary>L-09: a validly signed checkpoint whose size is smaller than the previous one is rejected.</summary>
    [Theory, AllEngines]
    public async Task Verify_CheckpointSmallerThanPrevious_Rejected(Engine engine)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var f = await LogAsync(engine, ct);
        await using var context = f.CreateContext();
        var events = await AuditTamper.EventsAsync(context, ct);
        var count = await context.Set<AuditCheckpoint>().CountAsync(ct);
        var number = count + 1L;
        var root = events[4].TreeRoot;
        var note = f.Checkpoints.Signer.Sign(new CheckpointBody(f.Checkpoints.Options.Origin, 5, root));
        var createdAt = new DateTime(2026, 3, 3, 0, 0, 0, DateTimeKind.Utc);

        // An insert, which the append-only triggers allow: no trigger bypass needed for this one.
        await context.Database.ExecuteSqlAsync(
            $"INSERT INTO audit_checkpoints (number, size, root_hash, note, created_at) VALUES ({number}, 5, {root}, {note}, {createdAt})", ct);

        var result = await f.VerifyAsync(ct);
        Assert.False(result.Intact);
        Assert.Contains(result.Problems, p => p.Code == "audit.checkpoint_not_monotonic");
    }

    [Theory, AllEngines]
    public async Task Verify_StoredCheckpointNoteAltered_SignatureRejected(Engine engine)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var f = await LogAsync(engine, ct);
        await using var context = f.CreateContext();
        await AuditTamper.DropTriggersAsync(context, engine, ct);
        var first = await context.Set<AuditCheckpoint>().AsNoTracking().OrderBy(c => c.Number).FirstAsync(ct);
        var altered = first.Note.Replace("\n1\n", "\n2\n", StringComparison.Ordinal);
        Assert.NotEqual(first.Note, altered);

        await context.Database.ExecuteSqlAsync($"UPDATE audit_checkpoints SET note = {altered} WHERE number = {first.Number}", ct);

        var result = await f.VerifyAsync(ct);
        Assert.Contains(result.Problems, p => p.Code == "audit.checkpoint_invalid" && p.Message.Contains("signature", StringComparison.Ordinal));
    }

    /// <summary>L-11: when the audit table refuses writes, the business change in the same transaction does not happen.</summary>
    [Theory, AllEngines]
    public async Task AppendAsync_AuditTableRefusesWrites_BusinessChangeRolledBack(Engine engine)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var f = await LogAsync(engine, ct);
        await using var context = f.CreateContext();
        await context.Database.ExecuteSqlRawAsync(engine == Engine.Sqlite
            ? "CREATE TRIGGER audit_full BEFORE INSERT ON audit_events BEGIN SELECT RAISE(ABORT, 'disk full (simulated)'); END;"
            : """
              CREATE FUNCTION audit_full() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk full (simulated)'; END $$;
              CREATE TRIGGER audit_full BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION audit_full();
              """, ct);

        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var tx = await context.Database.BeginTransactionAsync(ct);
            context.JobLeases.Add(new JobLease { Name = "erasure-run", Holder = "h", LeaseUntil = Instant.FromUtc(2026, 1, 1, 0, 0) });
            await context.SaveChangesAsync(ct);
            await f.Trail.AppendAsync(context, AuditFixture.Entry(99), ct);
            await tx.CommitAsync(ct);
        });

        context.ChangeTracker.Clear();
        Assert.Equal(0, await context.JobLeases.CountAsync(ct));
        Assert.Equal(Events, await context.Set<AuditEvent>().CountAsync(ct));
        Assert.True((await f.VerifyAsync(ct)).Intact);
    }
}
