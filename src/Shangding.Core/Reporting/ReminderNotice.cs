using System.Globalization;
using Shangding.Core.Catalog;
using Shangding.Core.Data;
using Shangding.Core.Notifications;

namespace Shangding.Core.Reporting;

/// <summary>The text of a written reminder (催报), in Chinese and English.</summary>
public sealed record ReminderNoticeText(string Zh, string En);

/// <summary>Builds the reminder notice sent to a late unit (003 §13).</summary>
public static class ReminderNotice
{
    /// <summary>Where a unit sees its deadlines, reminders and files a nil report.</summary>
    public const string UnitPage = "/unit/reporting";

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
        // Deadlines include their day: say "at the latest on" rather than "before" (前), which reads as exclusive.
        var zh = $"{unitNameZh}：「{categoryNameZh}」{PeriodZh(periodStart, periodEnd)}的信息最迟应于{DateZh(deadline)}（含当日）报送，至今未报送。"
            + $"请最迟于{DateZh(reminderDeadline)}（含当日）补报；经催报仍未报送的，将报市政府通报批评。{LegalBasisZh}";
        var en = $"{unitNameEn}: the “{categoryNameEn}” information for {PeriodEn(periodStart, periodEnd)} was due on {DateEn(deadline)} at the latest "
            + $"and has not been reported to date. Please report it on {DateEn(reminderDeadline)} at the latest; a unit that still has not reported "
            + $"after this reminder is listed for a circulated criticism by the municipal government. {LegalBasisEn}";
        return new ReminderNoticeText(zh, en);
    }

    /// <summary>The inbox message to the unit's clerks when a reminder is written (the notice as its body).</summary>
    public static Message ReminderMessage(CatalogDefinition catalog, ReportingReminder reminder)
    {
        var category = catalog.Find(reminder.CategoryCode);
        var notice = Build(catalog, reminder);
        return new Message(
            "reporting-reminder",
            $"催报通知：{category?.NameZh ?? reminder.CategoryCode}",
            $"Reporting reminder: {category?.NameEn ?? reminder.CategoryCode}",
            notice.Zh,
            notice.En,
            UnitPage);
    }

    /// <summary>The inbox message to the unit's clerks when a reminder is listed for a circulated criticism.</summary>
    public static Message CriticismMessage(CatalogDefinition catalog, ReportingReminder reminder)
    {
        var unit = catalog.FindUnit(reminder.UnitCode);
        var category = catalog.Find(reminder.CategoryCode);
        var nameZh = category?.NameZh ?? reminder.CategoryCode;
        var nameEn = category?.NameEn ?? reminder.CategoryCode;
        return new Message(
            "reporting-criticism",
            $"列入通报批评名单：{nameZh}",
            $"Listed for circulated criticism: {nameEn}",
            $"{unit?.NameZh ?? reminder.UnitCode}：「{nameZh}」{PeriodZh(reminder.PeriodStart, reminder.PeriodEnd)}的信息经催报，"
                + $"至补报期限{DateZh(reminder.ReminderDeadline)}仍未报送，已列入通报批评名单，将报市政府通报批评。请尽快报送。{LegalBasisZh}",
            $"{unit?.NameEn ?? reminder.UnitCode}: the “{nameEn}” information for {PeriodEn(reminder.PeriodStart, reminder.PeriodEnd)} was still not "
                + $"reported by the make-up deadline of {DateEn(reminder.ReminderDeadline)} after a reminder, and is listed for a circulated criticism "
                + $"by the municipal government. Please report it as soon as possible. {LegalBasisEn}",
            UnitPage);
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
