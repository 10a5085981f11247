using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Events;
using Custodian.Core.Features.Shielding;
using Custodian.Core.Features.Store;
using Custodian.Testing;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using Xunit;
using static Custodian.IntegrationTests.Shielding.ShieldingFixture;

namespace Custodian.IntegrationTests.Shielding;

/// <summary>The register of shielded numbers, received lists and the itemised bill's masking (BUDE 4.2, SHD-1..SHD-8).</summary>
public sealed class ShieldingTests
{
    private const string Subscriber = "+31640000001";
    private const string OwnShielded = "+31883082636";
    private const string ReceivedShielded = "+31201234567";
    private const string Plain = "+31301234567";

    [Theory, AllEngines]
    public async Task ItemisedBill_NumbersShieldedFromNovember_MaskedInNovemberNotInOctober(Engine engine)
    {
        await using var f = await CreateAsync(engine);
        await f.AddOrganizationAsync("demo");
        var usage = f.Write("usage.csv", string.Join('\n',
            "organization,record_id,kind,direction,caller,callee,start,duration,billed,outcome,cell_id,country,volume,cost,currency,service",
            $"demo,o-1,mobile,outbound,{Subscriber},{OwnShielded},2026-10-31T22:30:00Z,65,60,answered,,NL,,0.10,EUR,MOB-1",
            $"demo,o-2,mobile,outbound,{Subscriber},{ReceivedShielded},2026-10-15T08:00:00Z,30,30,answered,,NL,,0.05,EUR,MOB-1",
            $"demo,n-1,mobile,outbound,{Subscriber},{OwnShielded},2026-11-01T08:00:00Z,65,60,answered,,NL,,0.10,EUR,MOB-1",
            $"demo,n-2,mobile,outbound,{Subscriber},{ReceivedShielded},2026-11-02T08:00:00Z,30,30,answered,,NL,,0.05,EUR,MOB-1",
            $"demo,n-3,mobile,outbound,{Subscriber},{Plain},2026-11-03T08:00:00Z,30,30,answered,,NL,,0.05,EUR,MOB-1",
            $"demo,n-4,mobile,inbound,{Plain},{Subscriber},2026-11-04T08:00:00Z,30,30,answered,,NL,,,,MOB-1",
            "") + "\n");
        Assert.Equal(ImportOutcome.Imported, (await f.ImportAsync(EventFamily.Usage, usage)).Outcome);

        // Requested on 28 November: by default effective from the request's own period (its bill is not made yet).
        var own = await WithAsync<ShieldingRegister, StoreResult<ShieldedNumber>>(f, r => r.AddOwnAsync(Officer, "088 308 2636", null, Ct));
        var tooLate = await WithAsync<ShieldingRegister, StoreResult<ShieldedNumber>>(f, r => r.AddOwnAsync(Officer, Plain, new YearMonth(2027, 1), Ct));
        var received = await WithAsync<ShieldingRegister, StoreResult<ShieldingImportResult>>(f, r =>
            r.ImportReceivedAsync(Officer, "Other Telecom", "other.csv", $"number\n{ReceivedShielded}\n", new YearMonth(2026, 11), Ct));
        // The provider's next list (empty) replaces it from December: November stays masked.
        var replaced = await WithAsync<ShieldingRegister, StoreResult<ShieldingImportResult>>(f, r =>
            r.ImportReceivedAsync(Officer, "Other Telecom", "other-2.csv", "number\n", new YearMonth(2026, 12), Ct));

        var october = await WithAsync<ItemisedBillBuilder, StoreResult<ItemisedBill>>(f, b => b.BuildAsync(Caller, Subscriber, "2026-10", Ct));
        var november = await WithAsync<ItemisedBillBuilder, StoreResult<ItemisedBill>>(f, b => b.BuildAsync(Caller, Subscriber, "2026-11", Ct));
        await using var db = f.CreateContext();
        var december = await ShieldingRegister.ShieldedInAsync(db, new YearMonth(2026, 12), Ct);

        Assert.Equal(new LocalDate(2026, 11, 1), own.Value!.EffectiveFrom);
        Assert.Equal("shielding.effective_from.out_of_range", Assert.IsType<ValidationError>(tooLate.Error).Errors.Single().Code);
        Assert.True(received.Value!.Applied);
        Assert.Equal(1, replaced.Value!.Ended);
        // 22:30 UTC on 31 October is 23:30 in Amsterdam (CET since 25 October): October's bill, unmasked.
        Assert.Equal(["+31 20 123 4567", "+31 88 308 2636"], october.Value!.Lines.Select(l => l.Called));
        Assert.DoesNotContain(october.Value.Lines, l => l.Masked);
        Assert.Equal(["+31 88 308 ****", "+31 20 123 ****", "+31 30 123 4567"], november.Value!.Lines.Select(l => l.Called));
        Assert.Equal(0.20m, november.Value.Totals["EUR"]);
        Assert.DoesNotContain(ReceivedShielded, december);
        Assert.Contains(OwnShielded, december);
        Assert.Equal(2, await db.Set<AuditEvent>().CountAsync(e => e.Action == ItemisedBillBuilder.AuditAction, Ct));
    }

    [Theory, AllEngines]
    public async Task ImportReceived_BadFile_ErrorsPerLineAndNothingApplied_ExportListsOwnNumbersOnly(Engine engine)
    {
        await using var f = await CreateAsync(engine);
        var bad = await WithAsync<ShieldingRegister, StoreResult<ShieldingImportResult>>(f, r => r.ImportReceivedAsync(
            Officer, "Other Telecom", "list.csv", "number\n+31201234567\n0201234567\n+31201234567\nabc\n+31201234568,x\n", null, Ct));
        var header = await WithAsync<ShieldingRegister, StoreResult<ShieldingImportResult>>(f, r => r.ImportReceivedAsync(
            Officer, "Other Telecom", "list.csv", "phone\n+31201234567\n", null, Ct));
        await WithAsync<ShieldingRegister, StoreResult<ShieldedNumber>>(f, r => r.AddOwnAsync(Officer, OwnShielded, null, Ct));
        var export = await WithAsync<ShieldingRegister, StoreResult<ShieldingExport>>(f, r => r.ExportAsync(Officer, "Other Telecom", Ct));

        Assert.False(bad.Value!.Applied);
        Assert.Equal(
            ["list.csv:3:number:shielding.number.not_e164", "list.csv:4:number:shielding.number.duplicate", "list.csv:5:number:identifier.phone.characters", "list.csv:6:number:shielding.file.columns"],
            bad.Value.Errors.Select(e => $"{e.File}:{e.Line}:{e.Field}:{e.Code}"));
        Assert.Equal("shielding.file.header", header.Value!.Errors.Single().Code);
        Assert.Equal($"number\n{OwnShielded}\n", export.Value!.Content);
        await using var db = f.CreateContext();
        Assert.Equal([ShieldingSources.Own], await db.Set<ShieldedNumber>().Select(n => n.Source).ToListAsync(Ct));
        Assert.Equal(0, await db.Set<ShieldingReceivedList>().CountAsync(Ct));
        var send = await db.Set<ShieldingSend>().SingleAsync(Ct);
        Assert.Equal(("Other Telecom", 1), (send.ProviderName, send.NumberCount));
    }

    [Fact]
    public void Masked_ShieldedNumber_LastFourDigitsMasked() =>
        Assert.Equal("+31 88 308 ****", NumberMasking.Masked("+31883082636"));
}
