using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using Custodian.Core.Features.Events;
using Custodian.Core.Features.Register;
using Custodian.Core.Features.Requests.Answers;
using Custodian.Core.Features.Subjects;
using Custodian.Testing;
using NodaTime;
using Xunit;

namespace Custodian.IntegrationTests.Requests.Answers;

/// <summary>The package's streamed path: usage records read with a cursor, written twice (JSON, CSV), each once.</summary>
public sealed class PortabilityStreamingTests
{
    [Theory, AllEngines]
    public async Task WriteAsync_PortableUsage_StreamsEachCallOnceAsTheReportFindsThem(Engine engine)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var f = await AnswersFixture.CreateAsync(engine);
        await using var db = f.Context();
        // Usage records are not portable in the shipped register (the network provides them); declared provided by the
        // person here, so the package streams them.
        var register = f.Register with
        {
            Categories = [.. f.Register.Categories.Select(c => c.Id == UsageRecord.Category ? c with { Sources = [.. c.Sources, DataSource.DataSubject] } : c)],
        };
        // The other party of Jan's first call counted as Jan's own second number: that call is found through both.
        IReadOnlyList<SubjectKey> subject = [.. f.Jan, new SubjectKey(SubjectIdentifierKind.Phone, "+31640009999")];
        var report = await f.Builder.BuildAsync(db, subject, AnswerScope.All, f.Actor, ct);
        var expected = report.Categories.Single(c => c.Id == UsageRecord.Category).Records.Select(r => r.Id).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(2, expected.Count);

        using var zipStream = new MemoryStream();
        var manifest = await PortabilityPackage.WriteAsync(db, register, subject, AnswerScope.All, Instant.FromUtc(2026, 11, 28, 12, 0), zipStream, ct);

        Assert.Contains(UsageRecord.Category, manifest.Categories);
        Assert.All(manifest.Files.Where(x => x.Category == UsageRecord.Category), x => Assert.Equal(2, x.Records));
        zipStream.Position = 0;
        using var zip = new ZipArchive(zipStream, ZipArchiveMode.Read);
        foreach (var file in manifest.Files)
        {
            using var s = zip.GetEntry(file.Name)!.Open();
            using var copy = new MemoryStream();
            await s.CopyToAsync(copy, ct);
            Assert.Equal(file.Sha256, Convert.ToHexStringLower(SHA256.HashData(copy.ToArray())));
            Assert.Equal(file.Size, copy.Length);
        }

        using (var json = zip.GetEntry($"{UsageRecord.Category}.json")!.Open())
        {
            using var doc = await JsonDocument.ParseAsync(json, cancellationToken: ct);
            Assert.Equal(expected, doc.RootElement.EnumerateArray().Select(e => e.GetProperty("id").GetString()!).Order(StringComparer.Ordinal));
        }

        using var csv = new StreamReader(zip.GetEntry($"{UsageRecord.Category}.csv")!.Open());
        var lines = (await csv.ReadToEndAsync(ct)).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("type,id,", lines[0], StringComparison.Ordinal);
        Assert.Equal(expected, lines.Skip(1).Select(l => l.Split(',')[1]).Order(StringComparer.Ordinal));
    }
}
