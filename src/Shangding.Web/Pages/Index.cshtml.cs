using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Shangding.Core.Catalog;
using Shangding.Core.Data;
using Shangding.Core.Scoring;

namespace Shangding.Web.Pages;

/// <summary>The public home: the five levels of the active score model (seed 001 §四), what each brings, how to dispute and repair.</summary>
public sealed class IndexModel(CatalogDefinition catalog, ShangdingDbContext db, ScoreService scores) : PageModel
{
    public sealed record LevelView(LevelDefinition Level, string Range, string Colour);

    public IReadOnlyList<LevelView> Levels { get; private set; } = [];
    public ScoreModel Model => scores.Model;
    public int Categories { get; private set; }
    public int Units { get; private set; }
    public long Subjects { get; private set; }
    public long Records { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        var levels = scores.Model.Levels;
        Levels = [.. levels.Select((l, i) => new LevelView(l, LevelRange(levels, i), Portal.Charts.Colour(l.Level)))];
        Categories = catalog.Categories.Count;
        Units = catalog.Units.Count;
        Subjects = await db.Subjects.LongCountAsync(cancellationToken);
        Records = await db.Records.LongCountAsync(r => r.Status == RecordStatus.InForce, cancellationToken);
    }

    /// <summary>"≥ 150" for the top level, "120 – 150" (lower bound included, upper excluded) for the others, "&lt; 80" for the lowest.</summary>
    public static string LevelRange(IReadOnlyList<LevelDefinition> levels, int index) =>
        index == 0 ? $"≥ {levels[0].Min}"
        : index == levels.Count - 1 && levels[index].Min <= 0 ? $"< {levels[index - 1].Min}"
        : $"{levels[index].Min} – {levels[index - 1].Min}";
}
