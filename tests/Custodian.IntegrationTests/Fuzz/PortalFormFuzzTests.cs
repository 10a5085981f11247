using System.Text.RegularExpressions;
using Custodian.Testing;
using FsCheck.Fluent;
using Xunit;

namespace Custodian.IntegrationTests.Fuzz;

/// <summary>
/// The portal's forms (<c>/requests/new/{type}</c>, verify, my requests, mandate) with random and hostile field
/// values over real HTTP: a page again (with its errors), a redirect, 404 or 429; never a 5xx, never a hang.
/// </summary>
public sealed partial class PortalFormFuzzTests(PortalServerFixture fixture) : IClassFixture<PortalServerFixture>
{
    private static readonly string[] Types = ["access", "rectification", "erasure", "restriction", "portability", "objection", "withdraw_consent"];

    private static readonly string[] Fields = ["email", "phone", "details", "language", "subjectEmail", "subjectPhone", "mandate", "code", "reference", "token", "decision", "purpose"];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    internal sealed record Post(string Action, IReadOnlyList<KeyValuePair<string, string>> Fields)
    {
        public override string ToString() => Action + " " + string.Join("&", Fields.Select(f => f.Key + "=" + (f.Value.Length > 80 ? f.Value[..80] + $"...({f.Value.Length} chars)" : f.Value)));
    }

    [Fact]
    public async Task Forms_RandomFieldValues_NeverServerError()
    {
        using var client = new HttpClient(new HttpClientHandler { UseCookies = true, AllowAutoRedirect = false })
        {
            BaseAddress = fixture.Server.BaseAddress,
            Timeout = TimeSpan.FromSeconds(30),
        };
        using var page = await client.GetAsync(new Uri("/requests/new/access", UriKind.Relative), Ct);
        var token = AntiforgeryToken().Match(await page.Content.ReadAsStringAsync(Ct)).Groups[1].Value;
        Assert.NotEmpty(token);

        Fuzz.Check("portal.forms", Gen.Choose(0, int.MaxValue).Select(seed => Generate(new System.Random(seed), token)),
            post => SendAsync(client, post), ciRuns: 200, show: p => p.Action + " " + string.Join("&", p.Fields.Select(f => f.Key + "=" + Fuzz.Show(f.Value))),
            timeLimit: TimeSpan.FromSeconds(3));
    }

    [Fact]
    public async Task VerifyResend_HugeReference_RedirectsWithoutEchoingIt()
    {
        // Found by fuzzing: the resend redirect echoed any "reference" into Location; 200 kB broke every client.
        using var client = new HttpClient(new HttpClientHandler { UseCookies = true, AllowAutoRedirect = false }) { BaseAddress = fixture.Server.BaseAddress };
        client.DefaultRequestHeaders.Add("X-Forwarded-For", "198.51.100.201"); // its own client: the fuzzing may have used up loopback's limit
        using var page = await client.GetAsync(new Uri("/requests/verify", UriKind.Relative), Ct);
        var token = AntiforgeryToken().Match(await page.Content.ReadAsStringAsync(Ct)).Groups[1].Value;
        using var content = new FormUrlEncodedContent([new("__RequestVerificationToken", token), new("reference", new string('x', 200_000))]);
        using var response = await client.PostAsync(new Uri("/requests/verify?handler=Resend", UriKind.Relative), content, Ct);
        Assert.Equal(System.Net.HttpStatusCode.Redirect, response.StatusCode);
        Assert.InRange(response.Headers.Location!.OriginalString.Length, 1, 100);
    }

    [Fact]
    public async Task Mine_FieldNameWithUnclosedBracket_IsNotAServerError()
    {
        // Found by fuzzing (seed 20261129, 1,000 runs): a form key such as "x[y" made MVC's jQuery key normaliser throw (500).
        using var client = new HttpClient(new HttpClientHandler { UseCookies = true, AllowAutoRedirect = false }) { BaseAddress = fixture.Server.BaseAddress };
        client.DefaultRequestHeaders.Add("X-Forwarded-For", "198.51.100.202");
        using var page = await client.GetAsync(new Uri("/requests/mine", UriKind.Relative), Ct);
        var token = AntiforgeryToken().Match(await page.Content.ReadAsStringAsync(Ct)).Groups[1].Value;
        using var content = new FormUrlEncodedContent([new("__RequestVerificationToken", token), new("x[y", "1"), new("email", "bracket.test@example.nl")]);
        using var response = await client.PostAsync(new Uri("/requests/mine?a[b=1", UriKind.Relative), content, Ct);
        Assert.True((int)response.StatusCode < 500, $"{(int)response.StatusCode} for a key with an unclosed bracket");
    }

    private static Post Generate(System.Random random, string token)
    {
        var type = random.Next(8) == 0 ? Uri.EscapeDataString(Mutate.RandomUnicode(random, random.Next(1, 12))) : Types[random.Next(Types.Length)];
        string[] actions = ["/requests/new/" + type, "/requests/new/" + type, "/requests/new/" + type, "/requests/verify", "/requests/verify?handler=Resend", "/requests/mine", "/requests/mine/code", "/requests/mandate/R-ABCD-EFGH", "/requests/mine/list?handler=Withdraw"];
        var fields = new List<KeyValuePair<string, string>>();
        if (random.Next(10) != 0)
        {
            fields.Add(new("__RequestVerificationToken", token));
        }

        var count = random.Next(0, 8);
        for (var i = 0; i < count; i++)
        {
            var name = random.Next(10) == 0 ? Mutate.RandomUnicode(random, random.Next(1, 10)) : Fields[random.Next(Fields.Length)];
            var value = random.Next(5) switch
            {
                0 => Mutate.RandomUnicode(random, random.Next(0, 60)),
                1 => new string('x', random.Next(1_000, 200_000)),
                2 => JsonMutate.RandomValue(random).Trim('"'),
                _ => Mutate.Noise(random).Split('\n')[0],
            };
            fields.Add(new(name, value));
        }

        return new Post(actions[random.Next(actions.Length)], fields);
    }

    private static async Task SendAsync(HttpClient client, Post post)
    {
        using var content = new FormUrlEncodedContent(post.Fields);
        using var response = await client.PostAsync(new Uri(post.Action, UriKind.Relative), content, Ct);
        var status = (int)response.StatusCode;
        Assert.True(status < 500, $"{status} for POST {post.Action}");
    }

    [GeneratedRegex(@"name=""__RequestVerificationToken"" type=""hidden"" value=""([^""]*)""")]
    private static partial Regex AntiforgeryToken();
}
