using Custodian.Core.Features.Accounts;
using Custodian.Core.Features.Disclosures;
using Custodian.Core.Features.Store;
using Custodian.Features.Office;
using Microsoft.Extensions.Localization;

namespace Custodian.Pages.Office.Disclosures;

/// <summary>What the order pages share: the caller from the session, and error texts.</summary>
internal static class DisclosurePages
{
    public static DisclosureCaller Caller(HttpContext http)
    {
        var staff = http.Staff();
        return new DisclosureCaller(staff.Actor, staff.TenantScope, staff.Has(Permissions.DisclosuresManage));
    }

    /// <summary>Each error as "field: text" in the reader's language where a text exists, else the Core's message.</summary>
    public static IReadOnlyList<string> Texts(StoreError error, IStringLocalizer texts)
    {
        ArgumentNullException.ThrowIfNull(error);
        IEnumerable<FieldError> errors = error is ValidationError v ? v.Errors : [new FieldError("", error.Code, error.Message)];
        return [.. errors.Select(e =>
        {
            var text = texts["Disclosures.Error." + e.Code] is { ResourceNotFound: false } known ? known.Value : e.Message;
            return e.Field.Length == 0 ? text : $"{e.Field}: {text}";
        })];
    }
}
