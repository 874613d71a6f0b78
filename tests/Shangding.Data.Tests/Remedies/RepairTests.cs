using Microsoft.EntityFrameworkCore;
using Shangding.Core.Access;
using Shangding.Core.Audit;
using Shangding.Core.Data;
using Shangding.Core.Intake;
using Shangding.Core.Remedies;
using Shangding.Core.Scoring;
using Shangding.Testing;
using static Shangding.Data.Tests.Remedies.RemediesWorld;

namespace Shangding.Data.Tests.Remedies;

public sealed class RepairTests
{
    private static readonly ScoreModel Model = ScoreModelLoader.LoadLatest(RepoPaths.Catalog, TestPlatform.Catalog);
    private static readonly string MinorId = TestPlatform.ResidentId(new DateOnly(2010, 3, 1), 218);

    private static IntakeRow Dishonest(string key, string id, string actDate) => new(1, null, new Dictionary<string, string?>
    {
        ["record_key"] = key, ["name"] = "孙八", ["id_type"] = "居民身份证", ["id_number"] = id, ["case_number"] = "(2023)豫01执123号",
        ["cause_of_action"] = "借款合同纠纷", ["enforcing_court"] = "郑州市中级人民法院", ["enforcement_amount"] = "50000", ["case_status"] = "执行中",
        ["act_date"] = actDate,
    }, []);

    private static IntakeRow Traffic(string key, string id, string name, string at) => new(1, null, new Dictionary<string, string?>
    {
        ["record_key"] = key, ["name"] = name, ["id_type"] = "居民身份证", ["id_number"] = id, ["plate_number"] = "豫A12345", ["plate_kind"] = "普通摩托车",
        ["violated_at"] = at, ["violation_place"] = "金水路", ["violation"] = "闯红灯", ["penalty_points"] = "6", ["penalty_result"] = "罚款200元",
    }, []);

    private static async Task<ScoreResult> ScoreAsync(ShangdingDbContext context, long subjectId, DateOnly asOf)
    {
        var records = await context.Records.AsNoTracking().Where(r => r.SubjectId == subjectId).ToListAsync(TestContext.Current.CancellationToken);
        return ScoreEngine.Compute([.. records.Select(r => ScoringRecord.FromStored(r.Id, r.CategoryCode, r.ActDate, r.Status.ToString(), r.FieldsJson, r.PublicationEnd, r.UnderDispute, r.Severity))],
            Model, asOf);
    }

    [Theory]
    [AllEngines]
    public async Task General_RefusedBefore3Months_ApprovedAfterWithProof_ThenNotPublishedNorScored(DatabaseProvider provider)
    {
        await using var world = await RemediesWorld.CreateAsync(provider, MovableClock.At(2026, 6, 1));
        var ids = await world.FurnishAsync("WATER-SUPPLY", "P-ARREARS-WATER", WaterArrears("W-1", AdultId, "2026-04-10"));
        var subject = await world.SubjectIdAsync(AdultId);
        var citizen = await world.AccountAsync("sun", Roles.Citizen, subjectId: subject);
        var clerk = await world.AccountAsync("water", Roles.UnitClerk, "WATER-SUPPLY");
        await using var context = world.NewContext();
        var record = ids["W-1"];

        var early = await Should.ThrowAsync<RemedyException>(() => world.Repairs.ApplyAsync(context, citizen, record, "已缴清", true, [Pdf()], Ct));
        early.MessageZh.ShouldContain("2026-07-10");
        early.MessageEn.ShouldContain("at least 3 months");
        world.SetDay(2026, 7, 9);
        await Should.ThrowAsync<RemedyException>(() => world.Repairs.ApplyAsync(context, citizen, record, "已缴清", true, [Pdf()], Ct));

        world.SetDay(2026, 7, 10);
        (await Should.ThrowAsync<RemedyException>(() => world.Repairs.ApplyAsync(context, citizen, record, "已缴清", true, [], Ct))).Field.ShouldBe("files");
        (await Should.ThrowAsync<RemedyException>(() => world.Repairs.ApplyAsync(context, citizen, record, "已缴清", false, [Pdf()], Ct))).Field.ShouldBe("commitment");
        (await context.RepairApplications.CountAsync(Ct)).ShouldBe(0);
        var application = await world.Repairs.ApplyAsync(context, citizen, record, "2026年7月已缴清全部欠费", true, [Pdf("receipt.pdf")], Ct);
        application.Status.ShouldBe(ApplicationStatus.Pending);
        (await context.RemedyFiles.SingleAsync(Ct)).FileName.ShouldBe("receipt.pdf");
        (await world.InboxAsync(clerk)).ShouldContain(n => n.Kind == "repair-to-decide");
        (await Should.ThrowAsync<RemedyException>(() => world.Repairs.DecideAsync(context, application.Id, "POWER-SUPPLY", "account:x", true, null, Ct)))
            .MessageEn.ShouldContain("not about a record of your unit");

        (await ScoreAsync(context, subject, new DateOnly(2026, 7, 10))).Contributions.ShouldContain(c => c.RecordId == record && c.Points < 0);
        await context.RescoreQueue.ExecuteDeleteAsync(Ct);
        await world.Repairs.DecideAsync(context, application.Id, "WATER-SUPPLY", "account:water", approve: true, null, Ct);

        var stored = await context.Records.AsNoTracking().SingleAsync(r => r.Id == record, Ct);
        stored.Status.ShouldBe(RecordStatus.Repaired);
        PublicationPeriods.IsPublished(stored, new DateOnly(2026, 7, 10)).ShouldBeFalse();
        var score = await ScoreAsync(context, subject, new DateOnly(2026, 7, 10));
        score.Contributions.ShouldNotContain(c => c.RecordId == record);
        score.NotCounted.ShouldContain(e => e.RecordId == record && e.Reason == ExclusionReason.Repaired);
        (await context.RescoreQueue.AsNoTracking().Select(m => m.SubjectId).ToListAsync(Ct)).ShouldBe([subject]);
        (await context.RecordChanges.AsNoTracking().Where(c => c.RecordId == record).OrderBy(c => c.Id).LastAsync(Ct)).Action.ShouldBe(RecordAction.Repaired);
        var audit = await context.AuditEntries.AsNoTracking().OrderBy(a => a.Id).ToListAsync(Ct);
        audit[^1].Kind.ShouldBe("record-repaired");
        AuditChain.Verify(audit).ShouldBeNull();
        (await world.InboxAsync(citizen)).ShouldContain(n => n.Kind == "repair-approved");

        // The unit's next routine upload sends the record again with a changed detail: the change is kept
        // in its history, and the approved repair stands.
        await world.FurnishAsync("WATER-SUPPLY", "P-ARREARS-WATER", WaterArrears("W-1", AdultId, "2026-04-10", amount: "2600"));
        var resent = await context.Records.AsNoTracking().SingleAsync(r => r.Id == record, Ct);
        resent.Status.ShouldBe(RecordStatus.Repaired);
        resent.FieldsJson.ShouldContain("2600");
        (await context.RecordChanges.AsNoTracking().Where(c => c.RecordId == record).OrderBy(c => c.Id).LastAsync(Ct)).Action.ShouldBe(RecordAction.Updated);
        (await ScoreAsync(context, subject, new DateOnly(2026, 7, 10))).Contributions.ShouldNotContain(c => c.RecordId == record);
    }

    [Theory]
    [AllEngines]
    public async Task Refusal_NeedsReasons_AndTheRecordStays(DatabaseProvider provider)
    {
        await using var world = await RemediesWorld.CreateAsync(provider, MovableClock.At(2026, 8, 1));
        var ids = await world.FurnishAsync("WATER-SUPPLY", "P-ARREARS-WATER", WaterArrears("W-1", AdultId, "2026-04-10"));
        var citizen = await world.AccountAsync("sun", Roles.Citizen, subjectId: await world.SubjectIdAsync(AdultId));
        await using var context = world.NewContext();
        var application = await world.Repairs.ApplyAsync(context, citizen, ids["W-1"], "已缴清", true, [Png()], Ct);

        (await Should.ThrowAsync<RemedyException>(() => world.Repairs.DecideAsync(context, application.Id, null, "account:op", false, "", Ct))).Field.ShouldBe("reason");
        await world.Repairs.DecideAsync(context, application.Id, null, "account:op", false, "缴费凭证与户号不符", Ct);

        (await context.Records.AsNoTracking().SingleAsync(Ct)).Status.ShouldBe(RecordStatus.InForce);
        (await world.InboxAsync(citizen)).ShouldContain(n => n.Kind == "repair-refused" && n.BodyZh.Contains("户号不符"));
    }

    [Theory]
    [AllEngines]
    public async Task PublicationStopsByItself_GeneralAt1Year_SeriousAt3Years(DatabaseProvider provider)
    {
        await using var world = await RemediesWorld.CreateAsync(provider, MovableClock.At(2026, 10, 14));
        var water = await world.FurnishAsync("WATER-SUPPLY", "P-ARREARS-WATER", WaterArrears("W-1", AdultId, "2025-10-15"));
        var court = await world.FurnishAsync("INTERMEDIATE-COURT", "P-COURT-DISHONEST-ENFORCEE", Dishonest("C-1", AdultId, "2023-11-20"));
        var subject = await world.SubjectIdAsync(AdultId);
        var citizen = await world.AccountAsync("sun", Roles.Citizen, subjectId: subject);
        await using var context = world.NewContext();

        (await world.Repairs.ExpirePublicationAsync(context, Ct)).ShouldBe(0);
        world.SetDay(2026, 10, 15);
        (await world.Repairs.ExpirePublicationAsync(context, Ct)).ShouldBe(1);
        (await context.Records.AsNoTracking().SingleAsync(r => r.Id == water["W-1"], Ct)).Status.ShouldBe(RecordStatus.Expired);
        (await context.Records.AsNoTracking().SingleAsync(r => r.Id == court["C-1"], Ct)).Status.ShouldBe(RecordStatus.InForce);
        (await context.RescoreQueue.AsNoTracking().AnyAsync(m => m.SubjectId == subject, Ct)).ShouldBeTrue();

        world.SetDay(2026, 11, 19);
        (await world.Repairs.ExpirePublicationAsync(context, Ct)).ShouldBe(0);
        var serious = await context.Records.AsNoTracking().SingleAsync(r => r.Id == court["C-1"], Ct);
        PublicationPeriods.IsPublished(serious, new DateOnly(2026, 11, 19)).ShouldBeTrue();
        world.SetDay(2026, 11, 20);
        (await world.Repairs.ExpirePublicationAsync(context, Ct)).ShouldBe(1);
        serious = await context.Records.AsNoTracking().SingleAsync(r => r.Id == court["C-1"], Ct);
        serious.Status.ShouldBe(RecordStatus.Expired);
        (await ScoreAsync(context, subject, new DateOnly(2026, 11, 20))).NotCounted.ShouldContain(e => e.RecordId == serious.Id && e.Reason == ExclusionReason.Expired);
        (await Should.ThrowAsync<RemedyException>(() => world.Repairs.ApplyAsync(context, citizen, serious.Id, "x", true, [Pdf()], Ct))).MessageEn.ShouldContain("no longer published");
        var audit = await context.AuditEntries.AsNoTracking().OrderBy(a => a.Id).ToListAsync(Ct);
        audit.Count(a => a.Kind == "publication-expiry").ShouldBe(2);
        AuditChain.Verify(audit).ShouldBeNull();
    }

    [Theory]
    [AllEngines]
    public async Task Serious_CanBeRepairedOnlyAfterAYear(DatabaseProvider provider)
    {
        await using var world = await RemediesWorld.CreateAsync(provider, MovableClock.At(2026, 11, 1));
        var court = await world.FurnishAsync("INTERMEDIATE-COURT", "P-COURT-DISHONEST-ENFORCEE", Dishonest("C-1", AdultId, "2026-04-20"));
        var citizen = await world.AccountAsync("sun", Roles.Citizen, subjectId: await world.SubjectIdAsync(AdultId));
        await using var context = world.NewContext();
        (await Should.ThrowAsync<RemedyException>(() => world.Repairs.ApplyAsync(context, citizen, court["C-1"], "已履行", true, [Pdf()], Ct)))
            .MessageZh.ShouldContain("2027-04-20");
    }

    [Theory]
    [AllEngines]
    public async Task AMinorsMinorAct_IsNeverPublished_AndNotScored_WhileAnAdultsCountsUntilItsPeriodEnds(DatabaseProvider provider)
    {
        await using var world = await RemediesWorld.CreateAsync(provider, MovableClock.At(2026, 5, 12));
        var minor = await world.FurnishAsync("PUBLIC-SECURITY", "P-TRAFFIC-VIOLATION", Traffic("T-1", MinorId, "李小", "2026-05-10 08:30"));
        var adult = await world.FurnishAsync("PUBLIC-SECURITY", "P-TRAFFIC-VIOLATION", Traffic("T-2", AdultId, "孙八", "2026-05-10 09:30"));
        await using var context = world.NewContext();
        var minorRecord = await context.Records.AsNoTracking().SingleAsync(r => r.Id == minor["T-1"], Ct);
        var minorSubject = await context.Subjects.AsNoTracking().SingleAsync(s => s.Id == minorRecord.SubjectId, Ct);
        PublicationPeriods.IsProtectedMinorAct(minorRecord, minorSubject).ShouldBeTrue();
        foreach (var day in new[] { new DateOnly(2026, 5, 10), new DateOnly(2026, 6, 1), new DateOnly(2026, 8, 9) })
        {
            PublicationPeriods.IsPublished(minorRecord, day).ShouldBeFalse(); // minor acts are never published
        }

        (await world.Repairs.ProtectMinorsAsync(context, Ct)).ShouldBe(1);
        (await world.Repairs.ProtectMinorsAsync(context, Ct)).ShouldBe(0);
        (await context.Records.AsNoTracking().SingleAsync(r => r.Id == minor["T-1"], Ct)).Status.ShouldBe(RecordStatus.Repaired);
        (await ScoreAsync(context, minorSubject.Id, new DateOnly(2026, 5, 12))).Contributions.ShouldBeEmpty();
        var adultRecord = await context.Records.AsNoTracking().SingleAsync(r => r.Id == adult["T-2"], Ct);
        adultRecord.Status.ShouldBe(RecordStatus.InForce);
        (await ScoreAsync(context, adultRecord.SubjectId, new DateOnly(2026, 5, 12))).Contributions.ShouldContain(c => c.RecordId == adultRecord.Id && c.Points < 0);
        var change = await context.RecordChanges.AsNoTracking().Where(c => c.RecordId == minor["T-1"]).OrderBy(c => c.Id).LastAsync(Ct);
        change.Actor.ShouldBe("system:minor-protection");

        world.SetDay(2026, 8, 10); // an adult's minor act stops at 3 months
        (await world.Repairs.ExpirePublicationAsync(context, Ct)).ShouldBe(1);
        (await context.Records.AsNoTracking().SingleAsync(r => r.Id == adult["T-2"], Ct)).Status.ShouldBe(RecordStatus.Expired);
    }
}
