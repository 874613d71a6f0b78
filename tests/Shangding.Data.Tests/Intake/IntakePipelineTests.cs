using Microsoft.EntityFrameworkCore;
using Shangding.Core.Data;
using Shangding.Core.Intake;
using Shangding.Testing;

namespace Shangding.Data.Tests.Intake;

public sealed class IntakePipelineTests
{
    private const string Water = "P-ARREARS-WATER";
    private const string WaterUnit = "WATER-SUPPLY";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly string Alice = TestPlatform.ResidentId(new DateOnly(1985, 4, 12), 123);
    private static readonly string Bob = TestPlatform.ResidentId(new DateOnly(1990, 11, 3), 456);

    private static IntakeService Service(TestDatabase db, MovableClock? clock = null) =>
        new(TestPlatform.Catalog, TestPlatform.Protector, db.Settings, clock ?? MovableClock.At(2026, 3, 16));

    private static IntakeRequest Request(string channel = IntakeChannels.Batch, string? key = null, bool results = true) =>
        new(WaterUnit, channel, "clerk:test", Water, IdempotencyKey: key, ReturnRecordResults: results);

    /// <summary>A water-arrears row; pass overrides to spoil one field.</summary>
    internal static IntakeRow Row(int number, string key, string id, string name = "王小明", params (string Code, string? Value)[] overrides)
    {
        var values = new Dictionary<string, string?>
        {
            ["record_key"] = key,
            ["name"] = name,
            ["id_type"] = "居民身份证",
            ["id_number"] = id,
            ["customer_address"] = "郑州市金水区花园路 1 号",
            ["arrears_from"] = "2025-06-01",
            ["arrears_counted_to"] = "2026-02-28",
            ["arrears_quantity"] = "120.5",
            ["arrears_amount"] = "1,234.50",
            ["determining_body"] = "市自来水公司",
            ["determined_on"] = "2026-03-02",
        };
        foreach (var (code, value) in overrides)
        {
            values[code] = value;
        }

        return new IntakeRow(number, null, values, values.Values.ToArray());
    }

    private static decimal Amount(string fieldsJson) =>
        System.Text.Json.JsonDocument.Parse(fieldsJson).RootElement.GetProperty("arrears_amount").GetDecimal();

    [Theory]
    [AllEngines]
    public async Task Import_StoresRecordsWithHistory_AndAddsOneAuditEntry(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var result = await Service(db).RunAsync(Request(), [Row(3, "W-1", Alice), Row(4, "W-2", Bob, "李华")], null, Ct);

        result.Status.ShouldBe("Committed");
        (result.Created, result.Rejected, result.TotalRows).ShouldBe((2, 0, 2));
        await using var context = db.NewContext();
        var records = await context.Records.AsNoTracking().OrderBy(r => r.RecordKey).ToListAsync(Ct);
        records.Select(r => r.RecordKey).ShouldBe(["W-1", "W-2"]);
        records[0].ActDate.ShouldBe(new DateOnly(2026, 3, 2));
        records[0].Severity.ShouldBe("General");
        Amount(records[0].FieldsJson).ShouldBe(1234.50m);
        records[0].FieldsJson.ShouldNotContain(Alice); // identifiers live on the subject, protected
        var subjects = await context.Subjects.AsNoTracking().ToListAsync(Ct);
        subjects.Count.ShouldBe(2);
        subjects.ShouldAllBe(s => s.IdMasked.Contains("**********") && !s.IdCipher.Contains(s.Name));
        TestPlatform.Protector.Decrypt(subjects.Single(s => s.Name == "王小明").IdCipher).ShouldBe(Alice);
        subjects.Single(s => s.Name == "王小明").BirthDate.ShouldBe(new DateOnly(1985, 4, 12));
        (await context.RecordChanges.CountAsync(c => c.Action == RecordAction.Created && c.BatchId == result.BatchId, Ct)).ShouldBe(2);
        (await context.RescoreQueue.CountAsync(Ct)).ShouldBe(0); // nobody has opted in to the score: nobody to rescore (ScoreServiceTests)
        var batch = await context.IntakeBatches.SingleAsync(Ct);
        (batch.Status, batch.Created, batch.TotalRows).ShouldBe((BatchStatus.Committed, 2, 2));
        var audit = await context.AuditEntries.AsNoTracking().OrderBy(a => a.Id).ToListAsync(Ct);
        // The batch (digest of its staged rows) and the seal of its history rows as stored.
        audit.Select(a => a.Kind).ShouldBe(["intake-batch", "record-history"]);
        audit[0].RefId.ShouldBe(result.BatchId);
        Shangding.Core.Audit.AuditChain.Verify(audit).ShouldBeNull();
    }

    [Theory]
    [AllEngines]
    public async Task ImportingTheSameRowsTwice_ChangesNothing(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var service = Service(db);
        await service.RunAsync(Request(), [Row(3, "W-1", Alice), Row(4, "W-2", Bob, "李华")], null, Ct);
        var second = await service.RunAsync(Request(), [Row(3, "W-1", Alice), Row(4, "W-2", Bob, "李华")], null, Ct);

        (second.Created, second.Updated, second.Unchanged).ShouldBe((0, 0, 2));
        await using var context = db.NewContext();
        (await context.RecordChanges.CountAsync(Ct)).ShouldBe(2);
        (await context.Records.MaxAsync(r => r.Version, Ct)).ShouldBe(1);
        (await context.Subjects.CountAsync(Ct)).ShouldBe(2);
    }

    [Theory]
    [AllEngines]
    public async Task ResendingAKeyWithNewValues_UpdatesIt_KeepingBeforeAndAfter(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var service = Service(db);
        await service.RunAsync(Request(), [Row(3, "W-1", Alice)], null, Ct);
        var result = await service.RunAsync(Request(), [Row(3, "W-1", Alice, "王小明", ("arrears_amount", "99"))], null, Ct);

        result.Updated.ShouldBe(1);
        result.Records.Single().Outcome.ShouldBe(RecordOutcome.Updated);
        await using var context = db.NewContext();
        var record = await context.Records.SingleAsync(Ct);
        record.Version.ShouldBe(2);
        Amount(record.FieldsJson).ShouldBe(99m);
        var change = await context.RecordChanges.SingleAsync(c => c.Action == RecordAction.Updated, Ct);
        Amount(change.BeforeJson!).ShouldBe(1234.50m);
        Amount(change.AfterJson!).ShouldBe(99m);
    }

    [Theory]
    [AllEngines]
    public async Task AKeySentAgainForAnotherPerson_IsRejected_AndTheRecordStaysWithItsSubject(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var service = Service(db);
        await service.RunAsync(Request(), [Row(3, "W-1", Alice), Row(4, "W-2", Bob, "李四")], null, Ct);

        // The same key with Bob's ID: before, the record silently moved from Alice to Bob (a re-used form key, a typo).
        var result = await service.RunAsync(Request(), [Row(3, "W-1", Bob, "李四", ("arrears_amount", "99")), Row(4, "W-2", Bob, "李四", ("arrears_amount", "7"))], null, Ct);

        (result.Updated, result.Rejected).ShouldBe((1, 1));
        var reason = result.Records[0].Reasons.ShouldHaveSingleItem();
        reason.Code.ShouldBe("key_other_subject");
        reason.MessageZh.ShouldContain("单位记录编号“W-1”已用于另一当事人");
        reason.MessageZh.ShouldContain("请先撤回原记录");
        reason.MessageEn.ShouldContain("Record key 'W-1' already belongs to a record about another subject");
        await using var context = db.NewContext();
        var record = await context.Records.SingleAsync(r => r.RecordKey == "W-1", Ct);
        var alice = await context.Subjects.SingleAsync(x => x.IdHash == TestPlatform.Protector.LookupHash(Alice), Ct);
        (record.SubjectId, record.Version).ShouldBe((alice.Id, 1));
        Amount(record.FieldsJson).ShouldBe(1234.50m);
        (await context.RecordChanges.CountAsync(c => c.RecordId == record.Id, Ct)).ShouldBe(1);
        (await context.IntakeRejects.SingleAsync(Ct)).RecordKey.ShouldBe("W-1");
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite, null)]
    [InlineData(DatabaseProvider.Postgres, null)]
    [InlineData(DatabaseProvider.Postgres, 1)]
    public async Task AKeySentAgainForSomeoneNew_IsRejected_AndLeavesNoSubjectWithoutRecords(DatabaseProvider provider, int? flushRows)
    {
        // The writers create a row's subject before they check its record key (PostgreSQL a flush of 4,096 rows at a
        // time): a refused row used to leave a new person on file with no record at all. One a later row of the batch
        // gives a record stays, on PostgreSQL across flushes too.
        PostgresIntakeWriter.FlushRowsOverride.Value = flushRows;
        try
        {
            await using var db = await TestDatabase.CreateAsync(provider);
            var service = Service(db);
            await service.RunAsync(Request(), [Row(3, "W-1", Alice), Row(4, "W-2", Bob, "李四")], null, Ct);
            var carol = TestPlatform.ResidentId(new DateOnly(1970, 1, 1), 111);
            var dave = TestPlatform.ResidentId(new DateOnly(1971, 2, 2), 222);
            var erin = TestPlatform.ResidentId(new DateOnly(1972, 3, 3), 333);

            var result = await service.RunAsync(Request(),
            [
                Row(3, "W-1", carol, "张三"),   // Alice's key with someone new: refused, Carol is left with nothing
                Row(4, "W-2", dave, "赵六"),    // Bob's key with someone new: refused, but Dave gets a record below
                Row(5, "W-3", erin, "钱七"),    // someone new with a key of their own: created
                Row(6, "W-4", dave, "赵六"),    // created: Dave stays
            ], null, Ct);

            result.Records.Select(r => r.Outcome).ShouldBe([RecordOutcome.Rejected, RecordOutcome.Rejected, RecordOutcome.Created, RecordOutcome.Created]);
            result.Records[0].Reasons.ShouldHaveSingleItem().Code.ShouldBe("key_other_subject");
            await using var context = db.NewContext();
            var subjects = await context.Subjects.AsNoTracking().Select(x => x.IdHash).ToListAsync(Ct);
            subjects.Count.ShouldBe(4);
            subjects.ShouldNotContain(TestPlatform.Protector.LookupHash(carol));
            subjects.ShouldContain(TestPlatform.Protector.LookupHash(dave));
            (await context.Subjects.CountAsync(x => !context.Records.Any(r => r.SubjectId == x.Id), Ct)).ShouldBe(0);
            var verify = await new Shangding.Core.Audit.AuditVerifier(db.Settings, Shangding.Core.Access.QueryLogKey.Generate()).VerifyAsync(Ct);
            verify.Problems.ShouldBeEmpty();

            // Carol can still be furnished later, under a key of her own.
            (await service.RunAsync(Request(), [Row(3, "W-5", carol, "张三")], null, Ct)).Created.ShouldBe(1);
        }
        finally
        {
            PostgresIntakeWriter.FlushRowsOverride.Value = null;
        }
    }

    [Theory]
    [AllEngines]
    public async Task Withdraw_WithdrawsOwnRecord_AndRefusesAnUnknownKey(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var service = Service(db);
        await service.RunAsync(Request(), [Row(3, "W-1", Alice)], null, Ct);
        var withdraw = new Dictionary<string, string?> { ["record_key"] = "W-1", ["action"] = "撤回" };
        var unknown = new Dictionary<string, string?> { ["record_key"] = "NOPE", ["action"] = "撤回" };
        var result = await service.RunAsync(Request(), [new IntakeRow(3, null, withdraw, ["W-1"]), new IntakeRow(4, null, unknown, ["NOPE"])], null, Ct);

        (result.Withdrawn, result.Rejected).ShouldBe((1, 1));
        result.Records[1].Reasons.Single().Code.ShouldBe("nothing_to_withdraw");
        result.Records[1].Reasons.Single().MessageZh.ShouldBe("没有编号为“NOPE”的本单位记录可撤回。"); // the row's own key
        result.Records[1].Reasons.Single().MessageEn.ShouldContain("key 'NOPE'");
        await using var context = db.NewContext();
        (await context.Records.SingleAsync(Ct)).Status.ShouldBe(RecordStatus.Withdrawn);
        (await context.IntakeRejects.SingleAsync(Ct)).RecordKey.ShouldBe("NOPE");
        (await context.RecordChanges.CountAsync(c => c.Action == RecordAction.Withdrawn, Ct)).ShouldBe(1);
    }

    [Theory]
    [AllEngines]
    public async Task AClerksReason_IsKeptOnTheBatch_ThatChangedTheRecord(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var service = Service(db);
        await service.RunAsync(Request(), [Row(3, "W-1", Alice)], null, Ct);
        var withdraw = new Dictionary<string, string?> { ["record_key"] = "W-1", ["action"] = "撤回" };
        var result = await service.RunAsync(Request(IntakeChannels.Form) with { Note = "客户已于当日结清，误报" }, [new IntakeRow(1, null, withdraw, [])], null, Ct);

        result.Withdrawn.ShouldBe(1);
        await using var context = db.NewContext();
        var batches = await context.IntakeBatches.AsNoTracking().OrderBy(b => b.Id).ToListAsync(Ct);
        batches.Select(b => b.Note).ShouldBe([null, "客户已于当日结清，误报"]);
        var change = await context.RecordChanges.AsNoTracking().SingleAsync(c => c.Action == RecordAction.Withdrawn, Ct);
        change.BatchId.ShouldBe(batches[1].Id);
    }

    [Theory]
    [AllEngines]
    public async Task BadRows_AreRejectedWithReasons_AndKeptAsUploaded_WhileGoodRowsAreStored(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var badId = Alice[..17] + (Alice[17] == '1' ? "2" : "1");
        IntakeRow[] rows =
        [
            Row(3, "OK-1", Alice),
            Row(4, "BAD-ID", badId),
            Row(5, "FUTURE", Bob, "李华", ("determined_on", "2026-12-01")),
            Row(6, "NEG", Bob, "李华", ("arrears_amount", "-5")),
            Row(7, "ORDER", Bob, "李华", ("arrears_from", "2026-03-01"), ("arrears_counted_to", "2026-01-31")),
            Row(8, "MISSING", Bob, "李华", ("determining_body", null)),
            Row(9, "BADDATE", Bob, "李华", ("determined_on", "2026-02-30")),
            Row(10, "OK-1", Bob, "李华"),
            Row(11, null!, Bob, "李华"),
            Row(12, "TYPE", Bob, "李华", ("id_type", "驾驶证")),
            Row(13, "WIDE", "４１０１０５１９９０１１０３４５６".Length > 0 ? " " + Bob[..6] + " " + Bob[6..] + " " : Bob, "李华"),
        ];
        var result = await Service(db).RunAsync(Request(), rows, null, Ct);

        result.Created.ShouldBe(2);
        result.Rejected.ShouldBe(9);
        var byKey = result.Records.Where(r => r.RecordKey is not null).GroupBy(r => r.RecordKey!).ToDictionary(g => g.Key, g => g.Last());
        byKey["BAD-ID"].Reasons.Single().Code.ShouldBe("bad_id");
        byKey["BAD-ID"].Reasons.Single().MessageZh.ShouldContain("校验位");
        byKey["FUTURE"].Reasons.Single().Code.ShouldBe("future_date");
        byKey["NEG"].Reasons.Single().Code.ShouldBe("negative");
        byKey["ORDER"].Reasons.Single().Code.ShouldBe("date_order");
        byKey["MISSING"].Reasons.Single().MessageZh.ShouldContain("认定部门");
        byKey["BADDATE"].Reasons.Single().Code.ShouldBe("bad_date");
        result.Records.Single(r => r.RowNumber == 10).Reasons.Single().Code.ShouldBe("duplicate_key");
        result.Records.Single(r => r.RowNumber == 11).Reasons.Single().Code.ShouldBe("record_key_required");
        byKey["TYPE"].Reasons.ShouldContain(r => r.Code == "not_allowed");
        byKey["WIDE"].Outcome.ShouldBe(RecordOutcome.Created);

        await using var context = db.NewContext();
        var rejects = await context.IntakeRejects.AsNoTracking().OrderBy(r => r.RowNumber).ToListAsync(Ct);
        rejects.Count.ShouldBe(9);
        RejectsExport.UnprotectCells(rejects.Single(r => r.RecordKey == "NEG").CellsJson, TestPlatform.Protector).ShouldContain("-5");
        // The ID number typed into a rejected row is not stored in clear.
        rejects.Single(r => r.RecordKey == "BAD-ID").CellsJson.ShouldNotContain(badId);
        RejectsExport.UnprotectCells(rejects.Single(r => r.RecordKey == "BAD-ID").CellsJson, TestPlatform.Protector).ShouldContain(badId);
        rejects.Single(r => r.RecordKey == "NEG").ReasonsJson.ShouldContain("不能为负数");
    }

    [Theory]
    [AllEngines]
    public async Task ANameThatDiffersFromTheOneOnFile_IsFlagged_NotOverwritten(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var service = Service(db);
        await service.RunAsync(Request(), [Row(3, "W-1", Alice, "王小明")], null, Ct);
        var result = await service.RunAsync(Request(), [Row(3, "W-9", Alice, "王晓明")], null, Ct);

        result.Created.ShouldBe(1);
        result.NameConflicts.ShouldBe(1);
        result.Records.Single().NameConflict.ShouldBeTrue();
        await using var context = db.NewContext();
        var subject = await context.Subjects.SingleAsync(Ct);
        subject.Name.ShouldBe("王小明");
        subject.NameConflict.ShouldBeTrue();
    }

    [Theory]
    [AllEngines]
    public async Task ASubjectInSeveralRows_IsCreatedOnce_FromItsFirstAcceptedRow(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var result = await Service(db).RunAsync(Request(), [
            Row(3, "W-1", Alice, "张三", ("arrears_amount", "abc")), // rejected: does not name the subject
            Row(4, "W-2", Alice, "王小明"),
            Row(5, "W-3", Alice, "王晓明"),
            Row(6, "W-4", Bob, "李华"),
            Row(7, "W-5", Alice, "王小明"),
        ], null, Ct);

        (result.Created, result.Rejected, result.NameConflicts).ShouldBe((4, 1, 1));
        await using var context = db.NewContext();
        var subjects = await context.Subjects.AsNoTracking().OrderBy(s => s.Id).ToListAsync(Ct);
        subjects.Select(s => s.Name).ShouldBe(["王小明", "李华"]);
        TestPlatform.Protector.Decrypt(subjects[0].IdCipher).ShouldBe(Alice);
        subjects[0].BirthDate.ShouldBe(new DateOnly(1985, 4, 12));
        subjects[0].NameConflict.ShouldBeTrue();
        var records = await context.Records.AsNoTracking().OrderBy(r => r.RecordKey).ToListAsync(Ct);
        records.Select(r => r.SubjectId).ShouldBe([subjects[0].Id, subjects[0].Id, subjects[1].Id, subjects[0].Id]);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite, null)]
    [InlineData(DatabaseProvider.Postgres, null)]
    [InlineData(DatabaseProvider.Postgres, 1)]
    public async Task NewSubjectsMixedWithOnesOnFile_AreCreatedOnce_AndThoseOnFileKeepTheirIds(DatabaseProvider provider, int? flushRows)
    {
        // A subject on file among the batch's new ones is found, not created again, whichever flush it falls in (PostgreSQL
        // with flushes of one row too); the new ones are created once, their later rows finding them.
        PostgresIntakeWriter.FlushRowsOverride.Value = flushRows;
        try
        {
            await using var db = await TestDatabase.CreateAsync(provider);
            var service = Service(db);
            await service.RunAsync(Request(), [Row(3, "W-1", Alice, "王小明")], null, Ct);
            await using var before = db.NewContext();
            var aliceId = (await before.Subjects.AsNoTracking().SingleAsync(Ct)).Id;
            var carol = TestPlatform.ResidentId(new DateOnly(1970, 1, 1), 111);
            var dave = TestPlatform.ResidentId(new DateOnly(1971, 2, 2), 222);

            var result = await service.RunAsync(Request(),
            [
                Row(3, "W-2", carol, "张三"),
                Row(4, "W-3", Alice, "王小明"),
                Row(5, "W-4", dave, "赵六"),
                Row(6, "W-5", carol, "张三"),
            ], null, Ct);

            result.Status.ShouldBe("Committed");
            result.Created.ShouldBe(4);
            await using var context = db.NewContext();
            var subjects = await context.Subjects.AsNoTracking().ToDictionaryAsync(x => x.IdHash, Ct);
            subjects.Count.ShouldBe(3);
            subjects[TestPlatform.Protector.LookupHash(Alice)].Id.ShouldBe(aliceId);
            TestPlatform.Protector.Decrypt(subjects[TestPlatform.Protector.LookupHash(dave)].IdCipher).ShouldBe(dave);
            var owners = await context.Records.AsNoTracking().ToDictionaryAsync(r => r.RecordKey, r => r.SubjectId, Ct);
            owners["W-1"].ShouldBe(aliceId);
            owners["W-3"].ShouldBe(aliceId);
            owners["W-2"].ShouldBe(subjects[TestPlatform.Protector.LookupHash(carol)].Id);
            owners["W-5"].ShouldBe(owners["W-2"]);
            owners["W-4"].ShouldBe(subjects[TestPlatform.Protector.LookupHash(dave)].Id);
            var verify = await new Shangding.Core.Audit.AuditVerifier(db.Settings, Shangding.Core.Access.QueryLogKey.Generate()).VerifyAsync(Ct);
            verify.Problems.ShouldBeEmpty();
        }
        finally
        {
            PostgresIntakeWriter.FlushRowsOverride.Value = null;
        }
    }

    [Theory]
    [AllEngines]
    public async Task AUnitOutsideItsCategories_IsRefusedAsAWhole(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var request = new IntakeRequest("POWER-SUPPLY", IntakeChannels.Batch, "clerk:power", Water);
        var result = await Service(db).RunAsync(request, [Row(3, "W-1", Alice)], null, Ct);

        result.Status.ShouldBe("Refused");
        result.Refusals.Single().Code.ShouldBe("not_responsible");
        await using var context = db.NewContext();
        (await context.Records.CountAsync(Ct)).ShouldBe(0);
        (await context.IntakeBatches.SingleAsync(Ct)).Status.ShouldBe(BatchStatus.Refused);
    }

    [Theory]
    [AllEngines]
    public async Task ACrashMidImport_LeavesNothingBehind(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var service = Service(db);
        await service.RunAsync(Request(), [Row(3, "W-1", Alice)], null, Ct);

        IEnumerable<IntakeRow> Crashing()
        {
            yield return Row(3, "W-1", Alice, "王小明", ("arrears_amount", "1"));
            for (var i = 0; i < 500; i++)
            {
                yield return Row(4 + i, $"N-{i}", TestPlatform.ResidentId(new DateOnly(1970, 1, 1).AddDays(i), 100));
            }

            throw new IOException("disk unplugged");
        }

        await Should.ThrowAsync<IOException>(() => service.RunAsync(Request(), Crashing(), null, Ct));

        await using var context = db.NewContext();
        (await context.Records.CountAsync(Ct)).ShouldBe(1);
        Amount((await context.Records.SingleAsync(Ct)).FieldsJson).ShouldBe(1234.50m);
        (await context.Subjects.CountAsync(Ct)).ShouldBe(1);
        (await context.RecordChanges.CountAsync(Ct)).ShouldBe(1);
        (await context.AuditEntries.CountAsync(Ct)).ShouldBe(2); // the first batch and its history seal
        (await context.RecordHistorySeals.CountAsync(Ct)).ShouldBe(1);
        var failed = await context.IntakeBatches.OrderBy(b => b.Id).LastAsync(Ct);
        failed.Status.ShouldBe(BatchStatus.Refused);
        failed.Message!.ShouldContain("nothing was stored");
    }

    [Theory]
    [AllEngines]
    public async Task ACancelledImport_LeavesNothingBehind_AndTheBatchSaysSo(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        using var cancel = new CancellationTokenSource();

        IEnumerable<IntakeRow> Rows()
        {
            for (var i = 0; i < 5000; i++)
            {
                if (i == 2000)
                {
                    cancel.Cancel();
                }

                yield return Row(3 + i, $"C-{i}", TestPlatform.ResidentId(new DateOnly(1960, 1, 1).AddDays(i), 200));
            }
        }

        await Should.ThrowAsync<OperationCanceledException>(() => Service(db).RunAsync(Request(), Rows(), null, cancel.Token));

        await using var context = db.NewContext();
        (await context.Records.CountAsync(Ct)).ShouldBe(0);
        (await context.Subjects.CountAsync(Ct)).ShouldBe(0);
        var batch = await context.IntakeBatches.SingleAsync(Ct);
        batch.Status.ShouldBe(BatchStatus.Refused);
        batch.Message!.ShouldContain("Cancelled");
    }

    [Theory]
    [AllEngines]
    public async Task ABatchLeftRunningByACrashedProcess_IsMarkedInterrupted(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var clock = MovableClock.At(2026, 3, 16);
        await using (var context = db.NewContext())
        {
            context.Units.Add(new Unit { Code = WaterUnit, NameZh = "市自来水公司", NameEn = "Water", CreatedAt = clock.GetUtcNow().UtcDateTime });
            await context.SaveChangesAsync(Ct);
            context.IntakeBatches.Add(new IntakeBatch { UnitCode = WaterUnit, Channel = "batch", Actor = "x", Status = BatchStatus.Running, StartedAt = clock.GetUtcNow().UtcDateTime.AddHours(-7) });
            context.IntakeBatches.Add(new IntakeBatch { UnitCode = WaterUnit, Channel = "batch", Actor = "y", Status = BatchStatus.Running, StartedAt = clock.GetUtcNow().UtcDateTime.AddMinutes(-5) });
            await context.SaveChangesAsync(Ct);
        }

        (await Service(db, clock).SweepInterruptedAsync(TimeSpan.FromHours(6), Ct)).ShouldBe(1);
        await using var check = db.NewContext();
        var batches = await check.IntakeBatches.OrderBy(b => b.Id).ToListAsync(Ct);
        batches[0].Status.ShouldBe(BatchStatus.Refused);
        batches[0].Message!.ShouldContain("interrupted");
        batches[1].Status.ShouldBe(BatchStatus.Running);
    }

    /// <summary>The water company's unit and Running batches of the given runners, as a process that died leaves them.</summary>
    private static async Task AddRunningBatchesAsync(TestDatabase db, DateTime now, IEnumerable<(string? Runner, DateTime Started)> batches)
    {
        await using var context = db.NewContext();
        context.Units.Add(new Unit { Code = WaterUnit, NameZh = "市自来水公司", NameEn = "Water", CreatedAt = now });
        await context.SaveChangesAsync(Ct);
        foreach (var (runner, started) in batches)
        {
            context.IntakeBatches.Add(new IntakeBatch { UnitCode = WaterUnit, Channel = "batch", Actor = "x", Status = BatchStatus.Running, StartedAt = started, Runner = runner });
        }

        await context.SaveChangesAsync(Ct);
    }

    [Theory]
    [AllEngines]
    public async Task ABatchWhoseProcessOnThisMachineIsGone_IsMarkedInterruptedAtOnce(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var clock = MovableClock.At(2026, 3, 16);
        var now = clock.GetUtcNow().UtcDateTime;
        var exited = await ExitedProcess.RunAsync(Ct);
        var thisStart = BatchRunner.StartTicks(Environment.ProcessId).ShouldNotBeNull();
        var machine = Environment.MachineName;
        BatchRunner.Scope.ShouldNotBeEmpty();
        var runners = new (string? Runner, bool Gone)[]
        {
            (BatchRunner.Current, false), // this process
            (exited.Runner, true), // a process that has exited
            (BatchRunner.Describe(machine, BatchRunner.Scope, Environment.ProcessId, thisStart - 1), true), // this pid, but an earlier process had it
            (BatchRunner.Describe("another-machine", BatchRunner.Scope, exited.ProcessId, exited.StartTicks), false), // not ours to check: left to the six hours
            (BatchRunner.Describe(machine, "another-boot:4026531836", exited.ProcessId, exited.StartTicks), false), // same host name, another container or boot
            ("old-form/1/1764000000000", false), // the runner's first form (machine/pid/start)
            (null, false), // written before runners were recorded
        };
        await AddRunningBatchesAsync(db, now, runners.Select(r => (r.Runner, now.AddMinutes(-1))));

        (await Service(db, clock).SweepInterruptedAsync(TimeSpan.FromHours(6), Ct)).ShouldBe(2);
        await using var check = db.NewContext();
        var batches = await check.IntakeBatches.AsNoTracking().OrderBy(b => b.Id).ToListAsync(Ct);
        batches.Select(b => b.Status).ShouldBe(runners.Select(r => r.Gone ? BatchStatus.Refused : BatchStatus.Running));
        batches.Where(b => b.Status == BatchStatus.Refused).ShouldAllBe(b => b.Message!.Contains("interrupted") && b.FinishedAt == now);
    }

    [Theory]
    [AllEngines]
    public async Task ABatchRunElsewhere_IsMarkedInterruptedOnPostgres_OnceNoTransactionHoldsItsLiveLock(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var clock = MovableClock.At(2026, 3, 16);
        var now = clock.GetUtcNow().UtcDateTime;
        const string elsewhere = "another-server/4f1c0000-0000-0000-0000-000000000000:4026531836/1/5000";
        var batches = new (string Runner, DateTime Started)[]
        {
            ($"{elsewhere}#11", now.AddMinutes(-10)), // its process died: nothing holds its lock
            ($"{elsewhere}#12", now.AddMinutes(-10)), // still running: its transaction holds the lock (below)
            ($"{elsewhere}#13", now.AddSeconds(-30)), // its first minute: left for a rolled-back batch to say why itself
            (elsewhere, now.AddMinutes(-10)), // written without a lock's key
            ($"{elsewhere}#14", now.AddHours(-7)), // a long batch, still running (its lock held): past the six hours
        };
        await AddRunningBatchesAsync(db, now, batches.Select(b => ((string?)b.Runner, b.Started)));

        // On PostgreSQL a transaction of another session holds two of the locks, as those batches' own would.
        await using var holder = db.NewContext();
        await using var holding = provider == DatabaseProvider.Postgres ? await holder.Database.BeginTransactionAsync(Ct) : null;
        if (provider == DatabaseProvider.Postgres)
        {
            await holder.Database.ExecuteSqlRawAsync($"SELECT pg_advisory_xact_lock_shared({BatchRunner.LiveLockClass}, 12)", Ct);
            await holder.Database.ExecuteSqlRawAsync($"SELECT pg_advisory_xact_lock_shared({BatchRunner.LiveLockClass}, 14)", Ct);
        }

        // PostgreSQL judges a batch with a key by its lock alone; SQLite has no such locks, and a batch of another
        // machine waits for the six hours there.
        (await Service(db, clock).SweepInterruptedAsync(TimeSpan.FromHours(6), Ct)).ShouldBe(1);
        await using var check = db.NewContext();
        (await check.IntakeBatches.AsNoTracking().OrderBy(b => b.Id).Select(b => b.Status).ToListAsync(Ct)).ShouldBe(provider == DatabaseProvider.Postgres
            ? [BatchStatus.Refused, BatchStatus.Running, BatchStatus.Running, BatchStatus.Running, BatchStatus.Running]
            : [BatchStatus.Running, BatchStatus.Running, BatchStatus.Running, BatchStatus.Running, BatchStatus.Refused]);
    }

    [Fact]
    public async Task ALivePostgresBatch_HoldsItsLiveLock_SoASweepLeavesItRunning()
    {
        await using var db = await TestDatabase.CreateAsync(DatabaseProvider.Postgres);
        var clock = MovableClock.At(2026, 3, 16);
        var service = Service(db, clock);
        var started = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        var swept = -1;

        IEnumerable<IntakeRow> Rows()
        {
            for (var i = 0; i < 6000; i++)
            {
                if (i == 4500)
                {
                    // Thousands of rows written, and its row ten minutes old: a sweep finds its lock held, so it stays.
                    started.Task.Wait(Ct);
                    clock.Advance(TimeSpan.FromMinutes(10));
                    swept = service.SweepInterruptedAsync(TimeSpan.FromHours(6), Ct).GetAwaiter().GetResult();
                }

                yield return Row(3 + i, $"S-{i}", TestPlatform.ResidentId(new DateOnly(1960, 1, 1).AddDays(i), 300));
            }
        }

        // Its row is seen Running only once its transaction holds the lock: a sweep at that moment already finds it held,
        // even when the transaction is slow to start (here by a second and a half).
        PostgresIntakeWriter.BeforeLiveLock.Value = () => Task.Delay(1500, Ct);
        bool? heldWhenSeen = null;
        void Seen(long id)
        {
            using var probe = db.NewContext();
            var key = BatchRunner.LiveKeyOf(probe.IntakeBatches.Where(b => b.Id == id).Select(b => b.Runner).Single()).ShouldNotBeNull();
            using var transaction = probe.Database.BeginTransaction();
            heldWhenSeen = !probe.Database.SqlQuery<bool>($"SELECT pg_try_advisory_xact_lock({BatchRunner.LiveLockClass}, {key}) AS \"Value\"").Single();
            transaction.Rollback();
            started.TrySetResult(id);
        }

        var result = await service.RunAsync(Request() with { BatchStarted = Seen }, Rows(), null, Ct);
        heldWhenSeen.ShouldBe(true);
        swept.ShouldBe(0);
        result.Status.ShouldBe("Committed");
        result.Created.ShouldBe(6000);
        await using var context = db.NewContext();
        var batch = await context.IntakeBatches.SingleAsync(Ct);
        BatchRunner.LiveKeyOf(batch.Runner).ShouldNotBeNull();
        batch.Runner.ShouldStartWith(BatchRunner.Current + "#");
    }

    [Theory]
    [AllEngines]
    public async Task ABatchMarkedInterruptedWhileItStillRuns_StoresNothing_AndKeepsSayingSo(DatabaseProvider provider)
    {
        // A sweep's wrong guess (SQLite: the six hours, or a process it took for gone) marks a batch that is in fact still
        // running: its commit finds its row no longer Running and rolls back, so the row's "nothing was stored" stays true.
        await using var db = await TestDatabase.CreateAsync(provider);
        var clock = MovableClock.At(2026, 3, 16);
        var service = Service(db, clock);
        var started = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        // On PostgreSQL half-way through the rows, with thousands written; on SQLite before the writer has begun (once it
        // writes it holds SQLite's write lock, and the sweep would wait for the batch to end).
        var sweepAt = provider == DatabaseProvider.Postgres ? 4500 : 0;

        IEnumerable<IntakeRow> Rows()
        {
            for (var i = 0; i < 6000; i++)
            {
                if (i == sweepAt)
                {
                    started.Task.Wait(Ct);
                    var id = started.Task.Result;
                    if (provider == DatabaseProvider.Postgres)
                    {
                        // The sweep judges a PostgreSQL batch by its live lock, which this one holds: marked as a runner
                        // that cannot see the lock would (a sweep of an older version, an operator's hand).
                        using var marking = db.NewContext();
                        marking.IntakeBatches.Where(b => b.Id == id).ExecuteUpdate(u => u
                            .SetProperty(b => b.Status, BatchStatus.Refused).SetProperty(b => b.Message, "marked interrupted while running"));
                    }
                    else
                    {
                        clock.Advance(TimeSpan.FromHours(7));
                        service.SweepInterruptedAsync(TimeSpan.FromHours(6), Ct).GetAwaiter().GetResult().ShouldBe(1);
                    }
                }

                yield return Row(3 + i, $"S-{i}", TestPlatform.ResidentId(new DateOnly(1960, 1, 1).AddDays(i), 300));
            }
        }

        var request = Request() with { BatchStarted = id => started.TrySetResult(id) };
        await Should.ThrowAsync<InvalidOperationException>(() => service.RunAsync(request, Rows(), null, Ct));

        await using var context = db.NewContext();
        (await context.Records.CountAsync(Ct)).ShouldBe(0);
        (await context.Subjects.CountAsync(Ct)).ShouldBe(0);
        var batch = await context.IntakeBatches.SingleAsync(Ct);
        batch.Id.ShouldBe(await started.Task);
        batch.Status.ShouldBe(BatchStatus.Refused);
        batch.Message!.ShouldContain("interrupted");
        (batch.Created, batch.TotalRows).ShouldBe((0, 0));
    }

    [Fact]
    public async Task ACancelledPostgresBatch_ThatASweepMarkedInterruptedAsItRolledBack_SaysItWasCancelled()
    {
        // On PostgreSQL the rollback frees the batch's live lock a moment before the batch says why it ended, and a sweep
        // in that moment takes it for a batch whose process died. The sweep's mark is made here at the latest point the
        // test can reach (the cancel is then seen at the next rows): the batch's own reason replaces it.
        await using var db = await TestDatabase.CreateAsync(DatabaseProvider.Postgres);
        var clock = MovableClock.At(2026, 3, 16);
        var service = Service(db, clock);
        var started = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);

        IEnumerable<IntakeRow> Rows()
        {
            for (var i = 0; i < 6000; i++)
            {
                if (i == 4500)
                {
                    var id = started.Task.Result;
                    using var sweep = db.NewContext();
                    // What SweepInterruptedAsync writes (the same message), for a batch whose lock it found free.
                    clock.Advance(TimeSpan.FromMinutes(2));
                    var interrupted = "处理中断（进程退出），未保存任何记录，请重新上传。 / Processing was interrupted (the process stopped); nothing was stored — upload the file again.";
                    sweep.IntakeBatches.Where(b => b.Id == id).ExecuteUpdate(u => u
                        .SetProperty(b => b.Status, BatchStatus.Refused).SetProperty(b => b.Message, interrupted));
                    cancel.Cancel();
                }

                yield return Row(3 + i, $"S-{i}", TestPlatform.ResidentId(new DateOnly(1960, 1, 1).AddDays(i), 300));
            }
        }

        var request = Request() with { BatchStarted = id => started.TrySetResult(id) };
        await Should.ThrowAsync<OperationCanceledException>(() => service.RunAsync(request, Rows(), null, cancel.Token));

        await using var context = db.NewContext();
        (await context.Records.CountAsync(Ct)).ShouldBe(0);
        var batch = await context.IntakeBatches.SingleAsync(Ct);
        batch.Status.ShouldBe(BatchStatus.Refused);
        batch.Message.ShouldBe("已取消，未保存任何记录。 / Cancelled; nothing was stored.");
    }

    [Theory]
    [AllEngines]
    public async Task TheRejectsFile_HasEveryRejectedRowOnceInOrder_ReadAPageAtATime(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var count = 2 * RejectsExport.PageSize + 7; // three pages, the boundaries crossed
        var rows = Enumerable.Range(0, count).Select(i => Row(10 + i, $"R-{i}", Alice, overrides: ("arrears_amount", "-5")));
        var result = await Service(db).RunAsync(Request(results: false), rows, null, Ct);
        result.Rejected.ShouldBe(count);

        await using var context = db.NewContext();
        var batch = await context.IntakeBatches.AsNoTracking().SingleAsync(b => b.Id == result.BatchId, Ct);
        using var output = new MemoryStream();
        RejectsExport.Write(context, batch, output, xlsx: false, english: true, TestPlatform.Protector, cancellationToken: Ct);
        var lines = System.Text.Encoding.UTF8.GetString(output.ToArray()).TrimStart('\uFEFF').Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        lines.Length.ShouldBe(count + 1); // and the header
        lines.Skip(1).Select(l => int.Parse(l[..l.IndexOf(',')], System.Globalization.CultureInfo.InvariantCulture))
            .ShouldBe(Enumerable.Range(10, count));
        lines[1].ShouldContain("R-0");
        lines[^1].ShouldContain($"R-{count - 1}");
    }

    [Theory]
    [AllEngines]
    public async Task ARequestThatFailsWhileStored_LeavesOneRefusedBatch_AndCanBeSentAgainUnderItsKey(DatabaseProvider provider)
    {
        // The store fails as the records are written (a trigger stands in for a full disk). On SQLite a request's few
        // rows write their batch row inside the batch's transaction, so it is rolled back with the records; either
        // way one batch says what happened, none is left Running, and the key is free for the request sent again.
        await using var db = await TestDatabase.CreateAsync(provider);
        await using (var context = db.NewContext())
        {
            await context.Database.ExecuteSqlRawAsync(provider == DatabaseProvider.Sqlite
                ? "CREATE TRIGGER full_disk BEFORE INSERT ON credit_records BEGIN SELECT RAISE(ABORT, 'disk full'); END"
                : """
                  CREATE FUNCTION full_disk() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk full'; END $$;
                  CREATE TRIGGER full_disk BEFORE INSERT ON credit_records FOR EACH ROW EXECUTE FUNCTION full_disk();
                  """, Ct);
        }

        var service = Service(db);
        await Should.ThrowAsync<Exception>(() => service.RunAsync(Request(IntakeChannels.Api, "req-9"), [Row(1, "W-1", Alice)], null, Ct));
        if (provider == DatabaseProvider.Sqlite)
        {
            // The failed batch gives back this process's write gate; were it kept, every later batch would wait 30 s.
            await using var open = new Microsoft.Data.Sqlite.SqliteConnection(db.Settings.ConnectionString);
            await open.OpenAsync(Ct);
            SqliteIntakeWriter.WriteGateHeld(open).ShouldBeFalse();
        }

        await using (var context = db.NewContext())
        {
            (await context.Records.CountAsync(Ct)).ShouldBe(0);
            (await context.Subjects.CountAsync(Ct)).ShouldBe(0);
            var failed = await context.IntakeBatches.SingleAsync(Ct);
            failed.Status.ShouldBe(BatchStatus.Refused);
            failed.Message!.ShouldContain("nothing was stored");
            failed.IdempotencyKey.ShouldBeNull();
            failed.FinishedAt.ShouldNotBeNull();
            await context.Database.ExecuteSqlRawAsync(
                provider == DatabaseProvider.Sqlite ? "DROP TRIGGER full_disk" : "DROP TRIGGER full_disk ON credit_records", Ct);
        }

        var again = await service.RunAsync(Request(IntakeChannels.Api, "req-9"), [Row(1, "W-1", Alice)], null, Ct);

        (again.Status, again.Created).ShouldBe(("Committed", 1));
        if (provider == DatabaseProvider.Sqlite)
        {
            await using var open = new Microsoft.Data.Sqlite.SqliteConnection(db.Settings.ConnectionString);
            await open.OpenAsync(Ct);
            SqliteIntakeWriter.WriteGateHeld(open).ShouldBeFalse();
        }

        await using (var context = db.NewContext())
        {
            (await context.Records.CountAsync(Ct)).ShouldBe(1);
            (await context.IntakeBatches.CountAsync(Ct)).ShouldBe(2);
            (await context.IntakeBatches.SingleAsync(b => b.IdempotencyKey == "req-9", Ct)).Id.ShouldBe(again.BatchId);
        }
    }

    [Theory]
    [AllEngines]
    public async Task AnIdempotencyKeySentTwice_IsProcessedOnce(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var service = Service(db);
        var first = await service.RunAsync(Request(IntakeChannels.Api, "req-1"), [Row(1, "W-1", Alice)], null, Ct);
        var again = await service.RunAsync(Request(IntakeChannels.Api, "req-1"), [Row(1, "W-1", Alice, "王小明", ("arrears_amount", "5"))], null, Ct);

        again.BatchId.ShouldBe(first.BatchId);
        again.Warnings.ShouldContain(w => w.Contains("req-1", StringComparison.Ordinal));
        await using var context = db.NewContext();
        Amount((await context.Records.SingleAsync(Ct)).FieldsJson).ShouldBe(1234.50m);
        (await context.IntakeBatches.CountAsync(Ct)).ShouldBe(1);
    }

    [Theory]
    [AllEngines]
    public async Task EpidemicSmeRecords_AreNotTakenIn_AndTheReportSaysWhy(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var values = new Dictionary<string, string?>
        {
            ["record_key"] = "P-1",
            ["name"] = "郑州某某商贸有限公司",
            ["uscc"] = "91350100M000100Y43",
            ["decision_number"] = "郑市监罚〔2026〕1号",
            ["violation_kind"] = "价格违法",
            ["facts"] = "哄抬口罩价格",
            ["legal_basis"] = "《价格法》第四十条",
            ["epidemic_sme"] = "是",
        };
        var category = TestPlatform.Catalog.Find("O-ADMIN-PENALTY")!;
        foreach (var field in category.Fields.Where(f => f.Required && !values.ContainsKey(f.Code)))
        {
            values[field.Code] = field.Type switch
            {
                Shangding.Core.Catalog.FieldType.Date => "2026-03-01",
                Shangding.Core.Catalog.FieldType.Money or Shangding.Core.Catalog.FieldType.Decimal or Shangding.Core.Catalog.FieldType.Integer => "1000",
                Shangding.Core.Catalog.FieldType.Enum => field.AllowedValues[0],
                _ => "示例",
            };
        }

        var request = new IntakeRequest("MARKET-REGULATION", IntakeChannels.Batch, "clerk:amr", "O-ADMIN-PENALTY", ReturnRecordResults: true);
        var result = await Service(db).RunAsync(request, [new IntakeRow(3, null, values, [])], null, Ct);

        result.Rejected.ShouldBe(1);
        result.Records.Single().Reasons.Single().Code.ShouldBe("excluded_epidemic_sme");
        result.Records.Single().Reasons.Single().MessageZh.ShouldContain("暂不纳入");
    }

    [Theory]
    [AllEngines]
    public async Task ABatchWrittenInManyFlushes_GivesWhatOneFlushGives(DatabaseProvider provider)
    {
        // On PostgreSQL the writer looks up and writes a few thousand rows at a time (PostgresIntakeWriter.FlushRows):
        // rows that meet what an earlier flush wrote (a subject it created) must come out as in one flush. (SQLite writes
        // row by row: both runs are the same there, and must agree too.)
        async Task<List<string>> RunAsync(int? flushRows)
        {
            PostgresIntakeWriter.FlushRowsOverride.Value = flushRows;
            try
            {
                await using var db = await TestDatabase.CreateAsync(provider);
                var service = Service(db);
                await service.RunAsync(Request(), [Row(3, "W-1", Alice), Row(4, "W-2", Bob, "李华"), Row(5, "W-3", Bob, "李华")], null, Ct);
                var withdraw = new Dictionary<string, string?> { ["record_key"] = "W-3", ["action"] = "撤回" };
                var unknown = new Dictionary<string, string?> { ["record_key"] = "NOPE", ["action"] = "撤回" };
                var second = await service.RunAsync(Request(),
                [
                    Row(3, "W-1", Alice),                                     // unchanged
                    Row(4, "W-2", Bob, "李华", ("arrears_amount", "99")),      // updated
                    new IntakeRow(5, null, withdraw, ["W-3"]),                // withdrawn
                    new IntakeRow(6, null, unknown, ["NOPE"]),                // nothing to withdraw
                    Row(7, "W-4", Alice, "王晓明"),                            // created, name differs from the one on file
                    Row(8, "W-5", TestPlatform.ResidentId(new DateOnly(2000, 1, 1), 789), "赵六"), // created with a new subject
                    Row(9, "W-6", TestPlatform.ResidentId(new DateOnly(2000, 1, 1), 789), "赵七"), // that subject again, named otherwise
                ], null, Ct);
                await using var context = db.NewContext();
                var records = await context.Records.AsNoTracking().OrderBy(r => r.RecordKey)
                    .Select(r => r.RecordKey + ":" + r.Status + ":v" + r.Version + ":s" + r.SubjectId).ToListAsync(Ct);
                // Created rows' history is hashed for the seal on the client, the others' by the server (PostgreSQL), their
                // ids interleaved flush by flush: the seal must still cover each row as stored.
                var verify = await new Shangding.Core.Audit.AuditVerifier(db.Settings, Shangding.Core.Access.QueryLogKey.Generate()).VerifyAsync(Ct);
                verify.Problems.ShouldBeEmpty();
                verify.RecordChanges.ShouldBe(8L);
                return
                [
                    .. second.Records.Select(r => $"{r.RowNumber}:{r.Outcome}:{r.NameConflict}:{string.Join("|", r.Reasons.Select(x => x.Code))}"),
                    .. records,
                    $"subjects:{await context.Subjects.CountAsync(Ct)}",
                ];
            }
            finally
            {
                PostgresIntakeWriter.FlushRowsOverride.Value = null;
            }
        }

        var small = await RunAsync(null);
        var big = await RunAsync(1);

        big.ShouldBe(small);
        small.ShouldContain("4:Updated:False:");
        small.ShouldContain("6:Rejected:False:nothing_to_withdraw");
        small.ShouldContain("7:Created:True:");
        small.ShouldContain("9:Created:True:");
        small.ShouldContain("subjects:3");
    }

    [Fact]
    public async Task OnPostgres_AUnitFurnishingPeopleOnFile_LooksThemUpBeforeInserting_AndStoresTheSame()
    {
        // PostgresIntakeWriter inserts a flush's new-looking subjects first and looks up those that conflict; once a
        // unit's flush finds most of them on file, its next flushes look up first and insert only the rest.
        await using var db = await TestDatabase.CreateAsync(DatabaseProvider.Postgres);
        var service = Service(db);
        static string Person(int i) => TestPlatform.ResidentId(new DateOnly(1960, 1, 1).AddDays(i), 300);
        IntakeRow[] Rows(string prefix, IEnumerable<int> people, Func<int, string>? name = null) =>
            people.Select((p, i) => Row(3 + i, $"{prefix}-{p}", Person(p), name?.Invoke(p) ?? $"居民{p}")).ToArray();

        var first = await service.RunAsync(Request(), Rows("A", Enumerable.Range(0, 150)), null, Ct);
        first.Created.ShouldBe(150);
        PostgresIntakeWriter.LooksUpFirst(db.Settings, WaterUnit).ShouldBeFalse(); // all new: keep inserting first

        var second = await service.RunAsync(Request(), Rows("B", Enumerable.Range(0, 150)), null, Ct);
        (second.Created, second.NameConflicts).ShouldBe((150, 0));
        PostgresIntakeWriter.LooksUpFirst(db.Settings, WaterUnit).ShouldBeTrue(); // all on file: look up first from now on

        // Everyone on file opts in to the score: a new record of theirs must mark them for rescoring.
        await using (var optIn = db.NewContext())
        {
            var now = new DateTime(2026, 3, 16, 0, 0, 0, DateTimeKind.Utc);
            optIn.ScoreOptIns.AddRange(await optIn.Subjects.Select(x => new ScoreOptIn { SubjectId = x.Id, OptedInAt = now, Channel = "test" }).ToListAsync(Ct));
            await optIn.SaveChangesAsync(Ct);
        }

        // Looked up first: 150 people on file (every tenth under another name), 200 new ones inserted after the look-up.
        var third = await service.RunAsync(Request(), Rows("C", Enumerable.Range(0, 350), p => p < 150 && p % 10 == 0 ? $"别名{p}" : $"居民{p}"), null, Ct);
        (third.Created, third.NameConflicts, third.Rejected).ShouldBe((350, 15, 0));
        third.Timings.Select(t => t.Key).ShouldContain("subjects-lookup-first");
        PostgresIntakeWriter.LooksUpFirst(db.Settings, WaterUnit).ShouldBeFalse(); // 150 of 350 on file: insert first again

        await using var context = db.NewContext();
        (await context.Subjects.CountAsync(Ct)).ShouldBe(350);
        (await context.Subjects.CountAsync(s => s.NameConflict, Ct)).ShouldBe(15);
        (await context.RescoreQueue.CountAsync(Ct)).ShouldBe(150);
        var perSubject = await context.Records.AsNoTracking().GroupBy(r => r.SubjectId).Select(g => g.Count()).ToListAsync(Ct);
        perSubject.Count(n => n == 3).ShouldBe(150); // A, B and C of each person on file: one subject each
        perSubject.Count(n => n == 1).ShouldBe(200);
        var subjects = await context.Subjects.AsNoTracking().ToDictionaryAsync(x => x.Id, Ct);
        foreach (var record in await context.Records.AsNoTracking().Where(r => r.RecordKey.StartsWith("C-")).ToListAsync(Ct))
        {
            TestPlatform.Protector.Decrypt(subjects[record.SubjectId].IdCipher).ShouldBe(Person(int.Parse(record.RecordKey[2..], System.Globalization.CultureInfo.InvariantCulture)));
        }
    }

    [Theory]
    [AllEngines]
    public async Task AFewRowsInMemory_StagedOnOneThread_GiveWhatThePipelineGives(DatabaseProvider provider)
    {
        // A list of up to IntakeService.SmallBatch rows is staged on the caller's thread; rows from a file (a lazy
        // sequence) go through the three-thread pipeline. Outcomes, stored records and the audit digest must agree.
        async Task<List<string>> RunAsync(bool asList)
        {
            await using var db = await TestDatabase.CreateAsync(provider);
            var service = Service(db);
            await service.RunAsync(Request(), [Row(3, "W-1", Alice), Row(4, "W-2", Bob, "李华")], null, Ct);
            var withdraw = new Dictionary<string, string?> { ["record_key"] = "W-2", ["action"] = "撤回" };
            IntakeRow[] rows =
            [
                Row(3, "W-1", Alice),                                     // unchanged
                Row(4, "W-3", Alice, "王晓明"),                            // created, name differs
                Row(5, "W-3", Bob, "李华"),                                // duplicate key of row 4
                Row(6, "W-4", "110105194912310021", "孙七"),               // bad check digit
                new IntakeRow(7, null, withdraw, ["W-2"]),                // withdrawn
                Row(8, "W-5", TestPlatform.ResidentId(new DateOnly(2000, 1, 1), 789), "赵六"), // created with a new subject
            ];
            var second = await service.RunAsync(Request(), asList ? rows : OneByOne(rows), null, Ct);
            await using var context = db.NewContext();
            var records = await context.Records.AsNoTracking().OrderBy(r => r.RecordKey)
                .Select(r => r.RecordKey + ":" + r.Status + ":v" + r.Version + ":s" + r.SubjectId).ToListAsync(Ct);
            var digest = await context.AuditEntries.AsNoTracking().Where(e => e.Kind == "intake-batch" && e.RefId == second.BatchId)
                .Select(e => e.ContentHash).SingleAsync(Ct);
            return
            [
                .. second.Records.Select(r => $"{r.RowNumber}:{r.Outcome}:{r.NameConflict}:{string.Join("|", r.Reasons.Select(x => x.Code))}"),
                .. records,
                $"counts:{second.Created}/{second.Unchanged}/{second.Withdrawn}/{second.Rejected}",
                $"digest:{digest}",
            ];
        }

        // An iterator, not a collection: like a file's rows, it can only be read through.
        static IEnumerable<IntakeRow> OneByOne(IntakeRow[] rows)
        {
            foreach (var row in rows)
            {
                yield return row;
            }
        }

        var oneThread = await RunAsync(asList: true);
        var pipeline = await RunAsync(asList: false);

        pipeline.ShouldBe(oneThread);
        oneThread.ShouldContain("counts:2/1/1/2");
        oneThread.ShouldContain(line => line.StartsWith("5:Rejected:False:duplicate_key", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SmallSqliteBatches_ShareABackgroundCheckpoint_AndLeaveTheirConnectionsAsTheyFoundThem()
    {
        // A batch's Running row and its records commit without checkpointing; the log is copied into the database
        // in the background once batches have committed SqliteIntakeWriter.CheckpointRows rows. Until then the database
        // file does not grow (its new pages are in the log); after that it does.
        await using var db = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        var service = Service(db);
        var file = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(db.Settings.ConnectionString).DataSource;
        // Other tests clear every connection pool when they finish; the last connection to a database to close
        // checkpoints it. One connection kept open outside the pool keeps that from moving the file's size.
        await using var keepOpen = new Microsoft.Data.Sqlite.SqliteConnection(
            new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(db.Settings.ConnectionString) { Pooling = false }.ToString());
        await keepOpen.OpenAsync(Ct);
        await using (var read = keepOpen.CreateCommand())
        {
            read.CommandText = "SELECT count(*) FROM units"; // opens the log and its shared memory
            await read.ExecuteScalarAsync(Ct);
        }
        const int perBatch = 1_000;
        var batches = SqliteIntakeWriter.CheckpointRows / perBatch;
        IntakeRow[] Batch(int index) => Enumerable.Range(0, perBatch)
            .Select(i => Row(3 + i, $"W-{index}-{i}", TestPlatform.ResidentId(new DateOnly(1960, 1, 1).AddDays(index * perBatch + i), 100 + i % 800)))
            .ToArray();

        (await service.RunAsync(Request(results: false), Batch(0), null, Ct)).Created.ShouldBe(perBatch);
        var sizeAfterFirst = new FileInfo(file).Length;
        for (var index = 1; index < batches - 1; index++)
        {
            (await service.RunAsync(Request(results: false), Batch(index), null, Ct)).Created.ShouldBe(perBatch);
        }

        await Task.Delay(500, Ct);
        new FileInfo(file).Length.ShouldBe(sizeAfterFirst, "no checkpoint before the threshold");

        (await service.RunAsync(Request(results: false), Batch(batches - 1), null, Ct)).Created.ShouldBe(perBatch);
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (new FileInfo(file).Length == sizeAfterFirst && waited.Elapsed < TimeSpan.FromSeconds(20))
        {
            await Task.Delay(50, Ct);
        }

        new FileInfo(file).Length.ShouldBeGreaterThan(sizeAfterFirst, "the batch past the threshold starts a checkpoint");

        // The pooled connections that wrote the batch rows and the batches have SQLite's defaults back.
        await using var context = db.NewContext();
        await context.Database.OpenConnectionAsync(Ct);
        await using var command = context.Database.GetDbConnection().CreateCommand();
        command.CommandText = "PRAGMA synchronous";
        Convert.ToInt64(await command.ExecuteScalarAsync(Ct)).ShouldBe(2); // FULL
        command.CommandText = "PRAGMA wal_autocheckpoint";
        Convert.ToInt64(await command.ExecuteScalarAsync(Ct)).ShouldBe(1000);
        (await context.Records.CountAsync(Ct)).ShouldBe(batches * perBatch);
    }

    [Theory]
    [AllEngines]
    public async Task ABatchStillBeingRead_DoesNotHoldUpAnotherBatch(DatabaseProvider provider)
    {
        // A file batch takes SQLite's write lock only when its first rows are validated and ready to be written: while
        // the file is still being read (a slow upload, a stalled reader), an API batch must be able to commit. (Once it
        // writes, a file holds the lock to its commit; other batches of the process wait for it on the write gate.)
        await using var db = await TestDatabase.CreateAsync(provider);
        var service = Service(db);
        var reading = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        IEnumerable<IntakeRow> SlowFile()
        {
            yield return Row(3, "W-1", Alice);
            reading.SetResult();
            release.Task.Wait(TimeSpan.FromSeconds(60));
            yield return Row(4, "W-2", Bob, "李华");
        }

        var file = Task.Run(() => service.RunAsync(Request(), SlowFile(), null, Ct), Ct);
        await reading.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        var other = TestPlatform.ResidentId(new DateOnly(2000, 1, 1), 789);
        var api = await service.RunAsync(Request(IntakeChannels.Api), [Row(0, "W-9", other, "赵六")], null, Ct).WaitAsync(TimeSpan.FromSeconds(10), Ct);
        release.SetResult();
        var fromFile = await file;

        (api.Status, api.Created).ShouldBe(("Committed", 1));
        (fromFile.Status, fromFile.Created).ShouldBe(("Committed", 2));
        await using var context = db.NewContext();
        (await context.Records.CountAsync(Ct)).ShouldBe(3);
        (await context.IntakeBatches.Select(b => b.Id).ToListAsync(Ct)).Count.ShouldBe(2);
    }

    [Fact]
    public async Task TheSameIdempotencyKey_SentAgainWhileTheFirstIsStaged_IsAnsweredByTheOneThatStoredFirst()
    {
        // On SQLite a request's few rows are staged before its batch row is written. Two requests with one key:
        // the one held up while staging finds the other's row when it writes its own, and answers as a replay.
        await using var db = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        var service = Service(db);
        var held = new HeldRows([Row(3, "W-1", Alice)]);
        var first = Task.Run(() => service.RunAsync(Request(IntakeChannels.Api, key: "K-1"), held, null, Ct), Ct);
        await held.Reading.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        var second = await service.RunAsync(Request(IntakeChannels.Api, key: "K-1"), [Row(3, "W-1", Alice)], null, Ct);
        held.Release.SetResult();
        var replayed = await first;

        (second.Status, second.Created).ShouldBe(("Committed", 1));
        (replayed.BatchId, replayed.Created).ShouldBe((second.BatchId, 1));
        replayed.Warnings.ShouldContain(w => w.Contains("K-1", StringComparison.Ordinal));
        await using var context = db.NewContext();
        (await context.Records.CountAsync(Ct)).ShouldBe(1);
        (await context.IntakeBatches.CountAsync(Ct)).ShouldBe(1);
    }

    [Fact]
    public async Task OnPostgres_TheSameIdempotencyKeyWrittenByAnotherRequestAtTheSameMoment_IsAReplay_NotAFailure()
    {
        // On PostgreSQL a request's batch row is written before its rows are staged. Two requests with one key that
        // both find no earlier batch: the second's row waits on the unique key for the first's transaction, then fails.
        await using var db = await TestDatabase.CreateAsync(DatabaseProvider.Postgres);
        var service = Service(db);
        await using var first = new Npgsql.NpgsqlConnection(db.Settings.ConnectionString);
        await first.OpenAsync(Ct);
        await using var transaction = await first.BeginTransactionAsync(Ct);
        await using (var insert = first.CreateCommand())
        {
            insert.Transaction = transaction;
            insert.CommandText = """
                INSERT INTO units (code, name_zh, name_en, created_at) VALUES ('WATER-SUPPLY', '市自来水公司', 'Water', now()) ON CONFLICT (code) DO NOTHING;
                INSERT INTO intake_batches (unit_code, category_code, channel, idempotency_key, status, actor, started_at, finished_at, total_rows, created)
                VALUES ('WATER-SUPPLY', 'P-ARREARS-WATER', 'api', 'K-PG', 'Committed', 'api:first', now(), now(), 1, 1);
                """;
            await insert.ExecuteNonQueryAsync(Ct);
        }

        var second = Task.Run(() => service.RunAsync(Request(IntakeChannels.Api, key: "K-PG"), [Row(3, "W-1", Alice)], null, Ct), Ct);
        // Wait until the second request's own batch row waits on the key, then let the first commit.
        await using (var probe = new Npgsql.NpgsqlConnection(db.Settings.ConnectionString))
        {
            await probe.OpenAsync(Ct);
            await using var waiting = probe.CreateCommand();
            // (its unit's row first, as this transaction inserted the unit too; then its batch row)
            waiting.CommandText = "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()";
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (Convert.ToInt64(await waiting.ExecuteScalarAsync(Ct), System.Globalization.CultureInfo.InvariantCulture) == 0)
            {
                DateTime.UtcNow.ShouldBeLessThan(deadline, "the second request's batch row never waited on the key");
                await Task.Delay(20, Ct);
            }
        }

        await transaction.CommitAsync(Ct);
        var replayed = await second;

        replayed.Created.ShouldBe(1); // the first one's counts, as a replay
        replayed.Warnings.ShouldContain(w => w.Contains("K-PG", StringComparison.Ordinal));
        await using var context = db.NewContext();
        (await context.Records.CountAsync(Ct)).ShouldBe(0); // the second stored nothing of its own
        (await context.IntakeBatches.CountAsync(Ct)).ShouldBe(1);
    }

    /// <summary>Rows in memory (so staged on one thread, before the batch row) that stop after the first until released.</summary>
    private sealed class HeldRows(IReadOnlyList<IntakeRow> rows) : IReadOnlyCollection<IntakeRow>
    {
        public TaskCompletionSource Reading { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Count => rows.Count;

        public IEnumerator<IntakeRow> GetEnumerator()
        {
            foreach (var row in rows)
            {
                yield return row;
                Reading.TrySetResult();
                Release.Task.Wait(TimeSpan.FromSeconds(60));
            }
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    /// <summary>The whole HMAC-SHA256 of an identifier: what subjects were keyed by before migration 0018.</summary>
    private static string FullHmac(string id) =>
        Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(TestPlatform.Keys.HashKey.ToArray(), System.Text.Encoding.UTF8.GetBytes(id)));

    [Theory]
    [AllEngines]
    public async Task SubjectsKeyedByTheFullHmac_AreFoundAfterMigration0018_AndTheirRecordsSentAgainAreUnchanged(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var service = Service(db);
        var request = Request();
        IntakeRow[] rows = [Row(3, "W-1", Alice), Row(4, "W-2", Bob, "李华")];
        (await service.RunAsync(request, rows, null, Ct)).Created.ShouldBe(2);

        // Content hashes are what every earlier version wrote: the full HMAC as the subject's part.
        await using (var context = db.NewContext())
        {
            var record = await context.Records.AsNoTracking().SingleAsync(r => r.RecordKey == "W-1", Ct);
            var json = RecordContent.ToJson(new RecordValidator(TestPlatform.Catalog.Find(Water)!, new DateOnly(2026, 3, 16))
                .Validate(rows[0]).Record!.Fields);
            record.ContentHash.ShouldBe(RecordContent.Hash(Water, FullHmac(Alice), record.ActDate, json));
            (await context.Subjects.AsNoTracking().Select(s => s.IdHash).ToListAsync(Ct)).ShouldAllBe(h => h.Length == 32);
        }

        // Put the database back as it was before 0018: subjects keyed by the full HMAC, 0018 not applied.
        await using (var context = db.NewContext())
        {
            foreach (var id in new[] { Alice, Bob })
            {
                var key = TestPlatform.Protector.LookupHash(id);
                var subject = await context.Subjects.SingleAsync(s => s.IdHash == key, Ct);
                subject.IdHash = FullHmac(id);
            }

            await context.SaveChangesAsync(Ct);
            (await context.Database.ExecuteSqlRawAsync("DELETE FROM schema_migrations WHERE version = '0018'", Ct)).ShouldBe(1);
        }

        (await new SchemaMigrator(db.Settings).MigrateAsync(Ct)).NewlyApplied.ShouldBe(["0018"]);

        await using (var context = db.NewContext())
        {
            var aliceKey = TestPlatform.Protector.LookupHash(Alice);
            (await context.Subjects.AsNoTracking().SingleAsync(s => s.IdHash == aliceKey, Ct)).Name.ShouldBe("王小明");
        }

        var again = await service.RunAsync(request, rows, null, Ct);
        (again.Created, again.Updated, again.Unchanged, again.Rejected).ShouldBe((0, 0, 2, 0));
        await using (var context = db.NewContext())
        {
            (await context.Subjects.CountAsync(Ct)).ShouldBe(2);
            (await context.RecordChanges.CountAsync(Ct)).ShouldBe(2);
        }
    }
}
