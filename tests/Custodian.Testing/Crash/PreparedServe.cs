using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Custodian.Core.Common;
using Custodian.Core.Features.Accounts;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Blobs;
using Custodian.Core.Features.Disclosures;
using Custodian.Core.Features.Events;
using Custodian.Core.Features.Mail;
using Custodian.Core.Features.Requests;
using Custodian.Core.Features.Requests.Answers;
using Custodian.Core.Features.Requests.Execution;
using Custodian.Core.Features.Requests.Workflow;
using Custodian.Core.Features.Retention;
using Custodian.Core.Features.Store;
using Custodian.Core.Features.Tenancy;
using Custodian.Core.Persistence;
using Custodian.Features.Office;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Custodian.Testing.Crash;

/// <summary>The work inside <c>serve</c> a crash trial kills (issue 8 §4).</summary>
internal enum ServeAction
{
    /// <summary>Every part of an erasure request executed, one office POST each (deletions).</summary>
    Erasure,

    /// <summary>An access request's answer produced (report files in the blob store, the mail notice).</summary>
    Access,

    /// <summary>An authority order's data produced (the package file in the blob store, its audit event).</summary>
    Production,
}

/// <summary>One serve crash trial: the kills (each on a restarted serve of the same copy), then the action run to the end.</summary>
internal sealed record ServeTrial(ServeAction Action, IReadOnlyList<CrashKill> Kills, int Landed, IReadOnlyList<string> Divergences, TimeSpan Elapsed)
{
    public bool Passed => Divergences.Count == 0;

    public override string ToString() => Action + ": " + string.Join(", then ", Kills);
}

/// <summary>
/// Crash trials for the work that runs inside <c>custodian serve</c> (issue 8 §4): request execution (erasure), request
/// answers (access report files) and authority-order productions. A template is seeded once through the real services
/// in-process: an organisation, a person with store records and usage records, an erasure request past its cooling-off
/// with its client parts instructed, an access request ready to answer, an order ready to produce, and two staff
/// sessions (privacy officer, lawful-disclosure officer). Each trial copies it, starts a real serve child, POSTs the
/// action through the office pages, kills the child (at an armed fail point or after a random delay), restarts serve on
/// the same copy, retries the same action, and compares with a fault-free run on another copy (<see cref="ServeOutcomeFacts"/>).
/// </summary>
internal sealed partial class PreparedServe : IAsyncDisposable
{
    /// <summary>Each action's fail points (with the pass to die on), in the order they are passed.</summary>
    public static readonly IReadOnlyDictionary<ServeAction, IReadOnlyList<string>> FailPointsToHit = new Dictionary<ServeAction, IReadOnlyList<string>>
    {
        [ServeAction.Erasure] =
        [
            ErasureExecutor.FailPointDeleted,
            AuditTrail.FailPointAfterInsert,
            RequestWorkflow.FailPointPartRecorded,
        ],
        [ServeAction.Access] =
        [
            RequestAnswers.FailPointStaged + ":1",
            RequestWorkflow.FailPointAnswerStored + ":1",
            RequestAnswers.FailPointStaged + ":2",
            RequestWorkflow.FailPointDecided,
        ],
        [ServeAction.Production] =
        [
            AuthorityOrders.FailPointProductionStaged,
            AuditTrail.FailPointBeforeCommit,
            AuthorityOrders.FailPointProductionCommitted,
        ],
    };

    public const string Email = "jan@person.example";
    public const string Phone = "+31201234567";
    private const string OtherPhone = "+31201234599";

    private static readonly byte[] KeyBytes = [.. Enumerable.Range(1, 32).Select(i => (byte)i)];
    private static readonly AuditActor Seeder = new(AuditActorKind.Cli, "cli:serve-crash-setup");

    private readonly DatabaseTemplate _template;
    private readonly Dictionary<ServeAction, ServeOutcomeFacts> _references = [];
    private readonly Dictionary<ServeAction, TimeSpan> _actionTimes = [];

    private PreparedServe(DatabaseTemplate template) => _template = template;

    /// <summary>The erasure request and its parts (executed in this order), the access request, the order.</summary>
    public Guid ErasureRequest { get; private set; }

    public IReadOnlyList<Guid> ErasureParts { get; private set; } = [];

    public Guid AccessRequest { get; private set; }

    public Guid Order { get; private set; }

    /// <summary>The privacy officer's and the lawful-disclosure officer's office session tokens.</summary>
    private string HandlerSession { get; set; } = string.Empty;

    private string OfficerSession { get; set; } = string.Empty;

    /// <summary>Start of a serve child to healthy, measured on the reference runs (the cost of each restart).</summary>
    public TimeSpan ServeStartTime { get; private set; }

    /// <summary>The fault-free action's duration over HTTP (random kill delays are drawn within it).</summary>
    public TimeSpan ActionTime(ServeAction action) => _actionTimes[action];

    /// <summary>The outbox files the seeding wrote (verification codes, forwarding notices): not the action's.</summary>
    public IReadOnlySet<string> TemplateMails { get; private set; } = new HashSet<string>();

    private string KeyPath => Path.Combine(_template.Folder, "master.key");

    /// <summary>Seeds the template and runs each action fault-free on its own copy for the reference.</summary>
    public static async Task<PreparedServe> CreateAsync(Engine engine, PostgresServer? server, string workFolder, CancellationToken ct)
    {
        var template = await DatabaseTemplate.CreateAsync(engine, server, workFolder, "serve-crash", ct);
        var prepared = new PreparedServe(template);
        try
        {
            await File.WriteAllTextAsync(prepared.KeyPath, Convert.ToBase64String(KeyBytes), ct);
            await prepared.SeedAsync(engine, ct);
            template.Seal();
            prepared.TemplateMails = Directory.GetFiles(Path.Combine(template.Data, "outbox")).Select(Path.GetFileName).OfType<string>().ToHashSet(StringComparer.Ordinal);
            foreach (var action in Enum.GetValues<ServeAction>())
            {
                var copy = await template.CopyAsync(ct);
                try
                {
                    var clock = Stopwatch.StartNew();
                    await using (var serve = await ServeChild.StartAsync(copy, prepared.KeyPath, null, ct))
                    {
                        prepared.ServeStartTime = prepared.ServeStartTime == TimeSpan.Zero ? clock.Elapsed : TimeSpan.FromTicks(Math.Min(prepared.ServeStartTime.Ticks, clock.Elapsed.Ticks));
                        clock.Restart();
                        var problem = await prepared.ActAsync(serve, action, ct);
                        prepared._actionTimes[action] = clock.Elapsed;
                        if (problem is not null)
                        {
                            throw new InvalidOperationException($"the fault-free {action} failed: {problem}\n{serve.Log}");
                        }
                    }

                    var reference = await ServeOutcomeFacts.ReadAsync(copy, prepared, ct);
                    if (reference.Problems.Count > 0)
                    {
                        throw new InvalidOperationException($"the fault-free {action} is itself unsound: " + string.Join("; ", reference.Problems));
                    }

                    prepared._references[action] = reference;
                }
                finally
                {
                    await copy.Remove();
                }
            }

            return prepared;
        }
        catch
        {
            await prepared.DisposeAsync();
            throw;
        }
    }

    /// <summary>A random moment of the action, counted from its POST: evenly within the fault-free action's duration.</summary>
    public CrashKill RandomKill(ServeAction action, Random random) =>
        CrashKill.After(TimeSpan.FromMilliseconds(random.NextDouble() * Math.Max(1, ActionTime(action).TotalMilliseconds)));

    /// <summary>On a fresh copy: each kill on its own serve child, then a serve that runs the action to the end, then the comparison.</summary>
    public async Task<ServeTrial> TrialAsync(ServeAction action, IReadOnlyList<CrashKill> kills, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var copy = await _template.CopyAsync(ct);
        try
        {
            var divergences = new List<string>();
            var landed = 0;
            foreach (var kill in kills)
            {
                await using var serve = await ServeChild.StartAsync(copy, KeyPath, kill.FailPoint, ct);
                var acting = ActAsync(serve, action, ct);
                bool died;
                if (kill.Delay is { } delay)
                {
                    var first = await Task.WhenAny(acting, Task.Delay(delay, ct));
                    died = first != acting;
                    await serve.KillAsync();
                }
                else
                {
                    // A fail point kills serve in the middle of the POST: the client sees the connection drop.
                    await Task.WhenAny(acting, Task.Delay(TimeSpan.FromSeconds(30), ct));
                    died = await serve.WaitForExitAsync(TimeSpan.FromSeconds(5));
                }

                landed += died ? 1 : 0;
                _ = await Swallow(acting);
            }

            await using (var serve = await ServeChild.StartAsync(copy, KeyPath, null, ct))
            {
                if (await ActAsync(serve, action, ct) is { } problem)
                {
                    divergences.Add("the retry failed: " + problem);
                }
            }

            var outcome = await ServeOutcomeFacts.ReadAsync(copy, this, ct);
            divergences.AddRange(outcome.Problems);
            divergences.AddRange(outcome.DifferencesFrom(_references[action]));
            return new ServeTrial(action, kills, landed, divergences, clock.Elapsed);
        }
        finally
        {
            await copy.Remove();
        }
    }

    public ValueTask DisposeAsync() => _template.DisposeAsync();

    /// <summary>Services on a copy, wired like serve's (same master key, blobs in the data folder), for seeding and reading.</summary>
    internal static ServiceProvider Services(DatabaseTarget target, string data, TimeProvider? time = null) =>
        TestDatabase.ServicesFor(target, s => s
            .AddSingleton(time ?? TimeProvider.System)
            .AddLogging()
            .AddSingleton(MasterKey.FromBytes(KeyBytes))
            .AddSingleton(ShippedRegister.Register)
            .AddCustodianAudit()
            .AddCustodianEvents()
            .AddCustodianBlobs(data)
            .AddCustodianStore(new StoreOptions { AllowDocumentationAddresses = true })
            .AddCustodianRetention()
            .AddCustodianRetentionSweep()
            .AddCustodianAccounts()
            .AddCustodianMail(new MailOptions { From = "privacy@provider.example", OutboxFolder = Path.Combine(data, "outbox") })
            .AddCustodianRequests()
            .AddCustodianRequestWorkflow()
            .AddCustodianDisclosures());

    internal static CustodianDbContext Context(ServiceProvider services)
    {
        var db = services.GetRequiredService<IDbContextFactory<CustodianDbContext>>().CreateDbContext();
        db.ScopeTo(TenantScope.Everything);
        return db;
    }

    /// <summary>The action over HTTP as staff would do it; null when it succeeded, else what went wrong.</summary>
    private async Task<string?> ActAsync(ServeChild serve, ServeAction action, CancellationToken ct)
    {
        var cookies = new CookieContainer();
        cookies.Add(serve.Address, new Cookie(OfficeAuthentication.SessionCookie, action == ServeAction.Production ? OfficerSession : HandlerSession));
        using var client = new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = serve.Address, Timeout = TimeSpan.FromSeconds(30) };
        return action switch
        {
            ServeAction.Erasure => await EachAsync(ErasureParts, part => PostAsync(client, $"/office/requests/{ErasureRequest}", "Execute", new() { ["partId"] = part.ToString() }, ct)),
            ServeAction.Access => await PostAsync(client, $"/office/requests/{AccessRequest}", "Produce", [], ct),
            _ => await PostAsync(client, $"/office/disclosures/orders/{Order}", "Produce", [], ct),
        };
    }

    private static async Task<string?> EachAsync(IEnumerable<Guid> items, Func<Guid, Task<string?>> act)
    {
        foreach (var item in items)
        {
            if (await act(item) is { } problem)
            {
                return problem;
            }
        }

        return null;
    }

    /// <summary>GETs the page for its antiforgery token, POSTs the handler; success is the page's redirect with <c>?done=</c>.</summary>
    private static async Task<string?> PostAsync(HttpClient client, string path, string handler, Dictionary<string, string> fields, CancellationToken ct)
    {
        using var page = await client.GetAsync(new Uri(path, UriKind.Relative), ct);
        var html = await page.Content.ReadAsStringAsync(ct);
        var token = TokenPattern().Match(html);
        if (page.StatusCode != HttpStatusCode.OK || !token.Success)
        {
            return string.Create(CultureInfo.InvariantCulture, $"GET {path}: {(int)page.StatusCode} {page.Headers.Location}, token {token.Success}");
        }

        fields["__RequestVerificationToken"] = WebUtility.HtmlDecode(token.Groups[1].Value);
        using var content = new FormUrlEncodedContent(fields);
        using var posted = await client.PostAsync(new Uri($"{path}?handler={handler}", UriKind.Relative), content, ct);
        if (posted.StatusCode == HttpStatusCode.Redirect && (posted.Headers.Location?.OriginalString.Contains("done=", StringComparison.Ordinal) ?? false))
        {
            return null;
        }

        var body = Excerpt(await posted.Content.ReadAsStringAsync(ct));
        return string.Create(CultureInfo.InvariantCulture, $"POST {path} {handler}: {(int)posted.StatusCode} {posted.Headers.Location} {body}");
    }

    private static string Excerpt(string html)
    {
        var error = ErrorPattern().Match(html);
        return error.Success ? error.Value : html.Length > 200 ? html[..200] : html;
    }

    private static async Task<Exception?> Swallow(Task task)
    {
        try
        {
            await task;
            return null;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            return e;
        }
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();

    [GeneratedRegex("class=\"[^\"]*error[^\"]*\"[^>]*>[^<]*")]
    private static partial Regex ErrorPattern();
}
