namespace Shangding.Core.Reporting;

/// <summary>
/// Deadlines are calendar days in Zhengzhou (China Standard Time, UTC+8, no daylight saving);
/// stored times are UTC.
/// </summary>
public static class ReportingTime
{
    public static TimeSpan ChinaOffset { get; } = TimeSpan.FromHours(8);

    /// <summary>The China calendar date of a UTC instant (a value read back with an unspecified kind is taken as UTC).</summary>
    public static DateOnly ChinaDate(DateTime utc) => DateOnly.FromDateTime(utc.Add(ChinaOffset));

    public static DateOnly ChinaDate(DateTimeOffset instant) => DateOnly.FromDateTime(instant.ToOffset(ChinaOffset).DateTime);

    /// <summary>The UTC instant at which <paramref name="date"/> begins in China.</summary>
    public static DateTime StartOfChinaDayUtc(DateOnly date) =>
        DateTime.SpecifyKind(date.ToDateTime(TimeOnly.MinValue) - ChinaOffset, DateTimeKind.Utc);
}
