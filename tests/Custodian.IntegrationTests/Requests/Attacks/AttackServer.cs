using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Custodian.Core.Features.Accounts;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Mail;
using Custodian.Core.Features.Organizations;
using Custodian.Core.Features.Register;
using Custodian.Core.Features.Requests;
using Custodian.Core.Features.Requests.Answers;
using Custodian.Core.Features.Requests.Workflow;
using Custodian.Core.Features.Retention;
using Custodian.Core.Features.Sms;
using Custodian.Core.Features.Store;
using Custodian.Core.Features.Subjects;
using Custodian.Core.Features.Tenancy;
using Custodian.Core.Persistence;
using Custodian.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using MimeKit;
using NodaTime;
using Xunit;

namespace Custodian.IntegrationTests.Requests.Attacks;

/// <summary>One public answer of the request API, kept whole so two answers can be compared byte for byte.</summary>
internal sealed record ApiAnswer(HttpStatusCode Status, string Body, IReadOnlyList<string> Headers)
{
    public string? Reference => Status == HttpStatusCode.Accepted ? JsonDocument.Parse(Body).RootElement.GetProperty("reference").GetString() : null;

    public string? ProblemCode => Status >= HttpStatusCode.BadRequest ? JsonDocument.Parse(Body).RootElement.GetProperty("code").GetString() : null;

    /// <summary>The answer with the per-request random parts (reference, trace id, date) replaced, for comparison.</summary>
    public string Comparable(string? reference = null)
    {
        var text = Body;
        if ((reference ?? Reference) is { } r)
        {
            text = text.Replace(r, "REF", StringComparison.Ordinal);
        }

        text = Regex.Replace(text, "\"traceId\":\"[^\"]*\"", "\"traceId\":\"T\"");
        return $"{(int)Status}\n{string.Join('\n', Headers)}\n{text}";
    }
}

/// <summary>
/// The real <c>custodian</c> server (<see cref="CustodianServer"/>, Kestrel, the whole pipeline) with a fake clock and a
/// victim in the store: Jan Victim (<see cref="VictimEmail"/>, <see cref="VictimPhone"/>) is a contact person at two
/// client organisations and keyholder of an alarm at both (alpha and beta: attacks A18, A19), and requester of a support ticket
/// at alpha; an authority hold (a preservation order, reference <see cref="HoldReference"/>) covers alpha's contact
/// persons (attack A20). Helpers submit, verify and read status through HTTP, read codes from the server's dev outbox
/// (<c>&lt;data&gt;/outbox/*.eml</c>, SMS as <c>*.sms.json</c>), snapshot every table's row count and read the audit trail's text.
/// </summary>
internal sealed partial class AttackServer : IAsyncDisposable
{
    public const string VictimEmail = "jan.victim@person.example";
    public const string VictimPhone = "+31201234567";
    public const string VictimTicketText = "Victim's private question about the alarm code 7781.";
    public const string HoldReference = "OM-SECRET-4711";
    public const string HoldReason = "Order under Sv 126ni, case Zeewolf";

    private AttackServer(CustodianServer server, FakeTimeProvider time)
    {
        Server = server;
        Time = time;
    }

    public CustodianServer Server { get; }

    public FakeTimeProvider Time { get; }

    public Guid Alpha { get; private set; }

    public Guid Beta { get; private set; }

    public static IReadOnlyList<SubjectKey> Victim { get; } =
        [new SubjectKey(SubjectIdentifierKind.Email, VictimEmail), new SubjectKey(SubjectIdentifierKind.Phone, VictimPhone)];

    public string Outbox => Server.Services.GetRequiredService<MailOptions>().OutboxFolder!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [GeneratedRegex(@"code: (\d{6})", RegexOptions.IgnoreCase)]
    private static partial Regex CodeLine();

    /// <param name="engine">The database engine.</param>
    /// <param name="idCopyFallback">Serve a register with <c>rights.verification.id_copy_fallback</c> on (off in the shipped one).</param>
    public static async Task<AttackServer> StartAsync(Engine engine, bool idCopyFallback = false)
    {
        // Starts at the real time so cookies and data protection behave; only the tests move it.
        var time = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        var server = await CustodianServer.StartAsync(engine, b =>
        {
            b.Services.AddSingleton<TimeProvider>(time);
            if (idCopyFallback)
            {
                IdCopyFallback.SwitchOn(b.Services);
            }
        });
        var attack = new AttackServer(server, time);
        await attack.SeedAsync();
        return attack;
    }

    private async Task SeedAsync()
    {
        await using var db = Server.Database.CreateContext();
        db.ScopeTo(TenantScope.Everything);
        var now = Instant.FromDateTimeOffset(Time.GetUtcNow());
        var alpha = new Organization { Code = "alpha", Name = "Alpha B.V.", BillingCompanyName = "Alpha B.V." };
        var beta = new Organization { Code = "beta", Name = "Beta B.V.", BillingCompanyName = "Beta B.V." };
        db.Organizations.AddRange(alpha, beta);
        db.ContactPersons.Add(new ContactPerson { OrganizationId = alpha.Id, Name = "Jan Victim", Phone = VictimPhone, Email = VictimEmail, Role = "privacy", CreatedAt = now });
        db.ContactPersons.Add(new ContactPerson { OrganizationId = beta.Id, Name = "Jan Victim", Email = VictimEmail, Role = "billing", CreatedAt = now });
        db.ContactPersons.Add(new ContactPerson { OrganizationId = alpha.Id, Name = "Piet Other", Email = "piet.other@person.example", Role = "general", CreatedAt = now });
        // Alarm keyholders: a category the client organisation controls (A19), the same person at both (A18).
        foreach (var (organization, phone) in new[] { (alpha, VictimPhone), (beta, "+31201234568") })
        {
            var alarm = new Custodian.Core.Features.Store.Service { OrganizationId = organization.Id, Kind = "alarm", Reference = "ALARM-" + organization.Code, StartDate = new LocalDate(2020, 1, 1), CreatedAt = now };
            db.Add(alarm);
            db.Add(new Keyholder { OrganizationId = organization.Id, ServiceId = alarm.Id, Name = "Jan Victim", Phone = phone, Email = VictimEmail, CreatedAt = now });
        }

        db.SupportTickets.Add(new SupportTicket
        {
            OrganizationId = alpha.Id,
            Reference = "T-1",
            RequesterName = "Jan Victim",
            RequesterPhone = VictimPhone,
            RequesterEmail = VictimEmail,
            Text = VictimTicketText,
            OpenedAt = now - Duration.FromDays(10),
            CreatedAt = now,
        });
        db.LegalHolds.Add(new LegalHold
        {
            Basis = HoldBasis.PreservationOrder126ni,
            Reason = HoldReason,
            Reference = HoldReference,
            OrganizationId = alpha.Id,
            Categories = ["general.contact_person", "general.support_information"],
            StartsAt = now - Duration.FromDays(1),
            PlacedAt = now - Duration.FromDays(1),
            PlacedByKind = AuditActorKind.User,
            PlacedById = "officer",
        });
        await db.SaveChangesAsync(Ct);
        Alpha = alpha.Id;
        Beta = beta.Id;
    }

    /// <summary>A new hour: the per-client window (5 per hour from one address) starts empty again.</summary>
    public void NextHour() => Time.Advance(TimeSpan.FromMinutes(61));

    public async Task<ApiAnswer> SubmitAsync(object body)
    {
        using var response = await Server.Client.PostAsJsonAsync("/api/v1/requests", body, Ct);
        return await AnswerAsync(response);
    }

    public Task<ApiAnswer> SubmitAsync(string email, string type = "access", string? details = null) =>
        SubmitAsync(new { type, email, language = "en", details });

    public async Task<ApiAnswer> VerifyAsync(string reference, string code)
    {
        using var response = await Server.Client.PostAsJsonAsync($"/api/v1/requests/{reference}/verify", new { code }, Ct);
        return await AnswerAsync(response);
    }

    public async Task<ApiAnswer> StatusAsync(string reference, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/requests/{reference}");
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var response = await Server.Client.SendAsync(request, Ct);
        return await AnswerAsync(response);
    }

    /// <summary>Submits, reads the code from the outbox and verifies: the request's reference and session token.</summary>
    public async Task<(string Reference, string Token)> SubmitAndVerifyAsync(string email, string type = "access")
    {
        var submitted = await SubmitAsync(email, type);
        Assert.Equal(HttpStatusCode.Accepted, submitted.Status);
        var reference = submitted.Reference!;
        var verified = await VerifyAsync(reference, CodeFor(reference)!);
        Assert.Equal(HttpStatusCode.OK, verified.Status);
        return (reference, JsonDocument.Parse(verified.Body).RootElement.GetProperty("token").GetString()!);
    }

    private static async Task<ApiAnswer> AnswerAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync(Ct);
        // Date differs by the second; everything else a client can see is compared.
        var headers = response.Headers.Concat(response.Content.Headers)
            .Where(h => !h.Key.Equals("Date", StringComparison.OrdinalIgnoreCase))
            .Select(h => h.Key + ": " + string.Join(",", h.Value))
            .Order(StringComparer.Ordinal)
            .ToList();
        return new ApiAnswer(response.StatusCode, body, headers);
    }

    /// <summary>Every message in the outbox: recipient, subject, text.</summary>
    public IReadOnlyList<MimeMessage> Mails() =>
        Directory.Exists(Outbox)
            ? [.. Directory.GetFiles(Outbox, "*.eml").Order(StringComparer.Ordinal).Select(f => MimeMessage.Load(f))]
            : [];

    public IReadOnlyList<MimeMessage> MailsTo(string address) =>
        [.. Mails().Where(m => m.To.Mailboxes.Any(a => string.Equals(a.Address, address, StringComparison.Ordinal)))];

    /// <summary>Every SMS in the outbox (<c>*.sms.json</c>, written by the dev <see cref="OutboxSmsSender"/>), oldest first.</summary>
    public IReadOnlyList<OutboxSms> Sms() =>
        Directory.Exists(Outbox)
            ? [.. Directory.GetFiles(Outbox, "*" + OutboxSmsSender.Extension).Order(StringComparer.Ordinal)
                .Select(f => JsonSerializer.Deserialize(File.ReadAllText(f), OutboxSmsJson.Default.OutboxSms)!)]
            : [];

    /// <summary>The SMS sent to <paramref name="number"/> (E.164, as the server canonicalises it).</summary>
    public IReadOnlyList<OutboxSms> SmsTo(string number) => [.. Sms().Where(m => string.Equals(m.To, number, StringComparison.Ordinal))];

    /// <summary>The last code sent by SMS for <paramref name="reference"/>, or null when none was sent.</summary>
    public string? SmsCodeFor(string reference)
    {
        var sms = Sms().LastOrDefault(m => m.Reference == reference && SmsCode().IsMatch(m.Text));
        return sms is null ? null : SmsCode().Match(sms.Text).Groups[1].Value;
    }

    [GeneratedRegex(@": (\d{6})\.")]
    private static partial Regex SmsCode();

    /// <summary>The last code mailed for <paramref name="reference"/>, or null when none was sent.</summary>
    public string? CodeFor(string reference)
    {
        var mail = Mails().LastOrDefault(m => (m.Subject ?? string.Empty).Contains(reference, StringComparison.Ordinal));
        return mail is null ? null : CodeLine().Match(mail.TextBody ?? string.Empty).Groups[1].Value;
    }

    /// <summary>The recipient of the code mail for <paramref name="reference"/>.</summary>
    public string? RecipientOf(string reference) =>
        Mails().LastOrDefault(m => (m.Subject ?? string.Empty).Contains(reference, StringComparison.Ordinal))?.To.Mailboxes.Single().Address;

    public CustodianDbContext Context()
    {
        var db = Server.Database.CreateContext();
        db.ScopeTo(TenantScope.Everything);
        return db;
    }

    /// <summary>Row counts of every table of the model.</summary>
    public async Task<Dictionary<string, long>> CountsAsync()
    {
        await using var db = Context();
        var tables = db.Model.GetEntityTypes().Select(t => t.GetTableName()).OfType<string>().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var table in tables)
        {
#pragma warning disable EF1002 // table names come from the model, not from input
            counts[table] = await db.Database.SqlQueryRaw<long>($"SELECT COUNT(*) AS \"Value\" FROM \"{table}\"").SingleAsync(Ct);
#pragma warning restore EF1002
        }

        return counts;
    }

    /// <summary>
    /// Tables that belong to the request lifecycle and the audit trail (a request attempt may add rows there, including
    /// its queued messages) and the background jobs' leases (the server's timers take them when the fake clock moves; no
    /// personal data).
    /// </summary>
    public static bool IsRequestOrAudit(string table) =>
        table.StartsWith("request_", StringComparison.Ordinal) || table == "data_subject_requests"
        || table.StartsWith("audit_", StringComparison.Ordinal) || table == "job_leases" || table == "outgoing_messages";

    /// <summary>Asserts that no table outside the request lifecycle and the audit trail changed, and names the ones that did.</summary>
    public static void AssertStoreUnchanged(Dictionary<string, long> before, Dictionary<string, long> after)
    {
        var changed = before.Keys.Where(t => !IsRequestOrAudit(t) && before[t] != after[t]).ToList();
        Assert.True(changed.Count == 0, "store tables changed: " + string.Join(", ", changed.Select(t => $"{t} {before[t]} -> {after[t]}")));
    }

    /// <summary>Asserts that only the named tables changed, each by exactly the given number of rows.</summary>
    public static void AssertChanged(Dictionary<string, long> before, Dictionary<string, long> after, params (string Table, long Delta)[] expected)
    {
        var want = expected.Where(e => e.Delta != 0).ToDictionary(e => e.Table, e => e.Delta, StringComparer.Ordinal);
        var actual = before.Keys.Where(t => !t.StartsWith("audit_", StringComparison.Ordinal) && t != "job_leases" && before[t] != after[t])
            .ToDictionary(t => t, t => after[t] - before[t], StringComparer.Ordinal);
        Assert.Equal(want.OrderBy(p => p.Key, StringComparer.Ordinal), actual.OrderBy(p => p.Key, StringComparer.Ordinal));
    }

    /// <summary>All audit events (action and the whole stored text: actor, objects, reason, details), oldest first.</summary>
    public async Task<IReadOnlyList<(string Action, string Text)>> AuditAsync()
    {
        await using var db = Context();
        var rows = await db.Set<AuditEvent>().AsNoTracking().OrderBy(e => e.Seq).ToListAsync(Ct);
        return [.. rows.Select(e => (e.Action, $"{e.ActorKind} {e.ActorId} {e.Action} {e.Objects} {e.Reason} {e.Details}"))];
    }

    /// <summary>The audit actions added since <paramref name="before"/> events.</summary>
    public async Task<IReadOnlyList<string>> AuditActionsSinceAsync(int before) =>
        [.. (await AuditAsync()).Skip(before).Select(e => e.Action)];

    /// <summary>Asserts that no audit row holds any of <paramref name="secrets"/> in clear (any case).</summary>
    public async Task AssertAuditHoldsNoneOfAsync(params string[] secrets)
    {
        var all = new StringBuilder();
        foreach (var (_, text) in await AuditAsync())
        {
            all.AppendLine(text);
        }

        var audit = all.ToString();
        foreach (var secret in secrets.Where(s => !string.IsNullOrEmpty(s)))
        {
            Assert.DoesNotContain(secret, audit, StringComparison.OrdinalIgnoreCase);
        }
    }

    /// <summary>The whole audit chain still verifies (leaf hashes, tree roots, checkpoints).</summary>
    public async Task AssertAuditVerifiesAsync()
    {
        await using var scope = Server.Services.CreateAsyncScope();
        await using var db = Context();
        var result = await scope.ServiceProvider.GetRequiredService<AuditVerifier>().VerifyAsync(db, null, Ct);
        Assert.True(result.Problems.Count == 0, string.Join("; ", result.Problems));
        Assert.True(result.EventCount > 0);
    }

    /// <summary>The request row behind a reference.</summary>
    public async Task<DataSubjectRequest> RequestAsync(string reference)
    {
        await using var db = Context();
        return await db.Set<DataSubjectRequest>().AsNoTracking().SingleAsync(r => r.Reference == reference, Ct);
    }

    /// <summary>What a verified request stands for: its one identifier, in index form.</summary>
    public static IReadOnlyList<SubjectKey> SubjectOf(DataSubjectRequest request) => [SubjectKey.Of(request.IdentifierKind, request.IdentifierValue)!.Value];

    /// <summary>
    /// The Art. 15 report for <paramref name="subject"/>, built by the server's own <see cref="AccessReportBuilder"/>
    /// (no HTTP surface yet), with its JSON and English HTML renderings.
    /// </summary>
    public async Task<(AccessReport Report, string Json, string Html)> ReportAsync(IReadOnlyList<SubjectKey> subject, AnswerScope? scope = null)
    {
        await using var db = Context();
        var builder = Server.Services.GetRequiredService<AccessReportBuilder>();
        var report = await builder.BuildAsync(db, subject, scope ?? AnswerScope.All, new AuditActor(AuditActorKind.System, "test:attacks"), Ct);
        using var json = new MemoryStream();
        AccessReportJson.Write(report, json);
        return (report, Encoding.UTF8.GetString(json.ToArray()), AccessReportHtml.Render(report, StatementLanguage.English));
    }

    /// <summary>Asserts that <paramref name="text"/> shows nothing of the victim (identifiers, name, ticket text, any case).</summary>
    public static void AssertNothingOfVictim(string text)
    {
        // Timestamps first: "…16:38:16.4778138Z" once held the victim's "7781" by chance (a CI failure, not a leak).
        text = Regex.Replace(text, @"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?", "<time>");
        foreach (var secret in new[] { VictimEmail, VictimPhone, "201234567", "Jan Victim", VictimTicketText, "7781" })
        {
            Assert.DoesNotContain(secret, text, StringComparison.OrdinalIgnoreCase);
        }
    }

    /// <summary>A staff member of <paramref name="role"/> (not stored: the workflow takes the identity the page would pass).</summary>
    public static StaffIdentity Staff(string role, Guid? organization = null) =>
        new(Guid.CreateVersion7(), Guid.CreateVersion7(), role, role, role, organization, StaffRoles.PermissionsOf(role));

    /// <summary>Runs <paramref name="act"/> on the server's own <see cref="RequestWorkflow"/>, scoped as the office page scopes it for <paramref name="staff"/>.</summary>
    public async Task<T> AsStaffAsync<T>(StaffIdentity staff, Func<RequestWorkflow, Task<T>> act)
    {
        await using var scope = Server.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CustodianDbContext>().ScopeTo(staff.TenantScope);
        return await act(scope.ServiceProvider.GetRequiredService<RequestWorkflow>());
    }

    /// <summary>The parts a split made of a request.</summary>
    public async Task<List<RequestPart>> PartsAsync(Guid requestId)
    {
        await using var db = Context();
        return await db.Set<RequestPart>().AsNoTracking().Where(p => p.RequestId == requestId).OrderBy(p => p.Category).ThenBy(p => p.OrganizationId).ToListAsync(Ct);
    }

    /// <summary>The <c>code</c> detail of every <c>request.action_refused</c> audit event, oldest first.</summary>
    public async Task<IReadOnlyList<string>> RefusalsAsync()
    {
        await using var db = Context();
        var rows = await db.Set<AuditEvent>().AsNoTracking().Where(e => e.Action == "request.action_refused").OrderBy(e => e.Seq).ToListAsync(Ct);
        return [.. rows.Select(e => JsonDocument.Parse(e.Details).RootElement.GetProperty("code").GetString()!)];
    }

    public async ValueTask DisposeAsync() => await Server.DisposeAsync();
}
