using Custodian.Core.Features.Store;
using Custodian.Core.Persistence;

namespace Custodian.Core.Features.Requests.Queue;

/// <summary>An optional scan of the letter, as uploaded (content checked by <see cref="LetterScans.Check"/>).</summary>
internal sealed record LetterScanUpload(byte[] Content);

/// <summary>
/// Staff entry of a request that arrived by letter, e-mail or phone (issue 6 §1), with an optional scan of the letter.
/// The scan is checked before anything is stored, so a bad file stores nothing; then <see cref="RequestIntake.EnterAsync"/>
/// records the request (its own transaction), then the scan is stored. If storing the scan fails after the request
/// was recorded, the exception propagates and the request stays, without scan (the page says so; staff can attach it
/// again on the request page once that exists).
/// </summary>
internal sealed class StaffRequestEntry(RequestIntake intake, LetterScans scans, CustodianDbContext db)
{
    public async Task<StoreResult<DataSubjectRequest>> EnterAsync(Guid staffId, EnterRequestInput input, LetterScanUpload? scan, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(input);
        string? contentType = null;
        if (scan is not null)
        {
            var checkedScan = LetterScans.Check(scan.Content);
            if (!checkedScan.IsSuccess)
            {
                return checkedScan.Error;
            }

            contentType = checkedScan.Value;
        }

        var entered = await intake.EnterAsync(staffId, input, ct);
        if (!entered.IsSuccess || scan is null)
        {
            return entered;
        }

        await scans.StoreAsync(db, entered.Value.Id, scan.Content, contentType!, staffId, ct);
        return entered;
    }
}
