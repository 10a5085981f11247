using Custodian.Core.Features.Store;
using Custodian.Core.Features.Tenancy;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using NodaTime;

namespace Custodian.Core.Features.Requests.Execution;

/// <summary>
/// Art. 19 (domain.md NOT-1): one recipient of one category that must be told of an executed erasure, rectification or
/// restriction. Staff follow it up (<c>to_notify</c> → <c>notified</c>). <see cref="RequestId"/> has no foreign key yet
/// (the request entity is built in parallel; the lead adds it at merge).
/// </summary>
internal sealed class RequestRecipientNotice
{
    public const string ToNotify = "to_notify";
    public const string Notified = "notified";

    [NotPersonalData]
    public Guid Id { get; init; } = Guid.CreateVersion7();

    [NotPersonalData]
    public Guid RequestId { get; init; }

    /// <summary><c>erasure</c>, <c>rectification</c> or <c>restriction</c>.</summary>
    [NotPersonalData]
    public string Action { get; init; } = string.Empty;

    [NotPersonalData]
    public string Category { get; init; } = string.Empty;

    /// <summary>The organisation of the records (client parts); null for a provider part.</summary>
    [NotPersonalData("the tenant of the records")]
    public Guid? OrganizationId { get; init; }

    /// <summary>The register's processor id (<c>processors[].id</c>).</summary>
    [NotPersonalData]
    public string RecipientId { get; init; } = string.Empty;

    [NotPersonalData]
    public string State { get; set; } = ToNotify;

    [NotPersonalData]
    public Instant CreatedAt { get; init; }

    [NotPersonalData]
    public Instant? NotifiedAt { get; set; }
}

/// <summary>
/// One field changed by a rectification (REC-1), with the old and the new value. The old value is personal data kept
/// only while the request is open (<c>RectificationExecutor.PurgeOldValuesAsync</c> clears it).
/// </summary>
internal sealed class RequestRectification : ITenantOwned
{
    [NotPersonalData]
    public Guid Id { get; init; } = Guid.CreateVersion7();

    [NotPersonalData]
    public Guid RequestId { get; init; }

    [NotPersonalData]
    public string RecordType { get; init; } = string.Empty;

    [NotPersonalData]
    public Guid RecordId { get; init; }

    [NotPersonalData("the tenant of the records")]
    public Guid OrganizationId { get; init; }

    [NotPersonalData]
    public string Category { get; init; } = string.Empty;

    [NotPersonalData]
    public string Field { get; init; } = string.Empty;

    /// <summary>A copy of the corrected field, kept as part of the request's record only while the request is open (cleared when it closes).</summary>
    [PersonalData(DataSubjectRequest.PrivacyRequestsCategory)]
    public string? OldValue { get; set; }

    /// <summary>A copy of the corrected field as the request set it: the request's record, deleted with the request.</summary>
    [PersonalData(DataSubjectRequest.PrivacyRequestsCategory)]
    public string? NewValue { get; init; }

    [NotPersonalData]
    public Instant AppliedAt { get; init; }

    [NotPersonalData]
    public Instant? OldValuePurgedAt { get; set; }
}

/// <summary>
/// The Art. 18 restriction a request placed: its hold, and when the person was told that it will be lifted (RES-3: it
/// may only be lifted after that).
/// </summary>
internal sealed class RequestRestriction
{
    [NotPersonalData]
    public Guid Id { get; init; } = Guid.CreateVersion7();

    [NotPersonalData]
    public Guid RequestId { get; init; }

    [NotPersonalData]
    public Guid HoldId { get; init; }

    [NotPersonalData("the tenant of the records")]
    public Guid? OrganizationId { get; init; }

    [NotPersonalData]
    public Instant PlacedAt { get; init; }

    /// <summary>When the person was informed that the restriction will be lifted (RES-3).</summary>
    [NotPersonalData]
    public Instant? NotifiedAt { get; set; }

    [NotPersonalData]
    public Instant? LiftedAt { get; set; }
}

/// <summary>
/// The privacy officer's compelling legitimate grounds (Art. 21(1), OBJ-1) that keep a category's records despite an
/// objection: the balancing decision, recorded.
/// </summary>
internal sealed class RequestObjectionGrounds
{
    public const int MaxGroundsLength = 4000;

    [NotPersonalData]
    public Guid Id { get; init; } = Guid.CreateVersion7();

    [NotPersonalData]
    public Guid RequestId { get; init; }

    [NotPersonalData]
    public string Category { get; init; } = string.Empty;

    [NotPersonalData("the tenant of the records")]
    public Guid? OrganizationId { get; init; }

    /// <summary>The privacy officer's balancing decision (OBJ-1); it is about the person's situation, so it is the request's personal record.</summary>
    [PersonalData(DataSubjectRequest.PrivacyRequestsCategory)]
    public string Grounds { get; init; } = string.Empty;

    [NotPersonalData("the staff member's actor id")]
    public string RecordedBy { get; init; } = string.Empty;

    [NotPersonalData]
    public Instant RecordedAt { get; init; }
}

internal sealed class RequestRecipientNoticeConfiguration : IEntityTypeConfiguration<RequestRecipientNotice>
{
    public void Configure(EntityTypeBuilder<RequestRecipientNotice> builder)
    {
        builder.ToTable("request_recipient_notices");
        builder.HasKey(n => n.Id);
        builder.Property(n => n.Id).ValueGeneratedNever();
        builder.Property(n => n.Action).HasMaxLength(20);
        builder.Property(n => n.Category).HasMaxLength(100);
        builder.Property(n => n.RecipientId).HasMaxLength(100);
        builder.Property(n => n.State).HasMaxLength(20);
        builder.HasIndex(n => n.RequestId);
        builder.HasIndex(n => n.State);
    }
}

internal sealed class RequestRectificationConfiguration : IEntityTypeConfiguration<RequestRectification>
{
    public void Configure(EntityTypeBuilder<RequestRectification> builder)
    {
        builder.ToTable("request_rectifications");
        builder.HasKey(r => r.Id);
        builder.Property(r => r.Id).ValueGeneratedNever();
        builder.Property(r => r.RecordType).HasMaxLength(40);
        builder.Property(r => r.Category).HasMaxLength(100);
        builder.Property(r => r.Field).HasMaxLength(40);
        builder.Property(r => r.OldValue).HasMaxLength(400);
        builder.Property(r => r.NewValue).HasMaxLength(400);
        builder.HasIndex(r => r.RequestId);
    }
}

internal sealed class RequestRestrictionConfiguration : IEntityTypeConfiguration<RequestRestriction>
{
    public void Configure(EntityTypeBuilder<RequestRestriction> builder)
    {
        builder.ToTable("request_restrictions");
        builder.HasKey(r => r.Id);
        builder.Property(r => r.Id).ValueGeneratedNever();
        builder.HasIndex(r => r.RequestId);
        builder.HasIndex(r => r.HoldId).IsUnique();
    }
}

internal sealed class RequestObjectionGroundsConfiguration : IEntityTypeConfiguration<RequestObjectionGrounds>
{
    public void Configure(EntityTypeBuilder<RequestObjectionGrounds> builder)
    {
        builder.ToTable("request_objection_grounds");
        builder.HasKey(g => g.Id);
        builder.Property(g => g.Id).ValueGeneratedNever();
        builder.Property(g => g.Category).HasMaxLength(100);
        builder.Property(g => g.Grounds).HasMaxLength(RequestObjectionGrounds.MaxGroundsLength);
        builder.Property(g => g.RecordedBy).HasMaxLength(100);
        builder.HasIndex(g => g.RequestId);
    }
}
