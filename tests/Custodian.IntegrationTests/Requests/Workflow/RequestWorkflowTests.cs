using System.Text.RegularExpressions;
using Custodian.Core.Features.Accounts;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Consent;
using Custodian.Core.Features.Mail;
using Custodian.Core.Features.Requests;
using Custodian.Core.Features.Requests.Answers;
using Custodian.Core.Features.Requests.Execution;
using Custodian.Core.Features.Requests.Workflow;
using Custodian.Core.Features.Store;
using Custodian.Core.Features.Subjects;
using Custodian.Core.Persistence;
using Custodian.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Xunit;

namespace Custodian.IntegrationTests.Requests.Workflow;

/// <summary>
/// The workflow from a verified request to a delivered answer, over the execution fixture's person (records at the
/// provider and at client organisations alpha and beta), with the real intake, mail outbox and answer store.
/// </summary>
public sealed partial class RequestWorkflowTests : IDisposable
{
    private readonly DirectoryInfo _outbox = Directory.CreateTempSubdirectory("custodian-workflow-outbox-");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _outbox.Delete(recursive: true);

    private Task<ExecutionFixture> FixtureAsync(Engine engine) => ExecutionFixture.CreateAsync(engine, s => s
        .AddLogging()
        .AddCustodianMail(new MailOptions { From = "privacy@allbest.example", OutboxFolder = _outbox.FullName })
        .AddCustodianRequestHandling()
        .AddCustodianRequestWorkflow());

    private static StaffIdentity Staff(string role, Guid? organization = null) =>
        new(Guid.CreateVersion7(), Guid.CreateVersion7(), role, role, role, organization, StaffRoles.PermissionsOf(role));

    private static async Task<T> As<T>(ExecutionFixture f, StaffIdentity staff, Func<RequestWorkflow, Task<T>> act)
    {
        await using var scope = f.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CustodianDbContext>().ScopeTo(staff.TenantScope);
        return await act(scope.ServiceProvider.GetRequiredService<RequestWorkflow>());
    }

    private List<MimeMessage> Mails() =>
        [.. _outbox.GetFiles("*.eml").OrderBy(f => f.Name, StringComparer.Ordinal).Select(f => MimeMessage.Load(f.FullName))];

    /// <summary>Files a request through the real intake and verifies it with the code from the outbox; returns its id.</summary>
    private async Task<Guid> VerifiedRequestAsync(ExecutionFixture f, string type, string email = ExecutionFixture.Email)
    {
        await using var scope = f.Services.CreateAsyncScope();
        var intake = scope.ServiceProvider.GetRequiredService<RequestIntake>();
        var receipt = await intake.SubmitAsync(new SubmitRequestInput(type, email, null, "en", null), RequestChannel.Api, "192.0.2.10", Ct);
        Assert.True(receipt.IsSuccess, receipt.Error?.ToString());
        var reference = receipt.Value!.Reference;
        var body = Mails().Last(m => (m.Subject ?? string.Empty).Contains(reference, StringComparison.Ordinal)).TextBody ?? string.Empty;
        var code = SixDigits().Match(body[body.IndexOf("code:", StringComparison.OrdinalIgnoreCase)..]).Value;
        var verified = await intake.VerifyAsync(reference, code, Ct);
        Assert.True(verified.IsSuccess, verified.Error?.ToString());
        var db = scope.ServiceProvider.GetRequiredService<CustodianDbContext>();
        return await db.Set<DataSubjectRequest>().Where(r => r.Reference == reference).Select(r => r.Id).SingleAsync(Ct);
    }

    [Theory, AllEngines]
    public async Task AccessRequest_EndToEnd_DeliversReportAfterFourEyes(Engine engine)
    {
        await using var f = await FixtureAsync(engine);
        var id = await VerifiedRequestAsync(f, "access");
        var verifier = Staff(StaffRoles.PrivacyOfficer);
        var handler = Staff(StaffRoles.PrivacyOfficer);

        var split = await As(f, handler, w => w.SplitAsync(handler, id, Ct));
        Assert.True(split.IsSuccess, split.Error?.ToString());
        Assert.Contains(split.Value, p => p.IsClient);

        // Below the required (high) tier nothing is produced.
        var early = await As(f, handler, w => w.ProduceAnswerAsync(handler, id, Ct));
        Assert.Equal(WorkflowErrors.TierTooLow, early.Error?.Code);

        var confirmed = await As(f, verifier, w => w.ConfirmIdentityAsync(verifier, id, IdentityMethods.ClientConfirmation, "confirmed by alpha", Ct));
        Assert.True(confirmed.IsSuccess, confirmed.Error?.ToString());
        Assert.Equal(VerificationTier.High, confirmed.Value.VerificationTier);

        var fourEyes = await As(f, verifier, w => w.ProduceAnswerAsync(verifier, id, Ct));
        Assert.Equal(WorkflowErrors.FourEyes, fourEyes.Error?.Code);

        // Client parts wait for their controllers.
        var waiting = await As(f, handler, w => w.ProduceAnswerAsync(handler, id, Ct));
        Assert.Equal(WorkflowErrors.PartsOpen, waiting.Error?.Code);
        foreach (var part in split.Value.Where(p => p.IsClient))
        {
            var contact = Staff(StaffRoles.ClientPrivacyContact, part.OrganizationId);
            var decided = await As(f, contact, w => w.DecidePartAsync(contact, part.Id, RequestPartStates.Execute, null, Ct));
            Assert.True(decided.IsSuccess, decided.Error?.ToString());
        }

        var produced = await As(f, handler, w => w.ProduceAnswerAsync(handler, id, Ct));
        Assert.True(produced.IsSuccess, produced.Error?.ToString());
        Assert.Contains(produced.Value, a => a.Kind == "access_html");
        Assert.Contains(produced.Value, a => a.Kind == "access_json");

        IReadOnlyList<AnswerListItem> listed;
        await using (var listing = f.Services.CreateAsyncScope())
        {
            // The list the portal's status page shows.
            listed = await listing.ServiceProvider.GetRequiredService<RequestAnswerList>().ListAsync(id, Ct);
        }

        Assert.Equal(produced.Value.Count, listed.Count);
        var (token, error) = await As(f, handler, w => w.IssueDownloadAsync(id, listed.First(a => a.Kind == "access_json").Id, Ct));
        Assert.Null(error);
        var (opened, openError) = await f.Get<RequestAnswers>().OpenAsync(id, token!, new AuditActor(AuditActorKind.System, "requester:api"), Ct);
        Assert.Null(openError);
        await using (opened!.Content)
        {
            var report = AccessReportJson.Read(opened.Content);
            Assert.True(report.RecordCount > 0);
        }

        await using var scope = f.Scope(out var db);
        var request = await db.Set<DataSubjectRequest>().SingleAsync(r => r.Id == id, Ct);
        Assert.Equal(RequestState.Delivered, request.State);
        var last = Assert.Single(Mails(), m => (m.Subject ?? string.Empty).Contains("answer is ready", StringComparison.Ordinal));
        Assert.Contains("/requests/" + request.Reference, last.TextBody, StringComparison.Ordinal);
        Assert.DoesNotContain("Jan", last.TextBody, StringComparison.Ordinal);
        var actions = await db.Set<AuditEvent>().Select(e => e.Action).ToListAsync(Ct);
        Assert.Contains("request.split", actions);
        Assert.Contains("request.identity_confirmed", actions);
        Assert.Contains("request.answer_produced", actions);
    }

    [Theory, AllEngines]
    public async Task ErasureRequest_ClientPartForwardedAndInstructed_ExecutesAfterCoolingOff(Engine engine)
    {
        await using var f = await FixtureAsync(engine);
        await f.CreateRecordAsync(new ContactPersonInput("alpha", "Privacy Desk", null, "privacy@alpha.example", "privacy"));
        var id = await VerifiedRequestAsync(f, "erasure");
        var verifier = Staff(StaffRoles.PrivacyOfficer);
        var handler = Staff(StaffRoles.PrivacyOfficer);
        var split = await As(f, handler, w => w.SplitAsync(handler, id, Ct));
        Assert.True(split.IsSuccess, split.Error?.ToString());
        var alphaParts = split.Value.Where(p => p.IsClient && p.OrganizationId == f.Ids["alpha"]).ToList();
        var otherParts = split.Value.Where(p => p.IsClient && p.OrganizationId != f.Ids["alpha"]).ToList();
        Assert.NotEmpty(alphaParts);
        Assert.Contains(otherParts, p => p.OrganizationId == f.Ids["beta"]);
        Assert.All(split.Value.Where(p => p.IsClient), p => Assert.Equal(RequestPartStates.Forwarded, p.State));
        Assert.All(alphaParts, p => Assert.NotNull(p.ControllerContact));
        Assert.All(otherParts, p => Assert.Null(p.ControllerContact));
        var notice = Assert.Single(Mails(), m => m.To.Mailboxes.Any(b => b.Address == "privacy@alpha.example"));
        Assert.Contains("/office/requests/" + id, notice.TextBody, StringComparison.Ordinal);
        Assert.DoesNotContain(ExecutionFixture.Email, notice.TextBody, StringComparison.Ordinal);

        // A forwarded part is not executed before its controller decides; nothing executes below the tier.
        var undecided = await As(f, handler, w => w.ExecutePartAsync(handler, alphaParts[0].Id, null, Ct));
        Assert.Equal(WorkflowErrors.PartState, undecided.Error?.Code);
        var provider = split.Value.FirstOrDefault(p => !p.IsClient);
        if (provider is not null)
        {
            var below = await As(f, handler, w => w.ExecutePartAsync(handler, provider.Id, null, Ct));
            Assert.Equal(WorkflowErrors.TierTooLow, below.Error?.Code);
        }

        // A client contact cannot decide another organisation's part.
        var betaContact = Staff(StaffRoles.ClientPrivacyContact, f.Ids["beta"]);
        var foreign = await As(f, betaContact, w => w.DecidePartAsync(betaContact, alphaParts[0].Id, RequestPartStates.Execute, null, Ct));
        Assert.IsType<NotFoundError>(foreign.Error);

        var alphaContact = Staff(StaffRoles.ClientPrivacyContact, f.Ids["alpha"]);
        foreach (var part in alphaParts)
        {
            var decided = await As(f, alphaContact, w => w.DecidePartAsync(alphaContact, part.Id, RequestPartStates.Execute, null, Ct));
            Assert.True(decided.IsSuccess, decided.Error?.ToString());
            Assert.NotNull(decided.Value.DecidedAt);
        }

        foreach (var part in otherParts)
        {
            var contact = Staff(StaffRoles.ClientPrivacyContact, part.OrganizationId);
            var declined = await As(f, contact, w => w.DecidePartAsync(contact, part.Id, RequestPartStates.Decline, "the records are needed for the contract", Ct));
            Assert.True(declined.IsSuccess, declined.Error?.ToString());
        }

        Assert.True((await As(f, verifier, w => w.ConfirmIdentityAsync(verifier, id, IdentityMethods.ClientConfirmation, null, Ct))).IsSuccess);
        var cooling = await As(f, handler, w => w.ExecutePartAsync(handler, alphaParts[0].Id, null, Ct));
        Assert.Equal(WorkflowErrors.CoolingOff, cooling.Error?.Code);

        f.Time.Advance(TimeSpan.FromDays(7));
        foreach (var part in split.Value)
        {
            var executed = await As(f, handler, w => w.ExecutePartAsync(handler, part.Id, null, Ct));
            Assert.True(executed.IsSuccess, executed.Error?.ToString());
            Assert.Equal(part.OrganizationId == f.Ids["alpha"] || !part.IsClient ? RequestPartStates.Executed : RequestPartStates.Declined, executed.Value.State);
        }

        var again = await As(f, handler, w => w.ExecutePartAsync(handler, alphaParts[0].Id, null, Ct));
        Assert.Equal(RequestPartStates.Executed, again.Value?.State);
        Assert.Equal("erased", PartOutcome.FromJson(again.Value?.Outcome)?.Kind);

        var produced = await As(f, handler, w => w.ProduceAnswerAsync(handler, id, Ct));
        Assert.True(produced.IsSuccess, produced.Error?.ToString());
        var summary = Assert.Single(produced.Value);
        Assert.Equal("outcome_html", summary.Kind);
        var (token, _) = await As(f, handler, w => w.IssueDownloadAsync(id, summary.Id, Ct));
        var (opened, _) = await f.Get<RequestAnswers>().OpenAsync(id, token!, new AuditActor(AuditActorKind.System, "requester:api"), Ct);
        string html;
        await using (opened!.Content)
        {
            html = await new StreamReader(opened.Content).ReadToEndAsync(Ct);
        }

        Assert.Contains("beta B.V.", html, StringComparison.Ordinal);
        Assert.Contains("the controller", html, StringComparison.Ordinal);
        Assert.Contains("Autoriteit Persoonsgegevens", html, StringComparison.Ordinal);
        Assert.DoesNotContain(ExecutionFixture.Email, html, StringComparison.Ordinal);
    }

    [Theory, AllEngines]
    public async Task ClientContact_SeesOnlyOwnParts(Engine engine)
    {
        await using var f = await FixtureAsync(engine);
        var id = await VerifiedRequestAsync(f, "access");
        var handler = Staff(StaffRoles.PrivacyOfficer);
        Assert.True((await As(f, handler, w => w.SplitAsync(handler, id, Ct))).IsSuccess);
        var beta = Staff(StaffRoles.ClientPrivacyContact, f.Ids["beta"]);
        await using var scope = f.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CustodianDbContext>().ScopeTo(beta.TenantScope);
        var view = await scope.ServiceProvider.GetRequiredService<RequestDetailQuery>().GetAsync(beta, id, Ct);
        Assert.NotNull(view);
        Assert.All(view.Parts, p => Assert.Equal(f.Ids["beta"], p.OrganizationId));
        Assert.Empty(view.Timeline);

        var stranger = Staff(StaffRoles.ClientPrivacyContact, Guid.CreateVersion7());
        await using var other = f.Services.CreateAsyncScope();
        other.ServiceProvider.GetRequiredService<CustodianDbContext>().ScopeTo(stranger.TenantScope);
        Assert.Null(await other.ServiceProvider.GetRequiredService<RequestDetailQuery>().GetAsync(stranger, id, Ct));
    }

    [Theory, AllEngines]
    public async Task WithdrawConsentRequest_PersonWithOnlyConsentEntries_GetsAPartAndTheWithdrawalTakesEffect(Engine engine)
    {
        const string email = "only.consent@person.example";
        await using var f = await FixtureAsync(engine);
        var person = new SubjectKey(SubjectIdentifierKind.Email, email);
        await using (var scope = f.Scope(out var db))
        {
            var given = await f.Get<ConsentLedger>().GiveAsync(db, ExecutionFixture.Provider,
                new ConsentGiveInput(email, "email", ConsentPurposes.AppUsageInsights, "v1", "May the app show your usage?", ConsentChannels.App), Ct);
            Assert.True(given.IsSuccess, given.Error?.ToString());
        }

        var id = await VerifiedRequestAsync(f, "withdraw_consent", email);
        var verifier = Staff(StaffRoles.PrivacyOfficer);
        var handler = Staff(StaffRoles.PrivacyOfficer);

        // The person has no store records: the ledger alone gives the request its (provider) part.
        var split = await As(f, handler, w => w.SplitAsync(handler, id, Ct));
        Assert.True(split.IsSuccess, split.Error?.ToString());
        var part = Assert.Single(split.Value);
        Assert.Equal(ConsentPurposes.LedgerCategory, part.Category);
        Assert.False(part.IsClient);

        Assert.True((await As(f, verifier, w => w.ConfirmIdentityAsync(verifier, id, IdentityMethods.HeldFact, "app account checked", Ct))).IsSuccess);
        var executed = await As(f, handler, w => w.ExecutePartAsync(handler, part.Id, null, Ct));
        Assert.True(executed.IsSuccess, executed.Error?.ToString());
        Assert.Equal(RequestPartStates.Executed, executed.Value.State);
        var outcome = PartOutcome.FromJson(executed.Value.Outcome);
        Assert.Equal(ConsentWithdrawalExecutor.Withdrawn, outcome?.Code);
        Assert.Equal(1, outcome?.Done);

        await using (var scope = f.Scope(out var db))
        {
            Assert.False((await ConsentLedger.CheckAsync(db, person, ConsentPurposes.AppUsageInsights, Ct)).Given);
            var entry = Assert.Single(await db.Set<ConsentEntry>().ToListAsync(Ct));
            Assert.Equal(id, entry.WithdrawnByRequestId);
            Assert.Equal(ConsentChannels.Portal, entry.WithdrawnChannel); // filed through the API
        }

        var produced = await As(f, handler, w => w.ProduceAnswerAsync(handler, id, Ct));
        Assert.True(produced.IsSuccess, produced.Error?.ToString());
        Assert.Equal("outcome_html", Assert.Single(produced.Value).Kind);
    }

    [GeneratedRegex(@"\d{6}")]
    private static partial Regex SixDigits();
}
