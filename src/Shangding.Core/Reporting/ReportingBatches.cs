using Microsoft.EntityFrameworkCore;
using Shangding.Core.Data;
using Shangding.Core.Intake;

namespace Shangding.Core.Reporting;

/// <summary>Which intake batches count as a report for reporting deadlines (003 §12–13), and for which categories.</summary>
internal static class ReportingBatches
{
    /// <summary>
    /// Committed batches finished by <paramref name="asOfUtc"/> that furnished something or are an explicit nil report
    /// (<see cref="BatchOutcome.Furnished"/>). A batch whose every row was rejected,
    /// or an empty file, furnished nothing and is not a report. Corrections answering a dispute and verified
    /// self-reports are remedies the platform asked for, not the unit's own reports; a correction made on a record's page
    /// changes what was reported before and reports nothing new.
    /// </summary>
    public static IQueryable<IntakeBatch> ThatReport(this IQueryable<IntakeBatch> batches, DateTime asOfUtc) =>
        batches.Where(BatchOutcome.Furnished)
            .Where(b => b.FinishedAt != null && b.FinishedAt <= asOfUtc && b.Channel != IntakeChannels.Dispute && b.Channel != IntakeChannels.SelfReport
                && b.Channel != IntakeChannels.Correction);

    /// <summary>
    /// The batches that report for <paramref name="categoryCode"/>: those naming it, and those naming none (an API request
    /// that mixed categories) that furnished something in it (<see cref="IntakeBatchCategory"/>). A batch counts only for
    /// the categories it furnished: one water-arrears record does not report a unit's other categories.
    /// </summary>
    public static IQueryable<IntakeBatch> For(this IQueryable<IntakeBatch> batches, ShangdingDbContext context, string categoryCode) =>
        batches.Where(b => b.CategoryCode == categoryCode
            || (b.CategoryCode == null && context.IntakeBatchCategories.Any(c => c.BatchId == b.Id && c.CategoryCode == categoryCode)));

    /// <summary>The latest finish of <paramref name="batches"/> (already filtered by <see cref="ThatReport"/>) per unit and category they report for.</summary>
    public static async Task<Dictionary<(string Unit, string Category), DateTime>> LastPerCategoryAsync(
        this IQueryable<IntakeBatch> batches, ShangdingDbContext context, CancellationToken cancellationToken)
    {
        var named = await batches
            .Where(b => b.CategoryCode != null)
            .GroupBy(b => new { b.UnitCode, b.CategoryCode })
            .Select(g => new { g.Key.UnitCode, CategoryCode = g.Key.CategoryCode!, Last = g.Max(b => b.FinishedAt) })
            .ToListAsync(cancellationToken);
        var listed = await batches
            .Where(b => b.CategoryCode == null)
            .Join(context.IntakeBatchCategories, b => b.Id, c => c.BatchId, (b, c) => new { b.UnitCode, c.CategoryCode, b.FinishedAt })
            .GroupBy(x => new { x.UnitCode, x.CategoryCode })
            .Select(g => new { g.Key.UnitCode, g.Key.CategoryCode, Last = g.Max(x => x.FinishedAt) })
            .ToListAsync(cancellationToken);

        var last = new Dictionary<(string, string), DateTime>();
        foreach (var x in named.Concat(listed))
        {
            var at = DateTime.SpecifyKind(x.Last!.Value, DateTimeKind.Utc);
            if (!last.TryGetValue((x.UnitCode, x.CategoryCode), out var known) || at > known)
            {
                last[(x.UnitCode, x.CategoryCode)] = at;
            }
        }

        return last;
    }
}
