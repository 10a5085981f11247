using Custodian.Core.Features.Accounts;
using Xunit;

namespace Custodian.IntegrationTests.Accounts;

public sealed class AccountsDocsTests
{
    private static string RepositoryFile(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, relative);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException(relative);
    }

    [Fact]
    public void RoleMatrix_InDocsAccounts_IsTheOneTheCodeGrants()
    {
        var doc = File.ReadAllText(RepositoryFile("docs/accounts.md")).ReplaceLineEndings("\n");
        const string begin = "<!-- role-matrix:begin -->\n";
        var start = doc.IndexOf(begin, StringComparison.Ordinal) + begin.Length;
        var end = doc.IndexOf("<!-- role-matrix:end -->", StringComparison.Ordinal);

        Assert.Equal(RoleMatrix.Markdown(), doc[start..end]);
    }
}
