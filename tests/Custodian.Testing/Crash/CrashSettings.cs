using System.Globalization;

namespace Custodian.Testing.Crash;

/// <summary>
/// How many random kills the crash tests make, and from which seed (docs/testing.md "Crash tests"). CI uses the defaults
/// (a fixed seed); the nightly run sets <c>CUSTODIAN_CRASH_KILLS</c> much higher and a new <c>CUSTODIAN_CRASH_SEED</c>;
/// a failure prints its seed, and the same variables replay the same draw of kill moments.
/// </summary>
internal static class CrashSettings
{
    public const string KillsVariable = "CUSTODIAN_CRASH_KILLS";
    public const string SeedVariable = "CUSTODIAN_CRASH_SEED";
    public const string ParallelVariable = "CUSTODIAN_CRASH_PARALLEL";
    public const int DefaultSeed = 20261129;

    /// <summary>Random kills per engine and harness: the variable, or <paramref name="ciDefault"/>.</summary>
    public static int Kills(int ciDefault) => Read(KillsVariable) ?? ciDefault;

    public static int Seed => Read(SeedVariable) ?? DefaultSeed;

    /// <summary>Trials run side by side (<c>CUSTODIAN_CRASH_PARALLEL</c>, default 2: the CI machine's cores).</summary>
    public static int Parallel => Read(ParallelVariable) ?? 2;

    private static int? Read(string name) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0 ? value : null;
}
