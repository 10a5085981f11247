using System.Reflection;
using Custodian.Core.Persistence;
using Xunit;
using Xunit.Sdk;
using Xunit.v3;

namespace Custodian.Testing;

/// <summary>
/// The engines a storage test runs on. (A public mirror of the internal <see cref="DatabaseEngine"/>, because xUnit test
/// methods are public and so are their parameter types.)
/// </summary>
public enum Engine
{
    Sqlite,
    Postgres,
}

/// <summary>
/// Runs a <c>[Theory]</c> once per engine: <c>[Theory, AllEngines] public async Task X(Engine engine)</c>.
/// Pair it with <see cref="TestDatabase.CreateAsync"/>, which skips (locally) or fails (CI) when PostgreSQL is missing.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class AllEnginesAttribute : DataAttribute
{
    public override ValueTask<IReadOnlyCollection<ITheoryDataRow>> GetData(MethodInfo testMethod, DisposalTracker disposalTracker) =>
        new([new TheoryDataRow<Engine>(Engine.Sqlite), new TheoryDataRow<Engine>(Engine.Postgres)]);

    public override bool SupportsDiscoveryEnumeration() => true;
}

internal static class EngineExtensions
{
    public static DatabaseEngine ToDatabaseEngine(this Engine engine) => engine switch
    {
        Engine.Sqlite => DatabaseEngine.Sqlite,
        Engine.Postgres => DatabaseEngine.Postgres,
        _ => throw new ArgumentOutOfRangeException(nameof(engine)),
    };
}
