using Custodian.Core.Features.Register;
using Custodian.Core.Persistence;

namespace Custodian.Features.Register;

/// <summary>The register this process runs with: loaded and validated once at start, identified by the SHA-256 of its file.</summary>
internal sealed record ActiveRegister(ProcessingRegister Register, string Path, string Sha256, string Content, IReadOnlyList<RegisterDiagnostic> Warnings)
{
    /// <summary>Loads and validates the register file; on errors returns null and the diagnostics.</summary>
    internal static (ActiveRegister? Register, IReadOnlyList<RegisterDiagnostic> Diagnostics) Load(string path)
    {
        string content;
        try
        {
            content = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return (null, [new RegisterDiagnostic(path, 1, 1, DiagnosticSeverity.Error, "register.unreadable", $"cannot read the register file: {ex.Message}")]);
        }

        var result = RegisterLoader.Load(content, path);
        if (result.Register is null)
        {
            return (null, result.Diagnostics);
        }

        var sha = RegisterVersions.ComputeSha256(content);
        return (new ActiveRegister(result.Register, path, sha, content, result.Diagnostics), result.Diagnostics);
    }

    /// <summary>For operator commands: the register, or null after writing its errors (<c>FILE:LINE:COLUMN: ...</c>) to <paramref name="error"/>.</summary>
    internal static async Task<ActiveRegister?> LoadOrReportAsync(string path, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var (register, diagnostics) = Load(path);
        if (register is null)
        {
            foreach (var d in diagnostics)
            {
                await error.WriteLineAsync(d.ToString());
            }
        }

        return register;
    }
}
