using System.Text;

namespace Custodian.Core.Features.Accounts;

/// <summary>The "who may do what" table of docs/accounts.md, written from <see cref="StaffRoles"/> (a test compares).</summary>
internal static class RoleMatrix
{
    public static string Markdown()
    {
        var text = new StringBuilder();
        text.Append("| permission | ").AppendJoin(" | ", StaffRoles.All).Append(" |\n");
        text.Append("|---|").Append(string.Concat(StaffRoles.All.Select(_ => ":-:|"))).Append('\n');
        foreach (var permission in Permissions.Office)
        {
            text.Append("| `").Append(permission).Append("` | ")
                .AppendJoin(" | ", StaffRoles.All.Select(r => StaffRoles.PermissionsOf(r).Contains(permission) ? "✓" : " "))
                .Append(" |\n");
        }

        return text.ToString();
    }
}
