namespace Custodian;

/// <summary>
/// Marker for the back office's texts in <c>Resources/OfficeResource.resx</c> (Dutch, the neutral language) and
/// <c>Resources/OfficeResource.en.resx</c> (English), apart from the portal's so the two areas evolve separately.
/// </summary>
#pragma warning disable CA1812 // only used as a type argument for IStringLocalizer<T>
internal sealed class OfficeResource;
#pragma warning restore CA1812
