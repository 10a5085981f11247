using System.Globalization;
using System.Text;
using Custodian.Core.Common;
using Custodian.Core.Features.Accounts;
using Custodian.Core.Features.Register;
using Custodian.Core.Features.Requests.Answers;
using Custodian.Core.Features.Store;
using Microsoft.EntityFrameworkCore;

namespace Custodian.Core.Features.Requests.Workflow;

/// <summary>An answer file the requester may download through the portal.</summary>
internal sealed record DeliveredAnswer(Guid Id, string Kind, string FileName, string ContentType, long Size, NodaTime.Instant ExpiresAt);

internal sealed partial class RequestWorkflow
{
    /// <summary>
    /// Produces the answer once every part is executed or declined (access and portability parts answered here are
    /// marked executed by this step; parts instructed to decline are recorded as declined): access → the report (HTML in
    /// the request's language and JSON) over the parts answered here, one per scope (the provider's categories, and each
    /// client organisation that instructed execution, within its own records); portability → the ZIP, scoped the same
    /// way; other types → an outcome summary. Stored encrypted; the requester is mailed a link to the portal status
    /// page only (no token, no personal data): the portal issues a single-use download link for a verified session
    /// (<see cref="IssueDownloadAsync"/>). The request moves to decided, then delivered.
    /// </summary>
    public async Task<StoreResult<IReadOnlyList<DeliveredAnswer>>> ProduceAnswerAsync(StaffIdentity staff, Guid requestId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(staff);
        if (!staff.Has(Permissions.RequestsHandle) || !staff.TenantScope.AllTenants)
        {
            return Forbidden();
        }

        var request = await db.Set<DataSubjectRequest>().AsNoTracking().FirstOrDefaultAsync(r => r.Id == requestId, ct);
        if (request is null)
        {
            return StoreErrors.NotFound("request");
        }

        // Decided: an earlier attempt stored the answer and died before delivering it (a crash): the retry delivers.
        var resumed = request.State == RequestState.Decided;
        if (request.State is not (RequestState.InProgress or RequestState.WaitingForController) && !resumed)
        {
            return new ConflictError(request.State == RequestState.Verified ? WorkflowErrors.NotSplit : WorkflowErrors.NotOpen, "The request is not split or no longer open.");
        }

        if (Gate(staff, request) is { } refused)
        {
            return await RefusedAsync(staff, request, "produce_answer", refused, ct);
        }

        if (resumed)
        {
            var kept = await db.Set<RequestAnswer>().AsNoTracking().Where(a => a.RequestId == requestId).ToListAsync(ct);
            return await DeliverAsync(staff, requestId, kept, null, ct);
        }

        var parts = await db.Set<RequestPart>().AsNoTracking().Where(p => p.RequestId == requestId).ToListAsync(ct);
        var reported = request.Type is RequestType.Access or RequestType.Portability;
        foreach (var part in parts)
        {
            if (part.State == RequestPartStates.InstructedDecline)
            {
                await FinishPartAsync(staff, part.Id, RequestPartStates.Declined, new PartOutcome("declined", null, [], null), ct);
            }
            else if (reported && part.State is RequestPartStates.Pending or RequestPartStates.InstructedExecute)
            {
                await FinishPartAsync(staff, part.Id, RequestPartStates.Executed, new PartOutcome("answered_by_report", null, [], null), ct);
            }
        }

        db.ChangeTracker.Clear();
        parts = await db.Set<RequestPart>().AsNoTracking().Where(p => p.RequestId == requestId).ToListAsync(ct);
        if (parts.Any(p => !RequestPartStates.IsFinal(p.State)))
        {
            return new ConflictError(WorkflowErrors.PartsOpen, "Every part must be executed or declined first (a forwarded part waits for its controller).");
        }

        var now = Now;
        var expires = now + options.AnswerLifetime;
        var language = AnswerLanguages.Parse(request.Language) ?? StatementLanguage.Dutch;
        var subject = SubjectOf(request);
        var stored = new List<RequestAnswer>();
        var scopes = AnswerScopes(parts);

        // Files an earlier attempt stored before it died (a crash) are kept, not stored twice: each is its own commit.
        var earlier = await db.Set<RequestAnswer>().AsNoTracking().Where(a => a.RequestId == requestId).ToListAsync(ct);
        async Task StoreOnceAsync(AnswerKind kind, string fileName, Func<Task<RequestAnswer>> store)
        {
            var found = earlier.FirstOrDefault(a => a.Kind == kind && a.FileName == fileName);
            stored.Add(found ?? await store());
            FailPoints.Hit(FailPointAnswerStored);
        }

        switch (request.Type)
        {
            case RequestType.Access:
                foreach (var (scope, suffix) in scopes)
                {
                    // Streamed like the portability package: the records are read from a cursor while the HTML and
                    // the JSON are written into the encrypting store; audited once both are written (each writer
                    // checked it wrote exactly the counted records). A file a killed earlier try stored is kept.
                    var report = await reports.PrepareAsync(db, subject, scope, ct);
                    await StoreOnceAsync(AnswerKind.AccessHtml, $"access-report{suffix}.html", () => PipedAnswer.RunAsync(
                        html => AccessReportHtml.WriteAsync(report, language, html, ct),
                        html => answers.StoreAsync(requestId, AnswerKind.AccessHtml, $"access-report{suffix}.html", "text/html; charset=utf-8", html, expires, ct)));
                    await StoreOnceAsync(AnswerKind.AccessJson, $"access-report{suffix}.json", () => PipedAnswer.RunAsync(
                        json => AccessReportJson.WriteAsync(report, json, ct),
                        json => answers.StoreAsync(requestId, AnswerKind.AccessJson, $"access-report{suffix}.json", "application/json", json, expires, ct)));
                    await reports.AuditWrittenAsync(report, staff.Actor, ct);
                }

                break;
            case RequestType.Portability:
                foreach (var (scope, suffix) in scopes)
                {
                    // Streamed into the encrypting store through a bounded pipe: a million-record package is never
                    // held in memory (StoreAsync uses its own context, the package reads with this one).
                    await StoreOnceAsync(AnswerKind.PortabilityZip, $"data{suffix}.zip", () => PipedAnswer.RunAsync(
                        zip => PortabilityPackage.WriteAsync(db, register, subject, scope, now, zip, ct),
                        zip => answers.StoreAsync(requestId, AnswerKind.PortabilityZip, $"data{suffix}.zip", "application/zip", zip, expires, ct)));
                }

                break;
            default:
                {
                    var organizations = await OrganizationContactsAsync(parts, ct);
                    await StoreOnceAsync(AnswerKind.OutcomeHtml, "outcome.html", async () =>
                    {
                        using var html = new MemoryStream(Encoding.UTF8.GetBytes(OutcomeSummaryHtml.Render(register, request, parts, organizations, language)));
                        return await answers.StoreAsync(requestId, AnswerKind.OutcomeHtml, "outcome.html", "text/html; charset=utf-8", html, expires, ct);
                    });
                    break;
                }
        }

        var tracked = await db.Set<DataSubjectRequest>().FirstAsync(r => r.Id == requestId, ct);
        tracked.MoveTo(RequestState.Decided);
        var queued = new List<Guid>();
        await using (var tx = await db.Database.BeginTransactionAsync(ct))
        {
            if (tracked.ContactAddress is { } contact)
            {
                // Queued with the answer: once the answer exists the requester hears of it, even if this process dies now.
                // A representative's request: the answer goes to the representative's verified session only (never a
                // new channel); the subject is told it was given, at the address the mandate was confirmed through (by
                // SMS for a subject known by phone).
                queued.Add(messenger.Enqueue(db, WorkflowMails.AnswerReady(contact, tracked.Language, tracked.Reference), requestId));
                if (tracked.IsMandated && tracked.IdentifierKind is Subjects.SubjectIdentifierKind.Email or Subjects.SubjectIdentifierKind.Phone)
                {
                    queued.Add(messenger.Enqueue(db, RequestMails.AnswerGivenToRepresentative(tracked.IdentifierValue, tracked.Language, tracked.Reference), requestId));
                }
            }

            Event(requestId, now, WorkflowEventKinds.AnswerProduced, RequestEventKinds.Staff(staff.UserId), string.Join(", ", stored.Select(a => RequestAnswers.KindName(a.Kind)).Distinct()));
            await db.SaveChangesAsync(ct);
            await audit.AppendAsync(db, RequestIntake.Entry("request.answer_produced", tracked, staff.Actor, new()
            {
                ["answers"] = stored.Count.ToString(CultureInfo.InvariantCulture),
            }), ct);
            await tx.CommitAsync(ct);
        }

        FailPoints.Hit(FailPointDecided);
        return await DeliverAsync(staff, requestId, stored, queued, ct);
    }

    /// <summary>Fail point (issue 8 §4): one answer file is stored (blob and row committed), the next not yet.</summary>
    public const string FailPointAnswerStored = "request.answer.stored";

    /// <summary>Fail point (issue 8 §4): the request is decided (answers committed, notices queued), not yet delivered.</summary>
    public const string FailPointDecided = "request.answer.decided";

    /// <summary>
    /// The notices and the move to delivered, after the answer is decided. A retry after a crash resumes here with
    /// <paramref name="queued"/> null: the notices were queued with the decision, and the dispatcher sends them.
    /// </summary>
    private async Task<StoreResult<IReadOnlyList<DeliveredAnswer>>> DeliverAsync(StaffIdentity staff, Guid requestId, List<RequestAnswer> stored, IReadOnlyCollection<Guid>? queued, CancellationToken ct)
    {
        if (queued is not null)
        {
            await messenger.SendNowAsync(queued, ct);
        }

        db.ChangeTracker.Clear();
        var tracked = await db.Set<DataSubjectRequest>().FirstAsync(r => r.Id == requestId, ct);
        var notified = tracked.ContactAddress is not null;

        tracked.MoveTo(RequestState.Delivered);
        await using (var tx = await db.Database.BeginTransactionAsync(ct))
        {
            Event(requestId, Now, WorkflowEventKinds.Delivered, RequestEventKinds.SystemActor, notified ? "portal; notice mailed" : "portal; no mail notice (tell the requester by post)");
            await db.SaveChangesAsync(ct);
            await audit.AppendAsync(db, RequestIntake.Entry("request.delivered", tracked, staff.Actor, new() { ["notified"] = notified ? "true" : "false" }), ct);
            await tx.CommitAsync(ct);
        }

        return stored.Select(ToDelivered).ToList();
    }

    /// <summary>
    /// A fresh single-use download token for one answer of the request (the portal calls it when the verified requester
    /// clicks, then opens it with <c>RequestAnswers.OpenAsync</c>); lives at most 7 days and never past the answer.
    /// </summary>
    public async Task<(string? Token, AnswerError? Error)> IssueDownloadAsync(Guid requestId, Guid answerId, CancellationToken ct)
    {
        var answer = await db.Set<RequestAnswer>().AsNoTracking().FirstOrDefaultAsync(a => a.Id == answerId && a.RequestId == requestId, ct);
        var left = answer is null ? NodaTime.Duration.Zero : answer.ExpiresAt - Now;
        if (answer is null || left <= NodaTime.Duration.Zero)
        {
            return (null, new AnswerError("answer.not_found", "No such answer."));
        }

        return await answers.IssueDownloadAsync(answerId, left < RequestAnswers.MaxLinkLifetime ? left : RequestAnswers.MaxLinkLifetime, ct);
    }

    private static DeliveredAnswer ToDelivered(RequestAnswer a) => new(a.Id, RequestAnswers.KindName(a.Kind), a.FileName, a.ContentType, a.Size, a.ExpiresAt);

    /// <summary>One scope for the provider's categories (every organisation's records), one per client organisation that instructed execution.</summary>
    private static List<(AnswerScope Scope, string Suffix)> AnswerScopes(List<RequestPart> parts)
    {
        var scopes = new List<(AnswerScope, string)>
        {
            (new AnswerScope(parts.Where(p => !p.IsClient).Select(p => p.Category).ToHashSet(StringComparer.Ordinal)), string.Empty),
        };
        var index = 0;
        foreach (var group in parts.Where(p => p.IsClient && p.Instruction == RequestPartStates.Execute).GroupBy(p => p.OrganizationId).OrderBy(g => g.Key))
        {
            index++;
            scopes.Add((new AnswerScope(group.Select(p => p.Category).ToHashSet(StringComparer.Ordinal), group.Key), "-" + index.ToString(CultureInfo.InvariantCulture)));
        }

        return scopes;
    }

    /// <summary>Name and privacy-contact address of each client organisation among the parts (ROU-3: how to reach the controller).</summary>
    private async Task<Dictionary<Guid, (string Name, string? Email)>> OrganizationContactsAsync(List<RequestPart> parts, CancellationToken ct)
    {
        var ids = parts.Where(p => p.IsClient).Select(p => p.OrganizationId).Distinct().ToList();
        var names = await db.Organizations.IgnoreQueryFilters().AsNoTracking().Where(o => ids.Contains(o.Id)).ToDictionaryAsync(o => o.Id, o => o.Name, ct);
        var contacts = await db.ContactPersons.IgnoreQueryFilters().AsNoTracking()
            .Where(c => ids.Contains(c.OrganizationId) && c.Role == "privacy" && c.Email != null)
            .OrderBy(c => c.Id).ToListAsync(ct);
        return ids.ToDictionary(id => id, id => (names.GetValueOrDefault(id) ?? string.Empty, contacts.FirstOrDefault(c => c.OrganizationId == id)?.Email));
    }
}
