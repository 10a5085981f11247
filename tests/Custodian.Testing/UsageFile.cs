using NodaTime;

namespace Custodian.Testing;

/// <summary>Synthetic usage files: numbers from the UK's drama range +44 20 7946 0000-0999 (libphonenumber does not accept the mobile one, +44 7700 900xxx).</summary>
internal static class UsageFile
{
    /// <param name="rows">How many rows.</param>
    /// <param name="rejectEvery">Every n-th row has a bad caller (0: none).</param>
    /// <param name="start">The first row's time (default 1 September 2026; tests on the real clock pass a recent one).</param>
    public static string Generate(int rows, int rejectEvery, Instant? start = null)
    {
        var text = new System.Text.StringBuilder("organization,record_id,kind,direction,caller,callee,start,duration,billed,cost,currency\n");
        var first = start ?? Instant.FromUtc(2026, 9, 1, 0, 0);
        for (var i = 0; i < rows; i++)
        {
            var caller = rejectEvery > 0 && i % rejectEvery == 7 ? "12" : $"+44207946{500 + (i % 500):D4}";
            var at = first + Duration.FromSeconds(i * 20L);
            text.Append(System.Globalization.CultureInfo.InvariantCulture,
                $"demo,r{i},mobile,outbound,{caller},+44207946{i % 500:D4},{at:uuuu-MM-dd'T'HH:mm:ss'Z'},{i % 600},{i % 600},0.{i % 100:D2}50,EUR\n");
        }

        return text.ToString();
    }
}
