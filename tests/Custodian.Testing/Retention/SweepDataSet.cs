using System.Globalization;
using System.Text;
using NodaTime;

namespace Custodian.Testing.Retention;

/// <summary>One usage record of a sweep data set: organisation code, record id, caller number, start.</summary>
internal sealed record SweepUsageRow(string Organization, string Id, string Caller, Instant Start);

/// <summary>One support-line recording (90 days' retention) with a small encrypted content.</summary>
internal sealed record SweepRecording(string Organization, string Caller, Instant CalledAt);

/// <summary>
/// The data a kill trial sweeps (security.md C-01/C-02, G3.2): usage records over the last months (whole months to
/// drop, a partly expired month, rows of two organisations), recordings with encrypted contents (record batches with
/// blobs and data keys), and optionally legal holds: one on a number of the usage records that is still active (its
/// rows are moved to the held table when their month is dropped), one on a recording's number, and one that an earlier
/// sweep honoured and that has been released since (its rows wait in the held table and go in the rows step).
/// Everything is relative to <see cref="Now"/>, the real clock when the set was made, because the child
/// <c>custodian</c> sweeps on the real clock; the expired set only changes when the Amsterdam day changes.
/// </summary>
/// <param name="Seed">The seed that made the set (0 for <see cref="Standard"/>).</param>
/// <param name="Now">The instant the ages are counted from.</param>
/// <param name="Usage">Usage records.</param>
/// <param name="Recordings">Support-line recordings.</param>
/// <param name="BatchRows">Rows per batch of the sweep (<c>CUSTODIAN_RETENTION_BATCH_ROWS</c>): small, for many batches.</param>
/// <param name="HeldCaller">A usage caller number under an active legal hold, or null.</param>
/// <param name="HeldRecordingCaller">A recording caller number under an active legal hold, or null.</param>
/// <param name="ReleasedHold">A usage caller number held during an earlier sweep <see cref="EarlierSweepDaysAgo"/> days ago and released since, or null.</param>
/// <param name="EarlierSweepDaysAgo">When the earlier sweep ran (only with <see cref="ReleasedHold"/>).</param>
internal sealed record SweepDataSet(
    int Seed,
    Instant Now,
    IReadOnlyList<SweepUsageRow> Usage,
    IReadOnlyList<SweepRecording> Recordings,
    int BatchRows,
    string? HeldCaller,
    string? HeldRecordingCaller,
    string? ReleasedHold,
    int EarlierSweepDaysAgo)
{
    public const string Demo = "demo";
    public const string Other = "other";

    private const string DefaultCaller = "+442079460501";

    /// <summary>
    /// The CI test's set: records every three days over the last 300 days for two organisations, a recording every five
    /// days over the last 200, batches of 7, no holds. Several months to drop and several batches of rows and records.
    /// </summary>
    public static SweepDataSet Standard(Instant now)
    {
        var usage = new List<SweepUsageRow>();
        for (var day = 0; day < 300; day += 3)
        {
            for (var k = 0; k < 2; k++)
            {
                usage.Add(new SweepUsageRow(k == 0 ? Demo : Other, $"d{day:D3}-{k}", DefaultCaller, now - Duration.FromDays(day) - Duration.FromHours(k * 7 + 1)));
            }
        }

        var recordings = new List<SweepRecording>();
        for (var day = 2; day < 200; day += 5)
        {
            recordings.Add(new SweepRecording(Demo, RecordingCaller(day), now - Duration.FromDays(day)));
        }

        return new SweepDataSet(0, now, usage, recordings, 7, null, null, null, 0);
    }

    /// <summary>
    /// A random set (same seed and <paramref name="now"/>, same set): between 40 and 400 usage records over the last 4 to
    /// 14 months with a few caller numbers, 0 to 60 recordings over the last 60 to 300 days, batches of 3 to 25, and each
    /// kind of hold with some probability, so kills land in every kind of step.
    /// </summary>
    public static SweepDataSet Random(int seed, Instant now)
    {
        var random = new Random(seed);
        var callers = Enumerable.Range(0, random.Next(2, 9)).Select(i => string.Create(CultureInfo.InvariantCulture, $"+3120555{i:D4}")).ToArray();
        var spanDays = random.Next(120, 430);
        var usage = new List<SweepUsageRow>();
        var count = random.Next(40, 401);
        for (var i = 0; i < count; i++)
        {
            // Whole seconds: the CSV carries seconds.
            var age = Duration.FromSeconds(random.NextInt64(60, spanDays * 86_400L));
            usage.Add(new SweepUsageRow(random.Next(3) == 0 ? Other : Demo, string.Create(CultureInfo.InvariantCulture, $"r{i:D4}"), callers[random.Next(callers.Length)], Truncated(now - age)));
        }

        var recordings = new List<SweepRecording>();
        var recordingSpan = random.Next(60, 301);
        var recordingCount = random.Next(0, 61);
        for (var i = 0; i < recordingCount; i++)
        {
            var day = random.Next(1, recordingSpan);
            recordings.Add(new SweepRecording(random.Next(4) == 0 ? Other : Demo, RecordingCaller(i), now - Duration.FromDays(day) - Duration.FromMinutes(random.Next(0, 1440))));
        }

        var held = random.Next(3) > 0 ? callers[random.Next(callers.Length)] : null;
        var heldRecording = recordings.Count > 0 && random.Next(2) == 0 ? recordings[random.Next(recordings.Count)].Caller : null;
        var released = random.Next(2) == 0 ? callers[random.Next(callers.Length)] : null;
        return new SweepDataSet(
            seed, now, usage, recordings, random.Next(3, 26), held == released ? null : held, heldRecording, released, released is null ? 0 : random.Next(20, 90));
    }

    /// <summary>The usage records in Custodian's usage CSV format.</summary>
    public string UsageCsv()
    {
        var text = new StringBuilder("organization,record_id,kind,direction,caller,callee,start,duration\n");
        foreach (var row in Usage)
        {
            text.Append(CultureInfo.InvariantCulture, $"{row.Organization},{row.Id},mobile,outbound,{row.Caller},+442079460001,{row.Start.ToString("uuuu-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)},60\n");
        }

        return text.ToString();
    }

    /// <summary>One line for the soak's log: what this set exercises.</summary>
    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"seed {Seed}: {Usage.Count} usage records from {Usage.Min(u => u.Start):uuuu-MM-dd}, {Recordings.Count} recordings, batches of {BatchRows}" +
        $"{(HeldCaller is null ? "" : ", a held number")}{(HeldRecordingCaller is null ? "" : ", a held recording")}{(ReleasedHold is null ? "" : $", a hold released since a sweep {EarlierSweepDaysAgo} days ago")}");

    private static string RecordingCaller(int n) => string.Create(CultureInfo.InvariantCulture, $"+3120123{n:D4}");

    private static Instant Truncated(Instant instant) => Instant.FromUnixTimeSeconds(instant.ToUnixTimeSeconds());
}
