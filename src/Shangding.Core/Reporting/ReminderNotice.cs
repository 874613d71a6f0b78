using System.Globalization;
using Shangding.Core.Catalog;
using Shangding.Core.Data;

namespace Shangding.Core.Reporting;

/// <summary>The text of a written reminder (催报), in Chinese and English.</summary>
public sealed record ReminderNoticeText(string Zh, string En);

/// <summary>Builds the reminder notice sent to a late unit (003 §13).</summary>
public static class ReminderNotice
{
    private const string LegalBasisZh = "依据《郑州市公共信用信息管理暂行办法》第十三条。";
    private const string LegalBasisEn = "Under Article 13 of the Zhengzhou Interim Measures for Public Credit Information Management.";

    public static ReminderNoticeText Build(CatalogDefinition catalog, ReportingReminder reminder)
    {
        var unit = catalog.FindUnit(reminder.UnitCode);
        var category = catalog.Find(reminder.CategoryCode);
        return Build(
            unit?.NameZh ?? reminder.UnitCode,
            unit?.NameEn ?? reminder.UnitCode,
            category?.NameZh ?? reminder.CategoryCode,
            category?.NameEn ?? reminder.CategoryCode,
            reminder.PeriodStart,
            reminder.PeriodEnd,
            reminder.Deadline,
            reminder.ReminderDeadline);
    }

    public static ReminderNoticeText Build(
        string unitNameZh,
        string unitNameEn,
        string categoryNameZh,
        string categoryNameEn,
        DateOnly periodStart,
        DateOnly periodEnd,
        DateOnly deadline,
        DateOnly reminderDeadline)
    {
        var zh = $"{unitNameZh}：{categoryNameZh}{PeriodZh(periodStart, periodEnd)}的信息应于{DateZh(deadline)}前报送，至今未报送。"
            + $"请于{DateZh(reminderDeadline)}前补报。{LegalBasisZh}";
        var en = $"{unitNameEn}: the {categoryNameEn} information for {PeriodEn(periodStart, periodEnd)} was due by {DateEn(deadline)} "
            + $"and has not been reported to date. Please report it by {DateEn(reminderDeadline)}. {LegalBasisEn}";
        return new ReminderNoticeText(zh, en);
    }

    /// <summary>"2026年1月", "2026年第三季度", "2026年上半年", "2026年", or a day for daily reporting.</summary>
    public static string PeriodZh(DateOnly start, DateOnly end) => Months(start, end) switch
    {
        1 => $"{start.Year}年{start.Month}月",
        3 => $"{start.Year}年第{"一二三四"[(start.Month - 1) / 3]}季度",
        6 => $"{start.Year}年{(start.Month == 1 ? "上" : "下")}半年",
        12 => $"{start.Year}年",
        _ => start == end ? DateZh(start) : $"{DateZh(start)}至{DateZh(end)}",
    };

    public static string PeriodEn(DateOnly start, DateOnly end) => Months(start, end) switch
    {
        1 => start.ToString("MMMM yyyy", CultureInfo.InvariantCulture),
        3 => $"Q{((start.Month - 1) / 3) + 1} {start.Year}",
        6 => $"the {(start.Month == 1 ? "first" : "second")} half of {start.Year}",
        12 => $"the year {start.Year}",
        _ => start == end ? DateEn(start) : $"{DateEn(start)} to {DateEn(end)}",
    };

    public static string DateZh(DateOnly date) => $"{date.Year}年{date.Month}月{date.Day}日";

    public static string DateEn(DateOnly date) => date.ToString("d MMMM yyyy", CultureInfo.InvariantCulture);

    /// <summary>The length in months of a period that starts on a 1st and ends on a month's last day; 0 otherwise.</summary>
    private static int Months(DateOnly start, DateOnly end)
    {
        if (start.Day != 1 || end.AddDays(1).Day != 1)
        {
            return 0;
        }

        var next = end.AddDays(1);
        return ((next.Year - start.Year) * 12) + next.Month - start.Month;
    }
}
