using System.Net;
using System.Text.Json;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Blobs;
using Custodian.Core.Features.Store;
using Custodian.Core.Features.Tenancy;
using Custodian.Core.Persistence;
using Custodian.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Custodian.IntegrationTests.Store;

/// <summary>Attachments and call recordings over real HTTP on both engines: upload, check, encrypt, download, audit.</summary>
public sealed class ContentApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<(HttpStatusCode Status, byte[] Body, HttpResponseMessage Response)> DownloadAsync(HttpClient client, string path)
    {
        var response = await client.GetAsync(path, Ct);
        return (response.StatusCode, await response.Content.ReadAsByteArrayAsync(Ct), response);
    }

    private static async Task<Guid> TicketAsync(HttpClient tenant, string reference) =>
        (await StoreApi.PostAsync(tenant, "/api/v1/support-tickets", new { reference, requesterName = "Jan Tester", requesterPhone = "+31640000001", text = "Storing", openedAt = "2025-02-01T08:00:00Z" }))
            .GetProperty("id").GetGuid();

    private static async Task<List<AuditEvent>> AuditAsync(StoreApi api, string action)
    {
        await using var db = api.Server.Database.CreateContext();
        return await db.Set<AuditEvent>().AsNoTracking().Where(e => e.Action == action).ToListAsync(Ct);
    }

    [Theory, AllEngines]
    public async Task Attachment_UploadListDownload_RoundTripsEncryptedAndAudited(Engine engine)
    {
        await using var api = await StoreApi.StartAsync(engine);
        var (orgId, tenant) = await api.CreateTenantAsync("acme");
        var ticket = await TicketAsync(tenant, "T-1");
        var text = "Storing sinds maandag; groet, Jan Tester (canary-7741)\n"u8.ToArray();

        var created = await ContentUpload.PostAsync(tenant, $"/api/v1/support-tickets/{ticket}/attachments", text, "text/plain");
        var id = created.GetProperty("id").GetGuid();
        Assert.Equal("text/plain; charset=utf-8", created.GetProperty("mediaType").GetString());
        Assert.Equal(text.Length, created.GetProperty("contentLength").GetInt64());
        Assert.Equal(ticket, created.GetProperty("ticketId").GetGuid());

        var (listStatus, list) = await StoreApi.SendAsync(tenant, HttpMethod.Get, $"/api/v1/support-tickets/{ticket}/attachments");
        Assert.Equal(HttpStatusCode.OK, listStatus);
        Assert.Equal([id], list.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetGuid()));

        var (status, body, response) = await DownloadAsync(tenant, $"/api/v1/support-ticket-attachments/{id}/content");
        using (response)
        {
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal(text, body);
            Assert.Equal("text/plain", response.Content.Headers.ContentType!.MediaType);
            Assert.True(response.Headers.CacheControl!.NoStore);
            Assert.Equal("attachment", response.Content.Headers.ContentDisposition!.DispositionType);
            Assert.Equal($"support-ticket-attachment-{id}.txt", response.Content.Headers.ContentDisposition.FileName);
        }

        var viewed = Assert.Single(await AuditAsync(api, "support_ticket_attachment.content_viewed"));
        Assert.Equal(orgId, viewed.OrganizationId);
        Assert.Contains(id.ToString(), viewed.Objects, StringComparison.Ordinal);

        // At rest the content is ciphertext: no stored file holds the plaintext.
        var store = api.Server.Services.GetRequiredService<IBlobStore>();
        await foreach (var entry in store.ListAsync(Ct))
        {
            await using var raw = (await store.OpenReadAsync(entry.Key, Ct))!;
            using var copy = new MemoryStream();
            await raw.CopyToAsync(copy, Ct);
            Assert.DoesNotContain("canary-7741", System.Text.Encoding.Latin1.GetString(copy.ToArray()), StringComparison.Ordinal);
        }
    }

    [Theory, AllEngines]
    public async Task Attachments_DestroyingOneTicketsKey_ErasesOnlyThatTicketsAttachments(Engine engine)
    {
        await using var api = await StoreApi.StartAsync(engine);
        var (orgId, tenant) = await api.CreateTenantAsync("acme");
        var first = await TicketAsync(tenant, "T-1");
        var second = await TicketAsync(tenant, "T-2");
        var a1 = (await ContentUpload.PostAsync(tenant, $"/api/v1/support-tickets/{first}/attachments", ContentUpload.Pdf, "application/pdf")).GetProperty("id").GetGuid();
        var a2 = (await ContentUpload.PostAsync(tenant, $"/api/v1/support-tickets/{first}/attachments", [0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3], "image/jpeg")).GetProperty("id").GetGuid();
        var b1 = (await ContentUpload.PostAsync(tenant, $"/api/v1/support-tickets/{second}/attachments", ContentUpload.Pdf, "application/pdf")).GetProperty("id").GetGuid();

        await using (var scope = api.Server.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<CustodianDbContext>();
            db.ScopeTo(TenantScope.For(orgId));
            var key = await EncryptedBlobs.FindLiveDataKeyAsync(db, orgId, DataKeyOwner.Subject(first), Ct);
            Assert.NotNull(key);
            Assert.Equal(DataKeyDestruction.Destroyed, await scope.ServiceProvider.GetRequiredService<EncryptedBlobs>().DestroyDataKeyAsync(db, key.Id, Ct));
        }

        foreach (var erased in new[] { a1, a2 })
        {
            var (status, body) = await StoreApi.SendAsync(tenant, HttpMethod.Get, $"/api/v1/support-ticket-attachments/{erased}/content");
            Assert.Equal(HttpStatusCode.Gone, status);
            Assert.Equal("support_ticket_attachment.content_erased", body.GetProperty("code").GetString());
        }

        var (kept, bytes, response) = await DownloadAsync(tenant, $"/api/v1/support-ticket-attachments/{b1}/content");
        response.Dispose();
        Assert.Equal(HttpStatusCode.OK, kept);
        Assert.Equal(ContentUpload.Pdf, bytes);
    }

    [Theory, AllEngines]
    public async Task SupportCallRecording_UploadWav_RoundTripsAndLookUpByCallerFindsIt(Engine engine)
    {
        await using var api = await StoreApi.StartAsync(engine);
        var (_, tenant) = await api.CreateTenantAsync("acme");
        var ticket = await TicketAsync(tenant, "T-1");
        var wav = ContentUpload.Wav();

        var created = await ContentUpload.PostAsync(tenant, "/api/v1/support-call-recordings", wav, "audio/x-wav", ContentUpload.Call("06 4000 0123", ticket: ticket));
        var id = created.GetProperty("id").GetGuid();
        Assert.Equal("+31640000123", created.GetProperty("caller").GetString());
        Assert.Equal("audio/wav", created.GetProperty("mediaType").GetString());
        Assert.Equal(61, created.GetProperty("durationSeconds").GetInt32());
        Assert.Equal(ticket, created.GetProperty("ticketId").GetGuid());
        Assert.Equal("2025-03-01T10:00:00Z", created.GetProperty("calledAt").GetString());

        var (status, body, response) = await DownloadAsync(tenant, $"/api/v1/support-call-recordings/{id}/content");
        using (response)
        {
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal(wav, body);
            Assert.Equal("audio/wav", response.Content.Headers.ContentType!.MediaType);
            Assert.True(response.Headers.CacheControl!.NoStore);
            Assert.Equal($"support-call-recording-{id}.wav", response.Content.Headers.ContentDisposition!.FileName);
            Assert.DoesNotContain("31640000123", response.Content.Headers.ContentDisposition.ToString(), StringComparison.Ordinal);
        }

        Assert.Single(await AuditAsync(api, "support_call_recording.content_viewed"));

        var (lookupStatus, lookup) = await StoreApi.SendAsync(tenant, HttpMethod.Get, "/api/v1/subjects?identifier=0640000123&reason=test");
        Assert.Equal(HttpStatusCode.OK, lookupStatus);
        var category = Assert.Single(lookup.GetProperty("categories").EnumerateArray(), c => c.GetProperty("category").GetString() == "general.support_call_recordings");
        Assert.Equal(id, Assert.Single(category.GetProperty("records").EnumerateArray()).GetProperty("id").GetGuid());
    }

    [Theory, AllEngines]
    public async Task CustomerCallRecording_WithFeature_RoundTripsAndCalleeFindsIt(Engine engine)
    {
        await using var api = await StoreApi.StartAsync(engine);
        var (_, tenant) = await api.CreateTenantAsync("acme", callRecording: true);
        byte[] ogg = [.. "OggS"u8, 0, 2, .. new byte[200]];
        byte[] mp3 = [.. "ID3"u8, 4, 0, 0, .. new byte[100]];

        var oggRecording = await ContentUpload.PostAsync(tenant, "/api/v1/customer-call-recordings", ogg, "audio/ogg", ContentUpload.Call("+31640000201", "+31201234567"));
        var mp3Recording = await ContentUpload.PostAsync(tenant, "/api/v1/customer-call-recordings", mp3, "audio/mpeg", ContentUpload.Call("+31640000202", "+31201234568"));
        Assert.Equal("+31201234567", oggRecording.GetProperty("callee").GetString());

        var (status, body, response) = await DownloadAsync(tenant, $"/api/v1/customer-call-recordings/{mp3Recording.GetProperty("id").GetGuid()}/content");
        response.Dispose();
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(mp3, body);

        var (_, lookup) = await StoreApi.SendAsync(tenant, HttpMethod.Get, "/api/v1/subjects?identifier=%2B31201234567&reason=test");
        var category = Assert.Single(lookup.GetProperty("categories").EnumerateArray());
        Assert.Equal("usage.customer_call_recordings", category.GetProperty("category").GetString());
        Assert.Equal(oggRecording.GetProperty("id").GetGuid(), Assert.Single(category.GetProperty("records").EnumerateArray()).GetProperty("id").GetGuid());
    }

    [Theory, AllEngines]
    public async Task CustomerCallRecording_OrganisationWithoutFeature_RefusedAndNothingStored(Engine engine)
    {
        await using var api = await StoreApi.StartAsync(engine);
        var (_, tenant) = await api.CreateTenantAsync("acme");

        var (status, text) = await ContentUpload.SendAsync(tenant, "/api/v1/customer-call-recordings", ContentUpload.Wav(), "audio/wav", ContentUpload.Call("+31640000201", "+31201234567"));

        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Equal("customer_call_recording.feature_not_enabled", JsonDocument.Parse(text).RootElement.GetProperty("code").GetString());
        await AssertNothingStoredAsync(api);

        // Turning the feature on needs a retention setting: the organisation must say how long recordings are kept.
        var (orgStatus, problem) = await StoreApi.SendAsync(api.Provider, HttpMethod.Post, "/api/v1/organizations", new { code = "other", name = "Other BV", billingCompanyName = "Other BV", callRecordingEnabled = true });
        Assert.Equal(HttpStatusCode.BadRequest, orgStatus);
        Assert.Contains(problem.GetProperty("errors").EnumerateArray(), e => e.GetProperty("code").GetString() == "organization.recording_retention_required");
    }

    [Theory, AllEngines]
    public async Task Upload_TypeNotAllowedOrBytesNotTheDeclaredType_Gives415NamingTheRule(Engine engine)
    {
        await using var api = await StoreApi.StartAsync(engine);
        var (_, tenant) = await api.CreateTenantAsync("acme", callRecording: true);
        var ticket = await TicketAsync(tenant, "T-1");

        async Task<JsonElement> Refused(string path, byte[] body, string type, Dictionary<string, string>? headers = null)
        {
            var (status, text) = await ContentUpload.SendAsync(tenant, path, body, type, headers);
            Assert.True(status == HttpStatusCode.UnsupportedMediaType, $"{path} {type}: {(int)status} {text}");
            return JsonDocument.Parse(text).RootElement.Clone();
        }

        var pdfAsWav = await Refused("/api/v1/support-call-recordings", ContentUpload.Pdf, "audio/wav", ContentUpload.Call("+31640000201"));
        Assert.Equal("upload.content_mismatch", pdfAsWav.GetProperty("code").GetString());
        Assert.Contains("RIFF", pdfAsWav.GetProperty("detail").GetString(), StringComparison.Ordinal);

        var riffNotWave = await Refused("/api/v1/customer-call-recordings", [.. "RIFF"u8, 0, 0, 0, 0, .. "AVI "u8, 0, 0], "audio/wav", ContentUpload.Call("+31640000201", "+31201234567"));
        Assert.Equal("upload.content_mismatch", riffNotWave.GetProperty("code").GetString());

        var video = await Refused("/api/v1/support-call-recordings", ContentUpload.Wav(), "video/mp4", ContentUpload.Call("+31640000201"));
        Assert.Equal("upload.type_not_allowed", video.GetProperty("code").GetString());
        Assert.Contains("audio/wav, audio/ogg, audio/mpeg", video.GetProperty("detail").GetString(), StringComparison.Ordinal);

        var html = await Refused($"/api/v1/support-tickets/{ticket}/attachments", "<html><script>x</script></html>"u8.ToArray(), "text/html");
        Assert.Equal("upload.type_not_allowed", html.GetProperty("code").GetString());

        var jpegAsPng = await Refused($"/api/v1/support-tickets/{ticket}/attachments", [0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10], "image/png");
        Assert.Equal("upload.content_mismatch", jpegAsPng.GetProperty("code").GetString());
        Assert.Contains("PNG signature", jpegAsPng.GetProperty("detail").GetString(), StringComparison.Ordinal);

        var binaryAsText = await Refused($"/api/v1/support-tickets/{ticket}/attachments", [0x4D, 0x5A, 0x90, 0x00, 0x03], "text/plain");
        Assert.Equal("upload.content_mismatch", binaryAsText.GetProperty("code").GetString());

        await AssertNothingStoredAsync(api);
    }

    [Theory, AllEngines]
    public async Task Upload_LargerThanTheLimit_Gives413AndStoresNothing(Engine engine)
    {
        await using var api = await StoreApi.StartAsync(engine, b => b.Services.AddSingleton(new UploadOptions(MaxContentBytes: 4096)));
        var (_, tenant) = await api.CreateTenantAsync("acme");
        var wav = ContentUpload.Wav(); // 16 044 bytes

        // Announced by Content-Length: refused before the body is read.
        var (status, text) = await ContentUpload.SendAsync(tenant, "/api/v1/support-call-recordings", wav, "audio/wav", ContentUpload.Call("+31640000201"));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Equal("upload.too_large", JsonDocument.Parse(text).RootElement.GetProperty("code").GetString());

        // Chunked, length unknown: the streaming counter stops it part-way, inside the create's transaction.
        var chunked = new StreamContent(new NonSeekableStream(wav));
        chunked.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("audio/wav");
        var (chunkedStatus, chunkedText, response) = await ContentUpload.SendAsync(tenant, "/api/v1/support-call-recordings", chunked, ContentUpload.Call("+31640000201"));
        response.Dispose();
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, chunkedStatus);
        Assert.Equal("upload.too_large", JsonDocument.Parse(chunkedText).RootElement.GetProperty("code").GetString());

        await AssertNothingStoredAsync(api);

        // Within the limit it is accepted.
        await ContentUpload.PostAsync(tenant, "/api/v1/support-call-recordings", ContentUpload.Wav(0)[..44].Concat(new byte[1000]).ToArray(), "audio/wav", ContentUpload.Call("+31640000201"));
    }

    [Theory, AllEngines]
    public async Task Create_AuditFailsAfterContentWasStored_RollsBackEveryRowLeavingAnOrphanForTheSweep(Engine engine)
    {
        await using var api = await StoreApi.StartAsync(engine, b => b.Services.AddSingleton<IAuditTrail>(sp =>
            new FailingAudit(ActivatorUtilities.CreateInstance<AuditTrail>(sp), "support_call_recording.created", "customer_call_recording.content_viewed")));
        var (_, tenant) = await api.CreateTenantAsync("acme", callRecording: true);

        var (status, _) = await ContentUpload.SendAsync(tenant, "/api/v1/support-call-recordings", ContentUpload.Wav(), "audio/wav", ContentUpload.Call("+31640000201"));

        Assert.Equal(HttpStatusCode.InternalServerError, status);
        await AssertNothingStoredAsync(api);
        var orphans = new List<BlobStoreEntry>();
        await foreach (var entry in api.Server.Services.GetRequiredService<IBlobStore>().ListAsync(Ct))
        {
            orphans.Add(entry);
        }

        Assert.Single(orphans); // the content, unreferenced: the orphan sweep removes it after its grace period

        // Downloads fail closed: no audit event, no audio.
        var recording = await ContentUpload.PostAsync(tenant, "/api/v1/customer-call-recordings", ContentUpload.Wav(), "audio/wav", ContentUpload.Call("+31640000201", "+31201234567"));
        var (downloadStatus, body, response) = await DownloadAsync(tenant, $"/api/v1/customer-call-recordings/{recording.GetProperty("id").GetGuid()}/content");
        response.Dispose();
        Assert.Equal(HttpStatusCode.InternalServerError, downloadStatus);
        Assert.False(body.AsSpan().IndexOf("RIFF"u8) >= 0);
    }

    [Theory, AllEngines]
    public async Task Recording_OfAnotherTenant_AnswersLikeAMissingOne(Engine engine)
    {
        await using var api = await StoreApi.StartAsync(engine);
        var (_, a) = await api.CreateTenantAsync("org-a");
        var (_, b) = await api.CreateTenantAsync("org-b");
        var id = (await ContentUpload.PostAsync(b, "/api/v1/support-call-recordings", ContentUpload.Wav(), "audio/wav", ContentUpload.Call("+31640000201"))).GetProperty("id").GetGuid();

        foreach (var suffix in new[] { string.Empty, "/content" })
        {
            var (foreign, foreignBody) = await StoreApi.SendAsync(a, HttpMethod.Get, $"/api/v1/support-call-recordings/{id}{suffix}");
            var (missing, missingBody) = await StoreApi.SendAsync(a, HttpMethod.Get, $"/api/v1/support-call-recordings/{Guid.CreateVersion7()}{suffix}");
            Assert.Equal(HttpStatusCode.NotFound, foreign);
            Assert.Equal(missing, foreign);
            Assert.Equal(missingBody.GetProperty("code").GetString(), foreignBody.GetProperty("code").GetString());
        }

        Assert.Empty(await AuditAsync(api, "support_call_recording.content_viewed"));
    }

    [Theory, AllEngines]
    public async Task Upload_SameIdempotencyKey_ReplaysForSameContentAndRefusesOtherContent(Engine engine)
    {
        await using var api = await StoreApi.StartAsync(engine);
        var (_, tenant) = await api.CreateTenantAsync("acme");
        var headers = ContentUpload.Call("+31640000201");
        var wav = ContentUpload.Wav();

        var (first, firstBody) = await ContentUpload.SendAsync(tenant, "/api/v1/support-call-recordings", wav, "audio/wav", headers, "pbx-1");
        var (second, secondBody) = await ContentUpload.SendAsync(tenant, "/api/v1/support-call-recordings", wav, "audio/wav", headers, "pbx-1");
        var other = ContentUpload.Wav();
        other[^1] ^= 0x01;
        var (third, thirdBody) = await ContentUpload.SendAsync(tenant, "/api/v1/support-call-recordings", other, "audio/wav", headers, "pbx-1");

        Assert.Equal(HttpStatusCode.Created, first);
        Assert.Equal(HttpStatusCode.Created, second);
        Assert.Equal(firstBody, secondBody);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, third);
        Assert.Equal("idempotency.key_reused", JsonDocument.Parse(thirdBody).RootElement.GetProperty("code").GetString());
        await using var db = api.Server.Database.CreateContext();
        db.ScopeTo(TenantScope.Everything);
        Assert.Equal(1, await db.Set<SupportCallRecording>().CountAsync(Ct));
    }

    [Theory, AllEngines]
    public async Task Upload_BadMetadataHeaders_ProblemNamesEachHeader(Engine engine)
    {
        await using var api = await StoreApi.StartAsync(engine);
        var (_, tenant) = await api.CreateTenantAsync("acme");

        var (status, text) = await ContentUpload.SendAsync(tenant, "/api/v1/support-call-recordings", ContentUpload.Wav(), "audio/wav", new Dictionary<string, string>
        {
            ["Call-Caller"] = "12",
            ["Call-Duration-Seconds"] = "-5",
            ["Call-Ticket-Id"] = "not-a-uuid",
            ["Custodian-Organization"] = "acme",
        });

        Assert.Equal(HttpStatusCode.BadRequest, status);
        var fields = JsonDocument.Parse(text).RootElement.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()).ToHashSet();
        Assert.Equal(new[] { "Call-Caller", "Call-Started-At", "Call-Duration-Seconds", "Call-Ticket-Id", "Custodian-Organization" }.Order(), fields.Order());
        await AssertNothingStoredAsync(api);
    }

    [Theory, AllEngines]
    public async Task OpenApi_DescribesUploadBodiesAndMetadataHeaders(Engine engine)
    {
        await using var api = await StoreApi.StartAsync(engine);

        var doc = JsonDocument.Parse(await api.Server.Client.GetStringAsync("/openapi/v1.json", Ct)).RootElement;

        var recording = doc.GetProperty("paths").GetProperty("/api/v1/support-call-recordings").GetProperty("post");
        Assert.Equal(["audio/wav", "audio/ogg", "audio/mpeg"], recording.GetProperty("requestBody").GetProperty("content").EnumerateObject().Select(p => p.Name));
        var headers = recording.GetProperty("parameters").EnumerateArray().Where(p => p.GetProperty("in").GetString() == "header").Select(p => p.GetProperty("name").GetString()).ToList();
        Assert.Equal(new[] { "Call-Caller", "Call-Duration-Seconds", "Call-Started-At", "Call-Ticket-Id", "Custodian-Organization" }, headers.Order());
        var attachment = doc.GetProperty("paths").GetProperty("/api/v1/support-tickets/{id}/attachments").GetProperty("post");
        Assert.Equal(["application/pdf", "image/png", "image/jpeg", "text/plain"], attachment.GetProperty("requestBody").GetProperty("content").EnumerateObject().Select(p => p.Name));
        Assert.True(doc.GetProperty("paths").TryGetProperty("/api/v1/customer-call-recordings/{id}/content", out _));
    }

    [Theory, AllEngines]
    public async Task Upload_BodyStillArriving_OtherWritesComplete(Engine engine)
    {
        await using var api = await StoreApi.StartAsync(engine);
        var (_, tenant) = await api.CreateTenantAsync("acme");
        var wav = ContentUpload.Wav(2);
        var slow = new SlowContent(wav, firstBytes: 4096);
        slow.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("audio/wav");
        var upload = ContentUpload.SendAsync(tenant, "/api/v1/support-call-recordings", slow, ContentUpload.Call("+31640000201"));
        try
        {
            // The first bytes pass the signature check and the create starts streaming the rest into the blob store.
            await slow.FirstSent.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
            await Task.Delay(300, Ct);

            // On SQLite a transaction held for the upload would keep this write waiting for the database lock.
            var contact = StoreApi.SendAsync(tenant, HttpMethod.Post, "/api/v1/contact-persons", new { name = "Jan Wachter", email = "jan.wachter@acme.example", role = "privacy" });
            var (status, body) = await contact.WaitAsync(TimeSpan.FromSeconds(5), Ct);
            Assert.True(status == HttpStatusCode.Created, body.ToString());
            Assert.False(upload.IsCompleted);
        }
        finally
        {
            slow.Release.TrySetResult();
        }

        var (uploadStatus, uploadBody, response) = await upload;
        response.Dispose();
        Assert.True(uploadStatus == HttpStatusCode.Created, uploadBody);
        var id = JsonDocument.Parse(uploadBody).RootElement.GetProperty("id").GetGuid();
        var (downloadStatus, downloaded, download) = await DownloadAsync(tenant, $"/api/v1/support-call-recordings/{id}/content");
        download.Dispose();
        Assert.Equal(HttpStatusCode.OK, downloadStatus);
        Assert.Equal(wav, downloaded);
    }

    /// <summary>No content record, blob row or data key anywhere.</summary>
    private static async Task AssertNothingStoredAsync(StoreApi api)
    {
        await using var db = api.Server.Database.CreateContext();
        db.ScopeTo(TenantScope.Everything);
        Assert.Equal(0, await db.Set<SupportCallRecording>().CountAsync(Ct));
        Assert.Equal(0, await db.Set<CustomerCallRecording>().CountAsync(Ct));
        Assert.Equal(0, await db.Set<SupportTicketAttachment>().CountAsync(Ct));
        Assert.Equal(0, await db.Set<BlobRecord>().CountAsync(Ct));
        Assert.Equal(0, await db.Set<DataKey>().CountAsync(Ct));
        Assert.Equal(0, await db.SubjectIdentifiers.CountAsync(s => s.EntityType.EndsWith("_recording"), Ct));
    }

    /// <summary>The real audit trail, except that the named actions fail (as a full disk or a lost connection would).</summary>
    private sealed class FailingAudit(IAuditTrail inner, params string[] failing) : IAuditTrail
    {
        public Task AppendAsync(CustodianDbContext db, AuditEntry entry, CancellationToken ct) =>
            failing.Contains(entry.Action) ? throw new InvalidOperationException("audit store unavailable (test)") : inner.AppendAsync(db, entry, ct);
    }

    /// <summary>A slow client: sends the first bytes, then waits for <see cref="Release"/> before the rest (chunked).</summary>
    private sealed class SlowContent(byte[] body, int firstBytes) : HttpContent
    {
        public TaskCompletionSource FirstSent { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            await stream.WriteAsync(body.AsMemory(0, firstBytes));
            await stream.FlushAsync();
            FirstSent.TrySetResult();
            await Release.Task;
            await stream.WriteAsync(body.AsMemory(firstBytes));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }

    /// <summary>A body of unknown length, so HttpClient sends it chunked.</summary>
    private sealed class NonSeekableStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}
