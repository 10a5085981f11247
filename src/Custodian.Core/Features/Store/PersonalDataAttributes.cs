namespace Custodian.Core.Features.Store;

/// <summary>
/// Marks a stored property as personal data of one register category (a <c>categories[].id</c> in
/// <c>policy/register.yaml</c>, e.g. <c>general.contact_person</c>). Retention, access answers and the subject look-up
/// find the category of every stored value through this. A test fails when an EF-mapped property carries neither this
/// nor <see cref="NotPersonalDataAttribute"/>, or names a category the shipped register does not have.
/// </summary>
[AttributeUsage(AttributeTargets.Property, Inherited = true)]
internal sealed class PersonalDataAttribute(string category) : Attribute
{
    public string Category { get; } = category;
}

/// <summary>
/// Marks a stored property as technical or contractual, not about a person: ids, tenant ids, timestamps of the record
/// itself, service references. Say why when it is not obvious.
/// </summary>
[AttributeUsage(AttributeTargets.Property, Inherited = true)]
internal sealed class NotPersonalDataAttribute(string? reason = null) : Attribute
{
    public string? Reason { get; } = reason;
}
