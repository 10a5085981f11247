using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using Custodian.Core.Features.Events;
using Custodian.Core.Features.Register;
using Custodian.Core.Features.Requests.Answers;
using Custodian.Core.Features.Subjects;
using Custodian.Testing;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using Xunit;

namespace Custodian.IntegrationTests.Requests.Answers;

public sealed class AccessReportTests
{
    [Theory, AllEngines]
    public async Task BuildAsync_PersonWithTwoIdentifiers_HoldsEveryRecordOnceWithEveryArticle15Element(Engine engine)
    {
        await using var f = await AnswersFixture.CreateAsync(engine);
        await using var db = f.Context();

        var report = await f.Builder.BuildAsync(db, f.Jan, AnswerScope.All, f.Actor, TestContext.Current.CancellationToken);

        Assert.True(report.DataProcessed);
        var ids = report.Categories.Select(c => c.Id).ToList();
        Assert.Equal(["general.contact_person", "general.traffic_information", "general.support_information", "usage.call_detail_records"], ids);
        // The ticket holds both identifiers and comes once; both of Jan's calls, not Piet's.
        Assert.Single(report.Categories.Single(c => c.Id == "general.support_information").Records);
        var calls = report.Categories.Single(c => c.Id == UsageRecord.Category);
        Assert.Equal(2, calls.Records.Count);
        foreach (var category in report.Categories)
        {
            var registered = f.Register.Category(category.Id);
            Assert.NotEmpty(category.Purposes);                                      // (a)
            Assert.Equal(registered.Description, category.Description);            // (b)
            Assert.NotEmpty(category.Recipients);                                    // (c)
            Assert.False(string.IsNullOrWhiteSpace(category.Retention.En));          // (d)
            Assert.NotEmpty(category.Sources);                                       // (g)
            Assert.Equal(registered.AutomatedDecisionMaking, category.AutomatedDecisionMaking); // (h)
            Assert.All(category.Records, r => Assert.True(r.Retention == "until_event" || r.ExpiresAt is not null));
        }

        Assert.Contains(report.Rights, r => r.Covers.Contains("rectification"));      // (e)
        Assert.Contains(report.Rights, r => r.Covers.Contains("erasure"));
        Assert.Contains(report.Rights, r => r.Covers.Contains("restriction"));
        Assert.Contains(report.Rights, r => r.Covers.Contains("objection"));
        Assert.Equal(f.Register.Statement.SupervisoryAuthority.Url, report.SupervisoryAuthority.Url); // (f)
        // ACC-2: the US support-desk supplier is outside the EEA and its safeguard is stated.
        var us = report.Categories.Single(c => c.Id == "general.support_information").Recipients.Single(r => r.Country == "US");
        Assert.True(us.OutsideEea);
        Assert.Contains("Data Privacy Framework", us.Safeguard!.En, StringComparison.Ordinal);
        // ACC-6: 112 and other providers for call records; no authorities (REG-6, ACC-5).
        Assert.Contains(calls.Recipients, r => r.Kind == "recipient" && r.Name.En.Contains("112", StringComparison.Ordinal));
        Assert.DoesNotContain(report.Categories.SelectMany(c => c.Recipients), r => r.Name.En.Contains("authorit", StringComparison.OrdinalIgnoreCase));
        // Retention per record from the rule: six months after the call.
        var first = calls.Records.Single(r => r.Fields.Any(x => x.Name == "caller_number" && x.Value == AnswersFixture.JanPhone));
        Assert.Equal(Instant.FromUtc(2027, 5, 1, 22, 0), first.ExpiresAt);

        var audit = await db.Set<Custodian.Core.Features.Audit.AuditEvent>().AsNoTracking().Where(e => e.Action == "request.access_report_built").ToListAsync(TestContext.Current.CancellationToken);
        Assert.Single(audit);
    }

    [Theory, AllEngines]
    public async Task BuildAsync_UsageRecords_MasksOtherPartyAndShowsNoOtherPersonNorHold(Engine engine)
    {
        await using var f = await AnswersFixture.CreateAsync(engine);
        await using var db = f.Context();

        var report = await f.Builder.BuildAsync(db, f.Jan, AnswerScope.All, f.Actor, TestContext.Current.CancellationToken);

        var calls = report.Categories.Single(c => c.Id == UsageRecord.Category).Records;
        var outbound = calls.Single(r => r.Fields.Single(x => x.Name == "caller_number").Value == AnswersFixture.JanPhone);
        Assert.Equal("+3164000xxxx", outbound.Fields.Single(x => x.Name == "callee_number").Value);
        var inbound = calls.Single(r => r.Fields.Single(x => x.Name == "callee_number").Value == AnswersFixture.JanPhone);
        Assert.Equal("+3164000xxxx", inbound.Fields.Single(x => x.Name == "caller_number").Value);
        var traffic = Assert.Single(report.Categories.Single(c => c.Id == TrafficRecord.Category).Records);
        Assert.Equal("someone@elsewhere.exaxxxx", traffic.Fields.Single(x => x.Name == "counterpart").Value);

        using var json = new MemoryStream();
        AccessReportJson.Write(report, json);
        var text = Encoding.UTF8.GetString(json.ToArray()) + AccessReportHtml.Render(report, StatementLanguage.English) + AccessReportHtml.Render(report, StatementLanguage.Dutch);
        Assert.DoesNotContain("+31640009999", text, StringComparison.Ordinal);
        Assert.DoesNotContain(AnswersFixture.PietPhone, text, StringComparison.Ordinal);
        Assert.DoesNotContain("Piet", text, StringComparison.Ordinal);
        Assert.DoesNotContain(AnswersFixture.HoldReference, text, StringComparison.Ordinal);
        Assert.DoesNotContain("126n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Order under", text, StringComparison.Ordinal);
        Assert.DoesNotContain("legal hold", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("\"hold", text, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("itemised bill", text, StringComparison.Ordinal);
    }

    [Theory, AllEngines]
    public async Task BuildAsync_ScopeOfOneOrganizationAndCategory_HoldsOnlyThat(Engine engine)
    {
        await using var f = await AnswersFixture.CreateAsync(engine);
        await using var db = f.Context();

        var report = await f.Builder.BuildAsync(
            db, f.Jan, new AnswerScope(new HashSet<string> { "general.contact_person" }, f.OtherOrganizationId), f.Actor, TestContext.Current.CancellationToken);
        var unknown = await f.Builder.BuildAsync(
            db, [new SubjectKey(SubjectIdentifierKind.Phone, "+31640001234")], AnswerScope.All, f.Actor, TestContext.Current.CancellationToken);

        Assert.False(report.DataProcessed);
        Assert.Empty(report.Categories);
        Assert.False(unknown.DataProcessed);
        Assert.NotEmpty(unknown.Rights);
    }

    [Theory, AllEngines]
    public async Task Render_DutchAndEnglish_SelfContainedWithHeadingsAndTables(Engine engine)
    {
        await using var f = await AnswersFixture.CreateAsync(engine);
        await using var db = f.Context();
        var report = await f.Builder.BuildAsync(db, f.Jan, AnswerScope.All, f.Actor, TestContext.Current.CancellationToken);

        var nl = AccessReportHtml.Render(report, StatementLanguage.Dutch);
        var en = AccessReportHtml.Render(report, StatementLanguage.English);

        Assert.StartsWith("<!DOCTYPE html>", nl, StringComparison.Ordinal);
        Assert.Contains("<html lang=\"nl\">", nl, StringComparison.Ordinal);
        Assert.Contains("<html lang=\"en\">", en, StringComparison.Ordinal);
        Assert.Contains("<h1>Inzage in uw persoonsgegevens</h1>", nl, StringComparison.Ordinal);
        Assert.Contains("<h1>Access to your personal data</h1>", en, StringComparison.Ordinal);
        Assert.Contains(f.Register.Category("general.contact_person").Description.Nl, nl, StringComparison.Ordinal);
        Assert.Contains("Autoriteit Persoonsgegevens", nl, StringComparison.Ordinal);
        Assert.Contains("<th scope=\"col\">", en, StringComparison.Ordinal);
        Assert.Contains("<caption>", en, StringComparison.Ordinal);
        foreach (var html in new[] { nl, en })
        {
            Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("src=", html, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("<link", html, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Theory, AllEngines]
    public async Task Json_RoundTrip_GivesTheSameReport(Engine engine)
    {
        await using var f = await AnswersFixture.CreateAsync(engine);
        await using var db = f.Context();
        var report = await f.Builder.BuildAsync(db, f.Jan, AnswerScope.All, f.Actor, TestContext.Current.CancellationToken);

        using var stream = new MemoryStream();
        AccessReportJson.Write(report, stream);
        stream.Position = 0;
        var back = AccessReportJson.Read(stream);
        using var again = new MemoryStream();
        AccessReportJson.Write(back, again);

        Assert.Equal(stream.ToArray(), again.ToArray());
        Assert.Equal(report.RecordCount, back.RecordCount);
        var text = Encoding.UTF8.GetString(stream.ToArray());
        Assert.Contains("\"schema_version\": \"1\"", text, StringComparison.Ordinal);
        Assert.Contains("\"expires_at\"", text, StringComparison.Ordinal);
        Assert.Contains("\"nl\":", text, StringComparison.Ordinal);
    }

    [Theory, AllEngines]
    public async Task Portability_Zip_HoldsOnlyPortableCategoriesWithManifestHashes(Engine engine)
    {
        await using var f = await AnswersFixture.CreateAsync(engine);
        await using var db = f.Context();
        using var zipStream = new MemoryStream();

        var manifest = await PortabilityPackage.WriteAsync(
            db, f.Register, f.Jan, AnswerScope.All, Instant.FromUtc(2026, 11, 28, 12, 0), zipStream, TestContext.Current.CancellationToken);

        Assert.Equal(["general.support_information"], manifest.Categories);
        zipStream.Position = 0;
        using var zip = new ZipArchive(zipStream, ZipArchiveMode.Read);
        Assert.Equal(
            ["general.support_information.csv", "general.support_information.json", "manifest.json", "schema.json"],
            zip.Entries.Select(e => e.FullName).Order(StringComparer.Ordinal));
        PortabilityManifest read;
        using (var m = zip.GetEntry("manifest.json")!.Open())
        {
            read = PortabilityPackage.ReadManifest(m);
        }

        Assert.Equal(3, read.Files.Count);
        foreach (var file in read.Files)
        {
            using var s = zip.GetEntry(file.Name)!.Open();
            using var copy = new MemoryStream();
            await s.CopyToAsync(copy, TestContext.Current.CancellationToken);
            Assert.Equal(file.Sha256, Convert.ToHexStringLower(SHA256.HashData(copy.ToArray())));
            Assert.Equal(file.Size, copy.Length);
        }

        Assert.Equal(1, read.Files.Single(x => x.Name.EndsWith(".json", StringComparison.Ordinal) && x.Category is not null).Records);
        using var csv = new StreamReader(zip.GetEntry("general.support_information.csv")!.Open());
        var lines = (await csv.ReadToEndAsync(TestContext.Current.CancellationToken)).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("type,id,", lines[0], StringComparison.Ordinal);
        Assert.Contains("My handset does not ring.", lines[1], StringComparison.Ordinal);
    }

    [Theory, AllEngines]
    public async Task BuildAsync_RecordPastItsPeriodUnderAuthorityHold_ShownAsKeptForLegalObligationOnly(Engine engine)
    {
        await using var f = await AnswersFixture.CreateAsync(engine);
        var old = f.Import.Write("old.csv", string.Join('\n',
            "organization,record_id,kind,direction,caller,callee,start,duration,billed,outcome,cell_id,country,volume,cost,currency,service",
            $"demo,c-old,mobile,outbound,{AnswersFixture.JanPhone},+31640007777,2026-04-01T08:00:00Z,65,60,answered,,NL,,,,MOB-1",
            "") + "\n");
        Assert.Equal(ImportOutcome.Imported, (await f.Import.ImportHistoryAsync(EventFamily.Usage, old)).Outcome);
        await using var db = f.Context();

        var report = await f.Builder.BuildAsync(db, f.Jan, AnswerScope.All, f.Actor, TestContext.Current.CancellationToken);

        var kept = report.Categories.Single(c => c.Id == UsageRecord.Category).Records
            .Single(r => r.Fields.Any(x => x.Name == "start_time" && x.Value!.StartsWith("2026-04-01", StringComparison.Ordinal)));
        Assert.Equal("legal_obligation", kept.Retention);
        Assert.Null(kept.ExpiresAt);
        var nl = AccessReportHtml.Render(report, StatementLanguage.Dutch);
        Assert.Contains("Bewaard: wettelijke verplichting", nl, StringComparison.Ordinal);
        Assert.DoesNotContain(AnswersFixture.HoldReference, nl, StringComparison.Ordinal);
    }
}
