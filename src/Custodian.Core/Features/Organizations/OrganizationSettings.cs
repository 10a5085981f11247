using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Store;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using NodaTime.Text;

namespace Custodian.Core.Features.Organizations;

/// <param name="CallRecordingEnabled">Whether the organisation has the call-recording feature (false when null).</param>
/// <param name="CustomerCallRecordingRetention">ISO 8601 period (<c>P1Y</c>) within the register's bounds; required while recording is on.</param>
internal sealed record RecordingSettingInput(bool? CallRecordingEnabled, string? CustomerCallRecordingRetention);

/// <param name="Reference">The agreement's reference (1 to 100 characters).</param>
/// <param name="SignedOn">The day it was signed (ISO date), not in the future.</param>
/// <param name="OrganizationIsController">Whether the organisation is controller (and the provider its processor) of the client-controlled data.</param>
internal sealed record ProcessingAgreementInput(string? Reference, string? SignedOn, bool? OrganizationIsController);

/// <summary>The back office's two setting changes of an organisation, each validated, audited and in one transaction.</summary>
internal sealed partial class OrganizationCommands
{
    /// <summary>
    /// Changes the call-recording feature and the recordings' retention, with exactly the rules of the API's update
    /// (<c>organization.retention_out_of_bounds</c>, <c>organization.recording_retention_required</c>); audited as
    /// <c>organization.recording_changed</c> with the new values. A tenant can change only its own organisation.
    /// </summary>
    public Task<StoreResult<Organization>> SetRecordingAsync(StoreCaller caller, Guid id, RecordingSettingInput input, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(input);
        return transactions.WriteAsync<Organization>(
            async c =>
            {
                var organization = await db.Organizations.FirstOrDefaultAsync(o => o.Id == id, c);
                if (organization is null)
                {
                    return StoreErrors.NotFound("organization");
                }

                var v = new FieldValidator();
                var (retention, enabled) = ValidateRecording(v, input.CustomerCallRecordingRetention, input.CallRecordingEnabled);
                if (!v.IsValid)
                {
                    return v.ToError();
                }

                (organization.CallRecordingEnabled, organization.CustomerCallRecordingRetention) = (enabled, retention);
                return organization;
            },
            o => new AuditEntry(
                "organization.recording_changed",
                caller.Actor,
                o.Id,
                [new AuditObject("organization", o.Id.ToString())],
                Details: new Dictionary<string, string>
                {
                    ["call_recording_enabled"] = o.CallRecordingEnabled ? "true" : "false",
                    ["customer_call_recording_retention"] = o.CustomerCallRecordingRetention?.ToString() ?? "",
                }),
            null,
            ct);
    }

    /// <summary>
    /// Records the processing agreement: reference, signing day (not after today in Amsterdam) and whether the
    /// organisation is controller. All three are required together (a half-recorded agreement says nothing).
    /// Audited as <c>organization.agreement_changed</c>.
    /// </summary>
    public Task<StoreResult<Organization>> SetProcessingAgreementAsync(StoreCaller caller, Guid id, ProcessingAgreementInput input, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(input);
        return transactions.WriteAsync<Organization>(
            async c =>
            {
                var organization = await db.Organizations.FirstOrDefaultAsync(o => o.Id == id, c);
                if (organization is null)
                {
                    return StoreErrors.NotFound("organization");
                }

                var v = new FieldValidator();
                var reference = v.Text("reference", input.Reference, 100);
                var signed = v.Date("signedOn", input.SignedOn);
                var today = Retention.RetentionCalendar.DayOf(Instant.FromDateTimeOffset(time.GetUtcNow()));
                if (signed is { } d && d > today)
                {
                    v.Add("signedOn", "organization.agreement_date_in_future", "'signedOn' cannot be after today.");
                }

                if (input.OrganizationIsController is null)
                {
                    v.Add("organizationIsController", "field.required", "'organizationIsController' is required.");
                }

                if (!v.IsValid)
                {
                    return v.ToError();
                }

                organization.ProcessingAgreementReference = reference;
                organization.ProcessingAgreementDate = signed;
                organization.ProcessingAgreementOrganizationIsController = input.OrganizationIsController;
                return organization;
            },
            o => new AuditEntry(
                "organization.agreement_changed",
                caller.Actor,
                o.Id,
                [new AuditObject("organization", o.Id.ToString())],
                Details: new Dictionary<string, string>
                {
                    ["reference"] = o.ProcessingAgreementReference ?? "",
                    ["signed_on"] = o.ProcessingAgreementDate is { } s ? LocalDatePattern.Iso.Format(s) : "",
                    ["organization_is_controller"] = o.ProcessingAgreementOrganizationIsController is true ? "true" : "false",
                }),
            null,
            ct);
    }
}
