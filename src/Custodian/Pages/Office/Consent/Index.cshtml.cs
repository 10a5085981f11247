using Custodian.Core.Features.Accounts;
using Custodian.Core.Features.Consent;
using Custodian.Core.Features.Register;
using Custodian.Core.Features.Store;
using Custodian.Core.Features.Subjects;
using Custodian.Core.Persistence;
using Custodian.Features.Office;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Custodian.Pages.Office.Consent;

/// <summary>
/// The consent ledger for staff (issue 7 §3, CON-2): find a person's consents by an identifier, withdraw a standing one
/// for them (a phone call, a letter, an e-mail: withdrawal as easy as giving), or record a consent given on paper. The
/// identifier travels in POST bodies only, never in a URL; every view and change is audited by the ledger.
/// </summary>
[Authorize(Policy = Permissions.ConsentManage)]
internal sealed class ConsentModel(ConsentLedger ledger, CustodianDbContext db) : PageModel
{
    /// <summary>The channels staff record a withdrawal or consent through (the app and the portal are the person's own).</summary>
    public static IReadOnlyList<string> StaffChannels { get; } = [ConsentChannels.Staff, ConsentChannels.Letter, ConsentChannels.Email];

    public IReadOnlyList<Purpose> Purposes => ledger.ConsentPurposeList;

    public string? Identifier { get; private set; }

    public string? Kind { get; private set; }

    public Dictionary<string, List<FieldError>> Errors { get; private set; } = [];

    /// <summary>The person's entries; null before a (valid) look-up.</summary>
    public IReadOnlyList<ConsentView>? Entries { get; private set; }

    /// <summary>A confirmation key after a change (<c>given</c>, <c>withdrawn</c>).</summary>
    public string? Done { get; private set; }

    public static IReadOnlyList<string> Kinds => SubjectKey.KindNames;

    public Task OnPostLookupAsync(string? identifier, string? kind) => ShowAsync(identifier, kind);

    public async Task OnPostWithdrawAsync(string? identifier, string? kind, string? purpose, string? channel)
    {
        var subject = Parse(identifier, kind);
        if (subject is not null)
        {
            var result = await ledger.WithdrawAsync(db, Caller(), [subject.Value], purpose, channel ?? ConsentChannels.Staff, null, HttpContext.RequestAborted);
            if (result.IsSuccess)
            {
                Done = "withdrawn";
            }
            else
            {
                Errors = OfficeFormat.ErrorsByField(result.Error);
            }
        }

        await ShowAsync(identifier, kind);
    }

    public async Task OnPostGiveAsync(string? identifier, string? kind, string? purpose, string? textVersion, string? text, string? channel)
    {
        var result = await ledger.GiveAsync(db, Caller(), new ConsentGiveInput(identifier, string.IsNullOrWhiteSpace(kind) ? null : kind, purpose, textVersion, text, channel), HttpContext.RequestAborted);
        if (result.IsSuccess)
        {
            Done = "given";
        }
        else
        {
            Errors = OfficeFormat.ErrorsByField(result.Error);
        }

        await ShowAsync(identifier, kind);
    }

    private async Task ShowAsync(string? identifier, string? kind)
    {
        (Identifier, Kind) = (identifier, string.IsNullOrWhiteSpace(kind) ? null : kind);
        var subject = Parse(identifier, kind);
        if (subject is not null)
        {
            Entries = await ledger.ViewAsync(db, Caller(), [subject.Value], HttpContext.RequestAborted);
        }
    }

    private SubjectKey? Parse(string? identifier, string? kind)
    {
        var v = new FieldValidator();
        var subject = ConsentLedger.ParseSubject(v, identifier, string.IsNullOrWhiteSpace(kind) ? null : kind);
        if (!v.IsValid)
        {
            foreach (var (field, errors) in OfficeFormat.ErrorsByField(v.ToError()))
            {
                Errors[field] = errors;
            }
        }

        return subject;
    }

    private StoreCaller Caller()
    {
        var staff = HttpContext.Staff();
        return new StoreCaller(staff.Actor, staff.TenantScope);
    }
}
