using System.Security.Claims;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Shangding.Core.Catalog;
using Shangding.Core.Data;
using Shangding.Web.Access;

namespace Shangding.Web.Pages.Unit;

public sealed class IndexModel(CatalogDefinition catalog, ShangdingDbContext db) : PageModel
{
    public ReportingUnit Unit { get; private set; } = null!;
    public IReadOnlyList<Category> Categories { get; private set; } = [];
    public IReadOnlyList<IntakeBatch> Batches { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        var code = User.FindFirstValue(Policies.UnitClaim)!;
        Unit = catalog.FindUnit(code)!;
        Categories = catalog.CategoriesOfUnit(code).ToList();
        Batches = await db.IntakeBatches.AsNoTracking().Where(b => b.UnitCode == code)
            .OrderByDescending(b => b.Id).Take(30).ToListAsync(cancellationToken);
    }
}
