using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Custodian.Core.Features.Requests.Queue;

/// <summary>
/// The queue's indexes on <c>data_subject_requests</c>, kept beside the queue that needs them (EF applies every
/// configuration of a type; the entity's own is <see cref="DataSubjectRequestConfiguration"/>).
/// <list type="bullet">
/// <item>open requests never extended, by due date: the default queue walks this partial index from the earliest due date;</item>
/// <item>extended requests, by extended due date (few rows);</item>
/// <item>one state, by due date: the state filter and "waiting for identity";</item>
/// <item>every request by due date: the "all states" view.</item>
/// </list>
/// The filters are the same SQL text on SQLite and PostgreSQL, and the queue's WHERE repeats them term for term so both
/// planners recognise the partial index.
/// </summary>
internal sealed class RequestQueueIndexes : IEntityTypeConfiguration<DataSubjectRequest>
{
    public const string OpenFilter = "extended_due_on IS NULL AND state <> 'delivered' AND state <> 'refused' AND state <> 'closed'";

    public void Configure(EntityTypeBuilder<DataSubjectRequest> builder)
    {
        builder.HasIndex(r => new { r.DueOn, r.Id }, "ix_data_subject_requests_queue_open").HasFilter(OpenFilter);
        builder.HasIndex(r => new { r.ExtendedDueOn, r.Id }, "ix_data_subject_requests_queue_extended").HasFilter("extended_due_on IS NOT NULL");
        builder.HasIndex(r => new { r.State, r.DueOn, r.Id }, "ix_data_subject_requests_queue_state");
        builder.HasIndex(r => new { r.DueOn, r.Id }, "ix_data_subject_requests_queue_all");
    }
}
