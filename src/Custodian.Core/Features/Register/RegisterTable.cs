using Custodian.Core.Features.Retention;

namespace Custodian.Core.Features.Register;

/// <summary>One row of the processing register as the back office shows it: a data category with everything the register holds about it.</summary>
/// <param name="Category">The category id (<c>general.contact_person</c>).</param>
/// <param name="Service">The service the category belongs to.</param>
/// <param name="Description">The register's description.</param>
/// <param name="Fields">The data fields, as the register names them.</param>
/// <param name="DataSubjects">Whose data it is.</param>
/// <param name="Purposes">Why it is processed.</param>
/// <param name="LegalBasis">Art. 6(1) basis, with statute or interest where the register gives one.</param>
/// <param name="Controller">Provider or client organisation.</param>
/// <param name="ControllerName">The provider's name for provider-controlled data; null for client-controlled data (each organisation is its own controller).</param>
/// <param name="Retention">The rule as data.</param>
/// <param name="RetentionText">The rule in English words.</param>
/// <param name="Recipients">Recipient categories that receive it (through their processors).</param>
/// <param name="Processors">The processors that handle it.</param>
/// <param name="Disclosures">Disclosures that are not recipient relationships (authorities, 112), naming this category.</param>
/// <param name="Sources">Where the data comes from.</param>
/// <param name="Portable">Art. 20 applies (derived from basis and source).</param>
/// <param name="AutomatedDecisionMaking">Art. 22 decisions exist.</param>
/// <param name="LegalReview">Why a lawyer must confirm the entry; null when nothing is flagged.</param>
internal sealed record RegisterRow(
    string Category,
    LocalizedText Service,
    LocalizedText Description,
    IReadOnlyList<string> Fields,
    IReadOnlyList<LocalizedText> DataSubjects,
    IReadOnlyList<LocalizedText> Purposes,
    LegalBasis LegalBasis,
    ControllerRole Controller,
    string? ControllerName,
    RetentionRule Retention,
    string RetentionText,
    IReadOnlyList<LocalizedText> Recipients,
    IReadOnlyList<RegisterProcessorView> Processors,
    IReadOnlyList<LocalizedText> Disclosures,
    IReadOnlyList<DataSource> Sources,
    bool Portable,
    bool AutomatedDecisionMaking,
    string? LegalReview);

/// <summary>A processor of a category: name, country and the transfer mechanism outside the EEA (null inside).</summary>
internal sealed record RegisterProcessorView(string Id, LocalizedText Name, string Country, TransferMechanismType? TransferMechanism, bool Example);

/// <summary>The register page's data: the table, the statement and the check, each from the one implementation the CLI and the portal use.</summary>
/// <param name="Rows">The register as table rows, in the register's (and the statement's) order.</param>
/// <param name="StatementHtml">The privacy statement as the portal's Privacy page renders it (an HTML article, trusted markup).</param>
/// <param name="Check">The result of <c>register check</c> on the register file the process runs with.</param>
internal sealed record RegisterOverview(IReadOnlyList<RegisterRow> Rows, string StatementHtml, RegisterCheckResult Check);

/// <summary>The processing register as table rows (pure).</summary>
internal static class RegisterTable
{
    public static IReadOnlyList<RegisterRow> Rows(ProcessingRegister register)
    {
        ArgumentNullException.ThrowIfNull(register);
        return [.. register.Categories.Select(c =>
        {
            var processors = register.Processors.Where(p => p.CategoryIds.Contains(c.Id, StringComparer.Ordinal)).ToList();
            var processorIds = processors.Select(p => p.Id).ToHashSet(StringComparer.Ordinal);
            return new RegisterRow(
                c.Id,
                register.Service(c.ServiceId).Name,
                c.Description,
                c.Fields,
                [.. c.DataSubjectIds.Select(d => register.DataSubject(d).Name)],
                [.. c.PurposeIds.Select(p => register.Purpose(p).Name)],
                c.LegalBasis,
                c.Controller,
                c.Controller == ControllerRole.Provider ? register.Statement.Controller.Name : null,
                c.Retention,
                RetentionRuleText.Describe(register, c.Retention),
                [.. register.Recipients.Where(r => r.ProcessorIds.Any(processorIds.Contains)).Select(r => r.Name)],
                [.. processors.Select(p => new RegisterProcessorView(p.Id, p.Name, p.Country, p.TransferMechanism?.Type, p.Example))],
                [.. register.Disclosures.Where(d => d.CategoryIds.Contains(c.Id, StringComparer.Ordinal)).Select(d => d.Recipient)],
                c.Sources,
                c.Portable,
                c.AutomatedDecisionMaking,
                c.LegalReview?.Reason);
        })];
    }

    /// <summary>Everything the register page shows, for the register the process runs with (its file content and path).</summary>
    public static RegisterOverview Overview(ProcessingRegister register, string content, string path, StatementLanguage language) =>
        new(Rows(register), StatementRenderer.RenderHtmlArticle(register, language), RegisterCheck.Text(content, path));
}
