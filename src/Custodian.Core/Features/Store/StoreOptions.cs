namespace Custodian.Core.Features.Store;

/// <summary>Store settings of this process.</summary>
/// <param name="AllowDocumentationAddresses">
/// Accept the documentation IP ranges (192.0.2.0/24, 2001:db8::/32, ...) as public addresses. Only for demo data
/// (<c>serve --dev</c>) and tests, so that fixtures never hold a real person's address.
/// </param>
internal sealed record StoreOptions(bool AllowDocumentationAddresses = false);
