using Custodian.Configuration;
using Custodian.Core.Features.Register;

namespace Custodian.Testing;

/// <summary>The register shipped with the executable (<c>policy/register.yaml</c>), loaded once per test process.</summary>
internal static class ShippedRegister
{
    private static readonly Lazy<ProcessingRegister> Loaded = new(() =>
        RegisterLoader.Load(File.ReadAllText(SettingsResolver.ShippedRegisterPath), SettingsResolver.ShippedRegisterPath).Register
        ?? throw new InvalidOperationException("The shipped register does not load."));

    internal static ProcessingRegister Register => Loaded.Value;
}
