using System.Net;
using Custodian.Core.Features.Accounts;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Requests;
using Custodian.Core.Features.Requests.Workflow;
using Custodian.Core.Features.Store;
using Custodian.Core.Features.Subjects;
using Custodian.Core.Features.Tenancy;
using Custodian.Core.Persistence;
using Custodian.IntegrationTests.Office;
using Custodian.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using Xunit;

namespace Custodian.IntegrationTests.Requests.Workflow;

/// <summary>The back-office request page over real HTTP: the privacy officer sees and acts; a client contact of an organisation not involved gets 404.</summary>
public sealed class RequestPageTests
{
    private const string Email = "subject@person.example";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory, AllEngines]
    public async Task RequestPage_PrivacyOfficerSplits_ClientContactOfOtherOrganizationGets404(Engine engine)
    {
        var (server, alpha, _) = await OfficePageSetup.StartAsync(engine);
        await using var _ = server;
        var id = await SeedAsync(server);
        var path = $"/office/requests/{id}";

        using var officer = await OfficePageSetup.ClientAsync(server, StaffRoles.PrivacyOfficer);
        using (var page = await OfficePageSetup.GetAsync(officer, path))
        {
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            var html = await OfficePageSetup.BodyAsync(page);
            Assert.Contains("data-testid=\"split\"", html, StringComparison.Ordinal);
            Assert.Contains("data-testid=\"request-timeline\"", html, StringComparison.Ordinal);
        }

        using (var split = await OfficePageSetup.PostAsync(officer, path, path + "?handler=Split", []))
        {
            Assert.Equal(HttpStatusCode.Found, split.StatusCode);
            Assert.Equal(path + "?done=split", split.Headers.Location?.OriginalString);
        }

        using (var after = await OfficePageSetup.GetAsync(officer, path + "?done=split"))
        {
            var html = await OfficePageSetup.BodyAsync(after);
            Assert.Contains("data-testid=\"request-parts\"", html, StringComparison.Ordinal);
            Assert.True(html.Contains("Alpha Test", StringComparison.Ordinal), OfficePageSetup.MainOf(html));
        }

        using var betaContact = await OfficePageSetup.ClientAsync(server, StaffRoles.ClientPrivacyContact, (await OrganizationAsync(server, "beta")));
        using (var hidden = await OfficePageSetup.GetAsync(betaContact, path))
        {
            Assert.Equal(HttpStatusCode.NotFound, hidden.StatusCode);
        }

        using var alphaContact = await OfficePageSetup.ClientAsync(server, StaffRoles.ClientPrivacyContact, alpha);
        using (var own = await OfficePageSetup.GetAsync(alphaContact, path))
        {
            Assert.Equal(HttpStatusCode.OK, own.StatusCode);
            var html = await OfficePageSetup.BodyAsync(own);
            Assert.DoesNotContain("data-testid=\"request-timeline\"", html, StringComparison.Ordinal);
            Assert.DoesNotContain("data-testid=\"split\"", html, StringComparison.Ordinal);
            Assert.Contains("value=\"execute\"", html, StringComparison.Ordinal);
            Assert.DoesNotContain("<td>Aanbieder</td>", html, StringComparison.Ordinal);
        }

        await using var db = server.Database.CreateContext();
        db.ScopeTo(TenantScope.Everything);
        var part = await db.Set<RequestPart>().FirstAsync(p => p.RequestId == id && p.Controller == RequestPartStates.ClientController, Ct);
        using (var decided = await OfficePageSetup.PostAsync(alphaContact, path, path + "?handler=Decide", new() { ["partId"] = part.Id.ToString(), ["instruction"] = "execute" }))
        {
            Assert.Equal(HttpStatusCode.Found, decided.StatusCode);
        }

        db.ChangeTracker.Clear();
        Assert.Equal(RequestPartStates.InstructedExecute, (await db.Set<RequestPart>().SingleAsync(p => p.Id == part.Id, Ct)).State);
    }

    [Theory, AllEngines]
    public async Task RequestPage_Rectification_NamesStaffTranslatesCodesAndOffersThePersonsRecords(Engine engine)
    {
        var (server, _, _) = await OfficePageSetup.StartAsync(engine);
        await using var _ = server;
        var id = await SeedAsync(server, RequestType.Rectification);
        var path = $"/office/requests/{id}";
        using var officer = await OfficePageSetup.ClientAsync(server, StaffRoles.PrivacyOfficer);
        using (var split = await OfficePageSetup.PostAsync(officer, path, path + "?handler=Split", []))
        {
            Assert.Equal(HttpStatusCode.Found, split.StatusCode);
        }

        using var page = await OfficePageSetup.GetAsync(officer, path);
        var html = await OfficePageSetup.BodyAsync(page);
        await using var db = server.Database.CreateContext();
        db.ScopeTo(TenantScope.Everything);
        var contact = await db.ContactPersons.SingleAsync(c => c.Email == Email, Ct);
        var staffId = await db.StaffUsers.Where(u => u.DisplayName == "Test privacy-officer").Select(u => u.Id).SingleAsync(Ct);

        // The timeline names the officer, never its account id; codes are words.
        Assert.Contains("Test privacy-officer", OfficePageSetup.MainOf(html), StringComparison.Ordinal);
        Assert.DoesNotContain(staffId.ToString(), html, StringComparison.Ordinal);
        Assert.DoesNotContain("known_channel_code", html, StringComparison.Ordinal);
        Assert.Matches("data-testid=\"request-tier\">(Laag|Low) ", html);
        // Staff pick the record; there is no field to type an id into.
        Assert.Contains($"value=\"contact_person:{contact.Id}\"", html, StringComparison.Ordinal);
        Assert.Contains("Sam Subjecttest (general)", html, StringComparison.Ordinal);
        Assert.DoesNotContain("name=\"recordId\"", html, StringComparison.Ordinal);
    }

    private static string Describe(StoreError? error) =>
        error is ValidationError v ? string.Join("; ", v.Errors.Select(e => e.Field + ": " + e.Code)) : error?.ToString() ?? string.Empty;

    [Theory, AllEngines]
    public async Task RequestPage_AwaitingMandate_ShowsTheRepresentativeToProviderStaffAndMayBeRefused(Engine engine)
    {
        var (server, _, _) = await OfficePageSetup.StartAsync(engine);
        await using var _ = server;
        var now = Instant.FromDateTimeOffset(TimeProvider.System.GetUtcNow());
        var today = RequestDeadlines.ReceivedOn(now);
        var request = new DataSubjectRequest
        {
            Reference = RequestReferences.New(),
            Type = RequestType.Access,
            Channel = RequestChannel.Portal,
            Language = "nl",
            ReceivedAt = now,
            ReceivedOn = today,
            DueOn = RequestDeadlines.DueOn(today),
            IdentifierKind = SubjectIdentifierKind.Email,
            IdentifierValue = Email,
            RepresentativeEmail = "lawyer@representative.example",
            MandateStatement = "Advocaat van betrokkene, machtiging van 1 november",
            MandateRequestedAt = now,
            State = RequestState.AwaitingMandate,
        };
        await using (var db = server.Database.CreateContext())
        {
            db.Add(request);
            await db.SaveChangesAsync(Ct);
        }

        var path = $"/office/requests/{request.Id}";
        using var officer = await OfficePageSetup.ClientAsync(server, StaffRoles.PrivacyOfficer);
        using (var page = await OfficePageSetup.GetAsync(officer, path))
        {
            var html = await OfficePageSetup.BodyAsync(page);
            Assert.Contains("lawyer@representative.example", html, StringComparison.Ordinal);
            Assert.Contains("machtiging van 1 november", html, StringComparison.Ordinal);
            Assert.Contains("handler=Refuse", html, StringComparison.Ordinal);
        }

        using (var refused = await OfficePageSetup.PostAsync(officer, path, path + "?handler=Refuse", new() { ["justification"] = "De machtiging is na navraag niet gegeven." }))
        {
            Assert.True(refused.StatusCode is HttpStatusCode.OK or HttpStatusCode.Redirect or HttpStatusCode.SeeOther, refused.StatusCode.ToString());
        }

        await using (var db = server.Database.CreateContext())
        {
            Assert.Equal(RequestState.Refused, (await db.Set<DataSubjectRequest>().SingleAsync(r => r.Id == request.Id, Ct)).State);
        }
    }

    private static async Task<Guid> OrganizationAsync(CustodianServer server, string code)
    {
        await using var db = server.Database.CreateContext();
        db.ScopeTo(TenantScope.Everything);
        return await db.Organizations.Where(o => o.Code == code).Select(o => o.Id).SingleAsync(Ct);
    }

    /// <summary>A verified access request whose subject has a contact-person record at alpha.</summary>
    private static async Task<Guid> SeedAsync(CustodianServer server, RequestType type = RequestType.Access)
    {
        await using var db = server.Database.CreateContext();
        db.ScopeTo(TenantScope.Everything);
        var now = Instant.FromDateTimeOffset(TimeProvider.System.GetUtcNow());
        await using (var scope = server.Services.CreateAsyncScope())
        {
            // Through the store's commands, so the person is in the look-up index the split reads.
            scope.ServiceProvider.GetRequiredService<CustodianDbContext>().ScopeTo(TenantScope.Everything);
            var caller = new StoreCaller(new AuditActor(AuditActorKind.Cli, "cli:test"), TenantScope.Everything);
            var commands = scope.ServiceProvider.GetRequiredService<StoreCommands>();
            var contact = await commands.CreateAsync(caller, new ContactPersonInput("alpha", "Sam Subjecttest", null, Email, "general"), null, Ct);
            Assert.True(contact.IsSuccess, Describe(contact.Error));
            var alarm = await commands.CreateAsync(caller, new ServiceInput("alpha", "alarm", "ALARM-P", "2020-01-01", null), null, Ct);
            Assert.True(alarm.IsSuccess, Describe(alarm.Error));
            var keyholder = await commands.CreateAsync(caller, new KeyholderInput(alarm.Value!.Id, "Sam Subjecttest", "+31201234561", Email), null, Ct);
            Assert.True(keyholder.IsSuccess, Describe(keyholder.Error));
        }

        var today = RequestDeadlines.ReceivedOn(now);
        var request = new DataSubjectRequest
        {
            Reference = RequestReferences.New(),
            Type = type,
            Channel = RequestChannel.Portal,
            Language = "nl",
            ReceivedAt = now,
            ReceivedOn = today,
            DueOn = RequestDeadlines.DueOn(today),
            IdentifierKind = SubjectIdentifierKind.Email,
            IdentifierValue = Email,
            State = RequestState.Verified,
            VerificationTier = VerificationTier.Low,
            VerifiedAt = now,
            VerifiedBy = "requester",
            VerificationMethod = VerificationMethods.KnownChannelCode,
        };
        db.Add(request);
        await db.SaveChangesAsync(Ct);
        return request.Id;
    }
}
