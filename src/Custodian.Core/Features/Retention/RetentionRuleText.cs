using Custodian.Core.Features.Register;
using NodaTime;

namespace Custodian.Core.Features.Retention;

/// <summary>A register retention rule in English words, with its anchor ("six months after the record's time").</summary>
internal static class RetentionRuleText
{
    public static string Describe(ProcessingRegister register, RetentionRule rule)
    {
        ArgumentNullException.ThrowIfNull(register);
        var words = new StatementVocabulary(StatementLanguage.English, register.Statement.Controller);
        return rule switch
        {
            FixedRetention { From: RetentionAnchor.RecordTime } f => $"{words.PeriodText(f.Period)} after the record's time",
            FixedRetention { From: RetentionAnchor.TicketClosed } f => $"{words.PeriodText(f.Period)} after the support ticket is closed",
            FixedRetention { From: RetentionAnchor.RequestClosed } f => $"{words.PeriodText(f.Period)} after the data-subject request is closed",
            FixedRetention { From: RetentionAnchor.ConsentWithdrawn } f => $"while the consent stands, then {words.PeriodText(f.Period)} after its withdrawal",
            FixedRetention { From: RetentionAnchor.ShieldingEnded } f => $"while the shielding stands, then {words.PeriodText(f.Period)} after the last billing period it masked",
            FixedRetention f => $"{words.PeriodText(f.Period)} after {Anchor(f.From)}",
            UntilServiceEndRetention { Grace: var g } when g.Normalize().Equals(Period.Zero) => "until the end of the service",
            UntilServiceEndRetention u => $"until {words.PeriodText(u.Grace)} after the end of the service",
            ClientDefinedRetention c =>
                $"as the client organisation sets it, between {words.PeriodText(c.Min)} and {words.PeriodText(c.Max)} after the record's time (without a setting: {words.PeriodText(c.Min)})",
            _ => throw new ArgumentOutOfRangeException(nameof(rule), rule.GetType().Name, "unknown retention rule"),
        };
    }

    /// <summary>The register's name of an anchor (<c>record_time</c>, <c>ticket_closed</c>, <c>service_end</c>, <c>client_setting</c>).</summary>
    public static string Anchor(RetentionAnchor anchor) => anchor switch
    {
        RetentionAnchor.RecordTime => "record_time",
        RetentionAnchor.TicketClosed => "ticket_closed",
        RetentionAnchor.RequestClosed => "request_closed",
        RetentionAnchor.ServiceEnd => "service_end",
        RetentionAnchor.ClientSetting => "client_setting",
        RetentionAnchor.ConsentWithdrawn => "consent_withdrawn",
        RetentionAnchor.ShieldingEnded => "shielding_ended",
        _ => throw new ArgumentOutOfRangeException(nameof(anchor), anchor, null),
    };
}
