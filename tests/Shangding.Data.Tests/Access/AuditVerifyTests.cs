using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Shangding.Core.Access;
using Shangding.Core.Audit;
using Shangding.Core.Data;
using Shangding.Core.Intake;
using Shangding.Testing;

namespace Shangding.Data.Tests.Access;

/// <summary>The query log chain, its signed checkpoints and record history seals, as <c>audit verify</c> checks them, tampered with in SQL.</summary>
public sealed class AuditVerifyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly QueryLogKey Key = QueryLogKey.Generate();

    private static QueryLogInput Input(long subject, string purpose = "loan", QueryOutcome outcome = QueryOutcome.Allowed) =>
        new(500, Roles.ThirdParty, "郑州某银行", subject, "api", purpose, "level", 7, null, outcome, outcome == QueryOutcome.Refused ? RefusalReasons.GrantExpired : null);

    private static async Task<QueryLog> LogWithEntries(TestDatabase db, int count, int checkpointEvery = 1000, MovableClock? clock = null)
    {
        var log = new QueryLog(db.Settings, Key, clock ?? MovableClock.At(2026, 3, 16)) { CheckpointEvery = checkpointEvery };
        await using var context = db.NewContext();
        for (var i = 1; i <= count; i++)
        {
            await log.AppendAsync(context, Input(i % 2 == 0 ? 2 : 1, outcome: i == 3 ? QueryOutcome.Refused : QueryOutcome.Allowed), Ct);
        }

        return log;
    }

    private static Task<VerifyReport> Verify(TestDatabase db, QueryLogKey? key = null) => new AuditVerifier(db.Settings, key ?? Key).VerifyAsync(Ct);

    private static async Task Sql(TestDatabase db, string sql)
    {
        await using var context = db.NewContext();
        await context.Database.ExecuteSqlRawAsync(sql, Ct);
    }

    [Theory]
    [AllEngines]
    public async Task AppendingABatch_ChainsItsEntriesInOrder_AfterTheLastOne_AndVerifies(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var log = await LogWithEntries(db, 2, checkpointEvery: 4);
        await using var context = db.NewContext();

        var batch = await log.AppendAsync(context, [Input(3, "a"), Input(4, "b"), Input(5, "c", QueryOutcome.Refused)], Ct);

        var entries = await context.QueryLog.AsNoTracking().OrderBy(q => q.Id).ToListAsync(Ct);
        entries.Select(e => e.Purpose).ShouldBe(["loan", "loan", "a", "b", "c"]);
        batch.Select(e => e.Id).ShouldBe(entries.Skip(2).Select(e => e.Id));
        for (var i = 1; i < entries.Count; i++)
        {
            entries[i].PrevHash.ShouldBe(entries[i - 1].EntryHash);
            QueryLog.EntryHash(entries[i].PrevHash, entries[i]).ShouldBe(entries[i].EntryHash);
        }

        // The batch crossed the checkpoint interval: its last entry is signed.
        (await context.QueryLogCheckpoints.Select(c => c.LastEntryId).ToListAsync(Ct)).ShouldBe([entries[^1].Id]);
        (await Verify(db)).Ok.ShouldBeTrue();
        (await log.AppendAsync(context, [], Ct)).ShouldBeEmpty();
    }

    [Theory]
    [AllEngines]
    public async Task Append_ChainsEveryEntry_CountsPerSubject_AndSignsCheckpoints(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        await LogWithEntries(db, 7, checkpointEvery: 3);

        await using var context = db.NewContext();
        var entries = await context.QueryLog.AsNoTracking().OrderBy(q => q.Id).ToListAsync(Ct);
        entries.Count.ShouldBe(7);
        entries[0].PrevHash.ShouldBe(AuditChain.Genesis);
        for (var i = 1; i < entries.Count; i++)
        {
            entries[i].PrevHash.ShouldBe(entries[i - 1].EntryHash);
            QueryLog.EntryHash(entries[i].PrevHash, entries[i]).ShouldBe(entries[i].EntryHash);
        }

        entries[2].Outcome.ShouldBe(QueryOutcome.Refused);
        (await QueryLog.CountAsync(context, 1, Ct)).ShouldBe(3); // entries 1, 5, 7 (3 was refused)
        (await QueryLog.CountAsync(context, 2, Ct)).ShouldBe(3);
        (await context.QueryLogCheckpoints.Select(c => c.LastEntryId).ToListAsync(Ct)).ShouldBe([entries[2].Id, entries[5].Id]);

        var report = await Verify(db);
        report.Problems.ShouldBeEmpty();
        (report.QueryLogEntries, report.Checkpoints).ShouldBe((7, 2));

        // A checkpoint signed with another key does not verify.
        (await Verify(db, QueryLogKey.Generate())).Problems.Single().Message.ShouldContain("signed checkpoint");
    }

    [Theory]
    [AllEngines]
    public async Task Verify_NamesTheEntryAlteredInSql(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        await LogWithEntries(db, 5);
        await Sql(db, "UPDATE query_log SET purpose = 'curiosity' WHERE id = 3");

        var problem = (await Verify(db)).Problems.Single();
        (problem.Chain, problem.Kind, problem.EntryId).ShouldBe(("query-log", "altered", 3L));
    }

    [Theory]
    [AllEngines]
    public async Task Verify_NamesTheEntryRemovedInSql(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        await LogWithEntries(db, 5);
        await Sql(db, "DELETE FROM query_log WHERE id = 3");

        var problem = (await Verify(db)).Problems.Single();
        (problem.Chain, problem.Kind, problem.EntryId).ShouldBe(("query-log", "removed", 3L));
    }

    [Theory]
    [AllEngines]
    public async Task Verify_NamesTheEntryInsertedInSql(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        await LogWithEntries(db, 5);
        await Sql(db, "DELETE FROM query_log WHERE id = 3");
        // Put a forged entry where the deleted one was, linking from entry 2 like the original did — but with content of its own.
        await using (var context = db.NewContext())
        {
            var second = await context.QueryLog.AsNoTracking().SingleAsync(q => q.Id == 2, Ct);
            var forged = new QueryLogEntry
            {
                Id = 3, At = second.At, QuerierRole = Roles.Operator, QuerierName = "x", SubjectId = 9, Channel = "web", Purpose = "p", Scope = "report",
                Outcome = QueryOutcome.Allowed, PrevHash = second.EntryHash, EntryHash = "",
            };
            forged.EntryHash = QueryLog.EntryHash(second.EntryHash, forged);
            context.QueryLog.Add(forged);
            await context.SaveChangesAsync(Ct);
        }

        // Entry 4 still links to the original 3: the forged one is not the original (it reads as altered/inserted at 3).
        var problem = (await Verify(db)).Problems.Single();
        (problem.Chain, problem.EntryId).ShouldBe(("query-log", 3L));
        problem.Kind.ShouldBe("altered");

        // An entry appended in SQL at the end, not linked to the chain, is named as inserted.
        await using var db2 = await TestDatabase.CreateAsync(provider);
        await LogWithEntries(db2, 4);
        await Sql(db2, """
            INSERT INTO query_log (at, querier_role, querier_name, subject_id, channel, purpose, scope, outcome, prev_hash, entry_hash)
            VALUES ('2026-03-16 02:00:00', 'operator', 'x', 1, 'web', 'p', 'report', 'Allowed', 'abc', 'def')
            """);
        var inserted = (await Verify(db2)).Problems.Single();
        (inserted.Chain, inserted.Kind, inserted.EntryId).ShouldBe(("query-log", "inserted", 5L));
    }

    [Theory]
    [AllEngines]
    public async Task Verify_ALogRewrittenWithRecomputedHashes_IsCaughtByTheSignedCheckpoint(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        await LogWithEntries(db, 6, checkpointEvery: 5);
        // Someone who knows the algorithm (but not the key) changes entry 2 and rebuilds the chain from there.
        await using (var context = db.NewContext())
        {
            var entries = await context.QueryLog.OrderBy(q => q.Id).ToListAsync(Ct);
            entries[1].Purpose = "rewritten";
            for (var i = 1; i < entries.Count; i++)
            {
                entries[i].PrevHash = entries[i - 1].EntryHash;
                entries[i].EntryHash = QueryLog.EntryHash(entries[i].PrevHash, entries[i]);
            }

            await context.SaveChangesAsync(Ct);
        }

        var problem = (await Verify(db)).Problems.Single();
        (problem.Chain, problem.Kind, problem.EntryId).ShouldBe(("query-log", "altered", 5L));
        problem.Message.ShouldContain("checkpoint");
    }

    [Theory]
    [AllEngines]
    public async Task Verify_StartsAfterTheLatestPurge_AndAppendingContinuesTheChain(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var log = await LogWithEntries(db, 5);
        // The retention job's contract: delete old entries and record the purge in the audit chain, in one transaction.
        await Purge(db, provider, upToId: 5);
        (await Verify(db)).Problems.ShouldBeEmpty();

        await using (var context = db.NewContext())
        {
            var next = await log.AppendAsync(context, Input(1), Ct);
            var purged = await context.AuditEntries.SingleAsync(a => a.Kind == QueryLog.PurgeKind, Ct);
            next.PrevHash.ShouldBe(purged.ContentHash);
        }

        var report = await Verify(db);
        report.Problems.ShouldBeEmpty();
        report.QueryLogStartsAfter.ShouldBe(5);

        // Deleting entries that were not purged is still caught.
        await log.AppendAsync(db.NewContext(), Input(1), Ct);
        await Sql(db, "DELETE FROM query_log WHERE id = 6");
        (await Verify(db)).Problems.Single().Kind.ShouldBe("removed");
    }

    private static async Task Purge(TestDatabase db, DatabaseProvider provider, long upToId)
    {
        await using var context = db.NewContext();
        await using var transaction = await context.Database.BeginTransactionAsync(Ct);
        var last = await context.QueryLog.AsNoTracking().SingleAsync(q => q.Id == upToId, Ct);
        await context.QueryLog.Where(q => q.Id <= upToId).ExecuteDeleteAsync(Ct);
        await AuditChain.AppendAsync(context.Database.GetDbConnection(), transaction.GetDbTransaction(), provider, QueryLog.PurgeKind, last.Id, "retention",
            "query log purge", last.EntryHash, DateTime.UtcNow, Ct);
        await transaction.CommitAsync(Ct);
    }

    private static IntakeRow Arrears(int n, string id) => new(n, null, new Dictionary<string, string?>
    {
        ["record_key"] = $"W-{n}", ["name"] = "孙八", ["id_type"] = "居民身份证", ["id_number"] = id,
        ["customer_address"] = "郑州市", ["arrears_from"] = "2025-01-01", ["arrears_counted_to"] = "2026-02-28",
        ["arrears_quantity"] = "10", ["arrears_amount"] = "2500", ["determining_body"] = "市自来水公司", ["determined_on"] = "2026-03-02",
    }, []);

    private static async Task<TestDatabase> WithHistory(DatabaseProvider provider)
    {
        var db = await TestDatabase.CreateAsync(provider);
        var intake = new IntakeService(TestPlatform.Catalog, TestPlatform.Protector, db.Settings, MovableClock.At(2026, 3, 16));
        var request = new IntakeRequest("WATER-SUPPLY", IntakeChannels.Batch, "clerk", "P-ARREARS-WATER");
        await intake.RunAsync(request, Enumerable.Range(1, 4).Select(i => Arrears(i, TestPlatform.ResidentId(new DateOnly(1980, 1, i), 100))), null, Ct);
        // A second batch updates two of them (history rows 5 and 6).
        await intake.RunAsync(request, new[] { Arrears(1, TestPlatform.ResidentId(new DateOnly(1980, 1, 1), 100)), Arrears(2, TestPlatform.ResidentId(new DateOnly(1980, 1, 2), 100)) }
            .Select(r => r with { Values = new Dictionary<string, string?>(r.Values, StringComparer.Ordinal) { ["arrears_amount"] = "3000" } }), null, Ct);
        return db;
    }

    [Theory]
    [AllEngines]
    public async Task RecordHistory_UntouchedVerifies_AndEachTamperingIsNamed(DatabaseProvider provider)
    {
        await using (var db = await WithHistory(provider))
        {
            var report = await Verify(db);
            report.Problems.ShouldBeEmpty();
            (report.RecordChanges, report.Seals).ShouldBe((6L, 2));

            await Sql(db, "UPDATE record_changes SET actor = 'someone else' WHERE id = 5");
            var altered = (await Verify(db)).Problems.Single();
            (altered.Chain, altered.Kind, altered.EntryId).ShouldBe(("record-history", "altered", 5L));
        }

        await using (var db = await WithHistory(provider))
        {
            await Sql(db, "DELETE FROM record_changes WHERE id = 2");
            var removed = (await Verify(db)).Problems.Single();
            (removed.Chain, removed.Kind, removed.EntryId).ShouldBe(("record-history", "removed", 2L));
        }

        await using (var db = await WithHistory(provider))
        {
            await Sql(db, """
                INSERT INTO record_changes (subject_id, record_id, version, action, channel, batch_id, actor, at, before, after)
                VALUES (1, 1, 9, 'Withdrawn', 'form', NULL, 'intruder', '2026-03-16 02:00:00', NULL, NULL)
                """);
            var inserted = (await Verify(db)).Problems.Single();
            (inserted.Chain, inserted.Kind, inserted.EntryId).ShouldBe(("record-history", "inserted", 7L));
        }

        await using (var db = await WithHistory(provider))
        {
            // Changing a record's history after (e.g. json of the after state) in the first batch.
            await Sql(db, provider == DatabaseProvider.Postgres
                ? "UPDATE record_changes SET after = jsonb_set(after, '{{arrears_amount}}', '1') WHERE id = 3"
                : "UPDATE record_changes SET after = json_set(after, '$.arrears_amount', 1) WHERE id = 3");
            (await Verify(db)).Problems.Single().EntryId.ShouldBe(3L);

            // And an audit entry altered in SQL is named in the audit chain too.
            await Sql(db, "UPDATE audit_entries SET summary = 'nothing to see' WHERE id = 2");
            var problems = (await Verify(db)).Problems;
            problems.ShouldContain(p => p.Chain == "audit" && p.Kind == "altered" && p.EntryId == 2);
        }
    }

    [Theory]
    [AllEngines]
    public async Task Seal_OfAwkwardHistoryRows_VerifiesOnTheClient(DatabaseProvider provider)
    {
        // On PostgreSQL the seal hashes rows in SQL and verify hashes them in .NET: the two must agree on every value —
        // microseconds, times before 1970, a missing batch, JSON with escapes, non-BMP characters, big and fractional numbers.
        await using var db = await TestDatabase.CreateAsync(provider);
        var pg = provider == DatabaseProvider.Postgres;
        var before1970 = pg ? "'1969-12-31 23:59:59.999999+00'" : "'1969-12-31 23:59:59.999999'";
        var micro = pg ? "'2026-03-16 02:00:00.123456+00'" : "'2026-03-16 02:00:00.123456'";
        await using (var context = db.NewContext())
        {
            await context.Database.OpenConnectionAsync(Ct);
            await using var insert = context.Database.GetDbConnection().CreateCommand();
            insert.CommandText = $$$"""
                INSERT INTO record_changes (subject_id, record_id, version, action, channel, batch_id, actor, at, before, after) VALUES
                (9007199254740993, 1, 1, 'Created', 'form', NULL, '窗口·张', {{{micro}}}, NULL,
                 '{"note": "引号\" 反斜杠\\ 换行\n 制表\t 𠮷", "amount": 12345678901234.56, "nested": {"list": [1, 2.5, null, true]}}'),
                (2, 2, 3, 'Updated', 'api', 41, 'api:WATER', {{{before1970}}}, '{"a": ""}', '{"b": "\u0001 控制符", "e": 1e-7}')
                """;
            await insert.ExecuteNonQueryAsync(Ct);
        }

        await using (var context = db.NewContext())
        {
            await context.Database.OpenConnectionAsync(Ct);
            await using var transaction = await context.Database.BeginTransactionAsync(Ct);
            await RecordHistory.SealAsync(context.Database.GetDbConnection(), transaction.GetDbTransaction(), provider, "test", null, "id > @from",
                new Dictionary<string, object> { ["@from"] = 0L }, "clerk", new DateTime(2026, 3, 16, 3, 0, 0, DateTimeKind.Utc), Ct);
            await transaction.CommitAsync(Ct);
        }

        var report = await Verify(db);
        report.Problems.ShouldBeEmpty();
        report.RecordChanges.ShouldBe(2L);

        await Sql(db, pg
            ? "UPDATE record_changes SET at = at + interval '1 microsecond' WHERE id = 2"
            : "UPDATE record_changes SET at = '1969-12-31 23:59:59.999998' WHERE id = 2");
        (await Verify(db)).Problems.Single().EntryId.ShouldBe(2L);
    }

    /// <summary>Deletes the second batch's history, its seal and the audit chain from that seal on: a shorter chain that is still whole.</summary>
    private static async Task CutTheTail(TestDatabase db)
    {
        await Sql(db, "DELETE FROM audit_entries WHERE id >= (SELECT MAX(id) FROM audit_entries WHERE kind = 'record-history')");
        await Sql(db, "DELETE FROM record_history_seals WHERE id = (SELECT MAX(id) FROM record_history_seals)");
        await Sql(db, "DELETE FROM record_changes WHERE id > 4");
    }

    [Theory]
    [AllEngines]
    public async Task SignedCheckpoints_ProtectTheAuditChain_AndWithItTheRecordHistory(DatabaseProvider provider)
    {
        // Without a checkpoint, cutting the tail of the audit chain and the history it seals leaves a whole, shorter chain.
        await using (var db = await WithHistory(provider))
        {
            await CutTheTail(db);
            (await Verify(db)).Problems.ShouldBeEmpty();
        }

        // A checkpoint signs the audit chain's head as well: the same cut is named.
        await using (var db = await WithHistory(provider))
        {
            var log = new QueryLog(db.Settings, Key, MovableClock.At(2026, 3, 17));
            long head;
            await using (var context = db.NewContext())
            {
                head = await context.AuditEntries.MaxAsync(a => a.Id, Ct);
                var checkpoint = (await log.CheckpointAsync(context, Ct)).ShouldNotBeNull();
                (checkpoint.LastEntryId, checkpoint.AuditEntryId).ShouldBe((0L, head)); // the query log is still empty
                (await log.CheckpointAsync(context, Ct)).ShouldBeNull(); // nothing new to sign
            }

            (await Verify(db)).Problems.ShouldBeEmpty();
            await CutTheTail(db);
            var removed = (await Verify(db)).Problems.Single();
            (removed.Chain, removed.Kind, removed.EntryId).ShouldBe(("audit", "removed", head));
        }

        // The audit chain rewritten with recomputed hashes (an entry's summary changed) verifies as a chain, not against the checkpoint.
        await using (var db = await WithHistory(provider))
        {
            await using (var context = db.NewContext())
            {
                await new QueryLog(db.Settings, Key, MovableClock.At(2026, 3, 17)).CheckpointAsync(context, Ct);
                var entries = await context.AuditEntries.OrderBy(a => a.Id).ToListAsync(Ct);
                entries[1].Summary = "nothing to see";
                for (var i = 1; i < entries.Count; i++)
                {
                    entries[i].PrevHash = entries[i - 1].EntryHash;
                    entries[i].EntryHash = AuditChain.EntryHash(entries[i].PrevHash, entries[i].Kind, entries[i].RefId, entries[i].Actor, entries[i].Summary,
                        entries[i].ContentHash, DateTime.SpecifyKind(entries[i].At, DateTimeKind.Utc));
                }

                await context.SaveChangesAsync(Ct);
            }

            var rewritten = (await Verify(db)).Problems.Single();
            (rewritten.Chain, rewritten.Kind).ShouldBe(("audit", "altered"));
            rewritten.Message.ShouldContain("signed checkpoint");
        }
    }

    [Theory]
    [AllEngines]
    public async Task SealBaseline_CoversHistoryWrittenBeforeSealing_AndIsAudited(DatabaseProvider provider)
    {
        await using var db = await WithHistory(provider);
        // Rows from before migration 0011 (or from a writer that did not seal) are not covered.
        await Sql(db, """
            INSERT INTO record_changes (subject_id, record_id, version, action, channel, batch_id, actor, at, before, after)
            VALUES (1, 1, 3, 'Withdrawn', 'form', NULL, 'legacy', '2026-03-16 02:00:00', NULL, NULL)
            """);
        (await Verify(db)).Problems.Single().Kind.ShouldBe("inserted");

        var seal = await RecordHistory.SealBaselineAsync(db.Settings, "operator:upgrade", DateTime.UtcNow, Ct);
        seal!.RowCount.ShouldBe(1);
        (await Verify(db)).Problems.ShouldBeEmpty();
        (await RecordHistory.SealBaselineAsync(db.Settings, "operator:upgrade", DateTime.UtcNow, Ct)).ShouldBeNull();
        await using var context = db.NewContext();
        (await context.AuditEntries.OrderBy(a => a.Id).LastAsync(Ct)).Summary.ShouldContain("baseline");
    }

    [Theory]
    [AllEngines]
    public async Task ConcurrentAppends_KeepOneUnbrokenChain(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var log = new QueryLog(db.Settings, Key, TimeProvider.System) { CheckpointEvery = 7 };
        await Task.WhenAll(Enumerable.Range(0, 8).Select(worker => Task.Run(async () =>
        {
            for (var i = 0; i < 5; i++)
            {
                await using var context = db.NewContext();
                await log.AppendAsync(context, Input(worker), Ct);
            }
        }, Ct)));

        var report = await Verify(db);
        report.Problems.ShouldBeEmpty();
        report.QueryLogEntries.ShouldBe(40);
        report.Checkpoints.ShouldBe(5);
    }
}
