using System.Diagnostics;
using System.Globalization;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.FSharp.Core;

namespace Custodian.IntegrationTests.Fuzz;

/// <summary>
/// Runs a fuzz property with FsCheck: a fixed seed per property in CI (so a red run is reproducible), more runs and
/// another seed for the nightly run through <see cref="RunsVariable"/> and <see cref="SeedVariable"/>. Each input must
/// finish within a time limit (a hang fails the property instead of the test run); a failure names the seed to replay.
/// </summary>
internal static class Fuzz
{
    /// <summary>Inputs per property (overrides every property's CI default), e.g. 5000 for the nightly run.</summary>
    public const string RunsVariable = "CUSTODIAN_FUZZ_RUNS";

    /// <summary>The seed of every property (a whole number); unset: each property's fixed CI seed.</summary>
    public const string SeedVariable = "CUSTODIAN_FUZZ_SEED";

    /// <summary>An input that runs longer than this twice in a row fails as too slow; one that has not finished after <see cref="HangLimit"/> fails as a hang.</summary>
    public static readonly TimeSpan DefaultTimeLimit = TimeSpan.FromSeconds(1);

    public static readonly TimeSpan HangLimit = TimeSpan.FromSeconds(30);

    public static int Runs(int ciDefault) =>
        int.TryParse(Environment.GetEnvironmentVariable(RunsVariable), NumberStyles.None, CultureInfo.InvariantCulture, out var runs) && runs > 0
            ? runs
            : ciDefault;

    /// <summary>The seed of <paramref name="property"/>: <see cref="SeedVariable"/>, else a stable hash of the property's name.</summary>
    public static ulong Seed(string property)
    {
        if (ulong.TryParse(Environment.GetEnvironmentVariable(SeedVariable), NumberStyles.None, CultureInfo.InvariantCulture, out var seed))
        {
            return seed;
        }

        // FNV-1a: stable across processes and .NET versions (string.GetHashCode is randomised per process).
        var hash = 14695981039346656037UL;
        foreach (var b in Encoding.UTF8.GetBytes(property))
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        return hash % 1_000_000_000_000UL;
    }

    /// <summary>
    /// Checks <paramref name="body"/> (which throws on a broken property) on <see cref="Runs"/> inputs from
    /// <paramref name="gen"/>; on failure FsCheck shrinks with <paramref name="shrink"/> and the exception names the
    /// seed, the shrunk input (through <paramref name="show"/>) and how to replay it.
    /// </summary>
    public static void Check<T>(
        string property, Gen<T> gen, Func<T, Task> body, int ciRuns,
        Func<T, IEnumerable<T>>? shrink = null, Func<T, string>? show = null, TimeSpan? timeLimit = null)
    {
        var seed = Seed(property);
        var runs = Runs(ciRuns);
        var limit = timeLimit ?? DefaultTimeLimit;
        var arbitrary = Arb.From(gen, shrink ?? (_ => []));
        var prop = Prop.ForAll(arbitrary, (T input) => Within(limit, () => body(input), show is null ? null : () => show(input)));
        var config = Config.QuickThrowOnFailure
            .WithMaxTest(runs)
            .WithQuietOnSuccess(true)
            .WithReplay(FSharpOption<Replay>.Some(new Replay(new Rnd(seed), FSharpOption<int>.None)));
        try
        {
            FsCheck.Check.One(config, prop);
        }
        catch (Exception e) when (e is not FuzzSetupException)
        {
            throw new FuzzFailedException(
                $"Fuzz property '{property}' failed ({runs} runs, seed {seed}). Replay: {SeedVariable}={seed} {RunsVariable}={runs} " +
                $"./test.sh -- --filter-class '*Fuzz*'.{Environment.NewLine}{e.Message}", e);
        }
    }

    public static void Check<T>(
        string property, Gen<T> gen, Action<T> body, int ciRuns,
        Func<T, IEnumerable<T>>? shrink = null, Func<T, string>? show = null, TimeSpan? timeLimit = null) =>
        Check(property, gen, input =>
        {
            body(input);
            return Task.CompletedTask;
        }, ciRuns, shrink, show, timeLimit);

    /// <summary>
    /// Runs <paramref name="body"/> off the test thread: an exception is rethrown; an input slower than
    /// <paramref name="limit"/> is run once more (the machine may just have been busy) and fails when slow again; one
    /// that does not end within <see cref="HangLimit"/> fails as a hang.
    /// </summary>
    private static void Within(TimeSpan limit, Func<Task> body, Func<string>? show)
    {
        for (var attempt = 1; ; attempt++)
        {
            var clock = Stopwatch.StartNew();
            var task = Task.Run(body);
            if (!((IAsyncResult)task).AsyncWaitHandle.WaitOne(HangLimit))
            {
                throw new TimeoutException($"The input did not finish within {HangLimit.TotalSeconds} s (a hang). {show?.Invoke()}");
            }

            task.GetAwaiter().GetResult();
            if (clock.Elapsed <= limit)
            {
                return;
            }

            if (attempt == 2)
            {
                throw new TimeoutException($"The input took {clock.Elapsed.TotalMilliseconds:F0} ms twice, over the {limit.TotalMilliseconds:F0} ms limit. {show?.Invoke()}");
            }
        }
    }

    /// <summary>Shrinks a text: drop halves, then single lines, then cut it in half.</summary>
    public static IEnumerable<string> ShrinkText(string text)
    {
        var lines = text.Split('\n');
        if (lines.Length > 1)
        {
            yield return string.Join('\n', lines[..(lines.Length / 2)]);
            yield return string.Join('\n', lines[(lines.Length / 2)..]);
            for (var i = 0; i < Math.Min(lines.Length, 64); i++)
            {
                yield return string.Join('\n', lines.Take(i).Concat(lines.Skip(i + 1)));
            }
        }
        else if (text.Length > 1)
        {
            yield return text[..(text.Length / 2)];
            yield return text[(text.Length / 2)..];
        }
    }

    /// <summary>Shrinks bytes: halves, then a few blocks removed.</summary>
    public static IEnumerable<byte[]> ShrinkBytes(byte[] bytes)
    {
        if (bytes.Length <= 1)
        {
            yield break;
        }

        yield return bytes[..(bytes.Length / 2)];
        var block = Math.Max(1, bytes.Length / 16);
        for (var start = 0; start < bytes.Length; start += block)
        {
            yield return [.. bytes[..start], .. bytes[Math.Min(bytes.Length, start + block)..]];
        }
    }

    /// <summary>A printable, bounded view of a text input for failure messages.</summary>
    public static string Show(string text)
    {
        var cut = text.Length > 600 ? text[..600] + $"... ({text.Length} chars)" : text;
        var escaped = new StringBuilder();
        foreach (var c in cut)
        {
            escaped.Append(c switch
            {
                '\r' => "\\r",
                '\n' => "\\n\n",
                '\0' => "\\0",
                '\uFEFF' => "\\uFEFF",
                _ when char.IsControl(c) || char.IsSurrogate(c) => $"\\u{(int)c:X4}",
                _ => c.ToString(),
            });
        }

        return "Input:\n" + escaped;
    }
}

internal sealed class FuzzFailedException(string message, Exception inner) : Exception(message, inner);

internal sealed class FuzzSetupException(string message) : Exception(message);
