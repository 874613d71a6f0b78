using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Shangding.Core.Catalog;
using Shangding.Core.Data;
using Shangding.Core.Intake;

namespace Shangding.Web.Pages.Operator;

/// <summary>
/// Every unit's batches, newest first, a page at a time: filtered by unit and by outcome (stored, nothing stored,
/// refused, running), each linking to its page with counts, warnings and the reasons of its rejected rows.
/// </summary>
public sealed class BatchesModel(CatalogDefinition catalog, ShangdingDbContext db) : PageModel
{
    public const int PageSize = 50;

    public CatalogDefinition Catalog => catalog;

    [BindProperty(SupportsGet = true)]
    public string? Unit { get; set; }

    /// <summary>stored, nothing, refused or running; anything else lists all.</summary>
    [BindProperty(SupportsGet = true)]
    public string? Outcome { get; set; }

    /// <summary>Lists the batches older than this id (the next page).</summary>
    [BindProperty(SupportsGet = true)]
    public long? Before { get; set; }

    public IReadOnlyList<IntakeBatch> Batches { get; private set; } = [];

    /// <summary>The id to ask the next page for, when there is one.</summary>
    public long? Next { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        var query = db.IntakeBatches.AsNoTracking();
        if (!string.IsNullOrEmpty(Unit))
        {
            query = query.Where(b => b.UnitCode == Unit);
        }

        query = Outcome switch
        {
            "stored" => query.Where(BatchOutcome.Furnished),
            "nothing" => query.Where(BatchOutcome.CommittedNothing),
            "refused" => query.Where(b => b.Status == BatchStatus.Refused),
            "running" => query.Where(b => b.Status == BatchStatus.Running),
            _ => query,
        };
        if (Before is { } before)
        {
            query = query.Where(b => b.Id < before);
        }

        var page = await query.OrderByDescending(b => b.Id).Take(PageSize + 1).ToListAsync(cancellationToken);
        Next = page.Count > PageSize ? page[PageSize - 1].Id : null;
        Batches = page.Take(PageSize).ToList();
    }

    /// <summary>The address of the next page, keeping the filters.</summary>
    public string NextPage() => QueryHelpers(("unit", Unit), ("outcome", Outcome), ("before", Next?.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    private static string QueryHelpers(params (string Name, string? Value)[] values) =>
        Microsoft.AspNetCore.WebUtilities.QueryHelpers.AddQueryString("/operator/batches",
            values.Where(v => !string.IsNullOrEmpty(v.Value)).Select(v => new KeyValuePair<string, string?>(v.Name, v.Value)));
}
