using System.Security.Claims;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Shangding.Core.Catalog;
using Shangding.Core.Data;
using Shangding.Web.Access;
using Shangding.Web.Pages.Shared;

namespace Shangding.Web.Pages.Unit;

/// <summary>
/// All of the unit's batches (its desk shows the latest 30), newest first, 50 a page, filtered by category and by outcome:
/// a unit connected by API sends many batches a day, and an older upload's rejects stay downloadable from its page.
/// </summary>
public sealed class BatchesModel(CatalogDefinition catalog, ShangdingDbContext db) : PageModel
{
    public IReadOnlyList<Category> Categories { get; private set; } = [];

    [BindProperty(SupportsGet = true)]
    public string? Category { get; set; }

    /// <summary>stored, nothing, refused or running; anything else lists all.</summary>
    [BindProperty(SupportsGet = true)]
    public string? Outcome { get; set; }

    [BindProperty(SupportsGet = true)]
    public long? Before { get; set; }

    public IReadOnlyList<IntakeBatch> Batches { get; private set; } = [];

    public long? Next { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        var unit = User.FindFirstValue(Policies.UnitClaim)!;
        Categories = [.. catalog.CategoriesOfUnit(unit)];
        (Batches, Next) = await BatchFilter.PageAsync(db, unit, Category, Outcome, Before, cancellationToken);
    }

    public string NextPage() => BatchFilter.NextPage("/unit/batches", ("category", Category), ("outcome", Outcome),
        ("before", Next?.ToString(System.Globalization.CultureInfo.InvariantCulture)));
}
