using Microsoft.EntityFrameworkCore;
using Shangding.Core.Access;
using Shangding.Core.Data;
using Shangding.Core.Remedies;
using Shangding.Testing;
using static Shangding.Data.Tests.Remedies.RemediesWorld;

namespace Shangding.Data.Tests.Remedies;

public sealed class SelfReportTests
{
    private static readonly string TeenId = TestPlatform.ResidentId(new DateOnly(2009, 1, 1), 332);

    private static SelfReportInput Volunteer(string id, string name = "孙八", string sex = "M") =>
        new("P-VOLUNTEER", null, name, sex, id, "2026-02-20", "2025年参加社区志愿服务120小时，获评市级优秀志愿者");

    [Theory]
    [AllEngines]
    public async Task AnAdultsReport_ApprovedByTheUnit_BecomesARecordThroughIntake(DatabaseProvider provider)
    {
        await using var world = await RemediesWorld.CreateAsync(provider, MovableClock.At(2026, 3, 2));
        await world.FurnishAsync("WATER-SUPPLY", "P-ARREARS-WATER", WaterArrears("W-1", AdultId, "2025-09-01"), WaterArrears("W-2", TeenId, "2025-09-01", name: "李小"));
        var subject = await world.SubjectIdAsync(AdultId);
        var citizen = await world.AccountAsync("sun", Roles.Citizen, subjectId: subject);
        var teen = await world.AccountAsync("teen", Roles.Citizen, subjectId: await world.SubjectIdAsync(TeenId));
        var clerk = await world.AccountAsync("civil", Roles.UnitClerk, "CIVILISATION-OFFICE");
        await using var context = world.NewContext();

        (await Should.ThrowAsync<RemedyException>(() => world.SelfReports.SubmitAsync(context, teen, Volunteer(TeenId, "李小", "F"), [Pdf()], Ct)))
            .MessageEn.ShouldContain("18");
        var otherId = TestPlatform.ResidentId(new DateOnly(1990, 1, 1), 555);
        (await Should.ThrowAsync<RemedyException>(() => world.SelfReports.SubmitAsync(context, citizen, Volunteer(otherId), [Pdf()], Ct))).Field.ShouldBe("idNumber");
        (await Should.ThrowAsync<RemedyException>(() => world.SelfReports.SubmitAsync(context, citizen, Volunteer(AdultId, sex: "F"), [Pdf()], Ct))).Field.ShouldBe("sex");
        (await Should.ThrowAsync<RemedyException>(() => world.SelfReports.SubmitAsync(context, citizen, Volunteer(AdultId) with { CategoryCode = "P-ARREARS-WATER" }, [Pdf()], Ct)))
            .Field.ShouldBe("category");
        (await Should.ThrowAsync<RemedyException>(() => world.SelfReports.SubmitAsync(context, citizen, Volunteer(AdultId), [], Ct))).Field.ShouldBe("files");
        (await context.SelfReports.CountAsync(Ct)).ShouldBe(0);

        var report = await world.SelfReports.SubmitAsync(context, citizen, Volunteer(AdultId), [Pdf("certificate.pdf")], Ct);
        report.UnitCode.ShouldBe("CIVILISATION-OFFICE");
        (await world.InboxAsync(clerk)).ShouldContain(n => n.Kind == "self-report-to-review");

        // The clerk must complete the category's fields; the pipeline says what is missing.
        var missing = await Should.ThrowAsync<RemedyException>(() => world.SelfReports.DecideAsync(context, report.Id, "CIVILISATION-OFFICE", "account:civil", true, null,
            new Dictionary<string, string?> { ["rating_body"] = "市文明办" }, Ct));
        missing.Field.ShouldBe("honour_level");
        await world.Scores.OptInAsync(context, subject, "test", Ct); // so that the new record is rescored
        report = await world.SelfReports.DecideAsync(context, report.Id, "CIVILISATION-OFFICE", "account:civil", true, null,
            new Dictionary<string, string?> { ["rating_body"] = "市文明办", ["honour_level"] = "市级" }, Ct);

        report.Status.ShouldBe(ApplicationStatus.Approved);
        var record = await context.Records.AsNoTracking().SingleAsync(r => r.Id == report.RecordId, Ct);
        (record.SubjectId, record.CategoryCode, record.UnitCode, record.RecordKey).ShouldBe((subject, "P-VOLUNTEER", "CIVILISATION-OFFICE", $"SELF-{report.Id}"));
        record.ActDate.ShouldBe(new DateOnly(2026, 2, 20));
        (await context.RecordChanges.AsNoTracking().SingleAsync(c => c.RecordId == record.Id, Ct)).Channel.ShouldBe("self-report");
        (await context.RescoreQueue.AsNoTracking().AnyAsync(m => m.SubjectId == subject, Ct)).ShouldBeTrue();
        (await world.InboxAsync(citizen)).ShouldContain(n => n.Kind == "self-report-approved");
    }

    [Theory]
    [AllEngines]
    public async Task ARefusedReport_GetsReasons_AndNoRecord(DatabaseProvider provider)
    {
        await using var world = await RemediesWorld.CreateAsync(provider, MovableClock.At(2026, 3, 2));
        await world.FurnishAsync("WATER-SUPPLY", "P-ARREARS-WATER", WaterArrears("W-1", AdultId, "2025-09-01"));
        var citizen = await world.AccountAsync("sun", Roles.Citizen, subjectId: await world.SubjectIdAsync(AdultId));
        await using var context = world.NewContext();
        var report = await world.SelfReports.SubmitAsync(context, citizen, Volunteer(AdultId), [Png()], Ct);

        (await Should.ThrowAsync<RemedyException>(() => world.SelfReports.DecideAsync(context, report.Id, "CIVILISATION-OFFICE", "c", false, " ", null, Ct))).Field.ShouldBe("reason");
        (await Should.ThrowAsync<RemedyException>(() => world.SelfReports.DecideAsync(context, report.Id, "WATER-SUPPLY", "c", false, "x", null, Ct)))
            .MessageEn.ShouldContain("not for your unit");
        report = await world.SelfReports.DecideAsync(context, report.Id, "CIVILISATION-OFFICE", "account:civil", false, "证书编号查无记录", null, Ct);

        report.Status.ShouldBe(ApplicationStatus.Refused);
        (await context.Records.CountAsync(r => r.CategoryCode == "P-VOLUNTEER", Ct)).ShouldBe(0);
        (await world.InboxAsync(citizen)).ShouldContain(n => n.Kind == "self-report-refused" && n.BodyZh.Contains("查无记录"));
    }
}
