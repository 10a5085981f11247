using Custodian.Core.Features.Blobs;
using NodaTime;

namespace Custodian.Features.Keys;

/// <summary>When <c>serve</c> rotates key-encryption keys and how long it keeps retired ones (settings <c>kekRotationInterval</c>, <c>kekRetention</c>).</summary>
internal sealed record KeySchedule(Duration RotationInterval, Duration Retention)
{
    public static readonly KeySchedule Default = new(KeyRotation.DefaultRotationInterval, KeyRotation.DefaultKekRetention);
}
