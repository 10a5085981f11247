using System.Globalization;
using System.Text;
using NodaTime;

namespace Custodian.Testing;

/// <summary>
/// Synthetic traffic files (docs/formats/traffic-csv.md): telephony between numbers of the UK's drama range and e-mail
/// between <c>*.example</c> addresses, spread evenly over a period so that a file spans several months.
/// </summary>
internal static class TrafficFile
{
    /// <param name="rows">How many rows.</param>
    /// <param name="rejectEvery">Every n-th row has a subscriber that is not a phone number (0: none).</param>
    /// <param name="start">The first row's time.</param>
    /// <param name="span">From the first row's time to the last's.</param>
    public static string Generate(int rows, int rejectEvery, Instant start, Duration span)
    {
        var text = new StringBuilder("organization,record_id,kind,direction,subscriber,counterpart,start,duration,bytes,protocol\n");
        var step = rows > 1 ? span / (rows - 1) : Duration.Zero;
        for (var i = 0; i < rows; i++)
        {
            var at = (start + (step * i)).ToString("uuuu-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
            if (i % 3 == 2)
            {
                text.Append(CultureInfo.InvariantCulture, $"demo,t{i},email,outbound,desk{i % 40}@demo.example,someone{i % 70}@other.example,{at},,{1000 + i},smtp\n");
                continue;
            }

            var subscriber = rejectEvery > 0 && i % rejectEvery == 5 ? "12" : $"+44207946{i % 500:D4}";
            text.Append(CultureInfo.InvariantCulture, $"demo,t{i},telephony,inbound,{subscriber},+44207946{(i * 7) % 500:D4},{at},{i % 900},,sip\n");
        }

        return text.ToString();
    }
}
