using Custodian.Core.Features.Blobs;

namespace Custodian.Core.Features.Store;

/// <summary>
/// A store record whose main content is an encrypted blob (an attachment, a call recording). The content is encrypted
/// under the data key of <see cref="ContentKeyOwner"/>; the row holds the reference, the media type the content was
/// checked to be, and its length.
/// </summary>
internal interface IContentRecord
{
    Guid Id { get; }

    Guid OrganizationId { get; }

    string RecordType { get; }

    Guid ContentBlobId { get; set; }

    string MediaType { get; set; }

    long ContentLength { get; set; }

    /// <summary>
    /// Whose data key encrypts the content. Always the record's own subject key (<c>Subject(Id)</c> of the record, or
    /// of its ticket for attachments) so that erasing one record's content (retention, an erasure request) is one key
    /// destruction that touches nothing else.
    /// </summary>
    DataKeyOwner ContentKeyOwner { get; }
}
