using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Requests.Execution;
using Custodian.Core.Features.Store;
using Custodian.Core.Features.Tenancy;
using Custodian.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Custodian.IntegrationTests.Requests.Attacks;

/// <summary>
/// Attacks A10 (channel switch: deliver to a new address) and A11 (account takeover by "correcting" the e-mail or
/// phone, Art. 16). A10 through the real HTTP API and its OpenAPI document: no field sets where answers go, the code
/// goes only to the address the request stands for. A11 through the server's own <c>RectificationExecutor</c>
/// (rectification has no HTTP surface yet): a change of a contact channel is refused <c>rectification.channel_change</c>.
/// </summary>
public sealed class A10_A11_ChannelChangeTests
{
    private const string Attacker = "attacker@evil.example";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory, AllEngines]
    public async Task A10_DeliveryFieldsInTheRequest_Ignored_CodeGoesOnlyToTheRequestsAddress(Engine engine)
    {
        await using var s = await AttackServer.StartAsync(engine);

        var extra = await s.SubmitAsync(new
        {
            type = "access",
            email = AttackServer.VictimEmail,
            deliveryEmail = Attacker,
            replyTo = Attacker,
            deliveryAddress = "Kerkstraat 1, 1234 AB Ergens",
            contact = new { email = Attacker },
            answerTo = Attacker,
        });
        var reference = extra.Reference!;
        var verify = await s.Server.Client.PostAsJsonAsync($"/api/v1/requests/{reference}/verify", new { code = s.CodeFor(reference), email = Attacker, deliveryEmail = Attacker }, Ct);
        Assert.Empty(s.MailsTo(Attacker));
        // Two spellings of the same field: whichever the parser keeps, the code goes to the address the request records.
        using var twice = new StringContent($"{{\"type\":\"access\",\"email\":\"{AttackServer.VictimEmail}\",\"Email\":\"{Attacker}\"}}", System.Text.Encoding.UTF8, "application/json");
        using var duplicate = await s.Server.Client.PostAsync("/api/v1/requests", twice, Ct);

        Assert.Equal(HttpStatusCode.Accepted, extra.Status);
        Assert.Equal(HttpStatusCode.OK, verify.StatusCode);
        Assert.Equal(AttackServer.VictimEmail, s.RecipientOf(reference));
        Assert.Equal(AttackServer.VictimEmail, (await s.RequestAsync(reference)).IdentifierValue);
        if (duplicate.StatusCode == HttpStatusCode.Accepted)
        {
            var second = JsonDocument.Parse(await duplicate.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("reference").GetString()!;
            Assert.Equal((await s.RequestAsync(second)).IdentifierValue, s.RecipientOf(second));
        }

        // A phone number cannot become a second channel beside the address (one contact, one channel).
        var phone = await s.SubmitAsync(new { type = "access", email = AttackServer.VictimEmail, phone = "+31612345678" });
        Assert.Equal(HttpStatusCode.BadRequest, phone.Status);
        await s.AssertAuditHoldsNoneOfAsync(Attacker, AttackServer.VictimEmail);
    }

    [Fact]
    public async Task A10_OpenApi_SubmitBodyHasNoDeliveryField()
    {
        await using var s = await AttackServer.StartAsync(Engine.Sqlite);

        var doc = JsonDocument.Parse(await s.Server.Client.GetStringAsync("/openapi/v1.json", Ct)).RootElement;
        var schemas = doc.GetProperty("components").GetProperty("schemas");

        // subjectEmail / subjectPhone name whose data a representative asks about; nothing is ever delivered there (the
        // subject is asked to confirm only at an address the store already holds: MandateTests).
        Assert.Equal(["details", "email", "language", "mandate", "phone", "subjectEmail", "subjectPhone", "type"], schemas.GetProperty("SubmitRequestDto").GetProperty("properties").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        // The requester's own phone number is a contact like the address (the code goes there by SMS), described as such.
        Assert.Contains("SMS", schemas.GetProperty("SubmitRequestDto").GetProperty("properties").GetProperty("phone").GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Equal(["code"], schemas.GetProperty("VerifyRequestDto").GetProperty("properties").EnumerateObject().Select(p => p.Name));
    }

    [Theory, AllEngines]
    public async Task A11_RectificationOfEmailOrPhone_RefusedAsChannelChange(Engine engine)
    {
        await using var s = await AttackServer.StartAsync(engine);
        var (reference, _) = await s.SubmitAndVerifyAsync(AttackServer.VictimEmail, "rectification");
        var request = await s.RequestAsync(reference);
        var before = await s.CountsAsync();
        Guid contactId;
        await using (var db = s.Context())
        {
            contactId = (await db.ContactPersons.AsNoTracking().FirstAsync(c => c.Email == AttackServer.VictimEmail && c.OrganizationId == s.Alpha, Ct)).Id;
        }

        var results = new List<string?>();
        foreach (var field in new[] { "email", "phone" })
        {
            await using var scope = s.Server.Services.CreateAsyncScope();
            await using var db = s.Context();
            var executor = scope.ServiceProvider.GetRequiredService<RectificationExecutor>();
            var result = await executor.ExecuteAsync(
                db,
                request.Id,
                AttackServer.Victim,
                [new RectificationChange("contact_person", contactId, "name", "Jan Victim-Changed"), new RectificationChange("contact_person", contactId, field, field == "email" ? Attacker : "+31699999999")],
                new StoreCaller(new AuditActor(AuditActorKind.User, "staff-1"), TenantScope.Everything),
                Ct);
            results.Add(result.Error?.Code);
        }

        Assert.Equal([RectificationExecutor.ChannelChange, RectificationExecutor.ChannelChange], results);
        await using (var db = s.Context())
        {
            var contact = await db.ContactPersons.AsNoTracking().SingleAsync(c => c.Id == contactId, Ct);
            Assert.Equal((AttackServer.VictimEmail, AttackServer.VictimPhone, "Jan Victim"), (contact.Email, contact.Phone, contact.Name)); // all or nothing
        }

        AttackServer.AssertChanged(before, await s.CountsAsync());
        await s.AssertAuditHoldsNoneOfAsync(Attacker, AttackServer.VictimEmail);
        await s.AssertAuditVerifiesAsync();
    }
}
