using Shangding.Core.Calendar;
using Shangding.Core.Catalog;
using Shangding.Core.Reporting;
using Shangding.Testing;

namespace Shangding.Core.Tests.Reporting;

public sealed class ReportingScheduleTests
{
    private static readonly WorkingDayCalendar RealCalendar = CalendarStore.LoadDirectory(Path.Combine(RepoPaths.Catalog, "calendar"));
    private static readonly CatalogDefinition Catalog = CatalogLoader.Load(RepoPaths.Catalog);
    private static readonly ReportingSchedule Schedule = new(RealCalendar);

    private static DateOnly D(int year, int month, int day) => new(year, month, day);

    [Fact]
    public void Cycle_FollowsCatalogue_AndApiConnectedUnitsReportDaily()
    {
        var monthly = Catalog.Find("O-FEE-ARREARS")!;
        var realtime = Catalog.Find("P-ARREARS-WATER")!;
        ReportingSchedule.CycleOf(monthly, unitApiConnected: false).ShouldBe(ReportingCycle.Monthly);
        ReportingSchedule.CycleOf(monthly, unitApiConnected: true).ShouldBe(ReportingCycle.Daily);
        ReportingSchedule.CycleOf(realtime, unitApiConnected: false).ShouldBe(ReportingCycle.Daily);
        ReportingSchedule.CycleOf(CollectionCycles.Quarterly).ShouldBe(ReportingCycle.Quarterly);
        ReportingSchedule.CycleOf(CollectionCycles.HalfYear).ShouldBe(ReportingCycle.HalfYear);
        ReportingSchedule.CycleOf(CollectionCycles.Yearly).ShouldBe(ReportingCycle.Yearly);
        Should.Throw<ArgumentOutOfRangeException>(() => ReportingSchedule.CycleOf("weekly"));
    }

    [Fact]
    public void January2026_IsDue10WorkingDaysAfterMonthEnd_OnFebruary13()
    {
        var january = Schedule.PeriodsBetween(Catalog.Find("O-FEE-ARREARS")!, false, D(2026, 1, 1), D(2026, 1, 31)).ShouldHaveSingleItem();
        january.ShouldBe(new ReportingPeriod(D(2026, 1, 1), D(2026, 1, 31), D(2026, 2, 13), false));
        january.ReportsFrom.ShouldBe(D(2026, 2, 1));
        RealCalendar.WorkingDaysBetween(D(2026, 1, 31), D(2026, 2, 13)).ShouldBe(10);
    }

    [Fact]
    public void February2026_DeadlineCountsMakeUpSaturday_AndSkipsNothingElse()
    {
        // 02-28 (Sat) is a make-up working day: it is the 1st working day after the period end.
        var february = Schedule.PeriodContaining(ReportingCycle.Monthly, D(2026, 2, 10))!;
        february.End.ShouldBe(D(2026, 2, 28));
        february.Deadline.ShouldBe(D(2026, 3, 13));
        february.Provisional.ShouldBeFalse();
    }

    [Fact]
    public void Q3_2026_DeadlineFallsAfterNationalDay_CountingMakeUpSaturday()
    {
        var q3 = Schedule.PeriodContaining(ReportingCycle.Quarterly, D(2026, 8, 15))!;
        q3.Start.ShouldBe(D(2026, 7, 1));
        q3.End.ShouldBe(D(2026, 9, 30));
        // 10-01..10-07 holidays; 10-08, 10-09, 10-10 (make-up Sat), 10-12..16, 10-19, 10-20.
        q3.Deadline.ShouldBe(D(2026, 10, 20));
        q3.Provisional.ShouldBeFalse();
    }

    [Fact]
    public void Q1_2026_DeadlineSkipsQingming()
    {
        Schedule.PeriodContaining(ReportingCycle.Quarterly, D(2026, 3, 31))!.Deadline.ShouldBe(D(2026, 4, 15));
    }

    [Fact]
    public void December2026_HalfYearAndYear_DeadlinesIn2027_AreProvisional()
    {
        var december = Schedule.PeriodContaining(ReportingCycle.Monthly, D(2026, 12, 5))!;
        december.Deadline.Year.ShouldBe(2027);
        december.Provisional.ShouldBeTrue();
        // 2027 unknown: Monday–Friday assumed, 01-01 (Fri) counts as a working day.
        december.Deadline.ShouldBe(D(2027, 1, 14));

        var h2 = Schedule.PeriodContaining(ReportingCycle.HalfYear, D(2026, 12, 31))!;
        (h2.Start, h2.End, h2.Provisional).ShouldBe((D(2026, 7, 1), D(2026, 12, 31), true));
        var h1 = Schedule.PeriodContaining(ReportingCycle.HalfYear, D(2026, 6, 30))!;
        (h1.Start, h1.End, h1.Deadline, h1.Provisional).ShouldBe((D(2026, 1, 1), D(2026, 6, 30), D(2026, 7, 14), false));
        var year = Schedule.PeriodContaining(ReportingCycle.Yearly, D(2026, 3, 3))!;
        (year.Start, year.End, year.Provisional).ShouldBe((D(2026, 1, 1), D(2026, 12, 31), true));
    }

    [Fact]
    public void PeriodsBetween_StartsWithFirstFullPeriod_AndIncludesThePeriodInProgress()
    {
        var periods = Schedule.PeriodsBetween(ReportingCycle.Monthly, D(2026, 1, 15), D(2026, 4, 2)).ToList();
        periods.Select(p => p.Start).ShouldBe([D(2026, 2, 1), D(2026, 3, 1), D(2026, 4, 1)]);

        var quarters = Schedule.PeriodsBetween(ReportingCycle.Quarterly, D(2026, 1, 1), D(2026, 12, 31)).ToList();
        quarters.Select(p => p.End).ShouldBe([D(2026, 3, 31), D(2026, 6, 30), D(2026, 9, 30), D(2026, 12, 31)]);
    }

    [Fact]
    public void Daily_AcrossSpringFestival_WorkingDaysOnly_DueNextWorkingDay()
    {
        var days = Schedule.PeriodsBetween(ReportingCycle.Daily, D(2026, 2, 12), D(2026, 2, 25)).ToList();
        // 02-14 (make-up Sat) is a working day; 02-15..02-23 are holidays.
        days.Select(p => p.Start).ShouldBe([D(2026, 2, 12), D(2026, 2, 13), D(2026, 2, 14), D(2026, 2, 24), D(2026, 2, 25)]);
        days.Select(p => p.Deadline).ShouldBe([D(2026, 2, 13), D(2026, 2, 14), D(2026, 2, 24), D(2026, 2, 25), D(2026, 2, 26)]);
        days.ShouldAllBe(p => p.IsSingleDay && !p.Provisional);
        days[0].ReportsFrom.ShouldBe(D(2026, 2, 12));
        Schedule.PeriodContaining(ReportingCycle.Daily, D(2026, 2, 16)).ShouldBeNull();
    }

    [Fact]
    public void Daily_OnLastWorkingDayOf2026_IsProvisional()
    {
        var last = Schedule.PeriodContaining(ReportingCycle.Daily, D(2026, 12, 31))!;
        last.Deadline.ShouldBe(D(2027, 1, 1));
        last.Provisional.ShouldBeTrue();
    }

    [Fact]
    public void Licence_DecidedBeforeNationalDay_IsDueOctober13()
    {
        var onTime = Schedule.AssessLicenceOrPenalty(D(2026, 9, 28), D(2026, 10, 13));
        onTime.ShouldBe(new RecordTimeliness(D(2026, 10, 13), false, 0));
        onTime.OnTime.ShouldBeTrue();

        var late = Schedule.AssessLicenceOrPenalty(D(2026, 9, 28), D(2026, 10, 16));
        late.WorkingDaysLate.ShouldBe(3);
        late.OnTime.ShouldBeFalse();
    }

    [Fact]
    public void Licence_ReportedAtUtc_IsJudgedOnChinaDate()
    {
        // 2026-10-13 16:30 UTC is 10-14 00:30 in Zhengzhou: one working day late.
        var late = Schedule.AssessLicenceOrPenalty(D(2026, 9, 28), new DateTime(2026, 10, 13, 16, 30, 0, DateTimeKind.Utc));
        late.WorkingDaysLate.ShouldBe(1);
        var onTime = Schedule.AssessLicenceOrPenalty(D(2026, 9, 28), new DateTime(2026, 10, 13, 15, 59, 0, DateTimeKind.Utc));
        onTime.OnTime.ShouldBeTrue();
    }

    [Fact]
    public void Licence_DecidedLateDecember2026_IsProvisional()
    {
        Schedule.AssessLicenceOrPenalty(D(2026, 12, 28), D(2027, 1, 4)).Provisional.ShouldBeTrue();
    }

    [Fact]
    public void EmptyCalendar_MarksEveryDeadlineProvisional()
    {
        var schedule = new ReportingSchedule(WorkingDayCalendar.Empty);
        schedule.PeriodsBetween(ReportingCycle.Monthly, D(2026, 1, 1), D(2026, 3, 1)).ShouldAllBe(p => p.Provisional);
    }

    [Fact]
    public void DeadlineRule_SaysWhatTheScheduleEnforces_RealtimeAsDaily()
    {
        foreach (var category in Catalog.Categories)
        {
            var rule = ReportingSchedule.DeadlineRule(category);
            if (ReportingSchedule.CycleOf(category.CollectionCycle) == ReportingCycle.Daily)
            {
                rule.Zh.ShouldContain("每个工作日报送，当日的信息最迟于下一个工作日（含当日）报送", customMessage: category.Code);
                rule.Zh.ShouldNotContain("结束后 10 个工作日", customMessage: category.Code);
            }
            else
            {
                rule.Zh.ShouldContain("结束后 10 个工作日内（含第 10 个工作日）报送", customMessage: category.Code);
            }

            (category.IsLicenceOrPenalty == rule.Zh.Contains("7 个工作日", StringComparison.Ordinal)).ShouldBeTrue(category.Code);
            rule.Zh.ShouldContain("本期无新增信息");
        }

        ReportingSchedule.DeadlineRule(Catalog.Find("P-ARREARS-WATER")!).Zh.ShouldStartWith("实时归集：");
        ReportingSchedule.DeadlineRule(Catalog.Find("O-FEE-ARREARS")!).Zh.ShouldStartWith("每月结束后 10 个工作日内");
    }
}

public sealed class ReminderNoticeTests
{
    [Fact]
    public void Notice_NamesUnitCategoryPeriodDeadlinesAndArticle13_InChineseAndEnglish()
    {
        var text = ReminderNotice.Build(
            "市自来水公司", "Zhengzhou Water Supply Company", "拖欠公用事业费用信息（自来水）", "Utility arrears (water)",
            new DateOnly(2026, 1, 1), new DateOnly(2026, 1, 31), new DateOnly(2026, 2, 13), new DateOnly(2026, 3, 6));
        text.Zh.ShouldBe("市自来水公司：「拖欠公用事业费用信息（自来水）」2026年1月的信息最迟应于2026年2月13日（含当日）报送，至今未报送。"
            + "请最迟于2026年3月6日（含当日）补报；经催报仍未报送的，将报市政府通报批评。依据《郑州市公共信用信息管理暂行办法》第十三条。");
        text.En.ShouldBe("Zhengzhou Water Supply Company: the “Utility arrears (water)” information for January 2026 was due on 13 February 2026 at the latest "
            + "and has not been reported to date. Please report it on 6 March 2026 at the latest; a unit that still has not reported after this reminder "
            + "is listed for a circulated criticism by the municipal government. Under Article 13 of the Zhengzhou Interim Measures for Public Credit Information Management.");
    }

    [Fact]
    public void Notice_SaysTheDeadlineDayIsIncluded_AndKeepsTheCategoryApartFromADailyPeriod()
    {
        var text = ReminderNotice.Build("市妇联", "Women's Federation", "三八红旗手", "March 8th Red-Banner Holders",
            new DateOnly(2026, 9, 7), new DateOnly(2026, 9, 7), new DateOnly(2026, 9, 8), new DateOnly(2026, 12, 14));
        // Not "三八红旗手2026年9月7日", not "应于2026年9月8日前" (which reads as the day before).
        text.Zh.ShouldContain("「三八红旗手」2026年9月7日的信息最迟应于2026年9月8日（含当日）报送");
        text.Zh.ShouldNotContain("日前");
        text.En.ShouldContain("“March 8th Red-Banner Holders” information for 7 September 2026 was due on 8 September 2026 at the latest");
    }

    [Theory]
    [InlineData("2026-07-01", "2026-09-30", "2026年第三季度", "Q3 2026")]
    [InlineData("2026-01-01", "2026-06-30", "2026年上半年", "the first half of 2026")]
    [InlineData("2026-07-01", "2026-12-31", "2026年下半年", "the second half of 2026")]
    [InlineData("2026-01-01", "2026-12-31", "2026年", "the year 2026")]
    [InlineData("2026-02-14", "2026-02-14", "2026年2月14日", "14 February 2026")]
    public void PeriodLabels(string start, string end, string zh, string en)
    {
        var (s, e) = (DateOnly.Parse(start, System.Globalization.CultureInfo.InvariantCulture), DateOnly.Parse(end, System.Globalization.CultureInfo.InvariantCulture));
        ReminderNotice.PeriodZh(s, e).ShouldBe(zh);
        ReminderNotice.PeriodEn(s, e).ShouldBe(en);
    }
}
