using Microsoft.EntityFrameworkCore;
using Shangding.Core.Access;
using Shangding.Core.Data;
using Shangding.Core.Remedies;
using Shangding.Testing;
using static Shangding.Data.Tests.Remedies.RemediesWorld;

namespace Shangding.Data.Tests.Remedies;

/// <summary>
/// The decision deadlines of repair applications and self-reports (15 working days after the day of
/// filing, docs/REMEDIES.md) on a moved clock across 2026's National Day: filed Wed Sep 30, the days
/// are Oct 8, 9, the make-up Sat Oct 10, Oct 12–16, 19–23, 26 and 27.
/// </summary>
public sealed class DecisionDeadlineTests
{
    private static readonly DateOnly Due = new(2026, 10, 27);

    private sealed record Setup(RemediesWorld World, long RecordId, long Citizen, long Operator, long Auditor);

    private static async Task<Setup> SetUpAsync(DatabaseProvider provider)
    {
        // A general water-arrears record decided in June: repair is possible from September.
        var world = await RemediesWorld.CreateAsync(provider, MovableClock.At(2026, 9, 30));
        var ids = await world.FurnishAsync("WATER-SUPPLY", "P-ARREARS-WATER", WaterArrears("W-1", AdultId, "2026-06-01"));
        var subject = await world.SubjectIdAsync(AdultId);
        var citizen = await world.AccountAsync("sun", Roles.Citizen, subjectId: subject);
        var op = await world.AccountAsync("op", Roles.Operator);
        var auditor = await world.AccountAsync("aud", Roles.Auditor);
        await world.AccountAsync("water", Roles.UnitClerk, "WATER-SUPPLY");
        return new Setup(world, ids["W-1"], citizen, op, auditor);
    }

    [Theory]
    [AllEngines]
    public async Task ARepairApplication_IsDueIn15WorkingDays_IsFlaggedOnceWhenLate_AndShowsHowLateItWasDecided(DatabaseProvider provider)
    {
        var s = await SetUpAsync(provider);
        await using var world = s.World;
        await using var context = world.NewContext();

        var application = await world.Repairs.ApplyAsync(context, s.Citizen, s.RecordId, "2026年9月已缴清全部欠费", true, [Pdf()], Ct);
        application.DecisionDue.ShouldBe(Due);
        (await context.RepairApplications.AsNoTracking().SingleAsync(a => a.Id == application.Id, Ct)).DecisionDue.ShouldBe(Due);
        (await world.InboxAsync(s.Operator)).ShouldContain(n => n.Kind == "repair-to-decide" && n.BodyZh.Contains("2026-10-27"));

        // On the last day it is not late, and nothing is flagged.
        world.SetDay(2026, 10, 27, 23);
        world.Deadlines.Of(application, world.Deadlines.Today).Overdue.ShouldBeFalse();
        (await world.Deadlines.ListOverdueAsync(context, Ct)).ShouldBeEmpty();
        (await world.Deadlines.FlagOverdueAsync(context, Ct)).ShouldBe(0);

        // The next day it is one working day late: listed, and operators and supervisors are told once.
        world.SetDay(2026, 10, 28);
        var state = world.Deadlines.Of(application, world.Deadlines.Today);
        (state.Overdue, state.WorkingDaysLate).ShouldBe((true, 1));
        var overdue = (await world.Deadlines.ListOverdueAsync(context, Ct)).ShouldHaveSingleItem();
        overdue.ShouldBe(new OverdueDecision(DecisionKind.Repair, application.Id, "WATER-SUPPLY", "P-ARREARS-WATER", Due, 1));
        (await world.Deadlines.FlagOverdueAsync(context, Ct)).ShouldBe(1);
        (await world.Deadlines.FlagOverdueAsync(context, Ct)).ShouldBe(0);
        (await world.InboxAsync(s.Operator)).Count(n => n.Kind == "repair-overdue").ShouldBe(1);
        (await world.InboxAsync(s.Auditor)).ShouldContain(n => n.Kind == "repair-overdue" && n.BodyEn.Contains("2026-10-27") && n.BodyEn.Contains("1 working day"));

        // Decided two working days late: no longer overdue, and the page can say how late it was.
        world.SetDay(2026, 10, 29);
        application = await world.Repairs.DecideAsync(context, application.Id, null, "account:op", true, null, Ct);
        state = world.Deadlines.Of(application, new DateOnly(2026, 11, 20));
        (state.Overdue, state.WorkingDaysLate).ShouldBe((false, 2));
        (await world.Deadlines.ListOverdueAsync(context, Ct)).ShouldBeEmpty();
    }

    [Theory]
    [AllEngines]
    public async Task ASelfReport_IsDueIn15WorkingDays_AndIsFlaggedWhenTheUnitHasNotReviewedIt(DatabaseProvider provider)
    {
        var s = await SetUpAsync(provider);
        await using var world = s.World;
        await using var context = world.NewContext();
        var clerk = await world.AccountAsync("civil", Roles.UnitClerk, "CIVILISATION-OFFICE");

        var report = await world.SelfReports.SubmitAsync(context, s.Citizen,
            new SelfReportInput("P-VOLUNTEER", null, "孙八", "M", AdultId, "2026-09-20", "社区志愿服务120小时"), [Pdf()], Ct);
        report.DecisionDue.ShouldBe(Due);
        (await world.InboxAsync(clerk)).ShouldContain(n => n.Kind == "self-report-to-review" && n.BodyEn.Contains("by 2026-10-27"));

        world.SetDay(2026, 11, 2); // Mon: Oct 28, 29, 30 and Nov 2 are working days after the deadline
        var overdue = (await world.Deadlines.ListOverdueAsync(context, Ct)).ShouldHaveSingleItem();
        (overdue.Kind, overdue.Id, overdue.UnitCode, overdue.WorkingDaysLate).ShouldBe((DecisionKind.SelfReport, report.Id, "CIVILISATION-OFFICE", 4));
        (await world.Deadlines.FlagOverdueAsync(context, Ct)).ShouldBe(1);
        (await world.InboxAsync(s.Operator)).ShouldContain(n => n.Kind == "self-report-overdue" && n.BodyZh.Contains("市文明办") && n.BodyZh.Contains("4 个工作日"));

        await world.SelfReports.DecideAsync(context, report.Id, "CIVILISATION-OFFICE", "account:civil", false, "证明材料不清晰", null, Ct);
        (await world.Deadlines.ListOverdueAsync(context, Ct)).ShouldBeEmpty();
        (await world.Deadlines.FlagOverdueAsync(context, Ct)).ShouldBe(0);
    }

    [Theory]
    [AllEngines]
    public async Task ApplicationsFiledBeforeTheDeadlinesExisted_GetTheirDueDateFromTheDayTheyWereFiled(DatabaseProvider provider)
    {
        var s = await SetUpAsync(provider);
        await using var world = s.World;
        await using var context = world.NewContext();
        var application = await world.Repairs.ApplyAsync(context, s.Citizen, s.RecordId, "已缴清", true, [Pdf()], Ct);
        // As a row written before migration 0014.
        await context.RepairApplications.Where(a => a.Id == application.Id).ExecuteUpdateAsync(u => u.SetProperty(a => a.DecisionDue, (DateOnly?)null), Ct);

        world.SetDay(2026, 12, 1);
        (await world.Deadlines.FillMissingAsync(context, Ct)).ShouldBe(1);
        (await context.RepairApplications.AsNoTracking().SingleAsync(a => a.Id == application.Id, Ct)).DecisionDue.ShouldBe(Due);
        (await world.Deadlines.FillMissingAsync(context, Ct)).ShouldBe(0);
    }
}
