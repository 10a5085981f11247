using Custodian.BrowserTests.Infrastructure;
using Custodian.Testing;
using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace Custodian.BrowserTests.Portal;

/// <summary>
/// The statement's table as assistive technology sees it (roles from the accessibility tree, not CSS selectors): a real
/// table whose first row holds the column headers, so each cell is announced with its column.
/// </summary>
public sealed class PrivacyStatementTests(PortalServerFixture server) : BrowserTest(server), IClassFixture<PortalServerFixture>
{
    [Fact]
    public async Task Privacy_Dutch_TableHasAHeaderRowAndTwelveDataRows()
    {
        await GotoAsync("/privacy");

        var table = Page.GetByRole(AriaRole.Table);
        await Expect(table).ToHaveCountAsync(1);
        var rows = table.GetByRole(AriaRole.Row);
        await Expect(rows).ToHaveCountAsync(13);
        await Expect(rows.First.GetByRole(AriaRole.Columnheader))
            .ToHaveTextAsync(["Type dienst", "Type gegevens", "Bewaartermijnen", "Verantwoordelijke", "Grond voor verwerking"]);

        // The service name spans its group of rows as a row header, not a data cell.
        await Expect(table.GetByRole(AriaRole.Rowheader).First).ToBeVisibleAsync();
        await Expect(table.GetByRole(AriaRole.Cell, new() { Name = "90 dagen" }).First).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Privacy_English_TableHeaderRowIsEnglish()
    {
        await GotoAsync("/privacy?lang=en");

        var header = Page.GetByRole(AriaRole.Table).GetByRole(AriaRole.Row).First;

        await Expect(header.GetByRole(AriaRole.Columnheader))
            .ToHaveTextAsync(["Type of service", "Type of data", "Retention periods", "Controller", "Legal basis"]);
    }
}
