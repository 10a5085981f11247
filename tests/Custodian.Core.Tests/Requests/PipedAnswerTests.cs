using System.IO.Compression;
using System.Security.Cryptography;
using Custodian.Core.Features.Requests.Answers;
using Xunit;

namespace Custodian.Core.Tests.Requests;

public sealed class PipedAnswerTests
{
    [Fact]
    public async Task RunAsync_ZipLargerThanThePipe_ReaderGetsEveryByte()
    {
        var content = RandomNumberGenerator.GetBytes(3 << 20); // incompressible: three times the pipe's limit
        var result = await PipedAnswer.RunAsync(
            async stream =>
            {
                using var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
                await using var entry = await zip.CreateEntry("data.bin").OpenAsync(TestContext.Current.CancellationToken);
                await entry.WriteAsync(content, TestContext.Current.CancellationToken);
            },
            async stream =>
            {
                var copy = new MemoryStream();
                await stream.CopyToAsync(copy, TestContext.Current.CancellationToken);
                return copy;
            });

        result.Position = 0;
        using var read = new ZipArchive(result, ZipArchiveMode.Read);
        await using var data = await read.GetEntry("data.bin")!.OpenAsync(TestContext.Current.CancellationToken);
        var back = new MemoryStream();
        await data.CopyToAsync(back, TestContext.Current.CancellationToken);
        Assert.Equal(content, back.ToArray());
    }

    [Fact]
    public async Task RunAsync_WriterFails_ReaderFailsToo() =>
        await Assert.ThrowsAnyAsync<InvalidOperationException>(() => PipedAnswer.RunAsync(
            async stream =>
            {
                await stream.WriteAsync(new byte[100], TestContext.Current.CancellationToken);
                throw new InvalidOperationException("writer broke");
            },
            async stream =>
            {
                await stream.CopyToAsync(Stream.Null, TestContext.Current.CancellationToken);
                return 0;
            }));

    [Fact]
    public async Task RunAsync_ReaderFailsEarly_WriterIsNotLeftWaiting()
    {
        var error = await Assert.ThrowsAsync<IOException>(() => PipedAnswer.RunAsync(
            async stream =>
            {
                for (var i = 0; i < 16; i++)
                {
                    await stream.WriteAsync(new byte[1 << 20], TestContext.Current.CancellationToken);
                }
            },
            Task<int> (stream) => throw new IOException("store broke")));
        Assert.Equal("store broke", error.Message);
    }
}
