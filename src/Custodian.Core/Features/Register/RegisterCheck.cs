using System.Globalization;
using Custodian.Core.Features.Processors;
using NodaTime;

namespace Custodian.Core.Features.Register;

/// <summary>The outcome of <c>register check</c>: every diagnostic of a register file and the one-line verdict.</summary>
/// <param name="Path">The file checked.</param>
/// <param name="Diagnostics">Errors and warnings, in file order.</param>
internal sealed record RegisterCheckResult(string Path, IReadOnlyList<RegisterDiagnostic> Diagnostics)
{
    public int ErrorCount => Diagnostics.Count(d => d.Severity == DiagnosticSeverity.Error);

    public int WarningCount => Diagnostics.Count - ErrorCount;

    /// <summary>Valid: no errors (warnings allowed), as the command's exit code 0.</summary>
    public bool IsValid => ErrorCount == 0;

    /// <summary>The command's last line: <c>PATH: valid (2 warnings)</c> or <c>PATH: invalid (1 error, 0 warnings)</c>.</summary>
    public string Summary => IsValid
        ? $"{Path}: valid ({Plural(WarningCount, "warning")})"
        : $"{Path}: invalid ({Plural(ErrorCount, "error")}, {Plural(WarningCount, "warning")})";

    private static string Plural(int n, string word) =>
        string.Create(CultureInfo.InvariantCulture, $"{n} {word}{(n == 1 ? string.Empty : "s")}");
}

/// <summary>The register check, shared by <c>custodian register check</c> and the back office's register page.</summary>
internal static class RegisterCheck
{
    /// <summary>Checks a register file on disk (a missing or unreadable file is an error diagnostic, not an exception).</summary>
    public static RegisterCheckResult File(string path) => new(path, RegisterLoader.LoadFile(path).Diagnostics);

    /// <summary>Checks register text already read (the page checks the very content the process runs with).</summary>
    public static RegisterCheckResult Text(string yaml, string path) => new(path, RegisterLoader.Load(yaml, path).Diagnostics);

    /// <summary>
    /// Checks a register file and adds the processor warnings that depend on <paramref name="today"/>
    /// (<see cref="ProcessorReview"/>): reviews due within <paramref name="horizon"/>, stale DPF checks and TIAs.
    /// </summary>
    public static RegisterCheckResult File(string path, LocalDate today, Period horizon)
    {
        var loaded = RegisterLoader.LoadFile(path);
        if (loaded.Register is null)
        {
            return new(path, loaded.Diagnostics);
        }

        var dated = ProcessorReview.Check(loaded.Register, today, horizon)
            .Select(w => new RegisterDiagnostic(path, w.Line, 1, DiagnosticSeverity.Warning, w.Code, w.Message));
        return new(path, [.. loaded.Diagnostics.Concat(dated).OrderBy(d => d.Line)]);
    }
}
