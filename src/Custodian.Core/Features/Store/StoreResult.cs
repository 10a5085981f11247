using System.Diagnostics.CodeAnalysis;

namespace Custodian.Core.Features.Store;

/// <summary>One broken rule of one input field.</summary>
/// <param name="Field">The JSON name of the field, as the caller sent it (<c>phone</c>, <c>endDate</c>).</param>
/// <param name="Code">Stable: an identifier code such as <c>identifier.phone.too_short</c>, or <c>field.required</c>.</param>
/// <param name="Message">English prose naming the rule; never repeats the value.</param>
internal sealed record FieldError(string Field, string Code, string Message);

/// <summary>An expected failure of a store operation: a value, never an exception (style.md §4.3 item 3).</summary>
internal abstract record StoreError(string Code, string Message);

/// <summary>The object does not exist <em>for this caller</em>: another tenant's object gives exactly this, too.</summary>
internal sealed record NotFoundError(string Code, string Message) : StoreError(Code, Message);

/// <summary>The input breaks one or more field rules; nothing was stored.</summary>
internal sealed record ValidationError(IReadOnlyList<FieldError> Errors)
    : StoreError("validation.failed", "The request has invalid fields; nothing was stored. See 'errors'.");

/// <summary>The request conflicts with the stored state (a duplicate reference, a service already ended).</summary>
internal sealed record ConflictError(string Code, string Message) : StoreError(Code, Message);

/// <summary>The caller may not do this at all (a tenant key creating an organisation).</summary>
internal sealed record ForbiddenError(string Code, string Message) : StoreError(Code, Message);

/// <summary>The upload's content is not what the endpoint accepts (type not allowed, or the bytes are not the declared type): 415.</summary>
internal sealed record UnsupportedContentError(string Code, string Message) : StoreError(Code, Message);

/// <summary>The upload is larger than the configured limit: 413. Nothing was stored.</summary>
internal sealed record ContentTooLargeError(long Limit)
    : StoreError("upload.too_large", string.Create(System.Globalization.CultureInfo.InvariantCulture, $"The content is larger than the limit of {Limit} bytes; nothing was stored."));

/// <summary>The record exists but its content was erased (its data key destroyed): 410.</summary>
internal sealed record GoneError(string Code, string Message) : StoreError(Code, Message);

internal readonly record struct StoreResult<T>
{
    private StoreResult(T? value, StoreError? error)
    {
        Value = value;
        Error = error;
    }

    public T? Value { get; }

    public StoreError? Error { get; }

    [MemberNotNullWhen(true, nameof(Value))]
    [MemberNotNullWhen(false, nameof(Error))]
    public bool IsSuccess => Error is null;

    public static implicit operator StoreResult<T>(T value) => new(value, null);

    public static implicit operator StoreResult<T>(StoreError error) => new(default, error);

    public static StoreResult<T> Success(T value) => new(value, null);

    public static StoreResult<T> Failure(StoreError error) => new(default, error);
}

internal static class StoreErrors
{
    public static NotFoundError NotFound(string type) =>
        new($"{type}.not_found", $"There is no {type.Replace('_', ' ')} with this id.");
}
