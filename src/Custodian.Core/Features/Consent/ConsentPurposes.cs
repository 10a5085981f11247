namespace Custodian.Core.Features.Consent;

/// <summary>Register ids the consent feature names.</summary>
internal static class ConsentPurposes
{
    /// <summary>The register category of the ledger itself (<c>general.consent_records</c>).</summary>
    public const string LedgerCategory = "general.consent_records";

    /// <summary>The shipped register's purpose on consent: the app's usage overview and bundle advice (Tw 11.5(3)).</summary>
    public const string AppUsageInsights = "app_usage_insights";
}

/// <summary>How a consent was given or withdrawn (CON-2: withdrawing must be as easy as giving, on any of them).</summary>
internal static class ConsentChannels
{
    public const string App = "app";
    public const string Portal = "portal";
    public const string Staff = "staff";
    public const string Letter = "letter";
    public const string Email = "email";

    public static IReadOnlyList<string> All { get; } = [App, Portal, Staff, Letter, Email];

    public static bool IsValid(string? channel) => channel is not null && All.Contains(channel, StringComparer.Ordinal);
}

/// <summary>Stable codes of the ledger's expected failures.</summary>
internal static class ConsentErrors
{
    /// <summary>The purpose is not in the register.</summary>
    public const string UnknownPurpose = "consent.unknown_purpose";

    /// <summary>The purpose exists but its legal basis is not consent: the ledger records no consent for it (Art. 7: consent is not asked for what rests on another basis).</summary>
    public const string PurposeNotConsent = "consent.purpose_not_consent";

    public const string ChannelInvalid = "consent.channel_invalid";

    /// <summary>A text version is immutable: the same version id arrived with another text.</summary>
    public const string VersionTextMismatch = "consent.version_text_mismatch";

    /// <summary>A processing path that rests on consent was asked for a person without a current consent (409).</summary>
    public const string Required = "consent.required";

    /// <summary>A give met another call's give of the same new text version twice in a row (409; the first time is retried).</summary>
    public const string ConcurrentGive = "consent.concurrent_give";
}
