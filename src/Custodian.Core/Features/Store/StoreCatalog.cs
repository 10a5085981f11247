using System.Collections.Concurrent;
using System.Reflection;

namespace Custodian.Core.Features.Store;

/// <summary>Reads the <see cref="PersonalDataAttribute"/> marks: which register categories a record type holds.</summary>
internal static class StoreCatalog
{
    private static readonly ConcurrentDictionary<Type, string?> CategoryCache = new();

    /// <summary>
    /// The one register category of a record type's personal data (every store entity holds exactly one; the mapping
    /// test checks it), or null for a type that holds none.
    /// </summary>
    public static string? CategoryOf(Type type) => CategoryCache.GetOrAdd(type, t =>
    {
        var categories = t.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Select(p => p.GetCustomAttribute<PersonalDataAttribute>()?.Category)
            .OfType<string>()
            .Distinct(StringComparer.Ordinal)
            .ToList();
        return categories.Count switch
        {
            0 => null,
            1 => categories[0],
            _ => throw new InvalidOperationException($"{t.Name} holds several register categories ({string.Join(", ", categories)}); split it."),
        };
    });
}
