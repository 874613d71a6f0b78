using Microsoft.EntityFrameworkCore;
using Shangding.Core.Calendar;
using Shangding.Core.Catalog;
using Shangding.Core.Data;
using Shangding.Core.Access;
using Shangding.Core.Notifications;

namespace Shangding.Core.Reporting;

/// <summary>What one run of <see cref="ReminderJob.RunAsync"/> changed.</summary>
public sealed record ReminderRunResult(
    DateOnly Today,
    IReadOnlyList<ReportingReminder> Written,
    IReadOnlyList<ReportingReminder> Resolved,
    IReadOnlyList<ReportingReminder> ListedForCriticism);

/// <summary>
/// The daily reminder job (003 §13): writes a reminder (催报) for each unit × category whose
/// deadline passed without a report, resolves reminders once a report arrives, and lists for a
/// circulated criticism (通报批评) the reminders still unanswered after the reminder deadline.
/// Idempotent: a second run the same day changes nothing. Run it from one process at a time (the
/// unique index on unit, category and period start refuses a duplicate from a concurrent run).
/// </summary>
/// <remarks>
/// One open reminder per unit × category: while it is open, later missed periods are folded into
/// it (the notice says "not reported to date"), so a unit that stops reporting daily gets one
/// reminder, not one per working day. Once a report resolves it, the next missed deadline gets a
/// new reminder.
/// </remarks>
public static class ReminderJob
{
    /// <summary>Runs the job; the unit's clerks are told in their inbox only (no SMS or e-mail gateway).</summary>
    public static Task<ReminderRunResult> RunAsync(
        ShangdingDbContext context,
        CatalogDefinition catalog,
        WorkingDayCalendar calendar,
        TimeProvider clock,
        ReportingOptions? options = null,
        CancellationToken cancellationToken = default) =>
        RunAsync(context, catalog, calendar, clock, options, new NotificationService([], clock), cancellationToken);

    /// <summary>
    /// Runs the job. Each reminder written, and each reminder listed for criticism, is sent to the unit's clerks
    /// through <paramref name="notifications"/> (their inbox, and the outbox of its gateways) in the same
    /// transaction as the change it tells about.
    /// </summary>
    public static async Task<ReminderRunResult> RunAsync(
        ShangdingDbContext context,
        CatalogDefinition catalog,
        WorkingDayCalendar calendar,
        TimeProvider clock,
        ReportingOptions? options,
        NotificationService notifications,
        CancellationToken cancellationToken = default)
    {
        options ??= new ReportingOptions();
        var now = clock.GetUtcNow().UtcDateTime;
        var today = ReportingTime.ChinaDate(now);

        await using var transaction = await context.Database.BeginTransactionAsync(cancellationToken);
        var resolved = await ResolveAnsweredAsync(context, now, cancellationToken);
        var listed = await ListUnansweredAsync(context, today, now, cancellationToken);

        var snapshot = await ComplianceSnapshot.LoadAsync(context, catalog, calendar, now, options, null, cancellationToken);
        var existing = (await context.ReportingReminders.AsNoTracking()
                .Select(r => new { r.UnitCode, r.CategoryCode, r.PeriodStart })
                .ToListAsync(cancellationToken))
            .Select(r => (r.UnitCode, r.CategoryCode, r.PeriodStart))
            .ToHashSet();
        var reminderDeadline = calendar.AddWorkingDays(today, options.ReminderWorkingDays).Date;
        var written = new List<ReportingReminder>();
        foreach (var row in snapshot.Rows())
        {
            if (row.Status != ComplianceStatus.Overdue || row.Period is not { } period
                || existing.Contains((row.UnitCode, row.CategoryCode, period.Start)))
            {
                continue;
            }

            var reminder = new ReportingReminder
            {
                UnitCode = row.UnitCode,
                CategoryCode = row.CategoryCode,
                PeriodStart = period.Start,
                PeriodEnd = period.End,
                Deadline = period.Deadline,
                RemindedAt = now,
                ReminderDeadline = reminderDeadline,
            };
            context.ReportingReminders.Add(reminder);
            written.Add(reminder);
        }

        await context.SaveChangesAsync(cancellationToken);

        // The written reminder (催报) reaches the unit: its clerks' inbox (and any gateway), with the notice text.
        foreach (var reminder in written)
        {
            await notifications.SendToRoleAsync(context, Roles.UnitClerk, reminder.UnitCode, ReminderNotice.ReminderMessage(catalog, reminder), cancellationToken);
        }

        foreach (var reminder in listed)
        {
            await notifications.SendToRoleAsync(context, Roles.UnitClerk, reminder.UnitCode, ReminderNotice.CriticismMessage(catalog, reminder), cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return new ReminderRunResult(today, written, resolved, listed);
    }

    /// <summary>Sets resolved_at on open reminders whose period a batch that reports (finished by now) covers.</summary>
    private static async Task<List<ReportingReminder>> ResolveAnsweredAsync(ShangdingDbContext context, DateTime now, CancellationToken cancellationToken)
    {
        var open = await context.ReportingReminders.Where(r => r.ResolvedAt == null).ToListAsync(cancellationToken);
        var resolved = new List<ReportingReminder>();
        foreach (var reminder in open)
        {
            var from = ReportingTime.StartOfChinaDayUtc(ComplianceSnapshot.ReportsFrom(reminder));
            var firstReport = await context.IntakeBatches.AsNoTracking().ThatReport(now)
                .For(context, reminder.CategoryCode)
                .Where(b => b.UnitCode == reminder.UnitCode && b.FinishedAt >= from)
                .OrderBy(b => b.FinishedAt)
                .Select(b => b.FinishedAt)
                .FirstOrDefaultAsync(cancellationToken);
            if (firstReport is { } reportedAt)
            {
                reminder.ResolvedAt = DateTime.SpecifyKind(reportedAt, DateTimeKind.Utc);
                resolved.Add(reminder);
            }
        }

        await context.SaveChangesAsync(cancellationToken);
        return resolved;
    }

    /// <summary>Sets criticism_listed_at on open reminders whose reminder deadline has passed.</summary>
    private static async Task<List<ReportingReminder>> ListUnansweredAsync(ShangdingDbContext context, DateOnly today, DateTime now, CancellationToken cancellationToken)
    {
        var due = await context.ReportingReminders
            .Where(r => r.ResolvedAt == null && r.CriticismListedAt == null && r.ReminderDeadline < today)
            .ToListAsync(cancellationToken);
        foreach (var reminder in due)
        {
            reminder.CriticismListedAt = now;
        }

        await context.SaveChangesAsync(cancellationToken);
        return due;
    }
}
