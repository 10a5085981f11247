using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Custodian.Core.Features.Accounts;
using Custodian.Core.Features.Blobs;
using Custodian.Core.Features.Requests;
using Custodian.Core.Features.Requests.IdCopies;
using Custodian.Features.Requests;
using Custodian.IntegrationTests.Office;
using Custodian.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Custodian.IntegrationTests.Requests.Attacks;

/// <summary>
/// The ID-copy fallback's pages through the real pipeline (issue 6 §2, attack A14): nothing exists while the register
/// has the fallback off; with it on, a copy with a readable BSN is refused and nothing is kept, a good copy is stored,
/// shown only to a verifier (<c>requests:verify_id</c>) and destroyed with its key at the decision.
/// </summary>
public sealed partial class A14_IdCopyPagesTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory, AllEngines]
    public async Task IdCopyPages_FallbackOff_UploadViewerAndActionsAre404(Engine engine)
    {
        await using var s = await AttackServer.StartAsync(engine);
        var (reference, token) = await s.SubmitAndVerifyAsync(AttackServer.VictimEmail);
        var requestId = (await s.RequestAsync(reference)).Id;
        using var portal = PortalClient(s, token);

        using (var form = await portal.GetAsync(new Uri($"/requests/{reference}/id-copy", UriKind.Relative), Ct))
        {
            Assert.Equal(HttpStatusCode.NotFound, form.StatusCode);
        }

        using (var upload = await UploadAsync(portal, reference, Png()))
        {
            Assert.Equal(HttpStatusCode.NotFound, upload.StatusCode);
        }

        Assert.DoesNotContain("id-copy-form", await portal.GetStringAsync(new Uri($"/requests/{reference}", UriKind.Relative), Ct), StringComparison.Ordinal);

        using var officer = await OfficePageSetup.ClientAsync(s.Server, StaffRoles.PrivacyOfficer);
        var path = $"/office/requests/{requestId}";
        var page = await OfficePageSetup.BodyAsync(await OfficePageSetup.GetAsync(officer, path));
        Assert.DoesNotContain("id-copy-section", page, StringComparison.Ordinal);
        Assert.DoesNotContain("value=\"id_copy\"", page, StringComparison.Ordinal);
        using (var ask = await OfficePageSetup.PostAsync(officer, path, path + "?handler=RequestIdCopy", []))
        {
            Assert.Equal(HttpStatusCode.NotFound, ask.StatusCode);
        }

        using var viewer = await OfficePageSetup.GetAsync(officer, $"{path}/id-copies/{Guid.NewGuid()}/1");
        Assert.Equal(HttpStatusCode.NotFound, viewer.StatusCode);
        await using var db = s.Context();
        Assert.False(await db.Set<RequestEvent>().AnyAsync(e => e.RequestId == requestId && e.Kind.StartsWith("id_copy"), Ct));
    }

    [Theory, AllEngines]
    public async Task IdCopyPages_BsnOrOversizeRefused_GoodCopySeenOnlyByVerifier_DestroyedWithItsKeyAtDecision(Engine engine)
    {
        IdCopyCards.RequireTools();
        await using var s = await AttackServer.StartAsync(engine, idCopyFallback: true);
        var (reference, token) = await s.SubmitAndVerifyAsync(AttackServer.VictimEmail, "erasure");
        var requestId = (await s.RequestAsync(reference)).Id;
        using var portal = PortalClient(s, token);
        var status = new Uri($"/requests/{reference}", UriKind.Relative);
        Assert.DoesNotContain("id-copy-form", await portal.GetStringAsync(status, Ct), StringComparison.Ordinal);

        // Staff ask for a copy: the status page offers the upload with the shielding instructions.
        using var officer = await OfficePageSetup.ClientAsync(s.Server, StaffRoles.PrivacyOfficer);
        var path = $"/office/requests/{requestId}";
        using (var ask = await OfficePageSetup.PostAsync(officer, path, path + "?handler=RequestIdCopy", []))
        {
            Assert.Equal(HttpStatusCode.Found, ask.StatusCode);
        }

        var offered = await portal.GetStringAsync(status, Ct);
        Assert.Contains("data-testid=\"id-copy-form\"", offered, StringComparison.Ordinal);
        Assert.Contains("KopieID", offered, StringComparison.Ordinal);

        // A readable BSN (passes the 11-proef): refused, the rule named, nothing kept, the attempt audited without the number.
        var before = await s.CountsAsync();
        var audited = (await s.AuditAsync()).Count;
        using (var refused = await UploadAsync(portal, reference, IdCopyCards.Card("Naam: Jan Voorbeeld", "Persoonsnummer 1234.56.782", "KOPIE inzage 29-11-2026")))
        {
            Assert.Equal(HttpStatusCode.OK, refused.StatusCode);
            var html = await refused.Content.ReadAsStringAsync(Ct);
            Assert.Contains("data-code=\"id_copy.bsn_visible\"", html, StringComparison.Ordinal);
            Assert.Contains("data-testid=\"id-copy-form\"", html, StringComparison.Ordinal);
            Assert.DoesNotContain("123456782", html, StringComparison.Ordinal);
        }

        AttackServer.AssertChanged(before, await s.CountsAsync());
        Assert.Equal(["request.id_copy_refused"], await s.AuditActionsSinceAsync(audited));
        await s.AssertAuditHoldsNoneOfAsync("123456782", "1234.56.782", "Voorbeeld");

        // Above the body limit: stopped before it is read whole (413, and the server closes the connection while the client still sends).
        try
        {
            using var tooLarge = await UploadAsync(portal, reference, new byte[(int)IdCopyScreeningOptions.DefaultMaxBytes + (2 * 1024 * 1024)]);
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
        }
        catch (HttpRequestException e) when (e.InnerException is IOException)
        {
        }

        AttackServer.AssertChanged(before, await s.CountsAsync());

        // A good copy is stored; the status page says so and offers no second upload.
        using (var accepted = await UploadAsync(portal, reference, IdCopyCards.Card("Naam: Jan Voorbeeld", "KOPIE voor inzage 29-11-2026")))
        {
            Assert.Equal(HttpStatusCode.Found, accepted.StatusCode);
            Assert.Equal($"/requests/{reference}?idcopy=received", accepted.Headers.Location?.OriginalString);
        }

        var received = await portal.GetStringAsync(new Uri($"/requests/{reference}?idcopy=received", UriKind.Relative), Ct);
        Assert.Contains("data-testid=\"id-copy-received\"", received, StringComparison.Ordinal);
        Assert.DoesNotContain("id-copy-form", received, StringComparison.Ordinal);
        await using var db = s.Context();
        var copy = await db.Set<IdCopy>().AsNoTracking().SingleAsync(c => c.RequestId == requestId, Ct);
        var blob = await db.Set<BlobRecord>().AsNoTracking().SingleAsync(b => b.Id == copy.BlobId, Ct);
        var store = (FileSystemBlobStore)s.Server.Services.GetRequiredService<IBlobStore>();
        Assert.True(File.Exists(store.PathOf(blob.StoreKey)));
        var viewerPath = $"{path}/id-copies/{copy.Id}/1";

        // Only a verifier sees it: the auditor reads requests but may not verify.
        using (var auditor = await OfficePageSetup.ClientAsync(s.Server, StaffRoles.Auditor))
        {
            using var denied = await OfficePageSetup.GetAsync(auditor, viewerPath);
            Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
            Assert.DoesNotContain("id-copy-section", await OfficePageSetup.BodyAsync(await OfficePageSetup.GetAsync(auditor, path)), StringComparison.Ordinal);
        }

        audited = (await s.AuditAsync()).Count;
        using (var shown = await OfficePageSetup.GetAsync(officer, viewerPath))
        {
            Assert.Equal(HttpStatusCode.OK, shown.StatusCode);
            Assert.Equal("image/png", shown.Content.Headers.ContentType?.MediaType);
            Assert.Contains("no-store", shown.Headers.CacheControl?.ToString(), StringComparison.Ordinal);
            Assert.Equal("inline", shown.Content.Headers.ContentDisposition?.DispositionType);
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, (await shown.Content.ReadAsByteArrayAsync(Ct))[..4]);
        }

        Assert.Equal(["request.id_copy_viewed"], await s.AuditActionsSinceAsync(audited));
        Assert.Contains("id-copy-confirmations", await OfficePageSetup.BodyAsync(await OfficePageSetup.GetAsync(officer, path)), StringComparison.Ordinal);

        // Confirming by ID copy needs both checks; without them nothing changes.
        using (var unchecked_ = await OfficePageSetup.PostAsync(officer, path, path + "?handler=Confirm", new() { ["method"] = "id_copy" }))
        {
            Assert.Equal(HttpStatusCode.OK, unchecked_.StatusCode);
            Assert.Contains("data-testid=\"request-error\"", await OfficePageSetup.BodyAsync(unchecked_), StringComparison.Ordinal);
        }

        Assert.True(await db.Set<IdCopy>().AnyAsync(c => c.Id == copy.Id, Ct));

        using (var confirmed = await OfficePageSetup.PostAsync(officer, path, path + "?handler=Confirm", new()
        {
            ["method"] = "id_copy",
            ["watermarkPresent"] = "true",
            ["photoCovered"] = "true",
        }))
        {
            Assert.Equal(HttpStatusCode.Found, confirmed.StatusCode);
        }

        // Destroyed: row, blob content and key; the viewer is 404; only who, when and how remain.
        db.ChangeTracker.Clear();
        Assert.False(await db.Set<IdCopy>().AnyAsync(c => c.RequestId == requestId, Ct));
        Assert.False(File.Exists(store.PathOf(blob.StoreKey)));
        var key = await db.Set<DataKey>().AsNoTracking().SingleAsync(k => k.Id == blob.DataKeyId, Ct);
        Assert.Null(key.WrappedKey);
        using (var gone = await OfficePageSetup.GetAsync(officer, viewerPath))
        {
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        }

        var decision = await db.Set<IdVerificationDecision>().AsNoTracking().SingleAsync(d => d.RequestId == requestId, Ct);
        Assert.Equal((IdVerificationOutcome.Verified, "id_copy", true, true, 1), (decision.Outcome, decision.Method, decision.WatermarkConfirmed, decision.PhotoCoveredConfirmed, decision.CopiesDestroyed));
        var request = await s.RequestAsync(reference);
        Assert.Equal(("id_copy", VerificationTier.High), (request.VerificationMethod, request.VerificationTier));
        Assert.NotNull(request.VerifiedBy);
        var after = await portal.GetStringAsync(status, Ct);
        Assert.DoesNotContain("id-copy-form", after, StringComparison.Ordinal);
        Assert.DoesNotContain("id-copy-waiting", after, StringComparison.Ordinal);
        await s.AssertAuditHoldsNoneOfAsync("123456782", "Voorbeeld");
        await s.AssertAuditVerifiesAsync();
    }

    /// <summary>A client holding the verified request's portal session (as the code page sets it) and its own antiforgery cookie.</summary>
    private static HttpClient PortalClient(AttackServer s, string token)
    {
        var cookies = new CookieContainer();
        cookies.Add(s.Server.BaseAddress, new Cookie(PortalSession.CookieName, token, PortalSession.PathBase));
        return new HttpClient(new HttpClientHandler { CookieContainer = cookies, UseCookies = true, AllowAutoRedirect = false }) { BaseAddress = s.Server.BaseAddress };
    }

    /// <summary>POSTs a multipart upload with an antiforgery token taken from a portal form.</summary>
    private static async Task<HttpResponseMessage> UploadAsync(HttpClient portal, string reference, byte[] file)
    {
        var form = await portal.GetStringAsync(new Uri("/requests/verify", UriKind.Relative), Ct);
        var antiforgery = TokenPattern().Match(form);
        Assert.True(antiforgery.Success, "no antiforgery token on the portal form");
        using var content = new MultipartFormDataContent
        {
            { new StringContent(WebUtility.HtmlDecode(antiforgery.Groups[1].Value)), "__RequestVerificationToken" },
        };
        var part = new ByteArrayContent(file);
        part.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        content.Add(part, "file", "id.png");
        return await portal.PostAsync(new Uri($"/requests/{reference}/id-copy", UriKind.Relative), content, Ct);
    }

    private static byte[] Png() => PngEncoder.EncodeRgb(new byte[8 * 8 * 3], 8, 8);

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();
}
