using System.Text;
using Custodian.Core.Features.Audit;
using NodaTime;
using Xunit;

namespace Custodian.Core.Tests.Audit;

/// <summary>L-14: the canonical form is deterministic, sorted, escape-stable and round-trips through its stored columns.</summary>
public sealed class AuditCanonicalTests
{
    private static AuditEvent Event(string action = "contact.created", string? reason = null, string details = "{}", string objects = "[]") => new()
    {
        Seq = 42,
        Id = Guid.Parse("0198c9a0-1234-7abc-8def-0123456789ab"),
        OccurredAt = Instant.FromUnixTimeTicks(17_000_000_000_000_000),
        OrganizationId = null,
        ActorKind = "api_key",
        ActorId = "key-1",
        Action = action,
        Objects = objects,
        Reason = reason,
        Details = details,
        LeafHash = [],
        TreeRoot = [],
    };

    [Fact]
    public void Bytes_KnownEvent_IsExactCanonicalJson()
    {
        var text = Encoding.UTF8.GetString(AuditCanonical.Bytes(Event(reason: "T-1 \"quoted\"\n")));
        Assert.Equal(
            """{"action":"contact.created","actor_id":"key-1","actor_kind":"api_key","details":{},"id":"0198c9a0-1234-7abc-8def-0123456789ab","objects":[],"organization_id":null,"reason":"T-1 \"quoted\"\n","seq":42,"time_us":1700000000000000,"v":1}""",
            text);
    }

    [Fact]
    public void Bytes_RandomEvents_SerialisedTwiceAreIdenticalAndStoredFormIsCanonical()
    {
        var random = new Random(14);
        for (var i = 0; i < 500; i++)
        {
            var details = Enumerable.Range(0, random.Next(6)).ToDictionary(j => RandomText(random) + j, _ => RandomText(random));
            var objects = Enumerable.Range(0, random.Next(4)).Select(_ => new AuditObject(RandomText(random), RandomText(random))).ToList();
            var e = Event(RandomText(random), random.Next(2) == 0 ? null : RandomText(random), AuditCanonical.DetailsJson(details), AuditCanonical.ObjectsJson(objects));

            Assert.Equal(AuditCanonical.Bytes(e), AuditCanonical.Bytes(e));
            Assert.Null(AuditCanonical.CheckStoredForm(e));
            // Insertion order of details does not matter.
            Assert.Equal(e.Details, AuditCanonical.DetailsJson(details.Reverse()));
        }
    }

    [Fact]
    public void DetailsJson_KeysSortedOrdinally_NotByCulture() =>
        Assert.Equal("""{"B":"1","a":"2","é":"3"}""", AuditCanonical.DetailsJson(new Dictionary<string, string> { ["é"] = "3", ["a"] = "2", ["B"] = "1" }));

    [Fact]
    public void Bytes_ControlCharactersAndNonAscii_EscapedOnlyWhereJsonRequires() =>
        Assert.Contains("\"reason\":\"\\u0001\\t€ü\"", Encoding.UTF8.GetString(AuditCanonical.Bytes(Event(reason: "\u0001\t€ü"))), StringComparison.Ordinal);

    [Theory]
    [InlineData("""[{"type":"contact","id":"1"}]""")]
    [InlineData("""[{"id":"1", "type":"contact"}]""")]
    [InlineData("""[{"id":"1","type":"contact"}""")]
    [InlineData("""{"id":"1","type":"contact"}""")]
    public void CheckStoredForm_NonCanonicalObjects_Reported(string objects) =>
        Assert.NotNull(AuditCanonical.CheckStoredForm(Event(objects: objects)));

    [Theory]
    [InlineData("""{"b":"1","a":"2"}""")]
    [InlineData("""{"a":1}""")]
    [InlineData("""{"a":"\u0041"}""")]
    public void CheckStoredForm_NonCanonicalDetails_Reported(string details) =>
        Assert.NotNull(AuditCanonical.CheckStoredForm(Event(details: details)));

    [Fact]
    public void TruncateToMicroseconds_DropsTicksBelowAMicrosecond()
    {
        Assert.Equal(Instant.FromUnixTimeTicks(1230), AuditCanonical.TruncateToMicroseconds(Instant.FromUnixTimeTicks(1237)));
        Assert.Equal(Instant.FromUnixTimeTicks(-1240), AuditCanonical.TruncateToMicroseconds(Instant.FromUnixTimeTicks(-1237)));
    }

    private static string RandomText(Random random)
    {
        const string Alphabet = "abcXYZ019 .-_\"\\\n\t\u0001éü€日本";
        return new string(Enumerable.Range(0, 1 + random.Next(12)).Select(_ => Alphabet[random.Next(Alphabet.Length)]).ToArray());
    }
}
