namespace Custodian.Core.Tests.Register;

/// <summary>Finds the shipped policy files (copied next to the tests) and the shared seed statement beside the repository.</summary>
internal static class RegisterFiles
{
    public static string ShippedRegisterPath => Path.Combine(AppContext.BaseDirectory, "policy", "register.yaml");

    public static string ShippedSchemaPath => Path.Combine(AppContext.BaseDirectory, "policy", "register.schema.json");

    public static string ShippedRegisterText => File.ReadAllText(ShippedRegisterPath);

    /// <summary>
    /// Walks up from the test output folder until a <c>shared/seed/privacyverklaring.txt</c> appears (the shared folder is
    /// the repository's sibling, locally and in CI). Fails loudly instead of skipping: the key test must run.
    /// </summary>
    public static string SeedStatementPath()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "seed", "privacyverklaring.txt");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException(
            $"The seed statement shared/seed/privacyverklaring.txt was not found in any folder above {AppContext.BaseDirectory}. " +
            "Clone or copy the shared folder next to the repository (../shared) so the statement can be compared with the original.");
    }
}
