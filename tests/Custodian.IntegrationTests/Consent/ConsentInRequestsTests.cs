using System.Text;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Consent;
using Custodian.Core.Features.Register;
using Custodian.Core.Features.Requests.Answers;
using Custodian.Core.Features.Requests.Execution;
using Custodian.Core.Persistence;
using Custodian.IntegrationTests.Requests;
using Custodian.Testing;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using Xunit;

namespace Custodian.IntegrationTests.Consent;

/// <summary>
/// The consent ledger in data-subject requests: a person's entries (category <c>general.consent_records</c>) are found
/// by their identifiers, shown in the access answer, split into a part, and kept by an erasure as proof of consent
/// until their retention has passed. The fixture's clock stands at 2025-02-28 12:00 UTC.
/// </summary>
public sealed class ConsentInRequestsTests
{
    private const string Purpose = ConsentPurposes.AppUsageInsights;
    private const string Category = ConsentPurposes.LedgerCategory;

    private static readonly Instant Now = Instant.FromUtc(2025, 2, 28, 12, 0);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory, AllEngines]
    public async Task AccessReport_PersonsConsentEntries_ShownWithPurposeVersionChannelAndTimesNotPortable(Engine engine)
    {
        await using var f = await ExecutionFixture.CreateAsync(engine);
        var ids = await SeedAsync(f);
        var register = f.Get<ProcessingRegister>();
        var builder = new AccessReportBuilder(register, f.Get<ReadAuditBatcher>(), f.Get<TimeProvider>());
        await using var scope = f.Scope(out var db);

        var report = await builder.BuildAsync(db, ExecutionFixture.Person, AnswerScope.All, ExecutionFixture.Provider.Actor, Ct);

        var category = Assert.Single(report.Categories, c => c.Id == Category);
        Assert.Equal("legal_obligation", category.LegalBasisType);
        Assert.False(category.Portable);
        Assert.Equal(3, category.Records.Count); // not the other person's entry
        var standing = Assert.Single(category.Records, r => r.Id == ids["standing"].ToString());
        Assert.Equal("consent_entry", standing.Type);
        Assert.Equal(Purpose, Field(standing, "purpose"));
        Assert.Equal("v2", Field(standing, "text_version"));
        Assert.Equal(ConsentChannels.App, Field(standing, "channel"));
        Assert.Equal("2025-02-01T09:00:00Z", Field(standing, "given_at"));
        Assert.Null(Field(standing, "withdrawn_at"));
        Assert.Equal("until_event", standing.Retention); // no expiry while the consent stands
        var withdrawn = Assert.Single(category.Records, r => r.Id == ids["withdrawn_last_year"].ToString());
        Assert.Equal("2024-02-01T09:00:00Z", Field(withdrawn, "withdrawn_at"));
        Assert.Equal(ConsentChannels.Portal, Field(withdrawn, "withdrawn_channel"));
        Assert.Equal("until", withdrawn.Retention);
        Assert.True(withdrawn.ExpiresAt > Instant.FromUtc(2026, 1, 31, 0, 0));

        var html = AccessReportHtml.Render(report, StatementLanguage.English);
        Assert.Contains("2025-02-01T09:00:00Z", html, StringComparison.Ordinal);
        Assert.Contains(Purpose, html, StringComparison.Ordinal);
        using var json = new MemoryStream();
        AccessReportJson.Write(report, json);
        var text = Encoding.UTF8.GetString(json.ToArray());
        Assert.Contains("\"text_version\"", text, StringComparison.Ordinal);
        Assert.Contains("\"v1\"", text, StringComparison.Ordinal);

        // Art. 20: the ledger rests on a legal obligation, so it is no part of the portable package.
        using var zip = new MemoryStream();
        var manifest = await PortabilityPackage.WriteAsync(db, register, ExecutionFixture.Person, AnswerScope.All, Now, zip, Ct);
        Assert.DoesNotContain(Category, manifest.Categories);

        // The ledger is the provider's: an answer for one client organisation holds none of it.
        var client = await builder.BuildAsync(db, ExecutionFixture.Person, new AnswerScope(OrganizationId: f.Ids["alpha"]), ExecutionFixture.Provider.Actor, Ct);
        Assert.DoesNotContain(client.Categories, c => c.Id == Category);
    }

    [Theory, AllEngines]
    public async Task Erasure_ConsentEntries_KeptAsLegalObligationUnlessTheirRetentionPassed(Engine engine)
    {
        await using var f = await ExecutionFixture.CreateAsync(engine);
        var ids = await SeedAsync(f);
        await using (var scope = f.Scope(out var db))
        {
            var plan = await f.Get<RequestSplit>().PlanAsync(db, ExecutionFixture.Person, Ct);
            var part = Assert.Single(plan.Parts, p => p.Category == Category);
            Assert.Equal(ControllerRole.Provider, part.Controller);
            Assert.Equal(3, part.Records);
        }

        ErasureResult result;
        await using (var scope = f.Scope(out var db))
        {
            var erased = await f.Get<ErasureExecutor>().ExecuteAsync(db, Guid.CreateVersion7(), ExecutionFixture.Person, new ExecutionPart(Category, null), ExecutionFixture.Provider, Ct);
            Assert.True(erased.IsSuccess, erased.Error?.ToString());
            result = erased.Value;
        }

        var line = Assert.Single(result.Categories);
        Assert.Equal(1, line.Erased); // withdrawn three years ago: past its two years
        var kept = Assert.Single(line.Kept);
        Assert.Equal(KeptReasons.LegalObligation, kept.Reason);
        Assert.Equal(2, kept.Count);
        Assert.Null(kept.Until); // one consent still stands: no end yet
        await using (var scope = f.Scope(out var db))
        {
            var left = await db.Set<ConsentEntry>().Select(e => e.Id).ToListAsync(Ct);
            Assert.Equal(new HashSet<Guid> { ids["other"], ids["standing"], ids["withdrawn_last_year"] }, left.ToHashSet());
        }
    }

    private static string? Field(AccessRecord record, string name) => Assert.Single(record.Fields, x => x.Name == name).Value;

    /// <summary>
    /// The person's entries: one standing (v2, app), one withdrawn a year ago (v1, portal), one withdrawn three years
    /// ago (v1); and another person's standing entry. Written directly, with their past times.
    /// </summary>
    internal static async Task<Dictionary<string, Guid>> SeedAsync(ExecutionFixture f)
    {
        await using var scope = f.Scope(out var db);
        db.AddRange(
            new ConsentText { Purpose = Purpose, Version = "v1", Text = "Mag de app uw gebruik tonen?", TextHash = new string('a', 64), FirstSeenAt = Instant.FromUtc(2021, 1, 1, 0, 0) },
            new ConsentText { Purpose = Purpose, Version = "v2", Text = "Mag de app uw gebruik tonen en advies geven?", TextHash = new string('b', 64), FirstSeenAt = Instant.FromUtc(2025, 1, 1, 0, 0) });
        var ids = new Dictionary<string, Guid>(StringComparer.Ordinal)
        {
            ["standing"] = Add(db, "phone", ExecutionFixture.Phone, "v2", Instant.FromUtc(2025, 2, 1, 9, 0), null),
            ["withdrawn_last_year"] = Add(db, "email", ExecutionFixture.Email, "v1", Instant.FromUtc(2023, 6, 1, 9, 0), Instant.FromUtc(2024, 2, 1, 9, 0)),
            ["withdrawn_long_ago"] = Add(db, "phone", ExecutionFixture.Phone, "v1", Instant.FromUtc(2021, 6, 1, 9, 0), Instant.FromUtc(2022, 2, 1, 9, 0)),
            ["other"] = Add(db, "phone", "+31201234599", "v2", Instant.FromUtc(2025, 2, 1, 9, 0), null),
        };
        await db.SaveChangesAsync(Ct);
        return ids;
    }

    internal static Guid Add(CustodianDbContext db, string kind, string value, string version, Instant given, Instant? withdrawn)
    {
        var entry = new ConsentEntry
        {
            SubjectKind = kind,
            SubjectValue = value,
            Purpose = Purpose,
            TextVersion = version,
            TextHash = new string(version == "v1" ? 'a' : 'b', 64),
            Channel = ConsentChannels.App,
            GivenAt = given,
            WithdrawnAt = withdrawn,
            WithdrawnChannel = withdrawn is null ? null : ConsentChannels.Portal,
        };
        db.Add(entry);
        return entry.Id;
    }
}
