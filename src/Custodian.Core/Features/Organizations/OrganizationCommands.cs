using System.Text.RegularExpressions;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Register;
using Custodian.Core.Features.Store;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Custodian.Core.Features.Organizations;

/// <summary>
/// Client organisations: created by the provider (a provider key, or the operator), read and updated by provider keys
/// and, for their own organisation only, by tenant keys (the tenant filter hides every other one).
/// </summary>
internal sealed partial class OrganizationCommands(CustodianDbContext db, StoreTransactions transactions, TimeProvider time, ProcessingRegister register)
{
    /// <summary>The register category whose retention the organisation sets itself (<c>client_setting</c>).</summary>
    public const string CustomerRecordingsCategory = "usage.customer_call_recordings";

    public Task<StoreResult<Organization>> CreateAsync(
        StoreCaller caller, OrganizationInput input, Func<Organization, CancellationToken, Task>? beforeCommit, CancellationToken ct)
    {
        if (caller.TenantId is not null || !caller.Scope.AllTenants)
        {
            return Task.FromResult<StoreResult<Organization>>(new ForbiddenError(
                "organization.provider_only", "Only a provider-wide key (scopes organizations:write and tenants:all) can create organisations."));
        }

        return transactions.WriteAsync<Organization>(
            async c =>
            {
                var v = new FieldValidator();
                var code = Code(v, input.Code);
                var apply = Validate(v, input);
                if (code is not null && await db.Organizations.IgnoreQueryFilters().AnyAsync(o => o.Code == code, c))
                {
                    return new ConflictError("organization.code_taken", "Another organisation already has this code.");
                }

                if (!v.IsValid || apply is null)
                {
                    return v.ToError();
                }

                var organization = new Organization
                {
                    Code = code!,
                    Name = string.Empty,
                    BillingCompanyName = string.Empty,
                    CreatedAt = Instant.FromDateTimeOffset(time.GetUtcNow()),
                };
                apply(organization);
                db.Organizations.Add(organization);
                return organization;
            },
            o => Audit(caller, "organization.created", o),
            beforeCommit,
            ct);
    }

    public Task<StoreResult<Organization>> UpdateAsync(StoreCaller caller, Guid id, OrganizationInput input, CancellationToken ct) =>
        transactions.WriteAsync<Organization>(
            async c =>
            {
                var organization = await db.Organizations.FirstOrDefaultAsync(o => o.Id == id, c);
                if (organization is null)
                {
                    return StoreErrors.NotFound("organization");
                }

                var v = new FieldValidator();
                if (input.Code is not null && input.Code != organization.Code)
                {
                    v.Add("code", "field.immutable", "An organisation's code never changes (usage records and keys refer to it).");
                }

                var apply = Validate(v, input);
                if (!v.IsValid || apply is null)
                {
                    return v.ToError();
                }

                apply(organization);
                return organization;
            },
            o => Audit(caller, "organization.updated", o),
            null,
            ct);

    public async Task<StoreResult<Organization>> GetAsync(StoreCaller caller, Guid id, CancellationToken ct)
    {
        var organization = await transactions.ReadAsync(
            c => db.Organizations.AsNoTracking().FirstOrDefaultAsync(o => o.Id == id, c),
            o => o is null ? null : Audit(caller, "organization.viewed", o),
            ct);
        return organization is null ? StoreErrors.NotFound("organization") : organization;
    }

    public Task<IReadOnlyList<Organization>> ListAsync(StoreCaller caller, Guid? after, int limit, CancellationToken ct)
    {
        limit = Math.Clamp(limit, 1, StoreCommands.MaxPageSize);
        return transactions.ReadAsync(
            async c =>
            {
                var query = db.Organizations.AsNoTracking();
                if (after is { } a)
                {
                    query = query.Where(o => o.Id.CompareTo(a) > 0);
                }

                return (IReadOnlyList<Organization>)await query.OrderBy(o => o.Id).Take(limit).ToListAsync(c);
            },
            page => page.Count == 0
                ? null
                : new AuditEntry("organization.listed", caller.Actor, caller.TenantId, [.. page.Select(o => new AuditObject("organization", o.Id.ToString()))]),
            ct);
    }

    private static AuditEntry Audit(StoreCaller caller, string action, Organization o) =>
        new(action, caller.Actor, o.Id, [new AuditObject("organization", o.Id.ToString())]);

    private static string? Code(FieldValidator v, string? code)
    {
        var text = v.Text("code", code, 40);
        if (text is not null && !CodePattern().IsMatch(text))
        {
            v.Add("code", "organization.code_format", "'code' must be 2 to 40 lower-case letters, digits or '-', starting with a letter.");
            return null;
        }

        return text;
    }

    private Action<Organization>? Validate(FieldValidator v, OrganizationInput input)
    {
        var name = v.Text("name", input.Name, 200);
        var billing = v.Text("billingCompanyName", input.BillingCompanyName, 200);
        var agreement = v.Text("processingAgreementReference", input.ProcessingAgreementReference, 100, required: false);
        var agreementDate = v.Date("processingAgreementDate", input.ProcessingAgreementDate, required: false);
        var (retention, recording) = ValidateRecording(v, input.CustomerCallRecordingRetention, input.CallRecordingEnabled);
        return v.IsValid
            ? o => (o.Name, o.BillingCompanyName, o.ProcessingAgreementReference, o.ProcessingAgreementDate, o.CustomerCallRecordingRetention, o.CallRecordingEnabled) =
                (name!, billing!, agreement, agreementDate, retention, recording)
            : null;
    }

    /// <summary>
    /// The call-recording setting's rules, shared by the full update and <see cref="SetRecordingAsync"/>: the retention
    /// within the register's bounds for <see cref="CustomerRecordingsCategory"/>, and required while the feature is on.
    /// </summary>
    private (Period? Retention, bool Enabled) ValidateRecording(FieldValidator v, string? retentionText, bool? enabled)
    {
        var retention = v.Period("customerCallRecordingRetention", retentionText, required: false);
        if (retention is { } r && RecordingBounds is { } bounds && !Within(r, bounds))
        {
            v.Add("customerCallRecordingRetention", "organization.retention_out_of_bounds",
                $"'customerCallRecordingRetention' must lie between {bounds.Min} and {bounds.Max} (the register's bounds for {CustomerRecordingsCategory}).");
        }

        var recording = enabled ?? false;
        if (recording && retention is null && v.Errors.All(e => e.Field != "customerCallRecordingRetention"))
        {
            v.Add("customerCallRecordingRetention", "organization.recording_retention_required",
                "An organisation with 'callRecordingEnabled' must say how long its call recordings are kept ('customerCallRecordingRetention').");
        }

        return (retention, recording);
    }

    /// <summary>The register's bounds for the organisation's own recordings (null if the register has no such client-set category).</summary>
    internal ClientDefinedRetention? RecordingBounds =>
        register.Categories.FirstOrDefault(c => c.Id == CustomerRecordingsCategory)?.Retention as ClientDefinedRetention;

    /// <summary>
    /// Periods of months and days have no fixed length; they are compared as the days they span from a reference date
    /// in a leap year's January, the longest reading of a month-based period, so a value at the upper bound is judged
    /// against the bound the same way (P1M and P31D compare equal; P10Y and P3653D too).
    /// </summary>
    internal static bool Within(Period value, ClientDefinedRetention bounds)
    {
        var from = new LocalDate(2024, 1, 1);
        var days = Period.Between(from, from + value, PeriodUnits.Days).Days;
        return days >= Period.Between(from, from + bounds.Min, PeriodUnits.Days).Days
            && days <= Period.Between(from, from + bounds.Max, PeriodUnits.Days).Days;
    }

    [GeneratedRegex("^[a-z][a-z0-9-]{1,39}$", RegexOptions.CultureInvariant)]
    private static partial Regex CodePattern();
}
