using Shangding.Core.Catalog;
using Shangding.Core.Data;

namespace Shangding.Core.Remedies;

/// <summary>The publication window of a bad record: repair may be applied for from <see cref="RepairFrom"/>; publication stops by itself on <see cref="End"/>.</summary>
public sealed record PublicationWindow(Severity Severity, DateOnly Decision, DateOnly RepairFrom, DateOnly End, bool Published);

/// <summary>
/// Publication periods of bad records by severity, counted from the decision (NDRC Order No. 36, in
/// force 2026-04-01; SPEC §9): minor — not published, at most 3 months; general — at least 3 months,
/// at most 1 year; serious — at least 1 year, at most 3 years. Minors (under 18 at the act) are
/// protected for minor acts (002 §7).
/// </summary>
public static class PublicationPeriods
{
    public static int MinMonths(Severity severity) => severity switch
    {
        Severity.Minor => 0,
        Severity.General => 3,
        _ => 12,
    };

    public static int MaxMonths(Severity severity) => severity switch
    {
        Severity.Minor => 3,
        Severity.General => 12,
        _ => 36,
    };

    public static Severity? SeverityOf(CreditRecord record) =>
        Enum.TryParse<Severity>(record.Severity, ignoreCase: true, out var s) && Enum.IsDefined(s) ? s : null;

    public static PublicationWindow? For(CreditRecord record)
    {
        if (SeverityOf(record) is not { } severity || record.ActDate is not { } decision)
        {
            return null;
        }

        return new PublicationWindow(severity, decision, decision.AddMonths(MinMonths(severity)), decision.AddMonths(MaxMonths(severity)),
            severity != Severity.Minor);
    }

    /// <summary>Whether the person was under 18 on the day of the act.</summary>
    public static bool ActedAsMinor(DateOnly? birthDate, DateOnly? actDate) =>
        birthDate is { } birth && actDate is { } act && act < birth.AddYears(18);

    /// <summary>A minor's minor act (002 §7): never published and, once the platform knows it, not scored.</summary>
    public static bool IsProtectedMinorAct(CreditRecord record, Subject subject) =>
        subject.Kind == SubjectKind.Person && SeverityOf(record) == Severity.Minor && ActedAsMinor(subject.BirthDate, record.ActDate);

    /// <summary>Whether a bad record is published on <paramref name="today"/>: in force, not minor, within its maximum period.</summary>
    public static bool IsPublished(CreditRecord record, DateOnly today) =>
        record.Status == RecordStatus.InForce && For(record) is { Published: true } window && today < window.End;
}
