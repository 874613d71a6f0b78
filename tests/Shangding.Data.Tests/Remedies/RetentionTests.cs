using Microsoft.EntityFrameworkCore;
using Shangding.Core.Audit;
using Shangding.Core.Data;
using Shangding.Core.Remedies;
using Shangding.Core.Scoring;
using Shangding.Testing;
using static Shangding.Data.Tests.Remedies.RemediesWorld;

namespace Shangding.Data.Tests.Remedies;

public sealed class RetentionTests
{
    [Theory]
    [AllEngines]
    public async Task BadRecordsOlderThan5Years_AreRetired_AndOldQueryLogsPurged_InOneAuditedRun(DatabaseProvider provider)
    {
        await using var world = await RemediesWorld.CreateAsync(provider, MovableClock.At(2026, 3, 10));
        var ids = await world.FurnishAsync("WATER-SUPPLY", "P-ARREARS-WATER",
            WaterArrears("OLD", AdultId, "2021-03-10"), WaterArrears("EDGE", AdultId, "2021-03-11"), WaterArrears("NEW", AdultId, "2025-06-01"));
        var subject = await world.SubjectIdAsync(AdultId);
        var now = world.Clock.GetUtcNow();
        await world.QueryLogAsync(subject, now.AddYears(-6), null, "甲");
        await world.QueryLogAsync(subject, now.AddYears(-5).AddMinutes(-1), null, "乙");
        await world.QueryLogAsync(subject, now.AddYears(-5).AddMinutes(1), null, "丙");
        await using var context = world.NewContext();
        var lastOld = await context.QueryLog.AsNoTracking().Where(q => q.QuerierName == "乙").SingleAsync(Ct);
        await context.RescoreQueue.ExecuteDeleteAsync(Ct);

        var dry = await world.Retention.RunAsync(context, dryRun: true, "cli", Ct);
        (dry.RecordsRetired, dry.QueryLogPurged, dry.LastPurgedId).ShouldBe((1, 2, lastOld.Id));
        (await context.QueryLog.CountAsync(Ct)).ShouldBe(3);
        (await context.RetiredRecords.CountAsync(Ct)).ShouldBe(0);
        (await context.AuditEntries.CountAsync(a => a.Kind == "retention-run", Ct)).ShouldBe(0);

        var report = await world.Retention.RunAsync(context, dryRun: false, "system:retention", Ct);

        (report.RecordsRetired, report.QueryLogPurged).ShouldBe((1, 2));
        (await context.QueryLog.AsNoTracking().Select(q => q.QuerierName).ToListAsync(Ct)).ShouldBe(["丙"]);
        var old = await context.Records.AsNoTracking().SingleAsync(r => r.Id == ids["OLD"], Ct);
        old.Status.ShouldBe(RecordStatus.Expired);
        (await RetentionService.RetiredRecordIdsAsync(context, subject, Ct)).ShouldBe([ids["OLD"]]);
        (await context.Records.AsNoTracking().SingleAsync(r => r.Id == ids["NEW"], Ct)).Status.ShouldBe(RecordStatus.InForce);
        (await context.RescoreQueue.AsNoTracking().Select(m => m.SubjectId).ToListAsync(Ct)).ShouldBe([subject]);
        var score = ScoreEngine.Compute([ScoringRecord.FromStored(old.Id, old.CategoryCode, old.ActDate, old.Status.ToString(), old.FieldsJson, old.PublicationEnd, false, old.Severity)],
            ScoreModelLoader.LoadLatest(RepoPaths.Catalog, TestPlatform.Catalog), new DateOnly(2026, 3, 10));
        score.Contributions.ShouldBeEmpty();

        var audit = await context.AuditEntries.AsNoTracking().OrderBy(a => a.Id).ToListAsync(Ct);
        AuditChain.Verify(audit).ShouldBeNull();
        var purge = audit.Single(a => a.Kind == "query-log-purge");
        purge.RefId.ShouldBe(lastOld.Id);
        purge.ContentHash.ShouldBe(lastOld.EntryHash);
        purge.Summary.ShouldContain("2 query log entries");
        purge.Summary.ShouldContain("2021-03-10T02:00:00.000Z");
        audit[^1].Kind.ShouldBe("retention-run");
        audit.ShouldContain(a => a.Kind == "retention-records");

        // A second run finds nothing new, and still leaves its trace.
        var again = await world.Retention.RunAsync(context, dryRun: false, "system:retention", Ct);
        (again.RecordsRetired, again.QueryLogPurged).ShouldBe((0, 0));
        (await context.AuditEntries.CountAsync(a => a.Kind == "retention-run", Ct)).ShouldBe(2);
        (await context.AuditEntries.CountAsync(a => a.Kind == "query-log-purge", Ct)).ShouldBe(1);
    }
}
