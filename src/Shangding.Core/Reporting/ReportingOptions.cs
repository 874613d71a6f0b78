namespace Shangding.Core.Reporting;

/// <summary>Settings of the <c>Reporting</c> configuration section.</summary>
public sealed class ReportingOptions
{
    public const string SectionName = "Reporting";

    /// <summary>
    /// No reporting obligation before this date, whatever a unit's creation date (e.g. the day the
    /// platform went live). Without it obligations start on the day each unit was created, so a
    /// unit added today is not overdue for every month since 2016.
    /// </summary>
    public DateOnly? StartDate { get; set; }

    /// <summary>
    /// Working days a reminded unit has to report before it is listed for a circulated criticism
    /// (003 §13 sets no period; 5 working days is this platform's choice).
    /// </summary>
    public int ReminderWorkingDays { get; set; } = 5;

    /// <summary>
    /// How far back licence and penalty records are checked against their 7-working-day deadline
    /// (by decision date), so the check stays bounded on large tables.
    /// </summary>
    public int LateRecordLookbackDays { get; set; } = 365;

    /// <summary>The first day a unit created at <paramref name="unitCreatedAtUtc"/> must report for.</summary>
    public DateOnly ObligationStart(DateTime unitCreatedAtUtc)
    {
        var created = ReportingTime.ChinaDate(unitCreatedAtUtc);
        return StartDate is { } start && start > created ? start : created;
    }
}
