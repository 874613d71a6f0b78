using Shangding.Core.Reporting;

namespace Shangding.Web.Portal;

/// <summary>
/// Stored instants (UTC) as the people of Zhengzhou read them: China Standard Time (UTC+8, no daylight
/// saving), whatever the server's own time zone is (containers usually run on UTC). The same rule as
/// <see cref="ReportingTime.ChinaDate(DateTime)"/> for dates and the remedies pages' times.
/// </summary>
public static class ChinaTime
{
    public static DateTime Of(DateTime utc) => DateTime.SpecifyKind(utc, DateTimeKind.Utc).Add(ReportingTime.ChinaOffset);

    public static DateTime? Of(DateTime? utc) => utc is { } value ? Of(value) : null;
}
