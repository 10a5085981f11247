using Custodian.Core.Features.Accounts;
using Custodian.Core.Features.Processors;
using Custodian.Core.Features.Register;
using Custodian.Features.Office;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;
using NodaTime;

namespace Custodian.Pages.Office.Processors;

/// <summary>
/// The processor register (PRC-1): processors and sub-processors, countries, transfer mechanisms with their specifics,
/// agreements, review dates and today's warnings, and the clients' authorisation of sub-processor changes. Read only:
/// the register is code (policy/register.yaml).
/// </summary>
[Authorize(Policy = Permissions.ProcessorsRead)]
internal sealed class IndexModel(ProcessingRegister register, TimeProvider time) : PageModel
{
    public ProcessorOverview Overview { get; private set; } = null!;

    public static StatementLanguage Language => OfficeFormat.Language;

    public void OnGet()
    {
        var today = Instant.FromDateTimeOffset(time.GetUtcNow()).InZone(DateTimeZoneProviders.Tzdb["Europe/Amsterdam"]).Date;
        Overview = ProcessorOverview.Build(register, today, ProcessorReview.DefaultHorizon);
    }
}
