using Microsoft.EntityFrameworkCore;
using Shangding.Core.Calendar;
using Shangding.Core.Catalog;
using Shangding.Core.Data;
using Shangding.Core.Intake;
using Shangding.Core.Reporting;
using Shangding.Testing;

namespace Shangding.Data.Tests.Reporting;

/// <summary>Compliance and the reminder job on a moved clock across the 2026 holidays, on both engines.</summary>
public sealed class ReportingComplianceTests
{
    private const string Monthly = "O-FEE-ARREARS";
    private const string Penalty = "O-ADMIN-PENALTY";

    private static readonly CatalogDefinition RealCatalog = CatalogLoader.Load(RepoPaths.Catalog);
    private static readonly WorkingDayCalendar Calendar = CalendarStore.LoadDirectory(Path.Combine(RepoPaths.Catalog, "calendar"));

    /// <summary>The real catalogue cut down to one monthly category, so a utility has a single obligation.</summary>
    private static readonly CatalogDefinition MonthlyCatalog =
        new(RealCatalog.Version, RealCatalog.Units, [RealCatalog.Find(Monthly)!], RealCatalog.IdTypes);

    private static readonly ReportingOptions Options = new() { StartDate = new DateOnly(2026, 1, 1) };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static DateOnly D(int month, int day) => new(2026, month, day);

    /// <summary>A UTC instant given as Zhengzhou (UTC+8) local time in 2026.</summary>
    private static DateTime Local(int month, int day, int hour = 10, int minute = 0) =>
        new DateTime(2026, month, day, hour, minute, 0, DateTimeKind.Utc).AddHours(-8);

    private static async Task SeedUnitsAsync(TestDatabase db, params (string Code, bool Api)[] units)
    {
        await using var context = db.NewContext();
        foreach (var (code, api) in units)
        {
            var unit = RealCatalog.FindUnit(code)!;
            context.Units.Add(new Unit { Code = code, NameZh = unit.NameZh, NameEn = unit.NameEn, ApiConnected = api, CreatedAt = Local(1, 1).AddYears(-1) });
        }

        await context.SaveChangesAsync(Ct);
    }

    /// <summary>A batch of the unit; by default one that furnished a record (created 1), as a report must.</summary>
    /// <remarks>A batch naming no category (an API request that mixed categories) lists those it furnished in <paramref name="furnished"/>.</remarks>
    private static async Task AddBatchAsync(TestDatabase db, string unit, string? category, BatchStatus status, DateTime finishedAt, string channel = "batch",
        int created = 1, int rejected = 0, IReadOnlyList<string>? furnished = null)
    {
        await using var context = db.NewContext();
        var batch = new IntakeBatch
        {
            UnitCode = unit,
            CategoryCode = category,
            Channel = channel,
            Status = status,
            Actor = $"unit:{unit}",
            StartedAt = finishedAt.AddMinutes(-1),
            FinishedAt = status == BatchStatus.Running ? null : finishedAt,
            TotalRows = created + rejected,
            Created = created,
            Rejected = rejected,
        };
        context.IntakeBatches.Add(batch);
        await context.SaveChangesAsync(Ct);
        foreach (var code in furnished ?? [])
        {
            context.IntakeBatchCategories.Add(new IntakeBatchCategory { BatchId = batch.Id, CategoryCode = code });
        }

        await context.SaveChangesAsync(Ct);
    }

    private static async Task<ReminderRunResult> RunJobAsync(TestDatabase db, CatalogDefinition catalog, DateTime nowUtc)
    {
        await using var context = db.NewContext();
        return await ReminderJob.RunAsync(context, catalog, Calendar, new FixedClock(nowUtc), Options, Ct);
    }

    private static async Task<Dictionary<string, ComplianceRow>> ComplianceAsync(TestDatabase db, DateOnly today, string? unit = null)
    {
        await using var context = db.NewContext();
        var rows = await ReportingCompliance.ComputeAsync(context, MonthlyCatalog, Calendar, today, Options, unit, Ct);
        return rows.ToDictionary(r => r.UnitCode);
    }

    [Theory]
    [AllEngines]
    public async Task MonthlyReport_RemindedAfterDeadline_ListedAfterReminderPeriod_ResolvedByLateReport(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        await SeedUnitsAsync(db, ("WATER-SUPPLY", false), ("HEATING", false), ("CR-GAS", false));
        // Water: only a refused upload and one still running — neither is a report.
        await AddBatchAsync(db, "WATER-SUPPLY", Monthly, BatchStatus.Refused, Local(2, 5));
        await AddBatchAsync(db, "WATER-SUPPLY", Monthly, BatchStatus.Running, Local(2, 6));
        // Nor are the corrections that answer a dispute, nor a verified self-report (the one before the
        // deadline, the other after the reminder): they are remedies the platform asked for, not reports.
        await AddBatchAsync(db, "WATER-SUPPLY", Monthly, BatchStatus.Committed, Local(2, 10), IntakeChannels.Dispute);
        await AddBatchAsync(db, "WATER-SUPPLY", null, BatchStatus.Committed, Local(2, 26), IntakeChannels.SelfReport);
        // Nor a correction of an old record made on its page: it changes what was reported and reports nothing new.
        await AddBatchAsync(db, "WATER-SUPPLY", Monthly, BatchStatus.Committed, Local(2, 11), IntakeChannels.Correction);
        // Heating reports January on time, with nothing new: a nil report (本期无新增信息), a batch of no rows.
        await AddBatchAsync(db, "HEATING", Monthly, BatchStatus.Committed, Local(2, 5), IntakeChannels.NilReport, created: 0);
        // Gas reports January late, on 02-25.
        await AddBatchAsync(db, "CR-GAS", Monthly, BatchStatus.Committed, Local(2, 25, 15));

        // 02-02: January has ended; its deadline (10 working days after 01-31) is 02-13.
        var early = await ComplianceAsync(db, D(2, 2));
        early["WATER-SUPPLY"].Status.ShouldBe(ComplianceStatus.Due);
        early["WATER-SUPPLY"].Period!.ShouldBe(new ReportingPeriod(D(1, 1), D(1, 31), D(2, 13), false));
        early["WATER-SUPPLY"].CurrentPeriod!.Start.ShouldBe(D(2, 1));
        early["HEATING"].Status.ShouldBe(ComplianceStatus.Due);

        // 02-13, the deadline day itself: still due, and the job writes nothing.
        (await RunJobAsync(db, MonthlyCatalog, Local(2, 13, 23))).Written.ShouldBeEmpty();
        var onDeadline = await ComplianceAsync(db, D(2, 13));
        onDeadline["WATER-SUPPLY"].Status.ShouldBe(ComplianceStatus.Due);
        onDeadline["HEATING"].Status.ShouldBe(ComplianceStatus.OnTime);
        onDeadline["HEATING"].LastReportAt.ShouldBe(Local(2, 5));

        // 02-24, the first working day after Spring Festival: overdue by 02-14 (make-up Saturday) and 02-24.
        var overdue = await ComplianceAsync(db, D(2, 24));
        overdue["WATER-SUPPLY"].Status.ShouldBe(ComplianceStatus.Overdue);
        overdue["WATER-SUPPLY"].WorkingDaysOverdue.ShouldBe(2);
        overdue["WATER-SUPPLY"].LastReportAt.ShouldBeNull();

        var first = await RunJobAsync(db, MonthlyCatalog, Local(2, 24, 8));
        first.Written.Select(r => r.UnitCode).Order().ShouldBe(["CR-GAS", "WATER-SUPPLY"]);
        var water = first.Written.Single(r => r.UnitCode == "WATER-SUPPLY");
        (water.CategoryCode, water.PeriodStart, water.PeriodEnd, water.Deadline).ShouldBe((Monthly, D(1, 1), D(1, 31), D(2, 13)));
        // 5 working days from 02-24: 02-25, 26, 27, 28 (make-up Saturday), 03-02.
        water.ReminderDeadline.ShouldBe(D(3, 2));
        water.ReminderDeadline.ShouldBe(Calendar.AddWorkingDays(D(2, 24), 5).Date);
        ReminderNotice.Build(RealCatalog, water).Zh.ShouldStartWith($"市自来水公司：「{RealCatalog.Find(Monthly)!.NameZh}」2026年1月");
        ReminderNotice.Build(RealCatalog, water).Zh.ShouldContain("2026年1月的信息最迟应于2026年2月13日（含当日）报送，至今未报送。请最迟于2026年3月2日（含当日）补报");

        // Idempotent: the same day again writes, resolves and lists nothing.
        var again = await RunJobAsync(db, MonthlyCatalog, Local(2, 24, 18));
        again.Written.ShouldBeEmpty();
        again.Resolved.ShouldBeEmpty();
        again.ListedForCriticism.ShouldBeEmpty();
        await using (var context = db.NewContext())
        {
            (await context.ReportingReminders.CountAsync(Ct)).ShouldBe(2);
        }

        var reminded = await ComplianceAsync(db, D(2, 24));
        reminded["WATER-SUPPLY"].Status.ShouldBe(ComplianceStatus.Reminded);
        reminded["WATER-SUPPLY"].ReminderDeadline.ShouldBe(D(3, 2));
        reminded["HEATING"].Status.ShouldBe(ComplianceStatus.OnTime);

        // 02-25: gas reports (15:00); the job in the evening resolves its reminder at the report's time.
        var gasDay = await RunJobAsync(db, MonthlyCatalog, Local(2, 25, 20));
        gasDay.Resolved.ShouldHaveSingleItem().UnitCode.ShouldBe("CR-GAS");
        gasDay.Resolved[0].ResolvedAt.ShouldBe(Local(2, 25, 15));
        gasDay.Written.ShouldBeEmpty();
        (await ComplianceAsync(db, D(2, 25)))["CR-GAS"].Status.ShouldBe(ComplianceStatus.OnTime);

        // 03-02, the reminder deadline: not yet listed.
        (await RunJobAsync(db, MonthlyCatalog, Local(3, 2, 20))).ListedForCriticism.ShouldBeEmpty();

        // 03-03: water still silent → listed for 通报批评, once.
        var listing = await RunJobAsync(db, MonthlyCatalog, Local(3, 3, 8));
        listing.ListedForCriticism.ShouldHaveSingleItem().UnitCode.ShouldBe("WATER-SUPPLY");
        listing.Written.ShouldBeEmpty();
        (await RunJobAsync(db, MonthlyCatalog, Local(3, 3, 9))).ListedForCriticism.ShouldBeEmpty();
        var listed = await ComplianceAsync(db, D(3, 3));
        listed["WATER-SUPPLY"].Status.ShouldBe(ComplianceStatus.ListedForCriticism);
        listed["WATER-SUPPLY"].WorkingDaysOverdue.ShouldBe(Calendar.WorkingDaysBetween(D(2, 13), D(3, 3)));
        await using (var context = db.NewContext())
        {
            var criticism = await ReportingCompliance.CriticismListAsync(context, RealCatalog, cancellationToken: Ct);
            var entry = criticism.ShouldHaveSingleItem();
            (entry.UnitCode, entry.UnitNameZh, entry.PeriodStart, entry.ReminderDeadline).ShouldBe(("WATER-SUPPLY", "市自来水公司", D(1, 1), D(3, 2)));
            entry.ResolvedAt.ShouldBeNull();
        }

        // 03-05: water finally reports; the reminder is resolved, and the criticism stays on record.
        await AddBatchAsync(db, "WATER-SUPPLY", Monthly, BatchStatus.Committed, Local(3, 5, 9));
        var late = await RunJobAsync(db, MonthlyCatalog, Local(3, 5, 20));
        late.Resolved.ShouldHaveSingleItem().UnitCode.ShouldBe("WATER-SUPPLY");
        late.Written.ShouldBeEmpty();
        (await ComplianceAsync(db, D(3, 5)))["WATER-SUPPLY"].Status.ShouldBe(ComplianceStatus.OnTime);
        await using (var context = db.NewContext())
        {
            (await ReportingCompliance.CriticismListAsync(context, RealCatalog, cancellationToken: Ct)).ShouldBeEmpty();
            var history = await ReportingCompliance.CriticismListAsync(context, RealCatalog, outstandingOnly: false, cancellationToken: Ct);
            history.ShouldHaveSingleItem().ResolvedAt.ShouldBe(Local(3, 5, 9));
        }
    }

    [Theory]
    [AllEngines]
    public async Task ApiConnectedUnit_ReportsDaily_AcrossSpringFestival_AMixedApiBatchCountsForTheCategoriesItFurnished(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        await SeedUnitsAsync(db, ("POWER-SUPPLY", true));
        var categories = RealCatalog.CategoriesOfUnit("POWER-SUPPLY").Select(c => c.Code).Order(StringComparer.Ordinal).ToList();
        categories.Count.ShouldBeGreaterThan(1);
        for (var day = 2; day <= 13; day++)
        {
            await AddBatchAsync(db, "POWER-SUPPLY", null, BatchStatus.Committed, Local(2, day, 22), "api", furnished: categories);
        }

        // 02-14 is a make-up working day; the only batch that day was refused.
        await AddBatchAsync(db, "POWER-SUPPLY", null, BatchStatus.Refused, Local(2, 14, 22), "api");

        await using (var context = db.NewContext())
        {
            // Holidays: 02-14's report is due the next working day, 02-24.
            var holiday = await ReportingCompliance.ComputeAsync(context, RealCatalog, Calendar, D(2, 20), Options, cancellationToken: Ct);
            holiday.Count.ShouldBe(categories.Count);
            holiday.ShouldAllBe(r => r.Cycle == ReportingCycle.Daily && r.Status == ComplianceStatus.Due);
            holiday.ShouldAllBe(r => r.Period!.Start == D(2, 14) && r.Deadline == D(2, 24));
            holiday.ShouldAllBe(r => r.CurrentPeriod == null);
        }

        (await RunJobAsync(db, RealCatalog, Local(2, 24, 20))).Written.ShouldBeEmpty();

        // 02-25 morning: 02-14 missed its deadline → one reminder per category.
        var morning = await RunJobAsync(db, RealCatalog, Local(2, 25, 8));
        morning.Written.Select(r => r.CategoryCode).Order().ShouldBe(categories);
        morning.Written.ShouldAllBe(r => r.PeriodStart == D(2, 14) && r.PeriodEnd == D(2, 14) && r.Deadline == D(2, 24));

        // 02-25 10:00: one API batch naming no category, which furnished all but the last category, resolves their
        // reminders only; the last one's stays open.
        var furnished = categories[..^1];
        await AddBatchAsync(db, "POWER-SUPPLY", null, BatchStatus.Committed, Local(2, 25, 10), "api", furnished: furnished);
        var evening = await RunJobAsync(db, RealCatalog, Local(2, 25, 20));
        evening.Resolved.Select(r => r.CategoryCode).Order(StringComparer.Ordinal).ShouldBe(furnished);
        evening.Written.ShouldBeEmpty();

        await using (var context = db.NewContext())
        {
            var rows = await ReportingCompliance.ComputeAsync(context, RealCatalog, Calendar, D(2, 25), Options, "POWER-SUPPLY", Ct);
            rows.Where(r => r.CategoryCode != categories[^1]).ShouldAllBe(r => r.Status == ComplianceStatus.OnTime && r.LastReportAt == Local(2, 25, 10));
            var left = rows.Single(r => r.CategoryCode == categories[^1]);
            (left.Status, left.LastReportAt).ShouldBe((ComplianceStatus.Reminded, Local(2, 13, 22)));
        }
    }

    [Theory]
    [AllEngines]
    public async Task AnApiBatch_CountsOnlyForTheCategoriesItFurnished_NotForTheUnitsOthers(DatabaseProvider provider)
    {
        const string Water = "P-ARREARS-WATER";
        await using var db = await TestDatabase.CreateAsync(provider);
        await SeedUnitsAsync(db, ("WATER-SUPPLY", true));
        RealCatalog.CategoriesOfUnit("WATER-SUPPLY").Select(c => c.Code).Order(StringComparer.Ordinal).ShouldBe([Monthly, Water]);
        var clock = MovableClock.At(2026, 2, 25, 10);
        var intake = new IntakeService(RealCatalog, TestPlatform.Protector, db.Settings, clock);
        var api = new IntakeRequest("WATER-SUPPLY", IntakeChannels.Api, "api:k1", null, ReturnRecordResults: true);
        var person = TestPlatform.ResidentId(new DateOnly(1985, 4, 12), 123);

        IntakeRow WaterRow(int n, string amount = "100") => new(n, Water, new Dictionary<string, string?>
        {
            ["record_key"] = "W-1", ["name"] = "王小明", ["id_type"] = "居民身份证", ["id_number"] = person,
            ["customer_address"] = "郑州市金水区花园路 1 号", ["arrears_from"] = "2025-06-01", ["arrears_counted_to"] = "2026-01-31",
            ["arrears_quantity"] = "12", ["arrears_amount"] = amount, ["determining_body"] = "市自来水公司", ["determined_on"] = "2026-02-20",
        }, []);
        IntakeRow FeeRow(int n, string uscc = "91350100M000100Y43") => new(n, Monthly, new Dictionary<string, string?>
        {
            ["record_key"] = "F-1", ["name"] = "某公司", ["uscc"] = uscc, ["arrears_kind"] = "公用事业收费", ["item"] = "水费",
            ["arrears_amount"] = "500", ["arrears_from"] = "2025-10-01", ["arrears_counted_to"] = "2026-01-31",
            ["determining_body"] = "市自来水公司", ["determined_on"] = "2026-02-20",
        }, []);

        async Task<IntakeBatch> BatchAsync(long id)
        {
            await using var context = db.NewContext();
            return await context.IntakeBatches.AsNoTracking().SingleAsync(b => b.Id == id, Ct);
        }

        async Task<List<string>> ListedAsync(long id)
        {
            await using var context = db.NewContext();
            return await context.IntakeBatchCategories.AsNoTracking().Where(c => c.BatchId == id).OrderBy(c => c.CategoryCode)
                .Select(c => c.CategoryCode).ToListAsync(Ct);
        }

        async Task<Dictionary<string, ComplianceRow>> RowsAsync(DateOnly today)
        {
            await using var context = db.NewContext();
            return (await ReportingCompliance.ComputeAsync(context, RealCatalog, Calendar, today, Options, "WATER-SUPPLY", Ct))
                .ToDictionary(r => r.CategoryCode);
        }

        // 02-25: one water-arrears record through the API. The batch takes the category it furnished as its own.
        var waterOnly = await intake.RunAsync(api, [WaterRow(0)], null, Ct);
        waterOnly.Records.SelectMany(r => r.Reasons).Select(r => r.Code + " " + r.Field).ShouldBeEmpty();
        waterOnly.Created.ShouldBe(1);
        (await BatchAsync(waterOnly.BatchId)).CategoryCode.ShouldBe(Water);
        (await ListedAsync(waterOnly.BatchId)).ShouldBeEmpty();

        // 02-26 (a daily cycle: the unit is API-connected): water is on time, the fee arrears are not.
        var next = await RowsAsync(D(2, 26));
        (next[Water].Status, next[Water].LastReportAt).ShouldBe((ComplianceStatus.OnTime, Local(2, 25, 10)));
        next[Monthly].Status.ShouldBe(ComplianceStatus.Overdue);
        next[Monthly].LastReportAt.ShouldBeNull();

        // The reminder job writes a reminder for the fee arrears only, and another water-only batch does not answer it.
        var morning = await RunJobAsync(db, RealCatalog, Local(2, 26, 8));
        morning.Written.ShouldHaveSingleItem().CategoryCode.ShouldBe(Monthly);
        clock.Set(new DateTimeOffset(2026, 2, 26, 9, 0, 0, TimeSpan.FromHours(8)));
        (await intake.RunAsync(api, [WaterRow(0, "150")], null, Ct)).Updated.ShouldBe(1);
        (await RunJobAsync(db, RealCatalog, Local(2, 26, 9, 30))).Resolved.ShouldBeEmpty();

        // 10:00: a request mixing both categories names none, lists both, and answers the reminder.
        clock.Set(new DateTimeOffset(2026, 2, 26, 10, 0, 0, TimeSpan.FromHours(8)));
        var mixed = await intake.RunAsync(api, [WaterRow(0, "150"), FeeRow(1)], null, Ct);
        (mixed.Unchanged, mixed.Created).ShouldBe((1, 1));
        (await BatchAsync(mixed.BatchId)).CategoryCode.ShouldBeNull();
        (await ListedAsync(mixed.BatchId)).ShouldBe([Monthly, Water]);
        (await RunJobAsync(db, RealCatalog, Local(2, 26, 20))).Resolved.ShouldHaveSingleItem().ResolvedAt.ShouldBe(Local(2, 26, 10));
        (await RowsAsync(D(2, 27))).Values.ShouldAllBe(r => r.Status == ComplianceStatus.OnTime && r.LastReportAt == Local(2, 26, 10));

        // A mixed request whose fee row was rejected furnished water only.
        clock.Set(new DateTimeOffset(2026, 2, 27, 10, 0, 0, TimeSpan.FromHours(8)));
        var halfRejected = await intake.RunAsync(api, [WaterRow(0, "150"), FeeRow(1, "91350100M000100Y44")], null, Ct);
        (halfRejected.Unchanged, halfRejected.Rejected).ShouldBe((1, 1));
        (await BatchAsync(halfRejected.BatchId)).CategoryCode.ShouldBe(Water);
        var after = await RowsAsync(D(2, 27));
        after[Water].LastReportAt.ShouldBe(Local(2, 27, 10));
        after[Monthly].LastReportAt.ShouldBe(Local(2, 26, 10));
    }

    [Theory]
    [AllEngines]
    public async Task Migration0022_GivesEarlierApiBatchesTheCategoriesTheirHistoryShows(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        await SeedUnitsAsync(db, ("WATER-SUPPLY", true));
        var intake = new IntakeService(RealCatalog, TestPlatform.Protector, db.Settings, MovableClock.At(2026, 2, 25, 10));
        var api = new IntakeRequest("WATER-SUPPLY", IntakeChannels.Api, "api:k1", null);
        var values = new Dictionary<string, string?>
        {
            ["record_key"] = "F-1", ["name"] = "某公司", ["uscc"] = "91350100M000100Y43", ["arrears_kind"] = "公用事业收费", ["item"] = "水费",
            ["arrears_amount"] = "500", ["arrears_from"] = "2025-10-01", ["arrears_counted_to"] = "2026-01-31",
            ["determining_body"] = "市自来水公司", ["determined_on"] = "2026-02-20",
        };
        IntakeRow Fee(string key, string amount) => new(0, Monthly, new Dictionary<string, string?>(values) { ["record_key"] = key, ["arrears_amount"] = amount }, []);
        IntakeRow Withdraw(string key) => new(1, Monthly, new Dictionary<string, string?> { ["record_key"] = key, ["action"] = "withdraw" }, []);
        var water = new IntakeRow(2, "P-ARREARS-WATER", new Dictionary<string, string?>
        {
            ["record_key"] = "W-1", ["name"] = "王小明", ["id_type"] = "居民身份证", ["id_number"] = TestPlatform.ResidentId(new DateOnly(1985, 4, 12), 123),
            ["customer_address"] = "郑州市金水区花园路 1 号", ["arrears_from"] = "2025-06-01", ["arrears_counted_to"] = "2026-01-31",
            ["arrears_quantity"] = "12", ["arrears_amount"] = "100", ["determining_body"] = "市自来水公司", ["determined_on"] = "2026-02-20",
        }, []);

        var created = await intake.RunAsync(api, [Fee("F-1", "500"), Fee("F-2", "600")], null, Ct);
        var changed = await intake.RunAsync(api, [Fee("F-1", "550"), Withdraw("F-2"), water], null, Ct);
        var unchanged = await intake.RunAsync(api, [Fee("F-1", "550")], null, Ct);
        (created.Created, changed.Updated, changed.Withdrawn, changed.Created, unchanged.Unchanged).ShouldBe((2, 1, 1, 1, 1));

        // The database as it was before 0022: API batches name no category, and there is no list of them.
        await using (var context = db.NewContext())
        {
            await context.Database.ExecuteSqlRawAsync("DROP TABLE intake_batch_categories", Ct);
            await context.Database.ExecuteSqlRawAsync("UPDATE intake_batches SET category_code = NULL", Ct);
            (await context.Database.ExecuteSqlRawAsync("DELETE FROM schema_migrations WHERE version = '0022'", Ct)).ShouldBe(1);
        }

        (await new SchemaMigrator(db.Settings).MigrateAsync(Ct)).NewlyApplied.ShouldBe(["0022"]);
        await using (var context = db.NewContext())
        {
            var batches = await context.IntakeBatches.AsNoTracking().OrderBy(b => b.Id).ToListAsync(Ct);
            // Created: its history names the category. Updated, withdrawn and created in two categories: both listed. Only
            // re-sent unchanged: no history, so none.
            batches.Select(b => b.CategoryCode).ShouldBe([Monthly, null, null]);
            (await context.IntakeBatchCategories.AsNoTracking().OrderBy(c => c.CategoryCode).Select(c => c.BatchId + " " + c.CategoryCode).ToListAsync(Ct))
                .ShouldBe([$"{changed.BatchId} {Monthly}", $"{changed.BatchId} P-ARREARS-WATER"]);
        }
    }

    [Theory]
    [AllEngines]
    public async Task UnitFilter_AndObligationStart_FromUnitCreationOrStartDate(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        await SeedUnitsAsync(db, ("WATER-SUPPLY", false));
        await using (var context = db.NewContext())
        {
            var heating = RealCatalog.FindUnit("HEATING")!;
            // Created mid-January: January is not owed; February is the first full period.
            context.Units.Add(new Unit { Code = "HEATING", NameZh = heating.NameZh, NameEn = heating.NameEn, CreatedAt = Local(1, 15) });
            await context.SaveChangesAsync(Ct);
        }

        var all = await ComplianceAsync(db, D(2, 24));
        all.Keys.Order().ShouldBe(["HEATING", "WATER-SUPPLY"]);
        all["HEATING"].ObligationStart.ShouldBe(D(1, 15));
        all["HEATING"].Status.ShouldBe(ComplianceStatus.OnTime);
        all["HEATING"].Period.ShouldBeNull();
        all["WATER-SUPPLY"].ObligationStart.ShouldBe(D(1, 1));
        all["WATER-SUPPLY"].Status.ShouldBe(ComplianceStatus.Overdue);

        var own = await ComplianceAsync(db, D(2, 24), "WATER-SUPPLY");
        own.Keys.ShouldBe(["WATER-SUPPLY"]);

        // Without a start date a unit created a year ago owes every month since.
        await using (var context = db.NewContext())
        {
            var rows = await ReportingCompliance.ComputeAsync(context, MonthlyCatalog, Calendar, D(2, 24), new ReportingOptions(), "WATER-SUPPLY", Ct);
            rows.ShouldHaveSingleItem().Period!.Start.ShouldBe(new DateOnly(2025, 1, 1));
        }
    }

    [Theory]
    [AllEngines]
    public async Task PenaltyRecords_ReportedMoreThan7WorkingDaysAfterDecision_CountAsLate(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        await SeedUnitsAsync(db, ("MARKET-REGULATION", true));
        await using (var context = db.NewContext())
        {
            var subject = new Subject
            {
                Kind = SubjectKind.Organisation,
                CertType = "Uscc",
                IdHash = "h1",
                IdCipher = "c",
                IdMasked = "9141**********",
                Name = "某公司",
                CreatedAt = Local(9, 1),
                UpdatedAt = Local(9, 1),
            };
            context.Subjects.Add(subject);
            await context.SaveChangesAsync(Ct);
            // Decided 09-28: due 10-13 (National Day and the 10-10 make-up Saturday in between).
            context.Records.Add(NewRecord(subject.Id, "P-1", new DateOnly(2026, 9, 28), Local(10, 13, 23)));
            context.Records.Add(NewRecord(subject.Id, "P-2", new DateOnly(2026, 9, 28), Local(10, 14, 9)));
            context.Records.Add(NewRecord(subject.Id, "P-3", new DateOnly(2026, 10, 9), Local(10, 14, 9)));
            await context.SaveChangesAsync(Ct);
        }

        await using (var context = db.NewContext())
        {
            var rows = await ReportingCompliance.ComputeAsync(context, RealCatalog, Calendar, D(10, 20), Options, "MARKET-REGULATION", Ct);
            rows.Single(r => r.CategoryCode == Penalty).LateRecords.ShouldBe(1);
            rows.Single(r => r.CategoryCode == "O-CERTIFICATION").LateRecords.ShouldBeNull();
        }
    }

    [Theory]
    [AllEngines]
    public async Task ABatchThatFurnishedNothing_IsNotAReport_ButANilReportIs(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        await SeedUnitsAsync(db, ("WATER-SUPPLY", false), ("HEATING", false), ("CR-GAS", false));
        // Water: a file whose every row was rejected, and an empty file — both committed, neither furnished anything.
        await AddBatchAsync(db, "WATER-SUPPLY", Monthly, BatchStatus.Committed, Local(2, 5), created: 0, rejected: 12);
        await AddBatchAsync(db, "WATER-SUPPLY", Monthly, BatchStatus.Committed, Local(2, 6), created: 0);
        // Heating: one row withdrawn furnishes something. Gas: an explicit nil report.
        await using (var context = db.NewContext())
        {
            context.IntakeBatches.Add(new IntakeBatch
            {
                UnitCode = "HEATING", CategoryCode = Monthly, Channel = IntakeChannels.Form, Status = BatchStatus.Committed, Actor = "t",
                StartedAt = Local(2, 5), FinishedAt = Local(2, 5), TotalRows = 1, Withdrawn = 1,
            });
            await context.SaveChangesAsync(Ct);
        }

        await AddBatchAsync(db, "CR-GAS", Monthly, BatchStatus.Committed, Local(2, 5), IntakeChannels.NilReport, created: 0);

        var rows = await ComplianceAsync(db, D(2, 24));
        rows["WATER-SUPPLY"].Status.ShouldBe(ComplianceStatus.Overdue);
        rows["WATER-SUPPLY"].LastReportAt.ShouldBeNull();
        rows["HEATING"].Status.ShouldBe(ComplianceStatus.OnTime);
        rows["CR-GAS"].Status.ShouldBe(ComplianceStatus.OnTime);
        rows["CR-GAS"].LastReportAt.ShouldBe(Local(2, 5));

        // Reminded; another all-rejected file does not answer the reminder, a nil report does.
        (await RunJobAsync(db, MonthlyCatalog, Local(2, 24, 8))).Written.ShouldHaveSingleItem().UnitCode.ShouldBe("WATER-SUPPLY");
        await AddBatchAsync(db, "WATER-SUPPLY", Monthly, BatchStatus.Committed, Local(2, 25, 9), created: 0, rejected: 3);
        (await RunJobAsync(db, MonthlyCatalog, Local(2, 25, 20))).Resolved.ShouldBeEmpty();
        (await ComplianceAsync(db, D(2, 25)))["WATER-SUPPLY"].Status.ShouldBe(ComplianceStatus.Reminded);
        await AddBatchAsync(db, "WATER-SUPPLY", Monthly, BatchStatus.Committed, Local(2, 26, 9), IntakeChannels.NilReport, created: 0);
        (await RunJobAsync(db, MonthlyCatalog, Local(2, 26, 20))).Resolved.ShouldHaveSingleItem().ResolvedAt.ShouldBe(Local(2, 26, 9));
        (await ComplianceAsync(db, D(2, 26)))["WATER-SUPPLY"].Status.ShouldBe(ComplianceStatus.OnTime);
    }

    [Theory]
    [AllEngines]
    public async Task NilReport_FiledThroughTheIntakePipeline_IsAnAuditedBatchOfNoRows_OnlyForAnOpenPeriod(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        await SeedUnitsAsync(db, ("WATER-SUPPLY", false));
        var clock = MovableClock.At(2026, 2, 24);
        var intake = new IntakeService(MonthlyCatalog, TestPlatform.Protector, db.Settings, clock);

        async Task<NilReportResult> FileAsync(string category, DateOnly period)
        {
            await using var context = db.NewContext();
            return await NilReport.FileAsync(intake, context, Calendar, Options, clock, "WATER-SUPPLY", category, period, "account:7", Ct);
        }

        // February has not ended: nothing new cannot be declared for it yet; nor for a category of another unit.
        var notEnded = await FileAsync(Monthly, D(2, 1));
        (notEnded.Filed, notEnded.RefusalCode).ShouldBe((false, "period_not_ended"));
        notEnded.RefusalEn.ShouldBe("This period has not ended yet: a nil report can be filed once it has. A nil report can be filed for: January 2026.");
        var other = await FileAsync("P-ARREARS-WATER", D(1, 1));
        (other.RefusalCode, other.RefusalZh).ShouldBe(("not_responsible", "本单位不负责报送该类别。"));

        var filed = await FileAsync(Monthly, D(1, 1));
        filed.Filed.ShouldBeTrue();
        await using (var context = db.NewContext())
        {
            var batch = await context.IntakeBatches.AsNoTracking().SingleAsync(b => b.Id == filed.BatchId, Ct);
            (batch.Channel, batch.Status, batch.TotalRows, batch.CategoryCode, batch.Actor).ShouldBe((IntakeChannels.NilReport, BatchStatus.Committed, 0, Monthly, "account:7"));
            batch.WarningsJson.ShouldNotBeNull().ShouldContain("本期无新增信息：2026年1月");
            var audit = await context.AuditEntries.AsNoTracking().OrderBy(a => a.Id).ToListAsync(Ct);
            audit.ShouldContain(a => a.Kind == "intake-batch" && a.RefId == batch.Id);
            Shangding.Core.Audit.AuditChain.Verify(audit).ShouldBeNull();
        }

        (await ComplianceAsync(db, D(2, 24)))["WATER-SUPPLY"].Status.ShouldBe(ComplianceStatus.OnTime);
        // Filed again (a second click, an API client retrying), by any day of the period: answered with the batch filed
        // before, and nothing more is stored.
        var again = await FileAsync(Monthly, D(1, 20));
        (again.Filed, again.AlreadyFiled, again.BatchId, again.Period!.Start, again.Period.End).ShouldBe((true, true, filed.BatchId, D(1, 1), D(1, 31)));
        filed.AlreadyFiled.ShouldBeFalse();
        await using (var context = db.NewContext())
        {
            (await context.IntakeBatches.CountAsync(b => b.Status == BatchStatus.Committed, Ct)).ShouldBe(1);
        }

        // A period reported by another batch needs no nil report: it says so.
        clock.Set(new DateTimeOffset(2026, 3, 3, 10, 0, 0, TimeSpan.FromHours(8)));
        await AddBatchAsync(db, "WATER-SUPPLY", Monthly, BatchStatus.Committed, Local(3, 2));
        var reported = await FileAsync(Monthly, D(2, 1));
        (reported.Filed, reported.RefusalCode).ShouldBe((false, "period_reported"));
    }

    [Theory]
    [AllEngines]
    public async Task Reminder_ReachesTheUnitsClerks_WithTheNoticeAndMakeUpDeadline_AndSoDoesTheListing(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        await SeedUnitsAsync(db, ("WATER-SUPPLY", false), ("HEATING", false));
        long waterClerk, heatingClerk;
        await using (var context = db.NewContext())
        {
            Account Clerk(string name, string unit) => new()
            {
                UserName = name, DisplayName = name, Role = Shangding.Core.Access.Roles.UnitClerk, UnitCode = unit, PasswordHash = "x", CreatedAt = Local(1, 1),
            };
            var water = Clerk("water", "WATER-SUPPLY");
            var heating = Clerk("heating", "HEATING");
            context.Accounts.AddRange(water, heating);
            await context.SaveChangesAsync(Ct);
            (waterClerk, heatingClerk) = (water.Id, heating.Id);
        }

        await AddBatchAsync(db, "HEATING", Monthly, BatchStatus.Committed, Local(2, 5));
        var run = await RunJobAsync(db, MonthlyCatalog, Local(2, 24, 8));
        var reminder = run.Written.ShouldHaveSingleItem();
        await using (var context = db.NewContext())
        {
            var message = (await context.Notifications.AsNoTracking().Where(n => n.AccountId == waterClerk).ToListAsync(Ct)).ShouldHaveSingleItem();
            message.Kind.ShouldBe("reporting-reminder");
            message.BodyZh.ShouldBe(ReminderNotice.Build(RealCatalog, reminder).Zh);
            message.BodyZh.ShouldContain("请最迟于2026年3月2日（含当日）补报");
            message.Link.ShouldBe("/unit/reporting");
            (await context.Notifications.CountAsync(n => n.AccountId == heatingClerk, Ct)).ShouldBe(0);

            var listed = await ReminderList.ListAsync(context, RealCatalog, "WATER-SUPPLY", cancellationToken: Ct);
            var entry = listed.ShouldHaveSingleItem();
            (entry.State, entry.ReminderDeadline, entry.Deadline).ShouldBe((ReminderState.Open, D(3, 2), D(2, 13)));
            entry.Notice.Zh.ShouldBe(message.BodyZh);
            (await ReminderList.ListAsync(context, RealCatalog, "HEATING", cancellationToken: Ct)).ShouldBeEmpty();
        }

        // The same day again: no second message.
        await RunJobAsync(db, MonthlyCatalog, Local(2, 24, 18));
        // 03-03: listed for criticism, and told so.
        (await RunJobAsync(db, MonthlyCatalog, Local(3, 3, 8))).ListedForCriticism.ShouldHaveSingleItem();
        await using (var context = db.NewContext())
        {
            var kinds = await context.Notifications.AsNoTracking().Where(n => n.AccountId == waterClerk).OrderBy(n => n.Id).Select(n => n.Kind).ToListAsync(Ct);
            kinds.ShouldBe(["reporting-reminder", "reporting-criticism"]);
            var criticism = await ReminderList.ListAsync(context, RealCatalog, listedOnly: true, cancellationToken: Ct);
            criticism.ShouldHaveSingleItem().State.ShouldBe(ReminderState.ListedForCriticism);
        }
    }

    private static CreditRecord NewRecord(long subjectId, string key, DateOnly actDate, DateTime createdAt) => new()
    {
        SubjectId = subjectId,
        UnitCode = "MARKET-REGULATION",
        CategoryCode = Penalty,
        RecordKey = key,
        ActDate = actDate,
        Status = RecordStatus.InForce,
        FieldsJson = "{}",
        ContentHash = key,
        Version = 1,
        CreatedAt = createdAt,
        UpdatedAt = createdAt,
    };

    private sealed class FixedClock(DateTime utcNow) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => new(DateTime.SpecifyKind(utcNow, DateTimeKind.Utc));
    }
}
