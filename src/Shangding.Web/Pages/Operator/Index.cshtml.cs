using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Shangding.Core.Catalog;
using Shangding.Core.Data;

namespace Shangding.Web.Pages.Operator;

public sealed class IndexModel(CatalogDefinition catalog, ShangdingDbContext db) : PageModel
{
    public sealed record CategoryCount(string Category, string Unit, int Count);

    public CatalogDefinition Catalog => catalog;
    public long Subjects { get; private set; }
    public long RecordsInForce { get; private set; }
    public int NameConflicts { get; private set; }
    public int RescoreDue { get; private set; }
    public IReadOnlyList<CategoryCount> ByCategory { get; private set; } = [];
    public IReadOnlyList<IntakeBatch> Batches { get; private set; } = [];
    public IReadOnlyList<(Shangding.Core.Scoring.LevelDefinition Level, int Count)> ScoreLevels { get; private set; } = [];
    public int OptedIn { get; private set; }

    public async Task OnGetAsync([Microsoft.AspNetCore.Mvc.FromServices] Shangding.Core.Scoring.ScoreService scores, CancellationToken cancellationToken)
    {
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
        Batches = await db.IntakeBatches.AsNoTracking().OrderByDescending(b => b.Id).Take(20).ToListAsync(cancellationToken);
    }
}
