namespace Custodian;

/// <summary>
/// Marker for the page texts in <c>Resources/SharedResource.resx</c> (Dutch, the neutral language) and
/// <c>Resources/SharedResource.en.resx</c> (English). No page text is hard-coded.
/// </summary>
#pragma warning disable CA1812 // only used as a type argument for IStringLocalizer<T>
internal sealed class SharedResource;
#pragma warning restore CA1812
