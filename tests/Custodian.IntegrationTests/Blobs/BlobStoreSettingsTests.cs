using Custodian.Configuration;
using Xunit;

namespace Custodian.IntegrationTests.Blobs;

/// <summary>The blob store settings: <c>blobStore</c>, <c>s3ServiceUrl</c>, <c>s3Bucket</c>, <c>s3Region</c>, <c>s3Prefix</c>, keys from the environment.</summary>
public sealed class BlobStoreSettingsTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("custodian-blob-settings.");

    public void Dispose() => _dir.Delete(recursive: true);

    private static Func<string, string?> Env(params (string Key, string Value)[] values) =>
        name => values.FirstOrDefault(v => v.Key == name).Value;

    private CustodianSettings Resolve(Func<string, string?> env) =>
        SettingsResolver.Resolve(new Dictionary<string, string?>(StringComparer.Ordinal), env, configFileFlag: null, _dir.FullName);

    [Fact]
    public void Resolve_NothingConfigured_FileSystemAndNoBucket()
    {
        var s = Resolve(Env());

        Assert.Equal(BlobStoreKind.FileSystem, s.BlobStoreKind);
        Assert.Null(s.S3);
        Assert.Null(s.BlobStoreS3);
    }

    [Fact]
    public void Resolve_S3FromFileKeysFromEnvironment_Options()
    {
        File.WriteAllText(Path.Combine(_dir.FullName, "custodian.json"),
            """{ "blobStore": "s3", "s3ServiceUrl": "https://s3.provider.example", "s3Bucket": "custodian-blobs", "s3Region": "eu-west-1", "s3Prefix": "prod/blobs" }""");

        var s = Resolve(Env(("CUSTODIAN_S3_ACCESS_KEY", "AKEXAMPLE"), ("CUSTODIAN_S3_SECRET_KEY", "secret-example")));

        Assert.Equal(BlobStoreKind.S3, s.BlobStoreKind);
        var s3 = Assert.IsType<Core.Features.Blobs.S3BlobStoreOptions>(s.BlobStoreS3);
        Assert.Equal(new Uri("https://s3.provider.example"), s3.ServiceUrl);
        Assert.Equal("custodian-blobs", s3.Bucket);
        Assert.Equal("eu-west-1", s3.Region);
        Assert.Equal("prod/blobs/", s3.NormalizedPrefix);
        Assert.Equal("AKEXAMPLE", s3.AccessKey);
        Assert.Equal("secret-example", s3.SecretKey);
    }

    [Theory]
    [InlineData("""{ "s3AccessKey": "AKEXAMPLE" }""", "settings.unknown_key")]
    [InlineData("""{ "blobStore": "s3" }""", "settings.s3_bucket_missing")]
    [InlineData("""{ "blobStore": "ftp" }""", "settings.invalid_blob_store")]
    [InlineData("""{ "s3Bucket": "b", "s3ServiceUrl": "http://s3.provider.example" }""", "settings.invalid_s3_service_url")]
    public void Resolve_Invalid_NamedError(string json, string code)
    {
        File.WriteAllText(Path.Combine(_dir.FullName, "custodian.json"), json);

        var e = Assert.Throws<SettingsException>(() => Resolve(Env()));

        Assert.Contains(code, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_OnlyOneKeyInEnvironment_Error()
    {
        File.WriteAllText(Path.Combine(_dir.FullName, "custodian.json"), """{ "s3Bucket": "b" }""");

        var e = Assert.Throws<SettingsException>(() => Resolve(Env(("CUSTODIAN_S3_ACCESS_KEY", "AKEXAMPLE"))));

        Assert.Contains("settings.s3_credentials_incomplete", e.Message, StringComparison.Ordinal);
    }
}
