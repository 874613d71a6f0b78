using Microsoft.EntityFrameworkCore;
using Shangding.Core.Data;
using Shangding.Core.Intake;
using Shangding.Core.Scoring;
using Shangding.Testing;

namespace Shangding.Data.Tests.Scoring;

public sealed class ScoreServiceTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly ScoreModel Model = ScoreModelLoader.LoadLatest(RepoPaths.Catalog, TestPlatform.Catalog);

    private static readonly string Adult = TestPlatform.ResidentId(new DateOnly(1985, 4, 12), 123);
    private static readonly string Minor = TestPlatform.ResidentId(new DateOnly(2012, 1, 1), 124);

    private static IntakeRow Volunteer(int n, string id, string level) => new(n, null, new Dictionary<string, string?>
    {
        ["record_key"] = $"V-{n}", ["name"] = "孙八", ["id_type"] = "居民身份证", ["id_number"] = id,
        ["rated_on"] = "2025-10-01", ["rating_body"] = "市文明办", ["honour_level"] = level,
    }, []);

    private static IntakeRow Arrears(int n, string id) => new(n, null, new Dictionary<string, string?>
    {
        ["record_key"] = $"W-{n}", ["name"] = "孙八", ["id_type"] = "居民身份证", ["id_number"] = id,
        ["customer_address"] = "郑州市", ["arrears_from"] = "2025-01-01", ["arrears_counted_to"] = "2026-02-28",
        ["arrears_quantity"] = "10", ["arrears_amount"] = "2500", ["determining_body"] = "市自来水公司", ["determined_on"] = "2026-03-02",
    }, []);

    private static ScoreModelRegistry Registry(TestDatabase db, TimeProvider clock) =>
        new(new Shangding.Core.ShangdingPaths(RepoPaths.Root, RepoPaths.Catalog, Path.Combine(RepoPaths.Catalog, "calendar"), Path.GetTempPath()),
            TestPlatform.Catalog, db.Settings, clock);

    /// <summary>Opts in every subject on file but those at the positions <paramref name="except"/> (in id order); returns all subjects in id order.</summary>
    private static async Task<List<long>> OptInAllAsync(TestDatabase db, TimeProvider clock, params int[] except)
    {
        await using var context = db.NewContext();
        var now = clock.GetUtcNow().UtcDateTime;
        var subjects = await context.Subjects.OrderBy(s => s.Id).Select(s => s.Id).ToListAsync(Ct);
        context.ScoreOptIns.AddRange(subjects.Where((_, i) => !except.Contains(i)).Select(id => new ScoreOptIn { SubjectId = id, OptedInAt = now, Channel = "test" }));
        await context.SaveChangesAsync(Ct);
        return subjects;
    }

    [Theory]
    [AllEngines]
    public async Task ActivatingAModel_IsAudited_AndQueuesEveryOptedInPersonForRescoring(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var clock = MovableClock.At(2026, 3, 16);
        var intake = new IntakeService(TestPlatform.Catalog, TestPlatform.Protector, db.Settings, clock);
        await intake.RunAsync(new IntakeRequest("CIVILISATION-OFFICE", IntakeChannels.Batch, "t", "P-VOLUNTEER"), [Volunteer(3, Adult, "市级")], null, Ct);
        var registry = Registry(db, clock);
        var scores = new ScoreService(registry, clock);
        await using var context = db.NewContext();
        await scores.OptInAsync(context, await SubjectId(db, Adult), "test", Ct);
        await context.RescoreQueue.ExecuteDeleteAsync(Ct);

        await registry.ActivateAsync(context, Model.Version, "account:1", "annual review", Ct);

        registry.Active.Version.ShouldBe(Model.Version);
        (await context.ModelActivations.SingleAsync(Ct)).ActivatedBy.ShouldBe("account:1");
        var audit = await context.AuditEntries.AsNoTracking().OrderBy(a => a.Id).ToListAsync(Ct);
        audit[^1].Kind.ShouldBe("model-activation");
        Shangding.Core.Audit.AuditChain.Verify(audit).ShouldBeNull();
        (await context.RescoreQueue.SingleAsync(Ct)).Reason.ShouldBe("model-activated");
        Should.Throw<ArgumentException>(() => registry.ActivateAsync(context, "1999.9", "x", null, Ct).GetAwaiter().GetResult());

        // Another process reads the activation from the database.
        Registry(db, clock).Active.Version.ShouldBe(Model.Version);
    }

    private static async Task<long> SubjectId(TestDatabase db, string id)
    {
        await using var context = db.NewContext();
        var hash = TestPlatform.Protector.LookupHash(id);
        return await context.Subjects.Where(s => s.IdHash == hash).Select(s => s.Id).SingleAsync(Ct);
    }

    [Theory]
    [AllEngines]
    public async Task OptIn_ComputesTheScore_AnUploadMovesIt_AndOptOutDeletesIt(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var clock = MovableClock.At(2026, 3, 16);
        var intake = new IntakeService(TestPlatform.Catalog, TestPlatform.Protector, db.Settings, clock);
        var scores = new ScoreService(Registry(db, clock), clock);
        await intake.RunAsync(new IntakeRequest("CIVILISATION-OFFICE", IntakeChannels.Batch, "t", "P-VOLUNTEER"), [Volunteer(3, Adult, "市级"), Volunteer(4, Minor, "市级")], null, Ct);
        var adult = await SubjectId(db, Adult);
        var minor = await SubjectId(db, Minor);

        await using (var context = db.NewContext())
        {
            (await scores.ComputeAsync(context, adult, Ct)).ShouldBeNull(); // not opted in: no score at all
            (await context.RescoreQueue.CountAsync(Ct)).ShouldBe(0);         // nor a mark for rescoring
            (await context.Scores.CountAsync(Ct)).ShouldBe(0);

            var first = await scores.OptInAsync(context, adult, "test", Ct);
            var expected = ScoreEngine.Compute([.. context.Records.AsNoTracking().Where(r => r.SubjectId == adult).AsEnumerable()
                .Select(r => ScoringRecord.FromStored(r.Id, r.CategoryCode, r.ActDate, r.Status.ToString(), r.FieldsJson, r.PublicationEnd, r.UnderDispute, r.Severity))], Model, new DateOnly(2026, 3, 16));
            first.Score.ShouldBe(expected.Score);
            first.Score.ShouldBeGreaterThan(100);
            var ex = await Should.ThrowAsync<ScoreOptInException>(() => scores.OptInAsync(context, minor, "test", Ct));
            ex.MessageZh.ShouldContain("18");
        }

        await intake.RunAsync(new IntakeRequest("WATER-SUPPLY", IntakeChannels.Batch, "t", "P-ARREARS-WATER"), [Arrears(3, Adult)], null, Ct);
        await using (var context = db.NewContext())
        {
            (await scores.ProcessQueueAsync(context, 100, Ct)).ShouldBe(1);
            var stored = await context.Scores.SingleAsync(Ct);
            var after = ScoreService.ReadExplanation(stored.ExplanationJson)!;
            stored.Score.ShouldBeLessThan((await context.ScoreHistory.OrderBy(h => h.Id).FirstAsync(Ct)).Score);
            stored.Reason.ShouldBe("records-changed");
            after.Contributions.ShouldContain(c => c.CategoryCode == "P-ARREARS-WATER" && c.Points < 0);

            // Rescoring reads only the fields the model grades by (by key on PostgreSQL, json_extract on SQLite):
            // the stored score is exactly what the engine gives over the records with all their fields.
            var all = context.Records.AsNoTracking().Where(r => r.SubjectId == adult).AsEnumerable()
                .Select(r => ScoringRecord.FromStored(r.Id, r.CategoryCode, r.ActDate, r.Status.ToString(), r.FieldsJson, r.PublicationEnd, r.UnderDispute, r.Severity))
                .ToList();
            after.ToJson().ShouldBe(ScoreEngine.ComputeStored(all, Model, new DateOnly(2026, 3, 16)).ToJson());
            after.Contributions.Single(c => c.CategoryCode == "P-ARREARS-WATER").Points.ShouldBe(-12); // -3, amount 2,500 -5, 423 days -4
            (await context.ScoreHistory.CountAsync(Ct)).ShouldBe(2);
            (await context.RescoreQueue.CountAsync(Ct)).ShouldBe(0);

            await scores.OptOutAsync(context, adult, Ct);
            (await context.Scores.CountAsync(Ct)).ShouldBe(0);
            (await context.ScoreHistory.CountAsync(Ct)).ShouldBe(0);
            (await scores.ComputeAsync(context, adult, Ct)).ShouldBeNull();
            (await context.Records.CountAsync(r => r.SubjectId == adult, Ct)).ShouldBe(2); // the records stay
        }
    }

    [Theory]
    [AllEngines]
    public async Task RecomputeAll_RescoresEveryOptedInPerson_InChunks(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var clock = MovableClock.At(2026, 3, 16);
        var intake = new IntakeService(TestPlatform.Catalog, TestPlatform.Protector, db.Settings, clock);
        var rows = Enumerable.Range(0, 30).Select(i => Volunteer(3 + i, TestPlatform.ResidentId(new DateOnly(1980, 1, 1).AddDays(i), 300), i % 2 == 0 ? "市级" : "省级")).ToList();
        await intake.RunAsync(new IntakeRequest("CIVILISATION-OFFICE", IntakeChannels.Batch, "t", "P-VOLUNTEER"), rows, null, Ct);
        var scores = new ScoreService(Registry(db, clock), clock);
        await using (var context = db.NewContext())
        {
            foreach (var id in await context.Subjects.Select(s => s.Id).Take(20).ToListAsync(Ct))
            {
                await scores.OptInAsync(context, id, "test", Ct);
            }
        }

        (await scores.RecomputeAllAsync(db.Settings, "recompute", null, Ct)).ShouldBe(20);
        await using var check = db.NewContext();
        (await check.Scores.CountAsync(Ct)).ShouldBe(20);
        (await check.Scores.AllAsync(s => s.ModelVersion == Model.Version, Ct)).ShouldBeTrue();
    }

    [Theory]
    [AllEngines]
    public async Task Simulation_ReportsWhatADraftModelWouldChange_WithoutTouchingLiveScores(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var clock = MovableClock.At(2026, 3, 16);
        var intake = new IntakeService(TestPlatform.Catalog, TestPlatform.Protector, db.Settings, clock);
        var rows = Enumerable.Range(0, 12).Select(i => Volunteer(3 + i, TestPlatform.ResidentId(new DateOnly(1981, 1, 1).AddDays(i), 301), "市级")).ToList();
        await intake.RunAsync(new IntakeRequest("CIVILISATION-OFFICE", IntakeChannels.Batch, "t", "P-VOLUNTEER"), rows, null, Ct);
        var scores = new ScoreService(Registry(db, clock), clock);
        await using (var context = db.NewContext())
        {
            foreach (var id in await context.Subjects.Select(s => s.Id).ToListAsync(Ct))
            {
                await scores.OptInAsync(context, id, "test", Ct);
            }
        }

        // The draft gives a city-level volunteer as much as a provincial one (8 instead of 5).
        var draftFile = Path.Combine(Path.GetTempPath(), $"draft-{Guid.NewGuid():N}.yaml");
        var text = await File.ReadAllTextAsync(Path.Combine(RepoPaths.Catalog, "models", "2026.1.yaml"), Ct);
        text = text.Replace("version: \"2026.1\"", "version: \"2026.2-draft\"", StringComparison.Ordinal)
            .Replace("{区县级: 3, 市级: 5, 省级: 8, 国家级: 12}}]\n    cap: 15", "{区县级: 3, 市级: 8, 省级: 8, 国家级: 12}}]\n    cap: 15", StringComparison.Ordinal);
        await File.WriteAllTextAsync(draftFile, text, Ct);
        try
        {
            var draft = ScoreModelLoader.Load(draftFile, TestPlatform.Catalog);
            await using var before = db.NewContext();
            var live = await before.Scores.AsNoTracking().OrderBy(s => s.SubjectId).Select(s => s.Score).ToListAsync(Ct);

            var report = await Simulation.RunAsync(db.Settings, Model, draft, new DateOnly(2026, 3, 16), null, Ct);

            report.Persons.ShouldBe(12);
            report.MovedUp.ShouldBe(12);
            report.MeanChange.ShouldBe(3);
            report.LargestMoves.ShouldAllBe(m => m.Change == 3 && m.SubjectMasked.Contains("**********"));
            report.LevelsBefore.Values.Sum().ShouldBe(12);
            await using var afterwards = db.NewContext();
            (await afterwards.Scores.AsNoTracking().OrderBy(s => s.SubjectId).Select(s => s.Score).ToListAsync(Ct)).ShouldBe(live);
        }
        finally
        {
            File.Delete(draftFile);
        }
    }

    [Theory]
    [AllEngines]
    public async Task ProcessQueue_KeepsTheMarkOfASubjectWhoseRecordsChangedWhileItWasBeingRescored(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var clock = MovableClock.At(2026, 3, 16);
        var intake = new IntakeService(TestPlatform.Catalog, TestPlatform.Protector, db.Settings, clock);
        var scores = new ScoreService(Registry(db, clock), clock);
        var other = TestPlatform.ResidentId(new DateOnly(1979, 6, 1), 125);
        await intake.RunAsync(new IntakeRequest("CIVILISATION-OFFICE", IntakeChannels.Batch, "t", "P-VOLUNTEER"), [Volunteer(3, Adult, "市级"), Volunteer(4, other, "省级")], null, Ct);
        var adult = await SubjectId(db, Adult);
        await using (var context = db.NewContext())
        {
            await scores.OptInAsync(context, adult, "test", Ct);
            await scores.OptInAsync(context, await SubjectId(db, other), "test", Ct);
        }

        await intake.RunAsync(new IntakeRequest("CIVILISATION-OFFICE", IntakeChannels.Batch, "t", "P-VOLUNTEER"), [Volunteer(3, Adult, "省级"), Volunteer(4, other, "国家级")], null, Ct);
        await using (var context = db.NewContext())
        {
            (await context.RescoreQueue.CountAsync(Ct)).ShouldBe(2);

            // While the two are rescored, a water company uploads arrears of one of them: intake marks it again.
            var handled = await scores.ProcessQueueAsync(context, 100, async () =>
            {
                clock.Advance(TimeSpan.FromSeconds(1));
                var upload = await intake.RunAsync(new IntakeRequest("WATER-SUPPLY", IntakeChannels.Batch, "t", "P-ARREARS-WATER"), [Arrears(3, Adult)], null, Ct);
                upload.Created.ShouldBe(1);
            }, Ct);

            handled.ShouldBe(2);
            var left = await context.RescoreQueue.AsNoTracking().ToListAsync(Ct);
            left.Select(m => m.SubjectId).ShouldBe([adult]);
            var before = await context.Scores.AsNoTracking().SingleAsync(s => s.SubjectId == adult, Ct);
            ScoreService.ReadExplanation(before.ExplanationJson)!.Contributions.ShouldNotContain(c => c.CategoryCode == "P-ARREARS-WATER");

            (await scores.ProcessQueueAsync(context, 100, Ct)).ShouldBe(1);
            (await context.RescoreQueue.CountAsync(Ct)).ShouldBe(0);
            var after = await context.Scores.AsNoTracking().SingleAsync(s => s.SubjectId == adult, Ct);
            after.Score.ShouldBeLessThan(before.Score);
            after.Reason.ShouldBe("records-changed");
            ScoreService.ReadExplanation(after.ExplanationJson)!.Contributions.ShouldContain(c => c.CategoryCode == "P-ARREARS-WATER" && c.Points < 0);
        }
    }

    [Theory]
    [AllEngines]
    public async Task RecomputeAll_ResumesAnInterruptedRun_AfterItsLastCommittedChunk(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var clock = MovableClock.At(2026, 3, 16);
        var intake = new IntakeService(TestPlatform.Catalog, TestPlatform.Protector, db.Settings, clock);
        var rows = Enumerable.Range(0, 25).Select(i => Volunteer(3 + i, TestPlatform.ResidentId(new DateOnly(1982, 1, 1).AddDays(i), 302), "市级")).ToList();
        await intake.RunAsync(new IntakeRequest("CIVILISATION-OFFICE", IntakeChannels.Batch, "t", "P-VOLUNTEER"), rows, null, Ct);
        await OptInAllAsync(db, clock);

        using var stop = new CancellationTokenSource();
        await Should.ThrowAsync<OperationCanceledException>(() =>
            FullRecompute.RunAsync(db.Settings, Model, new DateOnly(2026, 3, 16), clock, "recompute", (done, _) => stop.Cancel(), stop.Token, chunkSize: 10));
        long firstChunkEnd;
        await using (var context = db.NewContext())
        {
            (await context.Scores.CountAsync(Ct)).ShouldBe(10);
            (await context.ScoreHistory.CountAsync(Ct)).ShouldBe(10);
            firstChunkEnd = await context.Scores.MaxAsync(s => s.SubjectId, Ct);
        }

        var resumed = await FullRecompute.RunAsync(db.Settings, Model, new DateOnly(2026, 3, 16), clock, "recompute", null, Ct, chunkSize: 10);
        resumed.ResumedAfter.ShouldBe(firstChunkEnd);
        resumed.Scored.ShouldBe(15);
        resumed.Changed.ShouldBe(15);
        await using (var context = db.NewContext())
        {
            (await context.Scores.CountAsync(Ct)).ShouldBe(25);
            (await context.ScoreHistory.CountAsync(Ct)).ShouldBe(25);
        }

        // A finished run is not resumed: the next one goes through everyone again (nothing moves).
        var again = await FullRecompute.RunAsync(db.Settings, Model, new DateOnly(2026, 3, 16), clock, "recompute", null, Ct, chunkSize: 10);
        again.ResumedAfter.ShouldBe(0);
        again.Scored.ShouldBe(25);
        again.Changed.ShouldBe(0);
    }

    [Theory]
    [AllEngines]
    public async Task TheChunkReader_HandsOverEveryOptedInSubjectOnce_InIdOrder_WithItsOwnRecords(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var clock = MovableClock.At(2026, 3, 16);
        var intake = new IntakeService(TestPlatform.Catalog, TestPlatform.Protector, db.Settings, clock);
        var ids = Enumerable.Range(0, 23).Select(i => TestPlatform.ResidentId(new DateOnly(1980, 1, 1).AddDays(i), 303)).ToList();
        await intake.RunAsync(new IntakeRequest("CIVILISATION-OFFICE", IntakeChannels.Batch, "t", "P-VOLUNTEER"),
            ids.Select((id, i) => Volunteer(3 + i, id, "市级")).ToList(), null, Ct);
        await intake.RunAsync(new IntakeRequest("WATER-SUPPLY", IntakeChannels.Batch, "t", "P-ARREARS-WATER"),
            ids.Where((_, i) => i % 3 == 0).Select((id, i) => Arrears(100 + i, id)).ToList(), null, Ct);
        var fifth = (await OptInAllAsync(db, clock, 4))[4]; // every subject but the fifth opts in
        Dictionary<long, List<long>> expected;
        await using (var context = db.NewContext())
        {
            expected = (await context.Records.Where(r => r.SubjectId != fifth).Select(r => new { r.SubjectId, r.Id }).ToListAsync(Ct))
                .GroupBy(r => r.SubjectId).ToDictionary(g => g.Key, g => g.Select(r => r.Id).Order().ToList());
        }

        var read = new List<(long Subject, List<long> Records)>();
        var chunks = 0;
        var busy = new System.Runtime.CompilerServices.StrongBox<long>();
        await foreach (var chunk in ChunkReader.ReadAsync(db.Settings, 0, 4, Model.Reads, busy, Ct))
        {
            chunks++;
            chunk.Subjects.Count.ShouldBeLessThanOrEqualTo(4);
            read.AddRange(chunk.Subjects.Select((s, i) => (s, chunk.Records[i].Select(r => r.Id).Order().ToList())));
        }

        chunks.ShouldBe(6); // 22 subjects in chunks of 4
        read.Select(r => r.Subject).ShouldBe(expected.Keys.Order());
        foreach (var (subject, records) in read)
        {
            records.ShouldBe(expected[subject]);
        }

        expected.Values.Sum(r => r.Count).ShouldBe(23 + 8 - 1); // all records but the fifth subject's one
        busy.Value.ShouldBeGreaterThan(0);

        // A caller that stops after the first chunk leaves no read running and no connection open: the database can go.
        await foreach (var chunk in ChunkReader.ReadAsync(db.Settings, 0, 4, Model.Reads, busy, Ct))
        {
            chunk.Subjects.Count.ShouldBe(4);
            break;
        }
    }

    [Theory]
    [AllEngines]
    public async Task BulkReads_SkipTheFieldsOfCategoriesThatReadNone_AndTheScoresStayTheSame(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var clock = MovableClock.At(2026, 3, 16);
        var intake = new IntakeService(TestPlatform.Catalog, TestPlatform.Protector, db.Settings, clock);
        var ids = Enumerable.Range(0, 6).Select(i => TestPlatform.ResidentId(new DateOnly(1981, 1, 1).AddDays(i), 304)).ToList();
        await intake.RunAsync(new IntakeRequest("CIVILISATION-OFFICE", IntakeChannels.Batch, "t", "P-VOLUNTEER"),
            ids.Select((id, i) => Volunteer(10 + i, id, i % 2 == 0 ? "市级" : "国家级")).ToList(), null, Ct);
        await intake.RunAsync(new IntakeRequest("WATER-SUPPLY", IntakeChannels.Batch, "t", "P-ARREARS-WATER"),
            ids.Take(3).Select((id, i) => Arrears(200 + i, id)).ToList(), null, Ct);
        (await intake.RunAsync(new IntakeRequest("CIVILISATION-OFFICE", IntakeChannels.Batch, "t", "P-EPIDEMIC-VOLUNTEER"),
            ids.Select((id, i) => new IntakeRow(i + 1, null, new Dictionary<string, string?>
            {
                ["record_key"] = $"E-{i}", ["name"] = "孙八", ["gender"] = "男", ["id_type"] = "居民身份证", ["id_number"] = id,
                ["matter"] = "社区疫情防控志愿服务", ["determining_body"] = "市文明办", ["determined_on"] = "2025-12-01",
            }, [])).ToList(), null, Ct)).Created.ShouldBe(6);
        var subjects = await OptInAllAsync(db, clock);

        Model.Reads.Categories.ShouldContain("P-VOLUNTEER");
        Model.Reads.Categories.ShouldContain("P-ARREARS-WATER");
        Model.Reads.Categories.ShouldNotContain("P-EPIDEMIC-VOLUNTEER"); // fixed points: no field read
        var everyCategory = new ScoringReads(Model.FieldsRead, [.. Model.Rules.Select(r => r.CategoryCode)]);
        await using var context = db.NewContext();
        await context.Database.OpenConnectionAsync(Ct);
        var connection = context.Database.GetDbConnection();
        var skipping = await ScoreStore.ReadRecordsAsync(connection, null, subjects, Model.Reads, Ct);
        var reading = await ScoreStore.ReadRecordsAsync(connection, null, subjects, everyCategory, Ct);
        for (var s = 0; s < subjects.Count; s++)
        {
            skipping[s].Count.ShouldBe(reading[s].Count);
            foreach (var record in skipping[s])
            {
                var full = reading[s].Single(r => r.Id == record.Id);
                if (record.CategoryCode == "P-EPIDEMIC-VOLUNTEER")
                {
                    record.Fields.ShouldBeEmpty();
                }
                else
                {
                    record.Fields.OrderBy(f => f.Key).ShouldBe(full.Fields.OrderBy(f => f.Key));
                    record.Fields.ShouldNotBeEmpty();
                }
            }

            var asOf = new DateOnly(2026, 3, 16);
            var score = ScoreEngine.ComputeStored(skipping[s], Model, asOf);
            var expected = ScoreEngine.ComputeStored(reading[s], Model, asOf);
            (score.Score, score.Level).ShouldBe((expected.Score, expected.Level));
            // The epidemic volunteer record counts without its fields.
            ScoreEngine.ComputeStored([.. skipping[s].Where(r => r.CategoryCode != "P-EPIDEMIC-VOLUNTEER")], Model, asOf).Score.ShouldBeLessThan(score.Score);
        }
    }

    [Theory]
    [AllEngines]
    public async Task Intake_MarksOnlyOptedInSubjects_AndAnOptInDuringABatch_WaitsForIt_AndCountsItsRecords(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var clock = MovableClock.At(2026, 3, 16);
        var intake = new IntakeService(TestPlatform.Catalog, TestPlatform.Protector, db.Settings, clock);
        var scores = new ScoreService(Registry(db, clock), clock);
        var other = TestPlatform.ResidentId(new DateOnly(1990, 6, 1), 305);
        await intake.RunAsync(new IntakeRequest("CIVILISATION-OFFICE", IntakeChannels.Batch, "t", "P-VOLUNTEER"), [Volunteer(1, Adult, "市级"), Volunteer(2, other, "市级")], null, Ct);
        var adult = await SubjectId(db, Adult);
        await using (var context = db.NewContext())
        {
            await scores.OptInAsync(context, adult, "test", Ct);
        }

        // A second batch about both: only the opted-in one is marked.
        await intake.RunAsync(new IntakeRequest("WATER-SUPPLY", IntakeChannels.Batch, "t", "P-ARREARS-WATER"), [Arrears(1, Adult), Arrears(2, other)], null, Ct);
        await using (var context = db.NewContext())
        {
            (await context.RescoreQueue.AsNoTracking().Select(m => m.SubjectId).ToListAsync(Ct)).ShouldBe([adult]);
        }

        // The other resident opts in while a batch adding a record about them is between its marks and its commit
        // (on PostgreSQL it holds the opt-in lock, shared; on SQLite its write transaction is open).
        var otherId = await SubjectId(db, other);
        await using var importer = db.NewContext();
        var now = clock.GetUtcNow().UtcDateTime;
        var fields = RecordContent.ToJson(new Dictionary<string, object?> { ["rated_on"] = "2026-01-10", ["rating_body"] = "市文明办", ["honour_level"] = "国家级" });
        await using (var batch = await importer.Database.BeginTransactionAsync(Ct))
        {
            importer.Records.Add(new CreditRecord
            {
                SubjectId = otherId, UnitCode = "CIVILISATION-OFFICE", CategoryCode = "P-VOLUNTEER", RecordKey = "V-late", ActDate = new DateOnly(2026, 1, 10),
                Status = RecordStatus.InForce, FieldsJson = fields, ContentHash = "late", Version = 1, CreatedAt = now, UpdatedAt = now,
            });
            await importer.SaveChangesAsync(Ct);
            if (provider == DatabaseProvider.Postgres)
            {
                await importer.Database.ExecuteSqlRawAsync("SELECT pg_advisory_xact_lock_shared({0})", [ScoreService.OptInLock], Ct);
            }

            var optIn = Task.Run(async () =>
            {
                await using var context = db.NewContext();
                return await scores.OptInAsync(context, otherId, "test", Ct);
            }, Ct);
            await Task.Delay(700, Ct);
            optIn.IsCompleted.ShouldBeFalse(); // waits for the batch
            await batch.CommitAsync(Ct);
            var first = await optIn;
            first.Contributions.Count(c => c.CategoryCode == "P-VOLUNTEER").ShouldBe(2); // the batch's record counts
        }
    }
}
