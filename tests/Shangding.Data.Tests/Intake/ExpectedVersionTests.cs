using Microsoft.EntityFrameworkCore;
using Shangding.Core.Data;
using Shangding.Core.Intake;
using Shangding.Testing;

namespace Shangding.Data.Tests.Intake;

/// <summary>
/// A row that names the version of the record it was made from (a clerk's correction, a dispute's answer, an API record's
/// <c>expectedVersion</c>) is written only over that version: the writers compare it with the record as committed, and a
/// change someone else committed meanwhile — even while the row waited for its write — is refused, not overwritten.
/// </summary>
public sealed class ExpectedVersionTests
{
    private const string Water = "P-ARREARS-WATER";
    private const string WaterUnit = "WATER-SUPPLY";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly string Alice = TestPlatform.ResidentId(new DateOnly(1985, 4, 12), 123);
    private static readonly string Bob = TestPlatform.ResidentId(new DateOnly(1990, 11, 3), 456);
    private static readonly string Carol = TestPlatform.ResidentId(new DateOnly(1979, 1, 9), 789);

    private static IntakeService Service(TestDatabase db) =>
        new(TestPlatform.Catalog, TestPlatform.Protector, db.Settings, MovableClock.At(2026, 3, 16));

    private static IntakeRequest Request(string channel = IntakeChannels.Batch) =>
        new(WaterUnit, channel, "clerk:test", Water, ReturnRecordResults: true);

    private static IntakeRow Row(string key, string id, string name, string amount, int? expected) =>
        IntakePipelineTests.Row(1, key, id, name, ("arrears_amount", amount)) with { ExpectedVersion = expected };

    private static IntakeRow Withdrawal(string key, int? expected) =>
        new(1, null, new Dictionary<string, string?> { ["record_key"] = key, ["action"] = "撤回" }, [key]) { ExpectedVersion = expected };

    /// <summary>Rows handed over one at a time, not as a collection: they go through the three-thread pipeline of a file.</summary>
    private static IEnumerable<IntakeRow> AsFile(params IntakeRow[] rows)
    {
        foreach (var row in rows)
        {
            yield return row;
        }
    }

    private static decimal Amount(string fieldsJson) =>
        System.Text.Json.JsonDocument.Parse(fieldsJson).RootElement.GetProperty("arrears_amount").GetDecimal();

    [Theory]
    [AllEngines]
    public async Task ARowMadeFromAnOlderVersion_IsRefusedWithTheVersionNow_AndChangesNothing_WhileTheRightVersionIsStored(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var service = Service(db);
        (await service.RunAsync(Request(), [Row("W-1", Alice, "王小明", "1234.50", null)], null, Ct)).Created.ShouldBe(1);
        // Someone else's change (a file sent again): version 2.
        (await service.RunAsync(Request(), [Row("W-1", Alice, "王小明", "99", null)], null, Ct)).Updated.ShouldBe(1);

        // A correction made from version 1, in a batch with a row that expects nothing (read as a file is: the pipeline).
        var correction = Request(IntakeChannels.Correction);
        var stale = await service.RunAsync(correction, AsFile(Row("W-2", Bob, "李华", "10", null), Row("W-1", Alice, "王小明", "77", 1) with { RowNumber = 2 }), null, Ct);
        (stale.Status, stale.Created, stale.Updated, stale.Rejected).ShouldBe(("Committed", 1, 0, 1));
        stale.Records[0].Outcome.ShouldBe(RecordOutcome.Created);
        var reason = stale.Records[1].Reasons.ShouldHaveSingleItem();
        reason.Code.ShouldBe("version_changed");
        reason.MessageZh.ShouldContain("编号为“W-1”的记录已被修改（现为第 2 版，您依据的是第 1 版）");
        reason.MessageZh.ShouldContain("请刷新后");
        reason.MessageEn.ShouldContain("The record with key 'W-1' was changed meanwhile (it is now version 2; your change was made from version 1)");

        // A withdrawal made from version 1 (a few rows in memory: staged on the caller's thread).
        var staleWithdrawal = await service.RunAsync(correction, [Withdrawal("W-1", 1)], null, Ct);
        (staleWithdrawal.Withdrawn, staleWithdrawal.Rejected).ShouldBe((0, 1));
        staleWithdrawal.Records.Single().Reasons.Single().Code.ShouldBe("version_changed");

        // A record that is not there (any more) is not created by a row expecting it, nor is its new subject left behind.
        var gone = await service.RunAsync(correction, [Row("W-9", Carol, "赵敏", "5", 1)], null, Ct);
        (gone.Created, gone.Rejected).ShouldBe((0, 1));
        gone.Records.Single().Reasons.Single().Code.ShouldBe("version_changed");
        gone.Records.Single().Reasons.Single().MessageZh.ShouldContain("编号为“W-9”的记录已不存在");
        gone.Records.Single().Reasons.Single().MessageEn.ShouldContain("There is no longer a record with key 'W-9'");

        await using (var context = db.NewContext())
        {
            var record = await context.Records.AsNoTracking().SingleAsync(r => r.RecordKey == "W-1", Ct);
            (record.Version, record.Status).ShouldBe((2, RecordStatus.InForce));
            Amount(record.FieldsJson).ShouldBe(99m);
            (await context.Records.AnyAsync(r => r.RecordKey == "W-9", Ct)).ShouldBeFalse();
            var carol = TestPlatform.Protector.LookupHash(Carol);
            (await context.Subjects.AnyAsync(s => s.IdHash == carol, Ct)).ShouldBeFalse();
            // History: W-1 created and updated, W-2 created; nothing from the refused rows.
            (await context.RecordChanges.CountAsync(Ct)).ShouldBe(3);
            (await context.RecordChanges.CountAsync(c => c.BatchId == staleWithdrawal.BatchId || c.BatchId == gone.BatchId, Ct)).ShouldBe(0);
            (await context.RecordChanges.CountAsync(c => c.BatchId == stale.BatchId, Ct)).ShouldBe(1);
            var rejects = await context.IntakeRejects.AsNoTracking().OrderBy(r => r.BatchId).ThenBy(r => r.RowNumber).ToListAsync(Ct);
            rejects.Select(r => r.RecordKey).ShouldBe(["W-1", "W-1", "W-9"]);
            rejects.ShouldAllBe(r => r.ReasonsJson.Contains("version_changed"));
        }

        // Made from the version the record has: stored, as any correction.
        var right = await service.RunAsync(correction, [Row("W-1", Alice, "王小明", "77", 2)], null, Ct);
        (right.Updated, right.Rejected).ShouldBe((1, 0));
        var withdrawn = await service.RunAsync(correction, [Withdrawal("W-1", 3)], null, Ct);
        (withdrawn.Withdrawn, withdrawn.Rejected).ShouldBe((1, 0));
        var restored = await service.RunAsync(correction, AsFile(Row("W-1", Alice, "王小明", "77", 4)), null, Ct);
        (restored.Updated, restored.Rejected).ShouldBe((1, 0));
        await using (var context = db.NewContext())
        {
            var record = await context.Records.AsNoTracking().SingleAsync(r => r.RecordKey == "W-1", Ct);
            (record.Version, record.Status).ShouldBe((5, RecordStatus.InForce));
            Amount(record.FieldsJson).ShouldBe(77m);
            (await context.RecordChanges.Where(c => c.RecordId == record.Id).OrderBy(c => c.Id).Select(c => c.Action).ToListAsync(Ct))
                .ShouldBe([RecordAction.Created, RecordAction.Updated, RecordAction.Updated, RecordAction.Withdrawn, RecordAction.Restored]);
        }
    }

    /// <summary>
    /// The window the record page's own check leaves: another writer changes the record after the row was made and commits
    /// while the row's batch is on its way to writing it. SQLite: the other writer holds the write lock the batch waits for.
    /// PostgreSQL: the other transaction has changed the record, uncommitted, when the batch looks it up — a look-up that
    /// does not wait for it would read the old version, find it as expected, and write over the change once it commits.
    /// </summary>
    [Theory]
    [AllEngines]
    public async Task AChangeCommittedWhileTheRowWaitsToBeWritten_IsNotOverwritten(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var service = Service(db);
        (await service.RunAsync(Request(), [Row("W-1", Alice, "王小明", "1234.50", null)], null, Ct)).Created.ShouldBe(1);

        // The other writer: its change made, not yet committed.
        await using var other = await OtherWriter.BeginAsync(provider, db);
        (await other.ExecuteAsync(provider == DatabaseProvider.Sqlite
            ? "UPDATE credit_records SET version = 2, fields = json_set(fields, '$.arrears_amount', 99), content_hash = 'someone-else' WHERE record_key = 'W-1'"
            : "UPDATE credit_records SET version = 2, fields = jsonb_set(fields, '{arrears_amount}', '99'), content_hash = 'someone-else' WHERE record_key = 'W-1'")).ShouldBe(1);

        // On a thread of its own: SQLite's waits for its write lock are synchronous.
        var correcting = Task.Run(() => service.RunAsync(Request(IntakeChannels.Correction), [Row("W-1", Alice, "王小明", "77", 1)], null, Ct), Ct);
        await WaitUntilTheBatchWaitsAsync(provider, db, correcting);
        await other.CommitAsync();
        var result = await correcting;

        (result.Updated, result.Rejected).ShouldBe((0, 1));
        var reason = result.Records.Single().Reasons.ShouldHaveSingleItem();
        reason.Code.ShouldBe("version_changed");
        reason.MessageEn.ShouldContain("it is now version 2; your change was made from version 1");
        await using var context = db.NewContext();
        var record = await context.Records.AsNoTracking().SingleAsync(Ct);
        (record.Version, record.ContentHash).ShouldBe((2, "someone-else"));
        Amount(record.FieldsJson).ShouldBe(99m);
        (await context.RecordChanges.CountAsync(c => c.BatchId == result.BatchId, Ct)).ShouldBe(0);
    }

    /// <summary>
    /// The same window for rows that expect no version (a file or an API batch sent while another batch changes the same
    /// records): they are not refused, but they are written over the change as committed. Their history row gives the
    /// version after that change and the change's fields as "before" — not the version and fields the batch first read,
    /// which left two history rows with one version and a record a version ahead of its history on PostgreSQL.
    /// </summary>
    [Theory]
    [AllEngines]
    public async Task RowsWithoutAnExpectedVersion_AreWrittenOverAChangeCommittedMeanwhile_WithTheirHistoryInStep(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var service = Service(db);
        var first = await service.RunAsync(Request(), [Row("W-1", Alice, "王小明", "1234.50", null), Row("W-2", Bob, "李华", "10", null) with { RowNumber = 2 }], null, Ct);
        first.Created.ShouldBe(2);

        await using var other = await OtherWriter.BeginAsync(provider, db);
        (await other.ExecuteAsync(provider == DatabaseProvider.Sqlite
            ? "UPDATE credit_records SET version = 2, fields = json_set(fields, '$.arrears_amount', 99), content_hash = 'someone-else'"
            : "UPDATE credit_records SET version = 2, fields = jsonb_set(fields, '{arrears_amount}', '99'), content_hash = 'someone-else'")).ShouldBe(2);

        // W-1 changed again, W-2 withdrawn, neither naming a version.
        var sending = Task.Run(() => service.RunAsync(Request(IntakeChannels.Api), [Row("W-1", Alice, "王小明", "77", null), Withdrawal("W-2", null) with { RowNumber = 2 }], null, Ct), Ct);
        await WaitUntilTheBatchWaitsAsync(provider, db, sending);
        await other.CommitAsync();
        var result = await sending;

        (result.Status, result.Updated, result.Withdrawn, result.Rejected).ShouldBe(("Committed", 1, 1, 0));
        result.Records.Select(r => (r.Outcome, r.Version)).ShouldBe([(RecordOutcome.Updated, 3), (RecordOutcome.Withdrawn, 3)]);
        await using var context = db.NewContext();
        var records = await context.Records.AsNoTracking().OrderBy(r => r.RecordKey).ToListAsync(Ct);
        records.Select(r => (r.RecordKey, r.Version, r.Status)).ShouldBe([("W-1", 3, RecordStatus.InForce), ("W-2", 3, RecordStatus.Withdrawn)]);
        Amount(records[0].FieldsJson).ShouldBe(77m);
        var history = await context.RecordChanges.AsNoTracking().Where(c => c.BatchId == result.BatchId).OrderBy(c => c.RecordId).ToListAsync(Ct);
        history.Select(c => (c.RecordId, c.Version, c.Action)).ShouldBe([(records[0].Id, 3, RecordAction.Updated), (records[1].Id, 3, RecordAction.Withdrawn)]);
        history.ShouldAllBe(c => c.BeforeJson != null && Amount(c.BeforeJson) == 99m);
        Amount(history[0].AfterJson!).ShouldBe(77m);
    }

    /// <summary>
    /// Two batches creating the same record key at once. SQLite: the batch waits for the other writer, then finds the record
    /// and updates it. PostgreSQL: the batch looked the key up before the other committed, and its insert, having waited
    /// for the other, finds the key taken — the batch is refused whole with a message that says what happened and to send it
    /// again (not a bare failure), and sent again it updates the record.
    /// </summary>
    [Theory]
    [AllEngines]
    public async Task ARecordCreatedByAnotherBatchMeanwhile_IsUpdated_OrTheBatchIsRefusedWhole_SayingToSendItAgain(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var service = Service(db);
        (await service.RunAsync(Request(), [Row("W-1", Alice, "王小明", "1234.50", null)], null, Ct)).Created.ShouldBe(1);

        // The other batch's new record W-2, of the same subject, not yet committed.
        await using var other = await OtherWriter.BeginAsync(provider, db);
        await other.CreateRecordLikeAsync("W-1", "W-2");

        // This batch: a new record W-3, and W-2, not on file when it looks.
        IntakeRow[] rows = [Row("W-3", Bob, "李华", "5", null), Row("W-2", Alice, "王小明", "88", null) with { RowNumber = 2 }];
        var sending = Task.Run(() => service.RunAsync(Request(IntakeChannels.Api), rows, null, Ct), Ct);
        await WaitUntilTheBatchWaitsAsync(provider, db, sending);
        await other.CommitAsync();

        if (provider == DatabaseProvider.Sqlite)
        {
            var result = await sending;
            (result.Created, result.Updated).ShouldBe((1, 1));
        }
        else
        {
            var refused = await Should.ThrowAsync<RecordCreatedMeanwhileException>(sending);
            refused.Message.ShouldContain("另一批次在同一时刻新建了本批次中某个编号的记录，本批次未保存任何记录");
            refused.Message.ShouldContain("nothing of this batch was stored. Send it again");
            await using (var context = db.NewContext())
            {
                var batch = await context.IntakeBatches.AsNoTracking().OrderByDescending(b => b.Id).FirstAsync(Ct);
                (batch.Status, batch.Message).ShouldBe((BatchStatus.Refused, refused.Message));
                (await context.Records.AnyAsync(r => r.RecordKey == "W-3", Ct)).ShouldBeFalse();
                (await context.RecordChanges.AnyAsync(c => c.BatchId == batch.Id, Ct)).ShouldBeFalse();
                var bob = TestPlatform.Protector.LookupHash(Bob);
                (await context.Subjects.AnyAsync(s => s.IdHash == bob, Ct)).ShouldBeFalse();
            }

            var again = await service.RunAsync(Request(IntakeChannels.Api), rows, null, Ct);
            (again.Created, again.Updated).ShouldBe((1, 1));
        }

        await using var check = db.NewContext();
        var w2 = await check.Records.AsNoTracking().SingleAsync(r => r.RecordKey == "W-2", Ct);
        w2.Version.ShouldBe(2);
        Amount(w2.FieldsJson).ShouldBe(88m);
        (await check.RecordChanges.Where(c => c.RecordId == w2.Id).Select(c => c.Version).ToListAsync(Ct)).ShouldBe([2]);
    }

    /// <summary>
    /// PostgreSQL: a batch's COPY that waits on another writer longer than the connection string's Command Timeout (Npgsql's
    /// default is 30 s; here 1 s) still waits, as its other statements do (they run without a timeout): a COPY stream took
    /// its timeouts from the connection string, and a timed-out COPY broke the connection — the batch "Failed" with a bare
    /// NpgsqlException instead of being told that another batch created the record meanwhile.
    /// </summary>
    [Fact]
    public async Task ACopyThatWaitsOnAnotherWriter_OutlastsTheConnectionsCommandTimeout()
    {
        await using var db = await TestDatabase.CreateAsync(DatabaseProvider.Postgres);
        var settings = db.Settings with
        {
            ConnectionString = new Npgsql.NpgsqlConnectionStringBuilder(db.Settings.ConnectionString) { CommandTimeout = 1 }.ToString(),
        };
        var service = new IntakeService(TestPlatform.Catalog, TestPlatform.Protector, settings, MovableClock.At(2026, 3, 16));
        (await service.RunAsync(Request(), [Row("W-1", Alice, "王小明", "1234.50", null)], null, Ct)).Created.ShouldBe(1);

        await using var other = await OtherWriter.BeginAsync(DatabaseProvider.Postgres, db);
        await other.CreateRecordLikeAsync("W-1", "W-2");

        var sending = Task.Run(() => service.RunAsync(Request(IntakeChannels.Api), [Row("W-2", Alice, "王小明", "88", null)], null, Ct), Ct);
        await WaitUntilTheBatchWaitsAsync(DatabaseProvider.Postgres, db, sending);
        await Task.Delay(TimeSpan.FromSeconds(2.5), Ct);
        sending.IsCompleted.ShouldBeFalse("the batch stopped waiting for the other writer");
        await other.CommitAsync();

        var refused = await Should.ThrowAsync<RecordCreatedMeanwhileException>(sending);
        refused.Message.ShouldContain("nothing of this batch was stored. Send it again");
        (await service.RunAsync(Request(IntakeChannels.Api), [Row("W-2", Alice, "王小明", "88", null)], null, Ct)).Updated.ShouldBe(1);
    }

    /// <summary>
    /// Another writer creates a subject that a batch is creating too. SQLite: the batch waits for the other writer, then finds
    /// the subject on file. PostgreSQL: the batch's insert of its new subjects waits for the other's uncommitted row, and when
    /// the other commits it leaves that subject to it and finds it — the batch is stored, its record under the subject the
    /// other writer created, with no second subject.
    /// </summary>
    [Theory]
    [AllEngines]
    public async Task ASubjectCreatedByAnotherWriterMeanwhile_IsTheOneTheBatchUses(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var service = Service(db);
        (await service.RunAsync(Request(), [Row("W-1", Alice, "王小明", "1234.50", null)], null, Ct)).Created.ShouldBe(1);
        var carol = TestPlatform.ResidentId(new DateOnly(1979, 2, 8), 789);
        var carolHash = TestPlatform.Protector.LookupHash(carol);

        await using var other = await OtherWriter.BeginAsync(provider, db);
        (await other.ExecuteAsync($"""
            INSERT INTO subjects (kind, cert_type, id_hash, id_cipher, id_masked, name, created_at, updated_at)
            VALUES ('Person', 'ResidentId', '{carolHash}', '{TestPlatform.Protector.Encrypt(carol)}', 'x', '张三', '2026-01-01', '2026-01-01')
            """)).ShouldBe(1);

        // Dave is new to both; Carol is new to the batch when it looks.
        var dave = TestPlatform.ResidentId(new DateOnly(1980, 3, 9), 456);
        IntakeRow[] rows = [Row("W-8", dave, "赵六", "6", null), Row("W-9", carol, "张三", "5", null) with { RowNumber = 2 }];
        var sending = Task.Run(() => service.RunAsync(Request(IntakeChannels.Api), rows, null, Ct), Ct);
        await WaitUntilTheBatchWaitsAsync(provider, db, sending);
        await other.CommitAsync();
        var result = await sending;

        (result.Status, result.Created, result.NameConflicts).ShouldBe(("Committed", 2, 0));
        await using var context = db.NewContext();
        var carols = await context.Subjects.AsNoTracking().Where(s => s.IdHash == carolHash).ToListAsync(Ct);
        carols.Count.ShouldBe(1);
        (await context.Records.AsNoTracking().SingleAsync(r => r.RecordKey == "W-9", Ct)).SubjectId.ShouldBe(carols[0].Id);
        var daveHash = TestPlatform.Protector.LookupHash(dave);
        var daveId = (await context.Subjects.AsNoTracking().SingleAsync(s => s.IdHash == daveHash, Ct)).Id;
        (await context.Records.AsNoTracking().SingleAsync(r => r.RecordKey == "W-8", Ct)).SubjectId.ShouldBe(daveId);
        (await context.Subjects.CountAsync(Ct)).ShouldBe(3);
    }

    /// <summary>
    /// PostgreSQL: a batch that deadlocks with another writer — it holds a new subject the other is inserting, the other
    /// holds a record it is changing — is the one chosen to give way. It is refused whole with a message that says what
    /// happened and to send it again (a CLI import prints it instead of a stack trace; the web app answers 503), not a bare
    /// "Failed: PostgresException"; sent again it is stored.
    /// </summary>
    [Fact]
    public async Task ABatchDeadlockedWithAnotherWriter_IsRefusedWhole_SayingToSendItAgain()
    {
        await using var db = await DatabaseWithW1Async();
        var service = Service(db);
        var carol = NewPerson;

        await using var other = await OtherWriterChangingW1Async(db);

        // The batch inserts Carol as a new subject, then waits for W-1.
        IntakeRow[] rows = [Row("W-9", carol, "张三", "5", null), Row("W-1", Alice, "王小明", "77", null) with { RowNumber = 2 }];
        var sending = Task.Run(() => service.RunAsync(Request(IntakeChannels.Api), rows, null, Ct), Ct);
        await WaitUntilTheBatchWaitsAsync(DatabaseProvider.Postgres, db, sending);
        // The other writer inserts Carol too, and waits for the batch's uncommitted row: a deadlock.
        var inserting = InsertSubjectAsync(other, carol);

        var refused = await Should.ThrowAsync<BatchContendedException>(sending);
        refused.InnerException.ShouldBeOfType<Npgsql.PostgresException>().SqlState.ShouldBe(Npgsql.PostgresErrorCodes.DeadlockDetected);
        refused.Message.ShouldBe(BatchContendedException.Zh + " / " + BatchContendedException.En);
        refused.Message.ShouldContain("本批次未保存任何记录。请稍后重新提交");
        (await inserting).ShouldBe(1);
        await other.RollbackAsync();

        await using (var context = db.NewContext())
        {
            var batch = await context.IntakeBatches.AsNoTracking().OrderByDescending(b => b.Id).FirstAsync(Ct);
            (batch.Status, batch.Message).ShouldBe((BatchStatus.Refused, refused.Message));
            (await context.Records.AnyAsync(r => r.RecordKey == "W-9", Ct)).ShouldBeFalse();
            (await context.Records.SingleAsync(r => r.RecordKey == "W-1", Ct)).Version.ShouldBe(1);
            var carolHash = TestPlatform.Protector.LookupHash(carol);
            (await context.Subjects.AnyAsync(s => s.IdHash == carolHash, Ct)).ShouldBeFalse();
        }

        var again = await service.RunAsync(Request(IntakeChannels.Api), rows, null, Ct);
        (again.Created, again.Updated).ShouldBe((1, 1));
    }

    /// <summary>
    /// PostgreSQL: an uploaded file whose batch deadlocks with another writer and gives way is not handed back to the clerk:
    /// the file is sent again as a new batch, which waits for the other writer instead and is stored; the batch that gave
    /// way says so, and says nothing was stored of it.
    /// </summary>
    [Fact]
    public async Task AFileWhoseBatchGaveWayInADeadlock_IsSentAgain_AndStored()
    {
        await using var db = await DatabaseWithW1Async();
        var service = Service(db);
        var carol = NewPerson;
        var csv = DeadlockCsv(carol);

        await using var other = await OtherWriterChangingW1Async(db);

        var running = await RunningBatchAsync(db);

        var started = new System.Collections.Concurrent.ConcurrentQueue<long>();
        var import = new FileImport(service, Shangding.Core.Intake.Files.IntakeFileLimits.Default);
        var sending = Task.Run(() => import.RunAsync(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(csv)), "arrears.csv", WaterUnit, Water, "clerk:test",
            null, Ct, started.Enqueue), Ct);
        // The batch inserts Carol as a new subject, then waits for W-1; the other writer inserts Carol too, and waits for
        // the batch's uncommitted row: a deadlock, which the batch gives way in.
        await WaitUntilTheBatchWaitsAsync(DatabaseProvider.Postgres, db, sending);
        var inserting = InsertSubjectAsync(other, carol);
        (await inserting).ShouldBe(1);

        // The file waits for the batches running when it gave way to end before it is sent again; its first batch says so.
        await WaitForTheFirstBatchToSayAsync(db, IntakeService.SentAgainMessage);
        await Task.Delay(1_000, Ct);
        started.Count.ShouldBe(1);
        await EndAsync(db, running);

        // Sent again, the file's new batch waits for the other writer's Carol; the other writer then gives up its changes.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (started.Count < 2)
        {
            sending.IsCompleted.ShouldBeFalse("the file was not sent again");
            DateTime.UtcNow.ShouldBeLessThan(deadline, "the file was not sent again");
            await Task.Delay(20, Ct);
        }

        await WaitUntilTheBatchWaitsAsync(DatabaseProvider.Postgres, db, sending);
        await other.RollbackAsync();
        var result = await sending;

        (result.Status, result.Created, result.Updated, result.Rejected).ShouldBe(("Committed", 1, 1, 0));
        started.ToArray().ShouldBe([started.First(), result.BatchId]);
        await using var check = db.NewContext();
        var batches = await check.IntakeBatches.AsNoTracking().Where(b => b.FileName == "arrears.csv").OrderBy(b => b.Id).ToListAsync(Ct);
        batches.Select(b => (b.Id, b.Status, b.Message)).ShouldBe([
            (started.First(), BatchStatus.Refused, IntakeService.SentAgainMessage),
            (result.BatchId, BatchStatus.Committed, (string?)null),
        ]);
        var carolHash = TestPlatform.Protector.LookupHash(carol);
        (await check.Subjects.CountAsync(s => s.IdHash == carolHash, Ct)).ShouldBe(1);
        var w1 = await check.Records.AsNoTracking().SingleAsync(r => r.RecordKey == "W-1", Ct);
        (w1.Version, Amount(w1.FieldsJson)).ShouldBe((2, 77m));

    }

    /// <summary>
    /// PostgreSQL: a file whose batch gave way and that is cancelled before it is sent again — here when its wait for the
    /// other batches is over and it is read again, before its new batch's row — leaves its batch saying it was cancelled,
    /// not that its file was sent again.
    /// </summary>
    [Fact]
    public async Task AFileCancelledBeforeItIsSentAgain_LeavesItsBatchSayingSo()
    {
        await using var db = await DatabaseWithW1Async();
        var service = Service(db);
        var carol = NewPerson;
        await using var other = await OtherWriterChangingW1Async(db);
        var running = await RunningBatchAsync(db);

        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var file = new CancelledWhenReadOnceArmed(System.Text.Encoding.UTF8.GetBytes(DeadlockCsv(carol)), cancel);
        var import = new FileImport(service, Shangding.Core.Intake.Files.IntakeFileLimits.Default);
        var sending = Task.Run(() => import.RunAsync(file, "arrears.csv", WaterUnit, Water, "clerk:test", null, cancel.Token), Ct);
        await WaitUntilTheBatchWaitsAsync(DatabaseProvider.Postgres, db, sending);
        (await InsertSubjectAsync(other, carol)).ShouldBe(1);
        await WaitForTheFirstBatchToSayAsync(db, IntakeService.SentAgainMessage);
        file.Armed = true;
        await EndAsync(db, running);
        try
        {
            await sending;
            throw new ShouldAssertException("the import was not cancelled");
        }
        catch (OperationCanceledException)
        {
        }

        file.Cancelled.ShouldBeTrue();
        await other.RollbackAsync();
        await using var check = db.NewContext();
        var batch = await check.IntakeBatches.AsNoTracking().SingleAsync(b => b.FileName == "arrears.csv", Ct);
        (batch.Status, batch.Message).ShouldBe((BatchStatus.Refused, IntakeService.CancelledMessage));
        (await check.Records.CountAsync(Ct)).ShouldBe(1);
    }

    /// <summary>Another unit's big file importing meanwhile: its batch row Running (its process holds no lock a sweep would miss).</summary>
    private static async Task<long> RunningBatchAsync(TestDatabase db)
    {
        await using var context = db.NewContext();
        var batch = new IntakeBatch
        {
            UnitCode = WaterUnit, Channel = IntakeChannels.Batch, Actor = "clerk:other", Status = BatchStatus.Running, StartedAt = DateTime.UtcNow,
            FileName = "another.xlsx",
        };
        context.IntakeBatches.Add(batch);
        await context.SaveChangesAsync(Ct);
        return batch.Id;
    }

    private static async Task EndAsync(TestDatabase db, long batchId)
    {
        await using var context = db.NewContext();
        await context.IntakeBatches.Where(b => b.Id == batchId).ExecuteUpdateAsync(u => u.SetProperty(b => b.Status, BatchStatus.Committed), Ct);
    }

    /// <summary>Until the first batch of arrears.csv says <paramref name="message"/>.</summary>
    private static async Task WaitForTheFirstBatchToSayAsync(TestDatabase db, string message)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            await using (var context = db.NewContext())
            {
                if (await context.IntakeBatches.AsNoTracking().Where(b => b.FileName == "arrears.csv").OrderBy(b => b.Id).Select(b => b.Message)
                        .FirstOrDefaultAsync(Ct) == message)
                {
                    return;
                }
            }

            DateTime.UtcNow.ShouldBeLessThan(deadline, $"the first batch does not say: {message}");
            await Task.Delay(20, Ct);
        }
    }

    /// <summary>The file of the deadlock tests: a new subject (W-9), then W-1, which the other writer is changing.</summary>
    private static string DeadlockCsv(string carol) =>
        "record_key,name,id_type,id_number,customer_address,arrears_from,arrears_counted_to,arrears_quantity,arrears_amount,determining_body,determined_on\n"
        + $"W-9,张三,居民身份证,{carol},郑州市金水区花园路 1 号,2025-06-01,2026-02-28,120.5,5,市自来水公司,2026-03-02\n"
        + $"W-1,王小明,居民身份证,{Alice},郑州市金水区花园路 1 号,2025-06-01,2026-02-28,120.5,77,市自来水公司,2026-03-02\n";

    /// <summary>A file whose next reading, once armed, cancels the import (as a clerk's cancel would land then).</summary>
    private sealed class CancelledWhenReadOnceArmed(byte[] bytes, CancellationTokenSource cancel) : MemoryStream(bytes)
    {
        public volatile bool Armed;

        public bool Cancelled { get; private set; }

        public override int Read(byte[] buffer, int offset, int count)
        {
            CancelIfArmed();
            return base.Read(buffer, offset, count);
        }

        public override int Read(Span<byte> buffer)
        {
            CancelIfArmed();
            return base.Read(buffer);
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            CancelIfArmed();
            return base.ReadAsync(buffer, cancellationToken);
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            CancelIfArmed();
            return base.ReadAsync(buffer, offset, count, cancellationToken);
        }

        private void CancelIfArmed()
        {
            if (Armed)
            {
                Cancelled = true;
                cancel.Cancel();
                throw new OperationCanceledException(cancel.Token);
            }
        }
    }

    /// <summary>PostgreSQL, for the deadlock tests: a fresh database with Alice's W-1 on file.</summary>
    private static async Task<TestDatabase> DatabaseWithW1Async()
    {
        var db = await TestDatabase.CreateAsync(DatabaseProvider.Postgres);
        (await Service(db).RunAsync(Request(), [Row("W-1", Alice, "王小明", "1234.50", null)], null, Ct)).Created.ShouldBe(1);
        return db;
    }

    /// <summary>Someone not on file, whom a deadlock test's batch and its other writer both create.</summary>
    private static readonly string NewPerson = TestPlatform.ResidentId(new DateOnly(1979, 2, 8), 789);

    /// <summary>
    /// PostgreSQL: another writer changing W-1, uncommitted. It waits long before it looks for a deadlock, so a batch that
    /// then waits for it first is the one that gives way in one.
    /// </summary>
    private static async Task<OtherWriter> OtherWriterChangingW1Async(TestDatabase db)
    {
        var other = await OtherWriter.BeginAsync(DatabaseProvider.Postgres, db);
        await other.ExecuteAsync("SET deadlock_timeout = '20s'");
        (await other.ExecuteAsync("UPDATE credit_records SET version = 2, content_hash = 'someone-else' WHERE record_key = 'W-1'")).ShouldBe(1);
        return other;
    }

    /// <summary>The other writer inserts a subject as a batch does (waiting for a batch's uncommitted one with the same ID number).</summary>
    private static Task<int> InsertSubjectAsync(OtherWriter other, string id) => other.ExecuteAsync($"""
        INSERT INTO subjects (kind, cert_type, id_hash, id_cipher, id_masked, name, created_at, updated_at)
        VALUES ('Person', 'ResidentId', '{TestPlatform.Protector.LookupHash(id)}', 'x', 'x', '张三', now(), now())
        ON CONFLICT (id_hash) DO NOTHING
        """);

    /// <summary>Another writer's transaction on a connection of its own: its changes made, uncommitted until <see cref="CommitAsync"/>.</summary>
    private sealed class OtherWriter : IAsyncDisposable
    {
        private System.Data.Common.DbConnection _connection = null!;
        private System.Data.Common.DbTransaction _transaction = null!;

        public static async Task<OtherWriter> BeginAsync(DatabaseProvider provider, TestDatabase db)
        {
            var writer = new OtherWriter();
            writer._connection = provider == DatabaseProvider.Sqlite
                ? new Microsoft.Data.Sqlite.SqliteConnection(db.Settings.ConnectionString)
                : new Npgsql.NpgsqlConnection(db.Settings.ConnectionString);
            await writer._connection.OpenAsync(Ct);
            writer._transaction = provider == DatabaseProvider.Sqlite
                ? ((Microsoft.Data.Sqlite.SqliteConnection)writer._connection).BeginTransaction(deferred: false)
                : await writer._connection.BeginTransactionAsync(Ct);
            return writer;
        }

        public async Task<int> ExecuteAsync(string sql)
        {
            await using var command = _connection.CreateCommand();
            command.Transaction = _transaction;
            command.CommandText = sql;
            return await command.ExecuteNonQueryAsync(Ct);
        }

        /// <summary>Creates the record <paramref name="key"/>, uncommitted: a copy of <paramref name="like"/> under another key, as another batch would.</summary>
        public async Task CreateRecordLikeAsync(string like, string key) =>
            (await ExecuteAsync($"""
                INSERT INTO credit_records (subject_id, unit_code, category_code, record_key, act_date, severity, status, fields, content_hash, version, created_at, updated_at)
                SELECT subject_id, unit_code, category_code, '{key}', act_date, severity, status, fields, 'someone-else', 1, created_at, updated_at FROM credit_records WHERE record_key = '{like}'
                """)).ShouldBe(1);

        public Task CommitAsync() => _transaction.CommitAsync(Ct);

        public Task RollbackAsync() => _transaction.RollbackAsync(Ct);

        public async ValueTask DisposeAsync()
        {
            await _transaction.DisposeAsync();
            await _connection.DisposeAsync();
        }
    }

    /// <summary>
    /// Until the batch has begun its write and waits for the other writer: on SQLite it holds this process's write gate (and
    /// then waits for SQLite's lock); on PostgreSQL one of its statements waits for a lock.
    /// </summary>
    private static async Task WaitUntilTheBatchWaitsAsync(DatabaseProvider provider, TestDatabase db, Task batch)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        await using var probe = provider == DatabaseProvider.Sqlite
            ? (System.Data.Common.DbConnection)new Microsoft.Data.Sqlite.SqliteConnection(db.Settings.ConnectionString)
            : new Npgsql.NpgsqlConnection(db.Settings.ConnectionString);
        await probe.OpenAsync(Ct);
        while (true)
        {
            batch.IsCompleted.ShouldBeFalse("the batch did not wait for the other writer");
            if (provider == DatabaseProvider.Sqlite)
            {
                if (SqliteIntakeWriter.WriteGateHeld((Microsoft.Data.Sqlite.SqliteConnection)probe))
                {
                    return;
                }
            }
            else
            {
                await using var command = probe.CreateCommand();
                command.CommandText = """
                    SELECT count(*) FROM pg_stat_activity
                    WHERE datname = current_database() AND application_name LIKE '%intake' AND wait_event_type = 'Lock'
                    """;
                if (Convert.ToInt64(await command.ExecuteScalarAsync(Ct), System.Globalization.CultureInfo.InvariantCulture) > 0)
                {
                    return;
                }
            }

            DateTime.UtcNow.ShouldBeLessThan(deadline, "the batch never came to wait for the other writer");
            await Task.Delay(20, Ct);
        }
    }

    [Theory]
    [AllEngines]
    public async Task EachRecordsResult_GivesTheVersionItLeftTheRecordAt(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var service = Service(db);
        async Task<(RecordOutcome, int?)> SendAsync(IntakeRow row) =>
            (await service.RunAsync(Request(IntakeChannels.Api), [row], null, Ct)).Records.Single() is var r ? (r.Outcome, r.Version) : default;

        (await SendAsync(Row("V-1", Alice, "王小明", "10", null))).ShouldBe((RecordOutcome.Created, 1));
        (await SendAsync(Row("V-1", Alice, "王小明", "20", null))).ShouldBe((RecordOutcome.Updated, 2));
        (await SendAsync(Row("V-1", Alice, "王小明", "20", 2))).ShouldBe((RecordOutcome.Unchanged, 2));
        (await SendAsync(Row("V-1", Alice, "王小明", "30", 1))).ShouldBe((RecordOutcome.Rejected, 2)); // version_changed: the version now
        (await SendAsync(Withdrawal("V-1", 2))).ShouldBe((RecordOutcome.Withdrawn, 3));
        (await SendAsync(Row("V-1", Alice, "王小明", "30", 3))).ShouldBe((RecordOutcome.Updated, 4)); // restored
        (await SendAsync(Row("V-1", Bob, "李华", "30", null))).ShouldBe((RecordOutcome.Rejected, null)); // another person: no version
        (await SendAsync(Withdrawal("V-9", null))).ShouldBe((RecordOutcome.Rejected, null));

        await using var context = db.NewContext();
        (await context.Records.AsNoTracking().SingleAsync(r => r.RecordKey == "V-1", Ct)).Version.ShouldBe(4);
    }
}
