using System.Text.Json;
using Custodian.Core.Features.Audit;
using Xunit;

namespace Custodian.Core.Tests.Audit;

/// <summary>
/// L-13 / G2.2: our RFC 9162 verifiers against the transparency-dev/merkle vectors vendored under
/// <c>Audit/Vectors/transparency-dev</c> (see its README): every happy path accepted, every mutated vector rejected.
/// </summary>
public sealed class MerkleProofVectorTests
{
    private static readonly string Root = Path.Combine(AppContext.BaseDirectory, "Audit", "Vectors", "transparency-dev");

    public static TheoryData<string> InclusionVectors() => Files("inclusion");

    public static TheoryData<string> ConsistencyVectors() => Files("consistency");

    [Theory, MemberData(nameof(InclusionVectors))]
    public void VerifyInclusion_TransparencyDevVector_MatchesExpectedOutcome(string file)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, file)));
        var v = doc.RootElement;
        // Upstream indexes are uint64 ("leafIdx - 1" of 0 is 2^64-1); as a long that is negative, i.e. outside any tree.
        var leafIndex = unchecked((long)v.GetProperty("leafIdx").GetUInt64());
        var treeSize = unchecked((long)v.GetProperty("treeSize").GetUInt64());

        var accepted = MerkleProofs.VerifyInclusion(
            leafIndex, treeSize, Bytes(v.GetProperty("leafHash")), Proof(v.GetProperty("proof")), Bytes(v.GetProperty("root")));

        Assert.Equal(!v.GetProperty("wantErr").GetBoolean(), accepted);
    }

    [Theory, MemberData(nameof(ConsistencyVectors))]
    public void VerifyConsistency_TransparencyDevVector_MatchesExpectedOutcome(string file)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, file)));
        var v = doc.RootElement;

        var accepted = MerkleProofs.VerifyConsistency(
            unchecked((long)v.GetProperty("size1").GetUInt64()),
            unchecked((long)v.GetProperty("size2").GetUInt64()),
            Proof(v.GetProperty("proof")),
            Bytes(v.GetProperty("root1")),
            Bytes(v.GetProperty("root2")));

        Assert.Equal(!v.GetProperty("wantErr").GetBoolean(), accepted);
    }

    [Fact]
    public void Vectors_VendoredSet_CoversTwoDirectoriesOfEachKindWithHappyPathsAndMutations()
    {
        var all = Paths("inclusion").Concat(Paths("consistency")).ToList();

        Assert.Equal(73, all.Count);
        Assert.Equal(5, all.Count(f => f.EndsWith("happy-path.json", StringComparison.Ordinal)));
    }

    private static TheoryData<string> Files(string kind) => [.. Paths(kind)];

    private static IEnumerable<string> Paths(string kind) =>
        Directory.EnumerateFiles(Path.Combine(Root, kind), "*.json", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(Root, f))
            .Order(StringComparer.Ordinal);

    private static byte[] Bytes(JsonElement e) => e.ValueKind == JsonValueKind.Null ? [] : Convert.FromBase64String(e.GetString()!);

    private static List<byte[]> Proof(JsonElement e) =>
        e.ValueKind == JsonValueKind.Null ? [] : [.. e.EnumerateArray().Select(Bytes)];
}
