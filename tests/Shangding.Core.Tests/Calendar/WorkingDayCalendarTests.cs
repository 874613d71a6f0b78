using Shangding.Core.Calendar;
using static Shangding.Core.Tests.Calendar.CalendarTestData;

namespace Shangding.Core.Tests.Calendar;

// Dates from catalog/calendar/2026.json (State Council notice 202511/content_7047091):
// 元旦 holidays 01-01..01-03, make-up Sun 01-04; 春节 make-up Sat 02-14, holidays 02-15..02-23,
// make-up Sat 02-28; 国庆节 make-up Sun 09-20, 中秋节 holidays 09-25..09-27, 国庆节 holidays
// 10-01..10-07, make-up Sat 10-10.
public sealed class WorkingDayCalendarTests
{
    private readonly WorkingDayCalendar _calendar = CommittedCalendar;

    [Fact]
    public void CommittedCalendar_Covers2016To2026_WithoutWarnings_And2027IsNotPublished()
    {
        _calendar.Years.ShouldBe(Enumerable.Range(2016, 11).ToList());
        Warnings.ShouldBeEmpty();
        _calendar.HasDataFor(2026).ShouldBeTrue();
        _calendar.HasDataFor(2027).ShouldBeFalse();
    }

    [Theory]
    [InlineData("2026-02-14", true)]  // Saturday, 春节 make-up working day
    [InlineData("2026-02-28", true)]  // Saturday, 春节 make-up working day
    [InlineData("2026-02-13", true)]  // Friday before the festival
    [InlineData("2026-02-16", false)] // Monday, 春节
    [InlineData("2026-02-23", false)] // Monday, last day of 春节
    [InlineData("2026-02-24", true)]  // Tuesday, back to work
    [InlineData("2026-02-21", false)] // Saturday inside 春节
    [InlineData("2026-01-04", true)]  // Sunday, 元旦 make-up working day
    [InlineData("2026-09-20", true)]  // Sunday, 国庆节 make-up working day
    [InlineData("2026-09-25", false)] // Friday, 中秋节
    [InlineData("2026-10-05", false)] // Monday, 国庆节
    [InlineData("2026-10-08", true)]  // Thursday after 国庆节
    [InlineData("2026-10-10", true)]  // Saturday, 国庆节 make-up working day
    [InlineData("2026-10-11", false)] // ordinary Sunday
    public void IsWorkingDay_FollowsHolidaysAndMakeUpDays2026(string date, bool expected) =>
        _calendar.IsWorkingDay(D(date)).ShouldBe(expected);

    [Fact]
    public void IsWorkingDay_MakeUpSaturdayIsWorking_AndHolidayMondayIsNot()
    {
        D("2026-02-14").DayOfWeek.ShouldBe(DayOfWeek.Saturday);
        _calendar.IsWorkingDay(D("2026-02-14")).ShouldBeTrue();
        D("2026-02-16").DayOfWeek.ShouldBe(DayOfWeek.Monday);
        _calendar.IsWorkingDay(D("2026-02-16")).ShouldBeFalse();
    }

    [Fact]
    public void HolidayName_NamesHolidays_AndNotMakeUpDaysOrOrdinaryDays()
    {
        _calendar.HolidayName(D("2026-02-17")).ShouldBe("春节");
        _calendar.HolidayName(D("2026-10-01")).ShouldBe("国庆节");
        _calendar.HolidayName(D("2026-09-25")).ShouldBe("中秋节");
        _calendar.HolidayName(D("2026-02-14")).ShouldBeNull();
        _calendar.Find(D("2026-02-14")).ShouldBe(new CalendarDay(D("2026-02-14"), CalendarDayKind.Workday, "春节调休"));
        _calendar.HolidayName(D("2026-03-10")).ShouldBeNull();
    }

    [Fact]
    public void AddWorkingDays_SkipsSpringFestival2026_AndCountsMakeUpSaturday()
    {
        // Friday 02-13 → Sat 02-14 (make-up) is the 1st; 02-15..02-23 off; Tue 02-24 2nd, Wed 02-25 3rd.
        _calendar.AddWorkingDays(D("2026-02-13"), 1).ShouldBe(new WorkingDayResult(D("2026-02-14"), false));
        _calendar.AddWorkingDays(D("2026-02-13"), 3).ShouldBe(new WorkingDayResult(D("2026-02-25"), false));
    }

    [Fact]
    public void AddWorkingDays_ThreeAfterLastWorkingDayBeforeSpringFestival_LandsAfterTheHoliday()
    {
        // The last working day before the festival is the make-up Saturday 02-14.
        _calendar.AddWorkingDays(D("2026-02-14"), 3).Date.ShouldBe(D("2026-02-26"));
    }

    [Fact]
    public void AddWorkingDays_TenAfterMonthEndJanuary2026_IsFebruary13()
    {
        _calendar.AddWorkingDays(D("2026-01-31"), 10).ShouldBe(new WorkingDayResult(D("2026-02-13"), false));
    }

    [Fact]
    public void AddWorkingDays_TenAfterMonthEndFebruary2026_StartsCountingAfterTheMakeUpSaturday()
    {
        _calendar.AddWorkingDays(D("2026-02-28"), 10).Date.ShouldBe(D("2026-03-13"));
    }

    [Fact]
    public void AddWorkingDays_TenAfterQuarterEndSeptember2026_SkipsNationalDayAndCountsOctober10()
    {
        // 10-01..10-07 off; 10-08 1st, 10-09 2nd, Sat 10-10 3rd, 10-12..10-16 4th–8th, 10-19 9th, 10-20 10th.
        _calendar.AddWorkingDays(D("2026-09-30"), 10).Date.ShouldBe(D("2026-10-20"));
    }

    [Fact]
    public void AddWorkingDays_SevenAfterDecisionOn20260928_IsOctober13()
    {
        // 09-29, 09-30, [10-01..10-07 off], 10-08, 10-09, Sat 10-10, 10-12, 10-13.
        _calendar.AddWorkingDays(D("2026-09-28"), 7).ShouldBe(new WorkingDayResult(D("2026-10-13"), false));
    }

    [Fact]
    public void AddWorkingDays_CountsMakeUpSundayBeforeMidAutumn()
    {
        _calendar.AddWorkingDays(D("2026-09-18"), 2).Date.ShouldBe(D("2026-09-21"));
    }

    [Fact]
    public void AddWorkingDays_AcrossNewYear2026_UsesBothYears_AndIsNotProvisional()
    {
        // 2026-01-01..03 off, Sun 01-04 make-up, 01-05, 01-06.
        _calendar.AddWorkingDays(D("2025-12-31"), 3).ShouldBe(new WorkingDayResult(D("2026-01-06"), false));
    }

    [Fact]
    public void AddWorkingDays_Into2027WithoutData_FallsBackToMondayToFriday_AndIsProvisional()
    {
        // Tue–Thu 12-29..12-31, then Fri 2027-01-01 counts (no notice yet), then Mon 01-04.
        _calendar.AddWorkingDays(D("2026-12-28"), 5).ShouldBe(new WorkingDayResult(D("2027-01-04"), true));
    }

    [Fact]
    public void AddWorkingDays_StayingInside2026_IsNotProvisional()
    {
        _calendar.AddWorkingDays(D("2026-12-28"), 3).ShouldBe(new WorkingDayResult(D("2026-12-31"), false));
    }

    [Fact]
    public void AddWorkingDays_Zero_ReturnsTheDateItself_EvenOnAHoliday()
    {
        _calendar.AddWorkingDays(D("2026-02-16"), 0).ShouldBe(new WorkingDayResult(D("2026-02-16"), false));
    }

    [Fact]
    public void AddWorkingDays_Negative_IsRejected()
    {
        Should.Throw<ArgumentOutOfRangeException>(() => _calendar.AddWorkingDays(D("2026-02-16"), -1));
    }

    [Fact]
    public void WorkingDaysBetween_CountsWorkingDaysAfterFromUpToAndIncludingTo()
    {
        // (09-30, 10-13]: 10-08, 10-09, 10-10, 10-12, 10-13.
        _calendar.WorkingDaysBetween(D("2026-09-30"), D("2026-10-13")).ShouldBe(5);
        _calendar.WorkingDaysBetween(D("2026-10-13"), D("2026-09-30")).ShouldBe(-5);
        _calendar.WorkingDaysBetween(D("2026-10-13"), D("2026-10-13")).ShouldBe(0);
        // A deadline of 10-13 reached on 10-16 is 3 working days overdue.
        _calendar.WorkingDaysBetween(D("2026-10-13"), D("2026-10-16")).ShouldBe(3);
    }

    [Fact]
    public void WorkingDaysBetween_IsTheInverseOfAddWorkingDays()
    {
        var start = D("2026-02-10");
        for (var n = 0; n <= 30; n++)
        {
            _calendar.WorkingDaysBetween(start, _calendar.AddWorkingDays(start, n).Date).ShouldBe(n);
        }
    }

    [Fact]
    public void EmptyCalendar_UsesMondayToFriday_AndMarksEverythingProvisional()
    {
        var empty = WorkingDayCalendar.Empty;
        empty.Years.ShouldBeEmpty();
        empty.IsWorkingDay(D("2026-02-16")).ShouldBeTrue();
        empty.AddWorkingDays(D("2026-02-13"), 1).ShouldBe(new WorkingDayResult(D("2026-02-16"), true));
    }

    [Fact]
    public void Constructor_RejectsTheSameYearTwice()
    {
        var year = new CalendarYear(2026, null, null, [new CalendarDay(D("2026-01-01"), CalendarDayKind.Holiday, "元旦")]);
        Should.Throw<ArgumentException>(() => new WorkingDayCalendar([year, year])).Message.ShouldContain("2026");
    }
}
