using Microsoft.EntityFrameworkCore;
using Shangding.Core.Calendar;
using Shangding.Core.Catalog;
using Shangding.Core.Data;

namespace Shangding.Core.Reporting;

public enum ComplianceStatus
{
    /// <summary>Every ended period is reported (or none has ended yet).</summary>
    OnTime,

    /// <summary>A period has ended and is not reported; its deadline has not passed yet.</summary>
    Due,

    /// <summary>A deadline has passed without a report; no reminder written yet.</summary>
    Overdue,

    /// <summary>Overdue and a written reminder (催报) is open.</summary>
    Reminded,

    /// <summary>Still not reported after the reminder deadline: listed for a circulated criticism (通报批评).</summary>
    ListedForCriticism,
}

/// <summary>The reporting compliance of one unit for one category on a given day.</summary>
/// <param name="ObligationStart">No period starting before this day is required.</param>
/// <param name="LastReportAt">Finishing time (UTC) of the latest committed batch that counts for the category.</param>
/// <param name="CurrentPeriod">The period in progress today; null on a non-working day of a daily cycle.</param>
/// <param name="Period">
/// The period the status is about: the earliest ended period not yet reported, else the latest ended
/// period; null when none has ended since <paramref name="ObligationStart"/>.
/// </param>
/// <param name="WorkingDaysOverdue">Working days after <see cref="Deadline"/> up to today; 0 unless overdue.</param>
/// <param name="ReminderId">The open reminder, if any.</param>
/// <param name="CollectionCycle">The catalogue's collection cycle (<c>realtime</c> is reported as <see cref="ReportingCycle.Daily"/>).</param>
/// <param name="LateRecords">
/// Licence and penalty categories only: records (decided within the look-back) that were first
/// reported more than 7 working days after their decision.
/// </param>
public sealed record ComplianceRow(
    string UnitCode,
    string UnitNameZh,
    string UnitNameEn,
    string CategoryCode,
    string CategoryNameZh,
    string CategoryNameEn,
    ReportingCycle Cycle,
    DateOnly ObligationStart,
    DateTime? LastReportAt,
    ReportingPeriod? CurrentPeriod,
    ReportingPeriod? Period,
    ComplianceStatus Status,
    int WorkingDaysOverdue,
    long? ReminderId,
    DateOnly? ReminderDeadline,
    int? LateRecords,
    string CollectionCycle)
{
    public DateOnly? Deadline => Period?.Deadline;

    public bool Provisional => Period?.Provisional ?? false;
}

/// <summary>A unit listed for a circulated criticism (通报批评) for one category (003 §13).</summary>
public sealed record CriticismEntry(
    string UnitCode,
    string UnitNameZh,
    string CategoryCode,
    string CategoryNameZh,
    DateOnly PeriodStart,
    DateOnly PeriodEnd,
    DateOnly Deadline,
    DateTime RemindedAt,
    DateOnly ReminderDeadline,
    DateTime CriticismListedAt,
    DateTime? ResolvedAt);

/// <summary>
/// Reporting compliance per unit × category (003 §12(2), §13). A committed batch counts as a report
/// for a category when it names that category or names none (an API batch spanning categories) and
/// furnished something or is a nil report (<see cref="NilReport"/>); a batch whose every row was
/// rejected, an empty file, running and refused batches never count. Operators pass no unit; a unit
/// passes its own code.
/// </summary>
public static class ReportingCompliance
{
    /// <summary>Compliance of every unit (or of <paramref name="unitCode"/>) as of the end of <paramref name="today"/> (China time).</summary>
    public static async Task<IReadOnlyList<ComplianceRow>> ComputeAsync(
        ShangdingDbContext context,
        CatalogDefinition catalog,
        WorkingDayCalendar calendar,
        DateOnly today,
        ReportingOptions? options = null,
        string? unitCode = null,
        CancellationToken cancellationToken = default)
    {
        // As of the end of the day: every batch finished that day counts.
        var asOf = ReportingTime.StartOfChinaDayUtc(today.AddDays(1)).AddTicks(-1);
        var snapshot = await ComplianceSnapshot.LoadAsync(context, catalog, calendar, asOf, options ?? new ReportingOptions(), unitCode, cancellationToken);
        return snapshot.Rows();
    }

    /// <summary>
    /// Units listed for a circulated criticism, by unit then listing time; with
    /// <paramref name="outstandingOnly"/> only those that have still not reported.
    /// </summary>
    public static async Task<IReadOnlyList<CriticismEntry>> CriticismListAsync(
        ShangdingDbContext context,
        CatalogDefinition catalog,
        string? unitCode = null,
        bool outstandingOnly = true,
        CancellationToken cancellationToken = default)
    {
        var query = context.ReportingReminders.AsNoTracking().Where(r => r.CriticismListedAt != null);
        if (unitCode is not null)
        {
            query = query.Where(r => r.UnitCode == unitCode);
        }

        if (outstandingOnly)
        {
            query = query.Where(r => r.ResolvedAt == null);
        }

        var reminders = await query.ToListAsync(cancellationToken);
        return [.. reminders
            .OrderBy(r => r.UnitCode, StringComparer.Ordinal)
            .ThenBy(r => r.CriticismListedAt)
            .ThenBy(r => r.CategoryCode, StringComparer.Ordinal)
            .Select(r => new CriticismEntry(
                r.UnitCode,
                catalog.FindUnit(r.UnitCode)?.NameZh ?? r.UnitCode,
                r.CategoryCode,
                catalog.Find(r.CategoryCode)?.NameZh ?? r.CategoryCode,
                r.PeriodStart,
                r.PeriodEnd,
                r.Deadline,
                r.RemindedAt,
                r.ReminderDeadline,
                r.CriticismListedAt!.Value,
                r.ResolvedAt))];
    }
}

/// <summary>Where a reminder (催报) stands.</summary>
public enum ReminderState
{
    /// <summary>Written; the unit has not reported yet and its make-up deadline has not passed.</summary>
    Open,

    /// <summary>Still not reported after the make-up deadline: listed for a circulated criticism (通报批评).</summary>
    ListedForCriticism,

    /// <summary>A report arrived (after the listing, if it was listed: the criticism stays on record).</summary>
    Resolved,
}

/// <summary>A written reminder (催报) with its notice text, for the unit's and the operator's pages.</summary>
/// <param name="ReminderDeadline">The make-up deadline (补报期限), inclusive.</param>
public sealed record ReminderEntry(
    long Id,
    string UnitCode,
    string UnitNameZh,
    string UnitNameEn,
    string CategoryCode,
    string CategoryNameZh,
    string CategoryNameEn,
    DateOnly PeriodStart,
    DateOnly PeriodEnd,
    DateOnly Deadline,
    DateTime RemindedAt,
    DateOnly ReminderDeadline,
    DateTime? CriticismListedAt,
    DateTime? ResolvedAt,
    ReminderNoticeText Notice)
{
    public ReminderState State => ResolvedAt is not null ? ReminderState.Resolved
        : CriticismListedAt is not null ? ReminderState.ListedForCriticism
        : ReminderState.Open;
}

/// <summary>The written reminders (催报) of every unit or of one.</summary>
public static class ReminderList
{
    /// <summary>
    /// Reminders, those not yet answered first (oldest first), then the answered ones newest first, at most
    /// <paramref name="limit"/>; with <paramref name="outstandingOnly"/> only those not yet answered; with
    /// <paramref name="listedOnly"/> only those listed for a circulated criticism (通报批评).
    /// </summary>
    public static async Task<IReadOnlyList<ReminderEntry>> ListAsync(
        ShangdingDbContext context,
        CatalogDefinition catalog,
        string? unitCode = null,
        bool outstandingOnly = false,
        bool listedOnly = false,
        int limit = 200,
        CancellationToken cancellationToken = default)
    {
        var query = context.ReportingReminders.AsNoTracking();
        if (unitCode is not null)
        {
            query = query.Where(r => r.UnitCode == unitCode);
        }

        if (listedOnly)
        {
            query = query.Where(r => r.CriticismListedAt != null);
        }

        var open = await query.Where(r => r.ResolvedAt == null)
            .OrderBy(r => r.RemindedAt).ThenBy(r => r.UnitCode).ThenBy(r => r.CategoryCode)
            .Take(limit).ToListAsync(cancellationToken);
        var answered = outstandingOnly || open.Count >= limit
            ? []
            : await query.Where(r => r.ResolvedAt != null)
                .OrderByDescending(r => r.ResolvedAt).ThenBy(r => r.UnitCode).ThenBy(r => r.CategoryCode)
                .Take(limit - open.Count).ToListAsync(cancellationToken);
        return [.. open.Concat(answered).Select(r => Entry(catalog, r))];
    }

    private static ReminderEntry Entry(CatalogDefinition catalog, ReportingReminder r)
    {
        var unit = catalog.FindUnit(r.UnitCode);
        var category = catalog.Find(r.CategoryCode);
        return new ReminderEntry(
            r.Id,
            r.UnitCode,
            unit?.NameZh ?? r.UnitCode,
            unit?.NameEn ?? r.UnitCode,
            r.CategoryCode,
            category?.NameZh ?? r.CategoryCode,
            category?.NameEn ?? r.CategoryCode,
            r.PeriodStart,
            r.PeriodEnd,
            r.Deadline,
            DateTime.SpecifyKind(r.RemindedAt, DateTimeKind.Utc),
            r.ReminderDeadline,
            r.CriticismListedAt is { } listed ? DateTime.SpecifyKind(listed, DateTimeKind.Utc) : null,
            r.ResolvedAt is { } resolved ? DateTime.SpecifyKind(resolved, DateTimeKind.Utc) : null,
            ReminderNotice.Build(catalog, r));
    }
}
