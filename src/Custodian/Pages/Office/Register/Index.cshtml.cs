using Custodian.Core.Features.Accounts;
using Custodian.Core.Features.Processors;
using Custodian.Core.Features.Register;
using Custodian.Features.Office;
using Custodian.Features.Register;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;
using NodaTime;

namespace Custodian.Pages.Office.Register;

/// <summary>
/// The processing register this process runs with: as tables, as the rendered statement, and the <c>register check</c>
/// result, including today's processor warnings (review due, stale DPF check or TIA) as the command prints them.
/// </summary>
[Authorize(Policy = Permissions.RegisterRead)]
internal sealed class RegisterModel(ActiveRegister active, TimeProvider time) : PageModel
{
    public RegisterOverview Overview { get; private set; } = null!;

    /// <summary>The date-dependent warnings <c>register check</c> adds (<see cref="ProcessorReview.Check"/>), for today in Amsterdam.</summary>
    public IReadOnlyList<ProcessorWarning> ProcessorWarnings { get; private set; } = [];

    public string Sha256 => active.Sha256;

    /// <summary>The processors page shows the warnings beside each processor; linked only for those who may open it.</summary>
    public bool LinksProcessors => HttpContext.Staff().Has(Permissions.ProcessorsRead);

    public void OnGet()
    {
        Overview = RegisterTable.Overview(active.Register, active.Content, active.Path, OfficeFormat.Language);
        var today = Instant.FromDateTimeOffset(time.GetUtcNow()).InZone(DateTimeZoneProviders.Tzdb["Europe/Amsterdam"]).Date;
        ProcessorWarnings = ProcessorReview.Check(active.Register, today, ProcessorReview.DefaultHorizon);
    }
}
