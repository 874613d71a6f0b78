using Microsoft.EntityFrameworkCore;
using Shangding.Core.Access;
using Shangding.Core.Audit;
using Shangding.Core.Data;
using Shangding.Data.Tests.Remedies;
using Shangding.Testing;
using static Shangding.Data.Tests.Remedies.RemediesWorld;

namespace Shangding.Data.Tests.Integration;

/// <summary>
/// The remedies (retention here) and the access module together: the status changes retention writes
/// outside intake and its purge of the real, hash-chained query log leave a trail `audit verify` accepts,
/// and a history row retention wrote, altered later in SQL, is named.
/// </summary>
public sealed class AuditTrailTests
{
    [Theory]
    [AllEngines]
    public async Task RetentionRun_LeavesAVerifiableTrail_AndItsHistoryRowsAreSealed(DatabaseProvider provider)
    {
        await using var world = await RemediesWorld.CreateAsync(provider, MovableClock.At(2026, 3, 10));
        var ids = await world.FurnishAsync("WATER-SUPPLY", "P-ARREARS-WATER",
            WaterArrears("OLD", AdultId, "2021-03-10"), WaterArrears("NEW", AdultId, "2025-06-01"));
        var subject = await world.SubjectIdAsync(AdultId);

        var key = QueryLogKey.Generate();
        var input = new QueryLogInput(null, Roles.GovernmentQuerier, "市民政局", subject, "api", "低保审核", "report", null, "郑民函〔2020〕3号",
            QueryOutcome.Allowed, null);
        await using (var context = world.NewContext())
        {
            await new QueryLog(world.Db.Settings, key, MovableClock.At(2020, 1, 6)) { CheckpointEvery = 2 }.AppendAsync(context, input, Ct);
            await new QueryLog(world.Db.Settings, key, MovableClock.At(2020, 2, 6)) { CheckpointEvery = 2 }.AppendAsync(context, input, Ct);
            await new QueryLog(world.Db.Settings, key, MovableClock.At(2026, 3, 1)) { CheckpointEvery = 2 }.AppendAsync(context, input, Ct);
        }

        await using (var context = world.NewContext())
        {
            var report = await world.Retention.RunAsync(context, dryRun: false, "system:retention", Ct);
            (report.RecordsRetired, report.QueryLogPurged).ShouldBe((1, 2));
            (await context.Records.AsNoTracking().SingleAsync(r => r.Id == ids["OLD"], Ct)).Status.ShouldBe(RecordStatus.Expired);
        }

        var verifier = new AuditVerifier(world.Db.Settings, key);
        (await verifier.VerifyAsync(Ct)).Problems.ShouldBeEmpty();

        long retentionRow;
        await using (var context = world.NewContext())
        {
            retentionRow = await context.RecordChanges.Where(c => c.RecordId == ids["OLD"]).MaxAsync(c => c.Id, Ct);
            await context.Database.ExecuteSqlAsync($"UPDATE record_changes SET actor = 'someone else' WHERE id = {retentionRow}", Ct);
        }

        var problem = (await verifier.VerifyAsync(Ct)).Problems.ShouldHaveSingleItem();
        (problem.Chain, problem.EntryId).ShouldBe(("record-history", retentionRow));
    }
}
