using System.Security.Claims;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Shangding.Core.Catalog;
using Shangding.Core.Data;
using Shangding.Core.Intake;
using Shangding.Web.Access;
using Shangding.Web.Localization;

namespace Shangding.Web.Pages.Unit;

public sealed class BatchModel(CatalogDefinition catalog, ShangdingDbContext db) : PageModel
{
    public const int ShownRejects = 200;

    public sealed record RejectView(int RowNumber, string? RecordKey, IReadOnlyList<IntakeReason> Reasons);

    public IntakeBatch? Batch { get; private set; }
    public Category? Category { get; private set; }
    public IReadOnlyList<RejectView> Rejects { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(long id, CancellationToken cancellationToken)
    {
        var unit = User.FindFirstValue(Policies.UnitClaim);
        Batch = await db.IntakeBatches.AsNoTracking().FirstOrDefaultAsync(b => b.Id == id && b.UnitCode == unit, cancellationToken);
        if (Batch is null)
        {
            return NotFound();
        }

        Category = Batch.CategoryCode is null ? null : catalog.Find(Batch.CategoryCode);
        var rejects = await db.IntakeRejects.AsNoTracking().Where(r => r.BatchId == id).OrderBy(r => r.RowNumber).Take(ShownRejects).ToListAsync(cancellationToken);
        Rejects = rejects.Select(r => new RejectView(r.RowNumber, r.RecordKey, IntakeReasons.Parse(r.ReasonsJson))).ToList();
        return Page();
    }

    /// <summary>Batch messages are stored as "中文 / English"; show the half in the reader's language.</summary>
    public string Localise(string line)
    {
        var split = line.IndexOf(" / ", StringComparison.Ordinal);
        return split < 0 ? line : UiText.IsEnglish() ? line[(split + 3)..] : line[..split];
    }
}
