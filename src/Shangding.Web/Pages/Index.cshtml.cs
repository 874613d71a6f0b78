using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Shangding.Core.Catalog;
using Shangding.Core.Data;

namespace Shangding.Web.Pages;

public sealed class IndexModel(CatalogDefinition catalog, ShangdingDbContext db) : PageModel
{
    public sealed record LevelView(string Key, string Range, string Colour);

    /// <summary>The five levels of seed 001 §4 (lower bound included, upper excluded).</summary>
    public static IReadOnlyList<LevelView> Levels { get; } =
    [
        new("level.excellent", "≥ 150", "#1c6b3c"),
        new("level.veryGood", "120 – 150", "#2f8a57"),
        new("level.good", "100 – 120", "#1a5fb4"),
        new("level.minor", "80 – 100", "#b26a00"),
        new("level.poor", "< 80", "#9c2b12"),
    ];

    public int Categories { get; private set; }
    public int Units { get; private set; }
    public long Subjects { get; private set; }
    public long Records { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        Categories = catalog.Categories.Count;
        Units = catalog.Units.Count;
        Subjects = await db.Subjects.LongCountAsync(cancellationToken);
        Records = await db.Records.LongCountAsync(r => r.Status == RecordStatus.InForce, cancellationToken);
    }
}
