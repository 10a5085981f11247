namespace Custodian.Core.Common;

internal static class Placeholder;
