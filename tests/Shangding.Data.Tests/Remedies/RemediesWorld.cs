using Microsoft.EntityFrameworkCore;
using Shangding.Core.Access;
using Shangding.Core.Calendar;
using Shangding.Core.Data;
using Shangding.Core.Intake;
using Shangding.Core.Notifications;
using Shangding.Core.Remedies;
using Shangding.Testing;

namespace Shangding.Data.Tests.Remedies;

/// <summary>A gateway that records what it was given and fails the first <see cref="FailuresLeft"/> calls.</summary>
public sealed class RecordingGateway(string channel) : INotificationGateway
{
    public string Channel => channel;
    public int FailuresLeft { get; set; }
    public List<long> Delivered { get; } = [];
    public int Calls { get; private set; }

    public Task SendAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        Calls++;
        if (FailuresLeft > 0)
        {
            FailuresLeft--;
            throw new IOException("gateway unavailable");
        }

        Delivered.Add(message.Id);
        return Task.CompletedTask;
    }
}

/// <summary>A migrated database with the real catalogue and calendar, a movable clock, and the remedies services over them.</summary>
public sealed class RemediesWorld : IAsyncDisposable
{
    public static readonly WorkingDayCalendar Calendar = CalendarStore.LoadDirectory(Path.Combine(RepoPaths.Catalog, "calendar"));
    public static readonly string AdultId = TestPlatform.ResidentId(new DateOnly(1985, 4, 12), 123);
    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    private RemediesWorld(TestDatabase db, MovableClock clock)
    {
        Db = db;
        Clock = clock;
        Options = new RemediesOptions { MaxFileBytes = 64 * 1024 };
        Sms = new RecordingGateway("sms");
        Notifications = new NotificationService([Sms], clock);
        Intake = new IntakeService(TestPlatform.Catalog, TestPlatform.Protector, db.Settings, clock);
        Disputes = new DisputeService(TestPlatform.Catalog, Calendar, Intake, TestPlatform.Protector, Notifications, Options, clock);
        Deadlines = new DecisionDeadlines(Calendar, TestPlatform.Catalog, Notifications, Options, clock);
        Repairs = new RepairService(TestPlatform.Catalog, db.Settings, Notifications, Deadlines, Options, clock);
        SelfReports = new SelfReportService(TestPlatform.Catalog, Intake, TestPlatform.Protector, Notifications, Deadlines, Options, clock);
        Retention = new RetentionService(db.Settings, Options, clock);
        Outbox = new OutboxDispatcher([Sms], Options, clock);
        Scores = new Shangding.Core.Scoring.ScoreService(new Shangding.Core.Scoring.ScoreModelRegistry(
            new Shangding.Core.ShangdingPaths(RepoPaths.Root, RepoPaths.Catalog, Path.Combine(RepoPaths.Catalog, "calendar"), Path.GetTempPath()),
            TestPlatform.Catalog, db.Settings, clock), clock);
    }

    public TestDatabase Db { get; }
    public MovableClock Clock { get; }
    public RemediesOptions Options { get; }
    public RecordingGateway Sms { get; }
    public NotificationService Notifications { get; }
    public IntakeService Intake { get; }
    public DisputeService Disputes { get; }
    public DecisionDeadlines Deadlines { get; }
    public RepairService Repairs { get; }
    public SelfReportService SelfReports { get; }
    public RetentionService Retention { get; }
    public OutboxDispatcher Outbox { get; }
    public Shangding.Core.Scoring.ScoreService Scores { get; }

    public static async Task<RemediesWorld> CreateAsync(DatabaseProvider provider, MovableClock clock) =>
        new(await TestDatabase.CreateAsync(provider), clock);

    public ShangdingDbContext NewContext() => Db.NewContext();

    public void SetDay(int year, int month, int day, int hour = 10) =>
        Clock.Set(new DateTimeOffset(year, month, day, hour, 0, 0, TimeSpan.FromHours(8)));

    public static IntakeRow WaterArrears(string key, string id, string determinedOn, string amount = "2500", string name = "孙八") => new(1, null, new Dictionary<string, string?>
    {
        ["record_key"] = key, ["name"] = name, ["id_type"] = "居民身份证", ["id_number"] = id,
        ["customer_address"] = "郑州市金水区", ["arrears_from"] = "2025-01-01", ["arrears_counted_to"] = "2025-12-31",
        ["arrears_quantity"] = "10", ["arrears_amount"] = amount, ["determining_body"] = "市自来水公司", ["determined_on"] = determinedOn,
    }, []);

    /// <summary>Furnishes rows through the pipeline; returns the record ids by key.</summary>
    public async Task<Dictionary<string, long>> FurnishAsync(string unit, string category, params IntakeRow[] rows)
    {
        var result = await Intake.RunAsync(new IntakeRequest(unit, IntakeChannels.Batch, "test", category, ReturnRecordResults: true), rows, null, Ct);
        result.Records.ShouldAllBe(r => r.Outcome != RecordOutcome.Rejected, string.Join("; ", result.Records.SelectMany(r => r.Reasons)));
        await using var context = NewContext();
        var keys = rows.Select(r => r.Get("record_key")!).ToList();
        return await context.Records.Where(r => r.UnitCode == unit && keys.Contains(r.RecordKey)).ToDictionaryAsync(r => r.RecordKey, r => r.Id, Ct);
    }

    public async Task<long> SubjectIdAsync(string id)
    {
        await using var context = NewContext();
        var hash = TestPlatform.Protector.LookupHash(id);
        return await context.Subjects.Where(s => s.IdHash == hash).Select(s => s.Id).SingleAsync(Ct);
    }

    public async Task<long> AccountAsync(string user, string role, string? unit = null, long? subjectId = null)
    {
        await using var context = NewContext();
        if (unit is not null && !await context.Units.AnyAsync(u => u.Code == unit, Ct))
        {
            context.Units.Add(new Unit { Code = unit, NameZh = unit, NameEn = unit, CreatedAt = DateTime.UtcNow });
            await context.SaveChangesAsync(Ct);
        }

        var account = new Account { UserName = user, DisplayName = user, Role = role, UnitCode = unit, SubjectId = subjectId, PasswordHash = "x", CreatedAt = DateTime.UtcNow };
        context.Accounts.Add(account);
        await context.SaveChangesAsync(Ct);
        return account.Id;
    }

    /// <param name="role">The querier's role; by default a third party when an account is given, else a government body.</param>
    public async Task QueryLogAsync(long subjectId, DateTimeOffset at, long? accountId, string name, QueryOutcome outcome = QueryOutcome.Allowed, string? role = null)
    {
        await using var context = NewContext();
        context.QueryLog.Add(new QueryLogEntry
        {
            At = at.UtcDateTime, QuerierAccountId = accountId, QuerierRole = role ?? (accountId is null ? Roles.GovernmentQuerier : Roles.ThirdParty), QuerierName = name,
            SubjectId = subjectId, Channel = "web", Purpose = "test", Scope = "report", Outcome = outcome,
            PrevHash = "p" + at.ToUnixTimeSeconds(), EntryHash = "e" + at.ToUnixTimeSeconds(),
        });
        await context.SaveChangesAsync(Ct);
    }

    public async Task<List<Notification>> InboxAsync(long accountId)
    {
        await using var context = NewContext();
        return await context.Notifications.AsNoTracking().Where(n => n.AccountId == accountId).OrderBy(n => n.Id).ToListAsync(Ct);
    }

    public static EvidenceUpload Pdf(string name = "proof.pdf") => new(name, [.. "%PDF-1.7\n"u8.ToArray(), .. new byte[100]]);

    public static EvidenceUpload Png(string name = "photo.png") => new(name, [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13]);

    public ValueTask DisposeAsync() => Db.DisposeAsync();
}
