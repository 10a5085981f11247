using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using Xunit;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Custodian.Core.Tests.Register;

/// <summary>Keeps the editor schema and the loader in step: the shipped file passes both, an unknown key fails both.</summary>
public class RegisterSchemaTests
{
    // Built once: the schema registers its $id, and a second build of the same $id is not what these tests are about.
    private static readonly Lazy<JsonSchema> Schema = new(() => JsonSchema.FromText(File.ReadAllText(RegisterFiles.ShippedSchemaPath)));

    /// <summary>YAML 1.2 core-schema conversion, as the editor's YAML extension sees the file: only plain true/false/null/numbers are typed.</summary>
    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(c => KeyValuePair.Create(((YamlScalarNode)c.Key).Value!, ToJson(c.Value)))),
        YamlSequenceNode seq => new JsonArray(seq.Children.Select(ToJson).ToArray()),
        YamlScalarNode { Style: ScalarStyle.Plain, Value: "true" } => JsonValue.Create(true),
        YamlScalarNode { Style: ScalarStyle.Plain, Value: "false" } => JsonValue.Create(false),
        YamlScalarNode { Style: ScalarStyle.Plain, Value: null or "" or "~" or "null" } => null,
        YamlScalarNode { Style: ScalarStyle.Plain } s when decimal.TryParse(s.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && !s.Value!.StartsWith('0') => JsonValue.Create(number),
        YamlScalarNode s => JsonValue.Create(s.Value),
        _ => throw new NotSupportedException(node.GetType().Name),
    };

    private static EvaluationResults Validate(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        var json = ToJson(stream.Documents[0].RootNode)!.ToJsonString();
        using var document = JsonDocument.Parse(json);
        return Schema.Value.Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
    }

    private static string Describe(EvaluationResults results) =>
        string.Join('\n', (results.Details ?? []).Where(d => d.Errors is { Count: > 0 }).Select(d => $"{d.InstanceLocation}: {string.Join("; ", d.Errors!.Values)}"));

    [Fact]
    public void Schema_ShippedRegister_IsValid()
    {
        var results = Validate(RegisterFiles.ShippedRegisterText);

        Assert.True(results.IsValid, Describe(results));
    }

    [Fact]
    public void Schema_ShippedRegister_PointsEditorsAtTheSchema()
    {
        Assert.StartsWith("# yaml-language-server: $schema=register.schema.json\n", RegisterFiles.ShippedRegisterText, StringComparison.Ordinal);
    }

    [Fact]
    public void Schema_MinimalRegister_IsValid()
    {
        var results = Validate(RegisterLoaderTests.MinimalRegister);

        Assert.True(results.IsValid, Describe(results));
    }

    [Theory]
    [InlineData("    retention: { from: ticket_closed, period: P3Y }", "    retension: { from: ticket_closed, period: P3Y }")]
    [InlineData("  last_updated: 2019-05-25", "  last_updated: 2019-05-25\n  updated_by: someone")]
    [InlineData("      type: eu_us_dpf", "      type: eu_us_dpf\n      checked: 2025-01-01")]
    public void Schema_UnknownKey_FailsSchemaAndLoader(string original, string mutated)
    {
        var text = RegisterFiles.ShippedRegisterText.Replace(original, mutated, StringComparison.Ordinal);
        Assert.NotEqual(RegisterFiles.ShippedRegisterText, text);

        Assert.False(Validate(text).IsValid);
        Assert.Contains(Custodian.Core.Features.Register.RegisterLoader.Load(text, "register.yaml").Errors, e => e.Code == Custodian.Core.Features.Register.RegisterCodes.UnknownKey);
    }

    [Theory]
    [InlineData("    retention: { from: client_setting, min: P0D, max: P10Y }", "    retention: { from: client_setting, min: P0D }")]
    [InlineData("    retention: { from: record_time, period: P90D }", "    retention: { from: record_time, period: 90 days }")]
    [InlineData("    legal_basis: { type: contract }\n    controller: provider\n    retention: { from: service_end, grace: P0D }", "    legal_basis: { type: contractual }\n    controller: provider\n    retention: { from: service_end, grace: P0D }")]
    [InlineData("      certification_checked: 2025-01-15\n", "")]
    public void Schema_StructuralDefects_FailSchemaToo(string original, string mutated)
    {
        var text = RegisterFiles.ShippedRegisterText.Replace(original, mutated, StringComparison.Ordinal);
        Assert.NotEqual(RegisterFiles.ShippedRegisterText, text);

        Assert.False(Validate(text).IsValid);
        Assert.True(Custodian.Core.Features.Register.RegisterLoader.Load(text, "register.yaml").HasErrors);
    }
}
