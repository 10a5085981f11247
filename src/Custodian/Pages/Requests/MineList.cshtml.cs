using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Consent;
using Custodian.Core.Features.Requests;
using Custodian.Core.Features.Store;
using Custodian.Core.Features.Subjects;
using Custodian.Core.Features.Tenancy;
using Custodian.Core.Persistence;
using Custodian.Features.Requests;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Custodian.Pages.Requests;

/// <summary>
/// "Which requests were filed in my name", step 3: the list (reference, type, received date, state; nothing else), and
/// the consents recorded under the verified address, each standing one with a withdraw button (CON-2: withdrawing is
/// as easy as giving; the same code flow that shows the requests proves the address).
/// </summary>
internal sealed class MineListModel(FiledInMyName lookup, MineSession session, ConsentLedger ledger, CustodianDbContext db) : PageModel
{
    /// <summary>Who acts for a verified person in the portal (as the request lookup's own events).</summary>
    private static readonly StoreCaller Portal = new(new AuditActor(AuditActorKind.System, "requester:portal"), TenantScope.Everything);

    public IReadOnlyList<FiledRequest> Requests { get; private set; } = [];

    public IReadOnlyList<ConsentView> Consents { get; private set; } = [];

    /// <summary>Set after a withdrawal, for the confirmation.</summary>
    public bool Withdrawn { get; private set; }

    public async Task<IActionResult> OnGetAsync(bool withdrawn = false)
    {
        var (email, token) = session.Read(HttpContext);
        var result = await lookup.ListAsync(email, token, HttpContext.RequestAborted);
        if (!result.IsSuccess)
        {
            return Redirect("/requests/mine?expired=true");
        }

        Requests = result.Value;
        Consents = await ledger.ViewAsync(db, Portal, [Key(email!)], HttpContext.RequestAborted);
        Withdrawn = withdrawn;
        return Page();
    }

    public async Task<IActionResult> OnPostWithdrawAsync(string? purpose)
    {
        var (email, token) = session.Read(HttpContext);
        var verified = await lookup.VerifiedAddressAsync(email, token, HttpContext.RequestAborted);
        if (!verified.IsSuccess)
        {
            return Redirect("/requests/mine?expired=true");
        }

        if (ledger.CheckPurpose(purpose) is null)
        {
            await ledger.WithdrawAsync(db, Portal, [Key(verified.Value)], purpose, ConsentChannels.Portal, null, HttpContext.RequestAborted);
        }

        return Redirect("/requests/mine/list?withdrawn=true");
    }

    private static SubjectKey Key(string email)
    {
        var normalized = SubjectKey.Normalize(SubjectIdentifierKind.Email, email);
        return new SubjectKey(SubjectIdentifierKind.Email, SubjectKey.IndexForm(SubjectIdentifierKind.Email, normalized.Value ?? email));
    }
}
