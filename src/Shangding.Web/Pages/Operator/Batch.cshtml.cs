using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Shangding.Core.Catalog;
using Shangding.Core.Data;
using Shangding.Web.Pages.Unit;

namespace Shangding.Web.Pages.Operator;

/// <summary>
/// One batch of any unit, as the operator sees it: what the unit sees on its batch page — facts, message, warnings,
/// counts, the reasons of its first rejected rows — without the rejects files, which hold the ID numbers as uploaded.
/// </summary>
public sealed class BatchModel(CatalogDefinition catalog, ShangdingDbContext db) : PageModel
{
    public IntakeBatch? Batch { get; private set; }

    public Category? Category { get; private set; }

    public ReportingUnit? Unit { get; private set; }

    public BatchView? View { get; private set; }

    /// <summary>The categories an API request that mixed them furnished (its batch names none).</summary>
    public IReadOnlyList<Category> MixedCategories { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(long id, CancellationToken cancellationToken)
    {
        Batch = await db.IntakeBatches.AsNoTracking().FirstOrDefaultAsync(b => b.Id == id, cancellationToken);
        if (Batch is null)
        {
            return NotFound();
        }

        Category = Batch.CategoryCode is null ? null : catalog.Find(Batch.CategoryCode);
        Unit = catalog.FindUnit(Batch.UnitCode);
        MixedCategories = await Shangding.Web.Pages.Unit.BatchModel.MixedCategoriesAsync(db, catalog, Batch, cancellationToken);
        View = new BatchView(Batch, await Shangding.Web.Pages.Unit.BatchModel.RejectsAsync(db, id, cancellationToken), Downloads: false)
        {
            SameFileAs = await BatchView.SameFileAsync(db, Batch, cancellationToken),
        };
        return Page();
    }
}
