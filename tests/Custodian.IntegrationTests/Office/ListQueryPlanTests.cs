using System.Data.Common;
using System.Text.Json;
using System.Text.RegularExpressions;
using Custodian.Core.Common;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Organizations;
using Custodian.Core.Features.People;
using Custodian.Core.Features.Register;
using Custodian.Core.Features.Requests;
using Custodian.Core.Features.Requests.Queue;
using Custodian.Core.Features.Retention;
using Custodian.Core.Features.Store;
using Custodian.Core.Features.Subjects;
using Custodian.Core.Features.Tenancy;
using Custodian.Core.Persistence;
using Custodian.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using NodaTime;
using Xunit;

namespace Custodian.IntegrationTests.Office;

/// <summary>
/// Issue 5 §2: the back office's lists page, sort and filter on the server and stay fast however many rows are behind
/// them. Proven with the engines' own query plans instead of timings: a few thousand rows per table, ANALYZE so the
/// planner has statistics, then every SELECT the list query sends is explained just before it runs (a command
/// interceptor registered only here) and must not scan its big table whole, and the page query must end in a LIMIT with
/// no OFFSET (keyset paging: the page starts in the index where the previous one ended).
/// </summary>
public sealed class ListQueryPlanTests
{
    private const int Rows = 3000;
    private const long AuditSeqBase = 1_000_000;
    private static readonly AuditActor Staff = new(AuditActorKind.User, "user:planner");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory, AllEngines]
    public async Task PeopleList_FirstAndNextPageOfNames_WalkTheSubjectIndex(Engine engine)
    {
        await using var f = await Fixture.CreateAsync(engine);
        var org = f.OrganizationIds[7];
        foreach (var scope in new[] { TenantScope.Everything, TenantScope.For(org) })
        {
            var first = await f.ExplainAsync("subject_identifiers", scope, db => PeopleOf(f, db).ListAsync(Caller(scope), new PeopleListQuery(Limit: 20), Ct));
            Assert.True(first.Result.IsSuccess);
            first.AssertNoFullScan();
            var next = await f.ExplainAsync("subject_identifiers", scope, db => PeopleOf(f, db).ListAsync(
                Caller(scope), new PeopleListQuery(After: first.Result.Value.Next, Limit: 20), Ct));
            Assert.True(next.Result.IsSuccess);
            next.AssertNoFullScan();
        }

        var filtered = await f.ExplainAsync("subject_identifiers", TenantScope.Everything, db => PeopleOf(f, db).ListAsync(
            Caller(TenantScope.Everything), new PeopleListQuery(Prefix: "person 0", OrganizationId: org, Descending: true, Limit: 20), Ct));
        filtered.AssertNoFullScan();
    }

    [Theory, AllEngines]
    public async Task OrganizationQueries_FirstAndNextPage_WalkTheNameIndex(Engine engine)
    {
        await using var f = await Fixture.CreateAsync(engine);
        var first = await f.ExplainAsync("organizations", TenantScope.Everything, db => OrganizationsOf(f, db).ListAsync(
            Caller(TenantScope.Everything), new OrganizationListQuery(Limit: 20), Ct));
        first.AssertNoFullScan();
        var next = await f.ExplainAsync("organizations", TenantScope.Everything, db => OrganizationsOf(f, db).ListAsync(
            Caller(TenantScope.Everything), new OrganizationListQuery(After: first.Result.Next, Limit: 20), Ct));
        Assert.Equal(20, next.Result.Items.Count);
        next.AssertNoFullScan();
    }

    [Theory, AllEngines]
    public async Task AuditSearch_NoActionOrActorFilter_WalkAnIndexBackwardsFromSeq(Engine engine)
    {
        await using var f = await Fixture.CreateAsync(engine);
        var search = f.Services.GetRequiredService<AuditSearch>();
        foreach (var reader in new[] { new AuditReader(TenantScope.Everything, lawful: true), new AuditReader(TenantScope.Everything, lawful: false) })
        {
            foreach (var filter in new[]
            {
                new AuditSearchFilter(),
                new AuditSearchFilter(Before: AuditSeqBase + 1500),
                new AuditSearchFilter(Action: "action.1"),
                new AuditSearchFilter(Action: "action.1", Before: AuditSeqBase + 1500),
                new AuditSearchFilter(ActorId: "user:1"),
                new AuditSearchFilter(ActorId: "user:1", Before: AuditSeqBase + 1500),
            })
            {
                var plan = await f.ExplainAsync("audit_events", TenantScope.Everything, _ => search.SearchAsync(reader, filter, Ct));
                Assert.NotEmpty(plan.Result.Entries);

                // Unfiltered, the page is the newest events: on SQLite the walk down the rowid (seq) from the end.
                plan.AssertNoFullScan(rowidWalk: filter.Action is null && filter.ActorId is null);
                if (!reader.Lawful && engine == Engine.Postgres)
                {
                    // Its authority-hold lookup, once per page, by the basis index. Not on SQLite after ANALYZE: its
                    // statistics hold only the average rows per basis (no skew without STAT4), so it scans the holds.
                    Assert.False((plan with { Table = "legal_holds" }).ScansWhole(), plan.Text);
                }
            }
        }

        // A tenant's page: the organisation index, newest first.
        var tenant = await f.ExplainAsync("audit_events", TenantScope.Everything, _ => search.SearchAsync(
            new AuditReader(TenantScope.For(f.OrganizationIds[3]), lawful: false), new AuditSearchFilter(), Ct));
        tenant.AssertNoFullScan();
    }

    /// <summary>
    /// The object filter reads the object's own rows (<c>audit_event_objects</c>) newest first and joins the events by
    /// position: a rare object costs its rows, never a walk of the log, alone or combined with another filter.
    /// </summary>
    [Theory, AllEngines]
    public async Task AuditSearch_ObjectFilter_ReadsTheObjectsIndexNotTheLog(Engine engine)
    {
        await using var f = await Fixture.CreateAsync(engine);
        var search = f.Services.GetRequiredService<AuditSearch>();
        foreach (var filter in new[]
        {
            new AuditSearchFilter(ObjectType: "contact", ObjectId: "c-42"),
            new AuditSearchFilter(ObjectId: "c-42"),
            new AuditSearchFilter(ActorId: "user:rare", ObjectType: "contact", ObjectId: "c-42"),
            new AuditSearchFilter(Action: "action.0", ObjectType: "contact", ObjectId: "c-42"),
        })
        {
            var plan = await f.ExplainAsync("audit_events", TenantScope.Everything, _ => search.SearchAsync(
                new AuditReader(TenantScope.Everything, lawful: true), filter, Ct));
            Assert.Single(plan.Result.Entries);
            plan.AssertPageQueryHasLimit();
            plan.AssertNoFullScan();
            (plan with { Table = "audit_event_objects" }).AssertNoFullScan();
        }

        var none = await search.SearchAsync(new AuditReader(TenantScope.Everything, lawful: true), new AuditSearchFilter(ObjectType: "contact", ObjectId: "c-0"), Ct);
        Assert.Empty(none.Entries);
    }

    [Theory, AllEngines]
    public async Task RetentionReceiptsAndHolds_FirstAndNextPage_WalkTheKey(Engine engine)
    {
        await using var f = await Fixture.CreateAsync(engine);
        var receipts = await f.ExplainAsync("retention_sweeps", TenantScope.Everything, db => RetentionReceipts.ListAsync(db, TenantScope.Everything, null, 20, Ct));
        receipts.AssertNoFullScan();
        var moreReceipts = await f.ExplainAsync("retention_sweeps", TenantScope.Everything, db => RetentionReceipts.ListAsync(
            db, TenantScope.Everything, receipts.Result[^1].Id, 20, Ct));
        Assert.Equal(20, moreReceipts.Result.Count);
        moreReceipts.AssertNoFullScan();

        foreach (var lawful in new[] { true, false })
        {
            var caller = new HoldCaller(Staff, TenantScope.Everything, lawful);
            var holds = await f.ExplainAsync("legal_holds", TenantScope.Everything, db => HoldsOf(f, db).ListAsync(caller, null, 20, Ct));
            Assert.Equal(20, holds.Result.Count);
            holds.AssertNoFullScan();
            (holds with { Table = "legal_hold_identifiers" }).AssertNoFullScan();
            var more = await f.ExplainAsync("legal_holds", TenantScope.Everything, db => HoldsOf(f, db).ListAsync(caller, holds.Result[^1].Id, 20, Ct));
            Assert.Equal(20, more.Result.Count);
            more.AssertNoFullScan();
            (more with { Table = "legal_hold_identifiers" }).AssertNoFullScan();
        }
    }

    /// <summary>
    /// The request queue: each of its two reads (never extended; extended) walks an index in due-date order and stops
    /// at the LIMIT, for the default open queue, a state, a deadline filter and the next page.
    /// </summary>
    [Theory, AllEngines]
    public async Task RequestQueue_FirstAndNextPageAndFilters_WalkTheDueDateIndexes(Engine engine)
    {
        await using var f = await Fixture.CreateAsync(engine);
        var time = f.Services.GetRequiredService<TimeProvider>();
        foreach (var filter in new[]
        {
            new RequestQueueFilter(Limit: 20),
            new RequestQueueFilter(State: RequestState.Verified, Limit: 20),
            new RequestQueueFilter(AllStates: true, Limit: 20),
            new RequestQueueFilter(Deadline: QueueDeadline.Overdue, Limit: 20),
            new RequestQueueFilter(Deadline: QueueDeadline.WaitingForIdentity, Limit: 20),
            new RequestQueueFilter(Type: RequestType.Access, Limit: 20),
        })
        {
            var first = await f.ExplainAsync("data_subject_requests", TenantScope.Everything, db => new RequestQueue(db, time).ListAsync(TenantScope.Everything, filter, Ct));
            Assert.NotEmpty(first.Result.Rows);
            AssertQueuePlans(first);
            if (first.Result.Next is { } next)
            {
                var more = await f.ExplainAsync("data_subject_requests", TenantScope.Everything, db => new RequestQueue(db, time).ListAsync(
                    TenantScope.Everything, filter with { After = next }, Ct));
                AssertQueuePlans(more);
            }
        }
    }

    /// <summary>
    /// The read of never-extended requests (nearly all) must walk its index without sorting; the read of extended
    /// requests reads a partial index that holds only extended ones (few by nature), so a sort of those is fine.
    /// </summary>
    private static void AssertQueuePlans<T>(Explained<T> plan)
    {
        plan.AssertNoFullScan(sortAllowed: true);
        (plan with { Plans = [.. plan.Plans.Where(p => p.Sql.Replace("\"", "", StringComparison.Ordinal).Contains("extended_due_on IS NULL", StringComparison.Ordinal))] }).AssertNoFullScan();
    }

    private static StoreCaller Caller(TenantScope scope) => new(Staff, scope);

    private static PeopleList PeopleOf(Fixture f, CustodianDbContext db) => new(db, ActivatorUtilities.CreateInstance<StoreTransactions>(f.Services, db));

    private static OrganizationQueries OrganizationsOf(Fixture f, CustodianDbContext db) =>
        new(db, ActivatorUtilities.CreateInstance<StoreTransactions>(f.Services, db), ShippedRegister.Register);

    private static LegalHoldCommands HoldsOf(Fixture f, CustodianDbContext db) => ActivatorUtilities.CreateInstance<LegalHoldCommands>(
        f.Services, db, ActivatorUtilities.CreateInstance<StoreTransactions>(f.Services, db), ShippedRegister.Register);

    /// <summary>The plans of the SELECTs one list call sent, and its result.</summary>
    private sealed record Explained<T>(Engine Engine, string Table, T Result, IReadOnlyList<(string Sql, string Plan)> Plans)
    {
        public string Text => string.Join("\n\n", Plans.Select(p => p.Sql + "\n--\n" + p.Plan));

        /// <summary>The statements that read the big table (PostgreSQL's SQL leaves lower-case names unquoted).</summary>
        private IEnumerable<(string Sql, string Plan)> OnTable => Plans.Where(p => Regex.IsMatch(p.Sql, $"(FROM|JOIN) \"?{Table}\"?(\\s|\\)|$)"));

        /// <param name="rowidWalk">
        /// SQLite only: the page query orders by the table's INTEGER PRIMARY KEY (the rowid) and every row qualifies, so
        /// a bare <c>SCAN</c> without a temp b-tree walks the table in key order and the LIMIT stops it after one page.
        /// </param>
        /// <param name="sortAllowed">The filter's range is small by nature (an object filter on top of an indexed one): sorting it is fine.</param>
        public void AssertNoFullScan(bool rowidWalk = false, bool sortAllowed = false)
        {
            Assert.NotEmpty(OnTable);
            Assert.False(ScansWhole(rowidWalk), $"A full scan of {Table} on {Engine}:\n{Text}");
            AssertPageQueryHasLimit();
            Assert.False(!sortAllowed && SortsRange(), $"{Table} on {Engine}: the rows are sorted before the LIMIT, so it cannot stop early:\n{Text}");
        }

        /// <summary>
        /// The plan sorts what it read from the table (SQLite: a temp b-tree for the ORDER BY; PostgreSQL: a Sort node),
        /// so the LIMIT waits for the whole range instead of stopping after one page in index order.
        /// </summary>
        public bool SortsRange() => OnTable.Any(p => Engine == Engine.Sqlite
            ? p.Plan.Contains("USE TEMP B-TREE FOR ORDER BY", StringComparison.Ordinal)
            : Regex.IsMatch(p.Plan, "\"Node Type\": \"(Incremental )?Sort\""));

        public void AssertPageQueryHasLimit()
        {
            Assert.Contains(OnTable, p => p.Sql.Contains("LIMIT", StringComparison.Ordinal));
            Assert.DoesNotContain(OnTable, p => p.Sql.Contains("OFFSET", StringComparison.Ordinal));
        }

        public bool ScansWhole(bool rowidWalk = false) =>
            OnTable.Any(p => Engine == Engine.Sqlite ? SqliteScans(p.Sql, p.Plan, Table, rowidWalk) : PostgresScans(p.Plan, Table));

        /// <summary>
        /// SQLite: a <c>SCAN t</c> line (t: the table or its alias in the SQL) that does not go through an index
        /// (<c>SCAN t USING INDEX</c> walks one in order), or any scan of it followed by a sort of the whole result.
        /// </summary>
        private static bool SqliteScans(string sql, string plan, string table, bool rowidWalk)
        {
            var names = Regex.Matches(sql, $"\"?{table}\"? AS \"?(\\w+)\"?").Select(m => m.Groups[1].Value).Append(table).ToHashSet();
            var lines = plan.Split('\n').Select(l => l.Trim()).ToList();
            var sorts = lines.Any(l => l.StartsWith("USE TEMP B-TREE FOR", StringComparison.Ordinal));
            return lines.Any(detail => names.Any(name =>
            {
                if (detail != $"SCAN {name}" && !detail.StartsWith($"SCAN {name} ", StringComparison.Ordinal))
                {
                    return false;
                }

                var throughIndex = detail.Contains("USING INDEX", StringComparison.Ordinal) || detail.Contains("USING COVERING INDEX", StringComparison.Ordinal);
                return sorts || !(throughIndex || rowidWalk);
            }));
        }

        /// <summary>PostgreSQL: a <c>Seq Scan</c> node on the table anywhere in the JSON plan.</summary>
        private static bool PostgresScans(string plan, string table)
        {
            using var json = JsonDocument.Parse(plan);
            return Nodes(json.RootElement).Any(n =>
                n.TryGetProperty("Node Type", out var type) && type.GetString() == "Seq Scan"
                && n.TryGetProperty("Relation Name", out var relation) && relation.GetString() == table);
        }

        private static IEnumerable<JsonElement> Nodes(JsonElement e)
        {
            if (e.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in e.EnumerateArray())
                {
                    foreach (var n in Nodes(item))
                    {
                        yield return n;
                    }
                }
            }
            else if (e.ValueKind == JsonValueKind.Object)
            {
                yield return e;
                foreach (var p in e.EnumerateObject())
                {
                    foreach (var n in Nodes(p.Value))
                    {
                        yield return n;
                    }
                }
            }
        }
    }

    /// <summary>
    /// Explains each SELECT on the command's own connection and transaction right before it runs, with the command's
    /// parameters (so PostgreSQL plans for the actual values, as it does for the first executions of a statement).
    /// </summary>
    private sealed class PlanCapture(Engine engine) : DbCommandInterceptor
    {
        public List<(string Sql, string Plan)> Plans { get; } = [];

        public bool Enabled { get; set; }

        public override InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
        {
            Capture(command);
            return result;
        }

        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            Capture(command);
            return ValueTask.FromResult(result);
        }

        private void Capture(DbCommand command)
        {
            if (!Enabled || !command.CommandText.TrimStart().StartsWith("SELECT", StringComparison.OrdinalIgnoreCase))
            {
                return;
            }

            using var explain = command.Connection!.CreateCommand();
            explain.Transaction = command.Transaction;
            explain.CommandText = (engine == Engine.Sqlite ? "EXPLAIN QUERY PLAN " : "EXPLAIN (FORMAT JSON) ") + command.CommandText;
            foreach (DbParameter p in command.Parameters)
            {
                explain.Parameters.Add(p is ICloneable c ? c.Clone() : CopySqlite((SqliteParameter)p));
            }

            using var reader = explain.ExecuteReader();
            var lines = new List<string>();
            while (reader.Read())
            {
                // SQLite: id, parent, notused, detail; PostgreSQL: one JSON text.
                lines.Add(engine == Engine.Sqlite ? reader.GetString(3) : reader.GetString(0));
            }

            Plans.Add((command.CommandText, string.Join("\n", lines)));
        }

        private static SqliteParameter CopySqlite(SqliteParameter p) => new(p.ParameterName, p.Value) { SqliteType = p.SqliteType, Size = p.Size };
    }

    private sealed class Fixture : IAsyncDisposable
    {
        private readonly TestDatabase _database;
        private readonly PlanCapture _capture;

        private Fixture(TestDatabase database, ServiceProvider services, PlanCapture capture, IReadOnlyList<Guid> organizationIds)
        {
            _database = database;
            Services = services;
            _capture = capture;
            OrganizationIds = organizationIds;
        }

        public ServiceProvider Services { get; }

        public IReadOnlyList<Guid> OrganizationIds { get; }

        public static async Task<Fixture> CreateAsync(Engine engine)
        {
            var database = await TestDatabase.CreateAsync(engine);
            var capture = new PlanCapture(engine);
            var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero));
            var services = TestDatabase.ServicesFor(database.Target, s => s
                .AddSingleton<TimeProvider>(time)
                .AddSingleton(MasterKey.FromBytes([.. Enumerable.Range(1, 32).Select(i => (byte)i)]))
                .AddSingleton<ProcessingRegister>(ShippedRegister.Register)
                .AddCustodianAudit()
                .ConfigureDbContext<CustodianDbContext>(o => o.AddInterceptors(capture)));
            var organizations = await SeedAsync(services, engine);
            return new Fixture(database, services, capture, organizations);
        }

        /// <summary>Runs <paramref name="list"/> on a fresh context scoped to <paramref name="scope"/>, explaining each SELECT it sends.</summary>
        public async Task<Explained<T>> ExplainAsync<T>(string table, TenantScope scope, Func<CustodianDbContext, Task<T>> list)
        {
            await using var db = Services.GetRequiredService<IDbContextFactory<CustodianDbContext>>().CreateDbContext();
            db.ScopeTo(scope);
            _capture.Plans.Clear();
            _capture.Enabled = true;
            try
            {
                var result = await list(db);
                return new Explained<T>(_database.Engine, table, result, [.. _capture.Plans]);
            }
            finally
            {
                _capture.Enabled = false;
            }
        }

        /// <summary>
        /// <see cref="Rows"/> organisations, names, sweeps and holds, and audit events (at seqs far above the trail's own,
        /// which the audited list reads append from 1: a plan test needs rows, not a verifiable log).
        /// </summary>
        private static async Task<IReadOnlyList<Guid>> SeedAsync(ServiceProvider services, Engine engine)
        {
            var start = Instant.FromUtc(2025, 1, 1, 0, 0);
            await using var db = services.GetRequiredService<IDbContextFactory<CustodianDbContext>>().CreateDbContext();
            db.ScopeTo(TenantScope.Everything);
            var organizations = Enumerable.Range(0, Rows).Select(i => new Organization
            {
                Code = $"ORG{i:D5}",
                Name = $"Planner Test {(i * 7919) % Rows:D5} B.V.",
                BillingCompanyName = "Planner Test B.V.",
                CreatedAt = start,
            }).ToList();
            db.AddRange(organizations);
            await db.SaveChangesAsync(Ct);

            var ids = organizations.Select(o => o.Id).ToList();
            var kinds = new[] { "name", "phone", "email" };
            db.AddRange(Enumerable.Range(0, Rows * 2).Select(i => new SubjectIdentifier
            {
                // Half of them in one organisation, so its filtered pages have a long range to walk (as a big client's would).
                OrganizationId = ids[i % 2 == 0 ? 7 : i % 50],
                Kind = kinds[i % 3],
                Value = $"person {(i * 7919) % (Rows * 2):D5}",
                EntityType = "contact_person",
                EntityId = Guid.CreateVersion7(),
                Category = "contacts",
            }));
            db.AddRange(Enumerable.Range(0, Rows).Select(i => new RetentionSweepRun
            {
                Cutoff = start + Duration.FromDays(i),
                StartedAt = start + Duration.FromDays(i),
                FinishedAt = start + Duration.FromDays(i) + Duration.FromMinutes(3),
                State = RetentionSweepRun.Completed,
            }));
            db.AddRange(Enumerable.Range(0, Rows).Select(i => new LegalHold
            {
                // Authority-basis holds are few in life (tens): each is one NOT-contains in the audit search.
                Basis = i % 100 == 0 ? HoldBasis.PreservationOrder126ni : HoldBasis.LegalClaims,
                Reason = "planner test",
                OrganizationId = i % 2 == 0 ? ids[i % 50] : null,
                Categories = ["contacts"],
                StartsAt = start,
                PlacedAt = start,
                PlacedByKind = AuditActorKind.Cli,
                PlacedById = "cli:test",
                Identifiers = [new LegalHoldIdentifier { Kind = "phone", Value = $"+3161{i:D7}" }, new LegalHoldIdentifier { Kind = "phone", Value = $"+3162{i:D7}" }],
            }));
            // Requests: most closed long ago, a few open, a few extended (as in life).
            var states = new[] { RequestState.Closed, RequestState.Closed, RequestState.Delivered, RequestState.Closed, RequestState.Refused, RequestState.Closed, RequestState.Closed, RequestState.Closed, RequestState.Verified, RequestState.AwaitingVerification };
            db.AddRange(Enumerable.Range(0, Rows).Select(i =>
            {
                var received = new LocalDate(2024, 1, 1).PlusDays(i / 4);
                return new DataSubjectRequest
                {
                    Reference = $"PLAN{i:D8}",
                    Type = (RequestType)(i % 7),
                    Channel = Custodian.Core.Features.Requests.RequestChannel.Portal,
                    Language = "nl",
                    ReceivedAt = start,
                    ReceivedOn = received,
                    DueOn = RequestDeadlines.DueOn(received),
                    ExtendedDueOn = i % 97 == 0 ? RequestDeadlines.ExtendedDueOn(received, 2) : null,
                    IdentifierKind = SubjectIdentifierKind.Email,
                    IdentifierValue = $"plan{i}@example.nl",
                    State = states[i % states.Length],
                };
            }));
            var hash = new byte[32];
            db.AddRange(Enumerable.Range(1, Rows * 2).Select(i => new AuditEvent
            {
                Seq = AuditSeqBase + i,
                Id = Guid.CreateVersion7(),
                OccurredAt = start + Duration.FromMinutes(i),
                OrganizationId = ids[i % 50],
                ActorKind = "user",
                // Few actors with long ranges, and one rare one (60 events) to combine with the object filter.
                ActorId = i % 100 == 42 ? "user:rare" : $"user:{i % 4}",
                // Few actions, so each filter's range is long, as the common ones (subject.viewed) are in life.
                Action = $"action.{i % 3}",
                Objects = AuditCanonical.ObjectsJson([new AuditObject("contact", $"c-{i}")]),
                Details = "{}",
                LeafHash = hash,
                TreeRoot = hash,
            }));
            db.AddRange(Enumerable.Range(1, Rows * 2).Select(i => new AuditEventObject { Type = "contact", Id = $"c-{i}", Seq = AuditSeqBase + i }));
            await db.SaveChangesAsync(Ct);
            await db.Database.ExecuteSqlRawAsync("ANALYZE", Ct);
            return ids;
        }

        public async ValueTask DisposeAsync()
        {
            await Services.DisposeAsync();
            await _database.DisposeAsync();
        }
    }
}
