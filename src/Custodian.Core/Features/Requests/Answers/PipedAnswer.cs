using System.IO.Pipelines;

namespace Custodian.Core.Features.Requests.Answers;

/// <summary>
/// Connects a writer (a package being written) to a reader (the encrypting blob store) through a bounded pipe, so a
/// large answer is never held whole in memory: the writer waits while the reader is a megabyte behind.
/// </summary>
internal static class PipedAnswer
{
    private const long PauseBytes = 1 << 20;

    /// <summary>
    /// Runs <paramref name="write"/> and <paramref name="read"/> together. They must not share a database context
    /// (<c>RequestAnswers.StoreAsync</c> opens its own). A failing writer fails the reader's stream; a failing reader
    /// stops taking bytes, so the writer finishes without waiting and its error, if any, is reported with the reader's.
    /// </summary>
    public static async Task<T> RunAsync<T>(Func<Stream, Task> write, Func<Stream, Task<T>> read)
    {
        ArgumentNullException.ThrowIfNull(write);
        ArgumentNullException.ThrowIfNull(read);
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: PauseBytes, resumeWriterThreshold: PauseBytes / 2, useSynchronizationContext: false));
        var writing = WriteAsync(pipe.Writer, write);
        T result;
        try
        {
            await using var stream = pipe.Reader.AsStream();
            result = await read(stream);
        }
        catch (Exception e)
        {
            await pipe.Reader.CompleteAsync(e);
            try
            {
                await writing;
            }
            catch (Exception w) when (!ReferenceEquals(w, e) && w is not OperationCanceledException)
            {
                // Both failed on their own (a writer's failure reaches the reader as the same exception).
                throw new AggregateException(e, w);
            }

            throw;
        }

        await writing;
        return result;
    }

    private static async Task WriteAsync(PipeWriter writer, Func<Stream, Task> write)
    {
        // Yield first: the reader starts at once and the writer runs beside it on the thread pool.
        await Task.Yield();
        try
        {
            await using (var stream = writer.AsStream(leaveOpen: true))
            {
                await write(stream);
            }

            await writer.CompleteAsync();
        }
        catch (Exception e)
        {
            await writer.CompleteAsync(e);
            throw;
        }
    }
}
