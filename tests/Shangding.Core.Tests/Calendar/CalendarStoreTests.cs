using System.Text;
using Microsoft.Extensions.Configuration;
using Shangding.Core.Calendar;
using static Shangding.Core.Tests.Calendar.CalendarTestData;

namespace Shangding.Core.Tests.Calendar;

public sealed class CalendarStoreTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static string YearFile(int year, string days) =>
        $$"""{ "year": {{year}}, "source": "test", "updated": "2026-08-07", "days": [ {{days}} ] }""";

    private static string Day(string date, string kind, string name = "x") =>
        $$"""{ "date": "{{date}}", "kind": "{{kind}}", "name": "{{name}}" }""";

    private CalendarDataException Refused(string fileName, string content)
    {
        _dir.Write(fileName, content);
        return Should.Throw<CalendarDataException>(() => CalendarStore.LoadDirectory(_dir.Path));
    }

    [Fact]
    public void Load_RefusesBadDate_NamingFileAndEntry()
    {
        var ex = Refused("2026.json", YearFile(2026, Day("2026-02-30", "holiday")));
        ex.FileName.ShouldBe("2026.json");
        ex.Message.ShouldContain("2026.json");
        ex.Message.ShouldContain("days[0]");
        ex.Message.ShouldContain("bad date '2026-02-30'");
    }

    [Fact]
    public void Load_RefusesDateOutsideTheFilesYear()
    {
        var ex = Refused("2026.json", YearFile(2026, Day("2026-01-01", "holiday") + "," + Day("2027-01-01", "holiday")));
        ex.Message.ShouldContain("2027-01-01 lies outside the year 2026");
    }

    [Fact]
    public void Load_RefusesDuplicateDate()
    {
        var ex = Refused("2026.json", YearFile(2026, Day("2026-01-01", "holiday") + "," + Day("2026-01-01", "holiday")));
        ex.Message.ShouldContain("2026-01-01 is listed twice");
    }

    [Fact]
    public void Load_RefusesHolidayAndWorkdayOnTheSameDate()
    {
        var ex = Refused("2026.json", YearFile(2026, Day("2026-02-14", "holiday") + "," + Day("2026-02-14", "workday")));
        ex.Message.ShouldContain("2026-02-14 is listed both as a holiday and as a workday");
    }

    [Fact]
    public void Load_RefusesUnknownKind()
    {
        var ex = Refused("2026.json", YearFile(2026, Day("2026-01-01", "vacation")));
        ex.Message.ShouldContain("unknown kind 'vacation'");
    }

    [Fact]
    public void Load_RefusesFileWhoseNameDisagreesWithItsYear()
    {
        var ex = Refused("2025.json", YearFile(2026, Day("2026-01-01", "holiday")));
        ex.FileName.ShouldBe("2025.json");
        ex.Message.ShouldContain("the file name says 2025 but \"year\" is 2026");
    }

    [Fact]
    public void Load_RefusesInvalidJson_WithLine()
    {
        var ex = Refused("2026.json", "{\n  \"year\": 2026,\n  \"days\": [ oops ]\n}");
        ex.Message.ShouldContain("2026.json: not valid JSON at line 3");
    }

    [Fact]
    public void Load_RefusesYearWithNoDays_BecauseUnpublishedYearsMustHaveNoFile()
    {
        var ex = Refused("2027.json", YearFile(2027, ""));
        ex.Message.ShouldContain("no days listed");
    }

    [Fact]
    public void Load_ListsEveryProblemOfTheFile()
    {
        var ex = Refused("2026.json", YearFile(2026, Day("2026-13-01", "holiday") + "," + Day("2026-01-01", "off")));
        ex.Problems.Count.ShouldBe(2);
    }

    [Fact]
    public void Load_WarnsAboutWeekdayWorkday_AndIgnoredFiles_ButLoads()
    {
        _dir.Write("2020.json", YearFile(2020, Day("2020-01-01", "holiday") + "," + Day("2020-02-03", "workday")));
        _dir.Write("notes.json", "{}");

        var result = CalendarStore.Read(_dir.Path);

        result.Calendar.Years.ShouldBe([2020]);
        result.Warnings.ShouldContain(w => w.StartsWith("2020.json:", StringComparison.Ordinal) && w.Contains("2020-02-03 is a Monday marked workday", StringComparison.Ordinal));
        result.Warnings.ShouldContain(w => w.StartsWith("notes.json: ignored", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_MissingDirectory_IsRefused()
    {
        Should.Throw<DirectoryNotFoundException>(() => CalendarStore.LoadDirectory(Path.Combine(_dir.Path, "nope")))
            .Message.ShouldContain(CalendarStore.DirectoryKey);
    }

    [Fact]
    public void Load_EmptyDirectory_GivesAProvisionalCalendar_WithAWarning()
    {
        var result = CalendarStore.Read(_dir.Path);
        result.Calendar.Years.ShouldBeEmpty();
        result.Warnings.ShouldHaveSingleItem().ShouldContain("provisional");
    }

    [Fact]
    public void SaveYear_RefusesInvalidYear_AndWritesNothing()
    {
        var bad = new CalendarYear(2026, null, null, [new CalendarDay(D("2025-12-31"), CalendarDayKind.Holiday, "元旦")]);
        Should.Throw<CalendarDataException>(() => CalendarStore.SaveYear(_dir.Path, bad)).Message.ShouldContain("outside the year 2026");
        Directory.EnumerateFileSystemEntries(_dir.Path).ShouldBeEmpty();
    }

    [Fact]
    public void SaveYear_ReplacesTheFile_AndLeavesNoTemporaryFiles()
    {
        var first = new CalendarYear(2026, "a", null, [new CalendarDay(D("2026-01-01"), CalendarDayKind.Holiday, "元旦")]);
        var second = first with { Source = "b", Days = [.. first.Days, new CalendarDay(D("2026-01-04"), CalendarDayKind.Workday, "元旦调休")] };

        CalendarStore.SaveYear(_dir.Path, first);
        CalendarStore.SaveYear(_dir.Path, second);

        Directory.GetFiles(_dir.Path).Select(Path.GetFileName).ShouldBe(["2026.json"]);
        var read = CalendarStore.ReadYear(Path.Combine(_dir.Path, "2026.json"));
        read.Source.ShouldBe("b");
        read.Days.ShouldBe(second.Days);
    }

    [Fact]
    public void ConvertSaveLoad_RoundTripsTheHolidayCnYear()
    {
        using var input = Utf8(HolidayCn2026Excerpt);
        var converted = HolidayCnImporter.Convert(input);

        CalendarStore.SaveYear(_dir.Path, converted with { Updated = D("2026-08-07") });
        var calendar = CalendarStore.LoadDirectory(_dir.Path);
        var reread = CalendarStore.ReadYear(Path.Combine(_dir.Path, "2026.json"));

        reread.Year.ShouldBe(2026);
        reread.Updated.ShouldBe(D("2026-08-07"));
        reread.Source.ShouldBe(converted.Source);
        reread.Days.ShouldBe(converted.Days);
        calendar.IsWorkingDay(D("2026-02-14")).ShouldBeTrue();
        calendar.HolidayName(D("2026-02-15")).ShouldBe("春节");
    }

    [Fact]
    public void SavedFile_KeepsChineseNamesReadable_OneDayPerLine()
    {
        using var input = Utf8(HolidayCn2026Excerpt);
        CalendarStore.SaveYear(_dir.Path, CalendarStore.ImportHolidayCn(input));
        var text = File.ReadAllText(Path.Combine(_dir.Path, "2026.json"));
        text.ShouldContain("""    { "date": "2026-02-14", "kind": "workday", "name": "春节调休" },""");
        text.ShouldContain("""    { "date": "2026-02-15", "kind": "holiday", "name": "春节" }""");
    }

    [Fact]
    public void Convert_MapsOffDaysToHolidays_AndWeekendWorkDaysToNamedMakeUpDays()
    {
        using var input = Utf8(HolidayCn2026Excerpt);
        var year = HolidayCnImporter.Convert(input);

        year.Year.ShouldBe(2026);
        year.Source.ShouldBe("State Council notice https://www.gov.cn/zhengce/zhengceku/202511/content_7047091.htm via NateScarlet/holiday-cn");
        year.Days.ShouldBe(
        [
            new CalendarDay(D("2026-02-14"), CalendarDayKind.Workday, "春节调休"),
            new CalendarDay(D("2026-02-15"), CalendarDayKind.Holiday, "春节"),
            new CalendarDay(D("2026-02-16"), CalendarDayKind.Holiday, "春节"),
        ]);
    }

    [Fact]
    public void Convert_DropsWorkdayOnAWeekday_BecauseItChangesNothing()
    {
        using var input = Utf8("""
            { "year": 2020, "papers": [], "days": [
              { "name": "春节", "date": "2020-02-02", "isOffDay": true },
              { "name": "春节", "date": "2020-02-03", "isOffDay": false } ] }
            """);
        HolidayCnImporter.Convert(input).Days.Select(d => d.Date).ShouldBe([D("2020-02-02")]);
    }

    [Fact]
    public void ConvertAll_SplitsDaysTheNoticePutsIntoThePreviousYear()
    {
        using var input = Utf8(HolidayCn2019Excerpt);
        var years = HolidayCnImporter.ConvertAll(input);

        years.Select(y => y.Year).ShouldBe([2019, 2018]);
        years[0].Days.Select(d => d.Date).ShouldBe([D("2019-01-01")]);
        years[1].Days.Select(d => d.Date).ShouldBe([D("2018-12-29"), D("2018-12-30"), D("2018-12-31")]);
        HolidayCnImporter.Convert(Utf8(HolidayCn2019Excerpt)).Year.ShouldBe(2019);
    }

    [Fact]
    public void Convert_RefusesMalformedInput()
    {
        using var input = Utf8("""{ "year": 2026, "days": [ { "date": "2026-02-30", "isOffDay": true }, { "date": "2026-03-01" } ] }""");
        var ex = Should.Throw<CalendarDataException>(() => HolidayCnImporter.Convert(input));
        ex.Problems.Count.ShouldBe(2);
        ex.Message.ShouldContain("bad date '2026-02-30'");
    }

    [Fact]
    public void ImportInto_MergesPreviousYearDaysIntoItsFile_AndKeepsThemWhenThatYearIsReimported()
    {
        using (var y2018 = Utf8("""{ "year": 2018, "papers": ["p2018"], "days": [ { "name": "国庆节", "date": "2018-10-01", "isOffDay": true } ] }"""))
        {
            CalendarStore.ImportHolidayCnInto(_dir.Path, y2018, D("2026-08-07")).WrittenYears.ShouldBe([2018]);
        }

        using (var y2019 = Utf8(HolidayCn2019Excerpt))
        {
            var result = CalendarStore.ImportHolidayCnInto(_dir.Path, y2019, D("2026-08-07"));
            result.WrittenYears.ShouldBe([2019, 2018]);
            result.Warnings.ShouldBeEmpty();
        }

        using (var again2018 = Utf8("""{ "year": 2018, "papers": ["p2018"], "days": [ { "name": "国庆节", "date": "2018-10-01", "isOffDay": true } ] }"""))
        {
            CalendarStore.ImportHolidayCnInto(_dir.Path, again2018, D("2026-08-08"));
        }

        var calendar = CalendarStore.LoadDirectory(_dir.Path);
        calendar.IsWorkingDay(D("2018-12-29")).ShouldBeTrue();   // Saturday make-up day from the 2019 notice
        calendar.HolidayName(D("2018-12-31")).ShouldBe("元旦");
        calendar.HolidayName(D("2018-10-01")).ShouldBe("国庆节");
        CalendarStore.ReadYear(Path.Combine(_dir.Path, "2018.json")).Source!.ShouldContain("p2018");
    }

    [Fact]
    public void ImportInto_WarnsWhenThePreviousYearHasNoFile_AndDoesNotCreateAPartialYear()
    {
        using var input = Utf8(HolidayCn2019Excerpt);
        var result = CalendarStore.ImportHolidayCnInto(_dir.Path, input, D("2026-08-07"));

        result.WrittenYears.ShouldBe([2019]);
        result.Warnings.ShouldHaveSingleItem().ShouldContain("2018, which has no file");
        File.Exists(Path.Combine(_dir.Path, "2018.json")).ShouldBeFalse();
    }

    [Fact]
    public void ImportInto_RefusesAnUnpublishedYear_AndWritesNoFile()
    {
        using var input = Utf8("""{ "year": 2027, "papers": [], "days": [] }""");
        Should.Throw<CalendarDataException>(() => CalendarStore.ImportHolidayCnInto(_dir.Path, input, D("2026-08-07")))
            .Message.ShouldContain("not yet published");
        File.Exists(Path.Combine(_dir.Path, "2027.json")).ShouldBeFalse();
    }

    private static MemoryStream Utf8(string text) => new(Encoding.UTF8.GetBytes(text));

    private const string HolidayCn2026Excerpt = """
        {
            "year": 2026,
            "papers": [ "https://www.gov.cn/zhengce/zhengceku/202511/content_7047091.htm" ],
            "days": [
                { "name": "春节", "date": "2026-02-15", "isOffDay": true },
                { "name": "春节", "date": "2026-02-14", "isOffDay": false },
                { "name": "春节", "date": "2026-02-16", "isOffDay": true }
            ]
        }
        """;

    private const string HolidayCn2019Excerpt = """
        {
            "year": 2019,
            "papers": [ "p2019" ],
            "days": [
                { "name": "元旦", "date": "2018-12-29", "isOffDay": false },
                { "name": "元旦", "date": "2018-12-30", "isOffDay": true },
                { "name": "元旦", "date": "2018-12-31", "isOffDay": true },
                { "name": "元旦", "date": "2019-01-01", "isOffDay": true }
            ]
        }
        """;
}
