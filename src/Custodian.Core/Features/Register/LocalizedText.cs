namespace Custodian.Core.Features.Register;

/// <summary>The languages the statement is published in. Dutch is the original; English is a faithful translation.</summary>
internal enum StatementLanguage
{
    Dutch,
    English,
}

/// <summary>A text in both statement languages. Both are required so that the two renderings cannot drift apart.</summary>
internal sealed record LocalizedText(string Nl, string En)
{
    public string Get(StatementLanguage language) => language switch
    {
        StatementLanguage.Dutch => Nl,
        StatementLanguage.English => En,
        _ => throw new ArgumentOutOfRangeException(nameof(language), language, null),
    };
}
