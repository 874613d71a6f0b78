using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Shangding.Core.Calendar;
using Shangding.Core.Reporting;

namespace Shangding.Web.Pages.Operator;

/// <summary>
/// The working-day calendar every deadline is counted on: the years with State Council data, a year's
/// holidays and make-up working days, and a calculator (a date plus n working days). A new year is
/// loaded with <c>shangding calendar import</c>.
/// </summary>
public sealed class CalendarModel(WorkingDayCalendar calendar, TimeProvider clock) : PageModel
{
    public WorkingDayCalendar Calendar => calendar;
    public DateOnly Today { get; private set; }
    public IReadOnlyList<CalendarDay> Days { get; private set; } = [];
    public WorkingDayResult? Result { get; private set; }
    public string? FromError { get; private set; }
    public string? CountError { get; private set; }

    [BindProperty(SupportsGet = true)]
    public int? Year { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? From { get; set; }

    [BindProperty(SupportsGet = true)]
    public int? Count { get; set; }

    public void OnGet()
    {
        Today = ReportingTime.ChinaDate(clock.GetUtcNow());
        Year ??= Today.Year;
        var days = new List<CalendarDay>();
        for (var d = new DateOnly(Year.Value, 1, 1); d.Year == Year.Value; d = d.AddDays(1))
        {
            if (calendar.Find(d) is { } day)
            {
                days.Add(day);
            }
        }

        Days = days;
        if (From is null && Count is null)
        {
            return;
        }

        if (!DateOnly.TryParseExact(From, "yyyy-MM-dd", out var from))
        {
            FromError = Localization.UiText.Pick("请按 yyyy-mm-dd 填写日期。", "Enter a date as yyyy-mm-dd.");
        }

        if (Count is not (>= 1 and <= 365))
        {
            CountError = Localization.UiText.Pick("工作日数为 1 到 365。", "The number of working days is 1 to 365.");
        }

        if (FromError is null && CountError is null)
        {
            Result = calendar.AddWorkingDays(from, Count!.Value);
        }
    }
}
