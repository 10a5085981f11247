using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Custodian.Core.Features.Accounts;
using Custodian.Core.Features.Blobs;
using Custodian.Core.Features.Mail;
using Custodian.Core.Features.Requests;
using Custodian.Core.Features.Requests.Queue;
using Custodian.Core.Features.Requests.Workflow;
using Custodian.Core.Features.Subjects;
using Custodian.Core.Features.Tenancy;
using Custodian.IntegrationTests.Office;
using Custodian.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using Xunit;

namespace Custodian.IntegrationTests.Requests.Queue;

/// <summary>
/// The request queue (<c>/office/requests</c>) and staff entry (<c>/office/requests/new</c>) over real HTTP with logged-in
/// sessions: filters narrow the list, a client contact sees only requests with a part of its organisation, roles without
/// <c>requests:read</c> are turned away, a bad entry names its field and stores nothing, a good one stores the request
/// with its day of receipt and the letter scan encrypted on disk.
/// </summary>
public sealed partial class OfficeRequestPagesTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [GeneratedRegex("data-testid=\"request-row\">\\s*<th scope=\"row\"><a href=\"/office/requests/[0-9a-f-]+\"><code>([0-9A-Z]+)</code>")]
    private static partial Regex RowReference();

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();

    private sealed record Seeded(string Fresh, string Overdue, string Delivered, string Waiting);

    [Theory, AllEngines]
    public async Task Queue_FiltersAndRoles_NarrowTheListAndClientContactsSeeOnlyTheirOrganization(Engine engine)
    {
        var (server, alpha, beta) = await OfficePageSetup.StartAsync(engine);
        await using var _ = server;
        var r = await SeedQueueAsync(server, alpha, beta);
        using var officer = await OfficePageSetup.ClientAsync(server, StaffRoles.PrivacyOfficer);

        Assert.Equal([r.Overdue, r.Waiting, r.Fresh], await ReferencesAsync(officer, "/office/requests"));
        Assert.Equal([r.Overdue, r.Delivered, r.Waiting, r.Fresh], await ReferencesAsync(officer, "/office/requests?state=all"));
        Assert.Equal([r.Overdue], await ReferencesAsync(officer, "/office/requests?state=in_progress"));
        Assert.Equal([r.Delivered], await ReferencesAsync(officer, "/office/requests?state=delivered"));
        Assert.Equal([r.Waiting, r.Fresh], await ReferencesAsync(officer, "/office/requests?type=access"));
        Assert.Equal([r.Overdue], await ReferencesAsync(officer, "/office/requests?type=erasure&state=all"));
        Assert.Equal([r.Overdue], await ReferencesAsync(officer, "/office/requests?deadline=overdue"));
        Assert.Equal([r.Waiting], await ReferencesAsync(officer, "/office/requests?deadline=identity"));
        Assert.Equal([r.Overdue], await ReferencesAsync(officer, $"/office/requests?organization={alpha}"));
        Assert.Equal([r.Delivered], await ReferencesAsync(officer, $"/office/requests?organization={beta}&state=all"));
        Assert.Empty(await ReferencesAsync(officer, $"/office/requests?organization={alpha}&type=access"));

        // Overdue is marked on its row (issue 6 §3: shown in red).
        using (var page = await OfficePageSetup.GetAsync(officer, "/office/requests?deadline=overdue"))
        {
            Assert.Contains("data-testid=\"overdue\"", await OfficePageSetup.BodyAsync(page), StringComparison.Ordinal);
        }

        // A client contact: only requests with a part of its own organisation, whatever organisation it asks for.
        using var alphaContact = await OfficePageSetup.ClientAsync(server, StaffRoles.ClientPrivacyContact, alpha);
        Assert.Equal([r.Overdue], await ReferencesAsync(alphaContact, "/office/requests?state=all"));
        Assert.Equal([r.Overdue], await ReferencesAsync(alphaContact, $"/office/requests?state=all&organization={beta}"));
        using var betaContact = await OfficePageSetup.ClientAsync(server, StaffRoles.ClientPrivacyContact, beta);
        Assert.Equal([r.Delivered], await ReferencesAsync(betaContact, "/office/requests?state=all"));
        Assert.Empty(await ReferencesAsync(betaContact, "/office/requests"));

        // Roles without requests:read are turned away; readers without requests:enter get no entry form.
        foreach (var role in new[] { StaffRoles.Administrator, StaffRoles.LawfulDisclosureOfficer })
        {
            using var client = await OfficePageSetup.ClientAsync(server, role);
            using var queue = await OfficePageSetup.GetAsync(client, "/office/requests?state=all");
            Assert.True(queue.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.Found, $"{role}: {queue.StatusCode}");
            Assert.DoesNotContain(r.Fresh, await OfficePageSetup.BodyAsync(queue), StringComparison.Ordinal);
        }

        // Read but not enter: the auditor and a client contact see the queue, not the entry form.
        using var auditor = await OfficePageSetup.ClientAsync(server, StaffRoles.Auditor);
        foreach (var reader in new[] { auditor, alphaContact })
        {
            using var queue = await OfficePageSetup.GetAsync(reader, "/office/requests");
            Assert.Equal(HttpStatusCode.OK, queue.StatusCode);
            Assert.DoesNotContain("data-testid=\"enter-request\"", await OfficePageSetup.BodyAsync(queue), StringComparison.Ordinal);
            using var entry = await OfficePageSetup.GetAsync(reader, "/office/requests/new");
            Assert.True(entry.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.Found, $"entry form answered {entry.StatusCode}");
        }

        // A stranger without a session goes to the login page.
        using var anonymous = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = server.BaseAddress };
        using var login = await anonymous.GetAsync(new Uri("/office/requests", UriKind.Relative), Ct);
        Assert.Equal(HttpStatusCode.Found, login.StatusCode);
        Assert.StartsWith("/office/login", login.Headers.Location?.OriginalString, StringComparison.Ordinal);
    }

    [Theory, AllEngines]
    public async Task New_MissingOrInvalidFields_NamesEachFieldAndStoresNothing(Engine engine)
    {
        var (server, _, _) = await OfficePageSetup.StartAsync(engine);
        await using var _ = server;
        using var agent = await OfficePageSetup.ClientAsync(server, StaffRoles.SupportAgent);
        var before = await CountsAsync(server);

        using (var missing = await PostEntryAsync(agent, new() { ["channel"] = "letter", ["receivedOn"] = Iso(Today(server)), ["type"] = "", ["identifierKind"] = "email", ["identifier"] = "", ["language"] = "nl" }, Scan("%PDF-1.4 missing fields")))
        {
            Assert.Equal(HttpStatusCode.OK, missing.StatusCode);
            var html = await OfficePageSetup.BodyAsync(missing);
            Assert.Contains("data-testid=\"new-request-errors\"", html, StringComparison.Ordinal);
            Assert.Contains("<a href=\"#type\">Soort verzoek</a>", html, StringComparison.Ordinal);
            Assert.Contains("<a href=\"#identifier\">E-mailadres of telefoonnummer van de verzoeker</a>", html, StringComparison.Ordinal);
        }

        using (var invalid = await PostEntryAsync(agent, new() { ["channel"] = "letter", ["receivedOn"] = "29-11-2026", ["type"] = "access", ["identifierKind"] = "email", ["identifier"] = "iemand@person.example", ["language"] = "nl" }, null))
        {
            var html = await OfficePageSetup.BodyAsync(invalid);
            Assert.Contains("<a href=\"#receivedOn\">Ontvangen op</a>: Geef een datum als jjjj-mm-dd.", html, StringComparison.Ordinal);
            // The typed values come back, so nothing is lost.
            Assert.Contains("value=\"iemand@person.example\"", html, StringComparison.Ordinal);
        }

        var tomorrow = Iso(Today(server).PlusDays(1));
        using (var future = await PostEntryAsync(agent, new() { ["channel"] = "letter", ["receivedOn"] = tomorrow, ["type"] = "access", ["identifierKind"] = "email", ["identifier"] = "iemand@person.example", ["language"] = "nl" }, null))
        {
            Assert.Contains("<a href=\"#receivedOn\">Ontvangen op</a>: De datum van ontvangst mag niet in de toekomst liggen.", await OfficePageSetup.BodyAsync(future), StringComparison.Ordinal);
        }

        using (var notAScan = await PostEntryAsync(agent, new() { ["channel"] = "letter", ["receivedOn"] = Iso(Today(server)), ["type"] = "access", ["identifierKind"] = "email", ["identifier"] = "iemand@person.example", ["language"] = "nl" }, Scan("MZ not a letter")))
        {
            Assert.Contains("<a href=\"#scan\">Scan van de brief (optioneel)</a>: De scan moet een PDF-, JPEG- of PNG-bestand zijn.", await OfficePageSetup.BodyAsync(notAScan), StringComparison.Ordinal);
        }

        Assert.Equal(before, await CountsAsync(server));
    }

    [Theory, AllEngines]
    public async Task New_ValidLetterWithScan_StoresRequestWithReceivedDayAndScanEncrypted(Engine engine)
    {
        var (server, _, _) = await OfficePageSetup.StartAsync(engine);
        await using var _ = server;
        using var agent = await OfficePageSetup.ClientAsync(server, StaffRoles.SupportAgent);
        const string Marker = "Geachte heer, ik wil inzage in mijn gegevens. Kees Brieftest";
        var received = Today(server).PlusDays(-3);
        var before = await CountsAsync(server);

        using var saved = await PostEntryAsync(agent, new()
        {
            ["channel"] = "letter",
            ["receivedOn"] = Iso(received),
            ["type"] = "access",
            ["identifierKind"] = "email",
            ["identifier"] = "kees.brief@person.example",
            ["language"] = "nl",
            ["details"] = "Brief van 26 november",
        }, Scan("%PDF-1.4\n" + Marker + "\n%%EOF"));

        Assert.Equal(HttpStatusCode.Found, saved.StatusCode);
        var location = saved.Headers.Location?.OriginalString ?? string.Empty;
        Assert.Matches("^/office/requests/[0-9a-f-]{36}$", location);
        var id = Guid.Parse(location["/office/requests/".Length..]);
        Assert.Equal((before.Requests + 1, before.Attachments + 1, before.Blobs + 1), await CountsAsync(server));

        await using var db = server.Database.CreateContext();
        db.ScopeTo(TenantScope.Everything);
        var request = await db.Set<DataSubjectRequest>().SingleAsync(x => x.Id == id, Ct);
        Assert.Equal(RequestChannel.Letter, request.Channel);
        Assert.Equal(received, request.ReceivedOn);
        Assert.Equal(RequestDeadlines.DueOn(received), request.DueOn);
        Assert.Equal(SubjectIdentifierKind.Email, request.IdentifierKind);
        var attachment = await db.Set<RequestAttachment>().SingleAsync(a => a.RequestId == id, Ct);
        Assert.Equal(RequestAttachment.LetterScanKind, attachment.Kind);
        var blob = await db.Set<BlobRecord>().SingleAsync(b => b.Id == attachment.BlobId, Ct);
        var file = ((FileSystemBlobStore)server.Services.GetRequiredService<IBlobStore>()).PathOf(blob.StoreKey);
        var onDisk = await File.ReadAllBytesAsync(file, Ct);
        Assert.True(onDisk.Length > Marker.Length);
        Assert.False(onDisk.AsSpan().IndexOf(Encoding.UTF8.GetBytes("Kees Brieftest")) >= 0, "the scan is on disk in clear");
        Assert.False(onDisk.AsSpan().IndexOf("%PDF-"u8) >= 0, "the scan's header is on disk in clear");

        // The request page shows the entered request to staff.
        using var page = await OfficePageSetup.GetAsync(agent, location);
        Assert.Contains(request.Reference, await OfficePageSetup.BodyAsync(page), StringComparison.Ordinal);
    }

    private static LocalDate Today(CustodianServer server) =>
        RequestDeadlines.ReceivedOn(Instant.FromDateTimeOffset(server.Services.GetRequiredService<TimeProvider>().GetUtcNow()));

    private static string Iso(LocalDate day) => NodaTime.Text.LocalDatePattern.Iso.Format(day);

    private static (string Name, byte[] Content) Scan(string text) => ("brief.pdf", Encoding.UTF8.GetBytes(text));

    /// <summary>GETs the entry form for its antiforgery token, then POSTs it as the browser does (multipart, with an optional file).</summary>
    /// <summary>
    /// A message the queue gave up on (here: the outbox cannot be written, one attempt allowed) shows on its request's
    /// page as a warning; a handler sends it again from there: audited <c>message.requeued</c>, the mail lands once,
    /// the warning is gone. Someone who may only read sees the warning without the button. The operator's
    /// <c>custodian mail requeue ID</c> does the same for a second one.
    /// </summary>
    [Theory, AllEngines]
    public async Task Request_GivenUpMessage_IsShownAndAHandlerSendsItAgain(Engine engine)
    {
        var (server, alpha, beta) = await OfficePageSetup.StartAsync(engine, b => b.Services.AddSingleton(new MessageQueueOptions { MaxAttempts = 1 }));
        await using var _ = server;
        var r = await SeedQueueAsync(server, alpha, beta);
        Guid requestId;
        Guid messageId;
        Guid secondId;
        await using (var db = server.Database.CreateContext())
        {
            db.ScopeTo(TenantScope.Everything);
            requestId = await db.Set<DataSubjectRequest>().Where(q => q.Reference == r.Fresh).Select(q => q.Id).SingleAsync(Ct);
            var messenger = server.Services.GetRequiredService<RequestMessenger>();
            messageId = messenger.Enqueue(db, new OutgoingMail("sent-to@person.example", "Uw verzoek " + r.Fresh, "Tekst"), requestId);
            secondId = messenger.Enqueue(db, new OutgoingMail("sent-to@person.example", "Herinnering " + r.Fresh, "Tekst"), requestId);
            await db.SaveChangesAsync(Ct);
        }

        // The outbox folder replaced by a file: the real sender fails, and with one attempt allowed the queue gives up.
        var outbox = server.Services.GetRequiredService<MailOptions>().OutboxFolder!;
        var kept = outbox + ".kept";
        if (Directory.Exists(outbox))
        {
            Directory.Move(outbox, kept);
        }

        await File.WriteAllTextAsync(outbox, "not a folder", Ct);
        await server.Services.GetRequiredService<MessageDispatcher>().SendNowAsync([messageId, secondId], Ct);
        File.Delete(outbox);
        if (Directory.Exists(kept))
        {
            Directory.Move(kept, outbox);
        }

        var page = $"/office/requests/{requestId}";
        using var officer = await OfficePageSetup.ClientAsync(server, StaffRoles.PrivacyOfficer);
        using (var response = await OfficePageSetup.GetAsync(officer, page))
        {
            var html = await OfficePageSetup.BodyAsync(response);
            Assert.Equal(2, Regex.Count(html, "data-testid=\"message-given-up\""));
            Assert.Contains("data-testid=\"message-requeue\"", html, StringComparison.Ordinal);
            Assert.DoesNotContain("sent-to@person.example", html, StringComparison.Ordinal); // never the recipient
        }

        using (var auditor = await OfficePageSetup.ClientAsync(server, StaffRoles.Auditor))
        using (var response = await OfficePageSetup.GetAsync(auditor, page))
        {
            var html = await OfficePageSetup.BodyAsync(response);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                Assert.DoesNotContain("data-testid=\"message-requeue\"", html, StringComparison.Ordinal);
            }
        }

        using (var requeued = await OfficePageSetup.PostAsync(officer, page, $"{page}?handler=requeue", new() { ["message"] = messageId.ToString() }))
        {
            Assert.True(requeued.StatusCode is HttpStatusCode.Found or HttpStatusCode.OK, requeued.StatusCode.ToString());
        }

        var (exit, said, error) = await Host.CliTests.RunAsync(server.Database, Path.GetDirectoryName(outbox)!, "mail", "requeue", secondId.ToString());
        Assert.True(exit == 0, error);
        Assert.Contains("sent again", said, StringComparison.Ordinal);
        Assert.Equal(1, (await Host.CliTests.RunAsync(server.Database, Path.GetDirectoryName(outbox)!, "mail", "requeue", secondId.ToString())).Exit);

        using (var response = await OfficePageSetup.GetAsync(officer, page))
        {
            Assert.DoesNotContain("data-testid=\"message-given-up\"", await OfficePageSetup.BodyAsync(response), StringComparison.Ordinal);
        }

        var subjects = Directory.GetFiles(outbox, "*.eml").Select(f => MimeKit.MimeMessage.Load(f).Subject).ToList();
        Assert.Single(subjects, s => s == "Uw verzoek " + r.Fresh);
        Assert.Single(subjects, s => s == "Herinnering " + r.Fresh);
        await using var check = server.Database.CreateContext();
        check.ScopeTo(TenantScope.Everything);
        Assert.Equal(2, await check.Set<Custodian.Core.Features.Audit.AuditEvent>().CountAsync(e => e.Action == "message.requeued", Ct));
        Assert.Equal(2, await check.Set<Custodian.Core.Features.Audit.AuditEvent>().CountAsync(e => e.Action == "message.given_up", Ct));
    }

    private static async Task<HttpResponseMessage> PostEntryAsync(HttpClient client, Dictionary<string, string> fields, (string Name, byte[] Content)? scan)
    {
        var form = await client.GetStringAsync(new Uri("/office/requests/new", UriKind.Relative), Ct);
        var token = TokenPattern().Match(form);
        Assert.True(token.Success, "the entry form has no antiforgery token");
        using var content = new MultipartFormDataContent();
        content.Add(new StringContent(WebUtility.HtmlDecode(token.Groups[1].Value)), "__RequestVerificationToken");
        foreach (var (name, value) in fields)
        {
            content.Add(new StringContent(value), name);
        }

        if (scan is { } s)
        {
            var file = new ByteArrayContent(s.Content);
            file.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/pdf");
            content.Add(file, "scan", s.Name);
        }

        return await client.PostAsync(new Uri("/office/requests/new", UriKind.Relative), content, Ct);
    }

    private static async Task<(int Requests, int Attachments, int Blobs)> CountsAsync(CustodianServer server)
    {
        await using var db = server.Database.CreateContext();
        db.ScopeTo(TenantScope.Everything);
        return (await db.Set<DataSubjectRequest>().CountAsync(Ct), await db.Set<RequestAttachment>().CountAsync(Ct), await db.Set<BlobRecord>().IgnoreQueryFilters().CountAsync(Ct));
    }

    /// <summary>The references the queue lists at <paramref name="path"/>, in its order.</summary>
    private static async Task<List<string>> ReferencesAsync(HttpClient client, string path)
    {
        using var page = await OfficePageSetup.GetAsync(client, path);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await OfficePageSetup.BodyAsync(page);
        return [.. RowReference().Matches(html).Select(m => m.Groups[1].Value)];
    }

    /// <summary>
    /// Four requests with distinct due dates: overdue (erasure, in progress, received two months ago, a client part of
    /// alpha), delivered (rectification, due ten days ago, a client part of beta), waiting (access, awaiting the code,
    /// due in about five days) and fresh (access, verified, received today).
    /// </summary>
    private static async Task<Seeded> SeedQueueAsync(CustodianServer server, Guid alpha, Guid beta)
    {
        await using var db = server.Database.CreateContext();
        db.ScopeTo(TenantScope.Everything);
        var now = Instant.FromDateTimeOffset(server.Services.GetRequiredService<TimeProvider>().GetUtcNow());
        var today = RequestDeadlines.ReceivedOn(now);

        DataSubjectRequest Add(RequestType type, RequestState state, LocalDate received)
        {
            var request = new DataSubjectRequest
            {
                Reference = RequestReferences.New(),
                Type = type,
                Channel = RequestChannel.Portal,
                Language = "nl",
                ReceivedAt = now,
                ReceivedOn = received,
                DueOn = RequestDeadlines.DueOn(received),
                IdentifierKind = SubjectIdentifierKind.Email,
                IdentifierValue = "queue@person.example",
                State = state,
            };
            db.Add(request);
            return request;
        }

        void Part(DataSubjectRequest request, Guid organization) => db.Add(new RequestPart
        {
            RequestId = request.Id,
            Category = "alarm.keyholders",
            Controller = RequestPartStates.ClientController,
            OrganizationId = organization,
            RecordsAtSplit = 1,
        });

        // Due dates are distinct, so the queue's order (by due date) is known: overdue, delivered, waiting, fresh.
        var overdue = Add(RequestType.Erasure, RequestState.InProgress, today.PlusMonths(-2));
        var delivered = Add(RequestType.Rectification, RequestState.Delivered, today.PlusMonths(-1).PlusDays(-10));
        var waiting = Add(RequestType.Access, RequestState.AwaitingVerification, today.PlusMonths(-1).PlusDays(5));
        var fresh = Add(RequestType.Access, RequestState.Verified, today);
        Part(overdue, alpha);
        Part(delivered, beta);
        await db.SaveChangesAsync(Ct);
        return new Seeded(fresh.Reference, overdue.Reference, delivered.Reference, waiting.Reference);
    }
}
