using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Shangding.Core.Calendar;
using Shangding.Core.Catalog;
using Shangding.Core.Data;
using Shangding.Core.Remedies;
using Shangding.Core.Reporting;
using Shangding.Core.Scoring;

namespace Shangding.Web.Pages.Operator;

/// <summary>
/// The operator's dashboard: records in force by category and by unit, the score distribution by
/// level (chart and table), reporting that is overdue, overdue dispute steps and overdue repair
/// decisions and self-report reviews (the most urgent first), recent batches.
/// </summary>
public sealed class IndexModel(CatalogDefinition catalog, ShangdingDbContext db) : PageModel
{
    public sealed record CategoryCount(string Category, string Unit, int Count);

    public sealed record UnitCount(string Unit, int Count, int Categories);

    public CatalogDefinition Catalog => catalog;
    public long Subjects { get; private set; }
    public long RecordsInForce { get; private set; }
    public int NameConflicts { get; private set; }
    public int RescoreDue { get; private set; }
    public IReadOnlyList<CategoryCount> ByCategory { get; private set; } = [];
    public IReadOnlyList<UnitCount> ByUnit { get; private set; } = [];
    public IReadOnlyList<IntakeBatch> Batches { get; private set; } = [];
    public IReadOnlyList<(LevelDefinition Level, int Count)> ScoreLevels { get; private set; } = [];
    public int OptedIn { get; private set; }

    /// <summary>Unit × category pairs whose reporting deadline has passed without a report (overdue, reminded or listed).</summary>
    public IReadOnlyList<ComplianceRow> Overdue { get; private set; } = [];

    /// <summary>How many of the most urgent overdue items the dashboard lists; the queues list them all.</summary>
    public const int UrgentShown = 5;

    /// <summary>Open disputes whose current step is past its deadline, the most working days late first.</summary>
    public IReadOnlyList<(Dispute Dispute, DisputeStepState Step)> OverdueDisputes { get; private set; } = [];

    /// <summary>Pending repair applications and self-reports past their decision deadline, the earliest deadline first.</summary>
    public IReadOnlyList<OverdueDecision> OverdueDecisions { get; private set; } = [];

    public async Task OnGetAsync([FromServices] ScoreService scores, [FromServices] WorkingDayCalendar calendar,
        [FromServices] ReportingOptions options, [FromServices] TimeProvider clock, [FromServices] DisputeService disputes,
        [FromServices] DecisionDeadlines deadlines, CancellationToken cancellationToken)
    {
        var remediesToday = RemedyTime.Today(clock);
        OverdueDisputes = [.. (await disputes.ListOpenAsync(db, overdueOnly: true, cancellationToken))
            .Select(d => (Dispute: d, Step: disputes.OverdueStep(d, remediesToday)!))
            .OrderByDescending(x => x.Step.WorkingDaysLate).ThenBy(x => x.Step.Due).ThenBy(x => x.Dispute.Id)];
        OverdueDecisions = await deadlines.ListOverdueAsync(db, cancellationToken);
        var byLevel = await db.Scores.AsNoTracking().GroupBy(s => s.Level).Select(g => new { g.Key, Count = g.Count() }).ToListAsync(cancellationToken);
        ScoreLevels = [.. scores.Model.Levels.Select(l => (l, byLevel.FirstOrDefault(b => b.Key == l.Level.ToString())?.Count ?? 0))];
        OptedIn = await db.ScoreOptIns.CountAsync(o => o.OptedOutAt == null, cancellationToken);
        Subjects = await db.Subjects.LongCountAsync(cancellationToken);
        RecordsInForce = await db.Records.LongCountAsync(r => r.Status == RecordStatus.InForce, cancellationToken);
        NameConflicts = await db.Subjects.CountAsync(s => s.NameConflict, cancellationToken);
        RescoreDue = await db.RescoreQueue.CountAsync(cancellationToken);
        var counts = await db.Records.AsNoTracking().Where(r => r.Status == RecordStatus.InForce)
            .GroupBy(r => new { r.CategoryCode, r.UnitCode })
            .Select(g => new { g.Key.CategoryCode, g.Key.UnitCode, Count = g.Count() })
            .ToListAsync(cancellationToken);
        ByCategory = [.. counts.Select(c => new CategoryCount(c.CategoryCode, c.UnitCode, c.Count)).OrderByDescending(c => c.Count)];
        ByUnit = [.. counts.GroupBy(c => c.UnitCode)
            .Select(g => new UnitCount(g.Key, g.Sum(c => c.Count), g.Count()))
            .OrderByDescending(u => u.Count).ThenBy(u => u.Unit, StringComparer.Ordinal)];
        Batches = await db.IntakeBatches.AsNoTracking().OrderByDescending(b => b.Id).Take(10).ToListAsync(cancellationToken);
        var today = ReportingTime.ChinaDate(clock.GetUtcNow().UtcDateTime);
        Overdue = [.. (await ReportingCompliance.ComputeAsync(db, catalog, calendar, today, options, null, cancellationToken))
            .Where(r => r.Status >= ComplianceStatus.Overdue)
            .OrderByDescending(r => r.WorkingDaysOverdue).ThenBy(r => r.UnitCode, StringComparer.Ordinal)];
    }

    public string CategoryName(string code) => catalog.Find(code) is { } c ? Localization.UiText.Pick(c.NameZh, c.NameEn) : code;

    public string UnitName(string code) => catalog.FindUnit(code) is { } u ? Localization.UiText.Pick(u.NameZh, u.NameEn) : code;
}
