using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Shangding.Core.Catalog;
using Shangding.Core.Data;
using Shangding.Web.Pages.Shared;

namespace Shangding.Web.Pages.Operator;

/// <summary>
/// Every unit's batches, newest first, a page at a time: filtered by unit and by outcome (stored, nothing stored,
/// refused, running), each linking to its page with counts, warnings and the reasons of its rejected rows.
/// </summary>
public sealed class BatchesModel(CatalogDefinition catalog, ShangdingDbContext db) : PageModel
{
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

    public async Task OnGetAsync(CancellationToken cancellationToken) =>
        (Batches, Next) = await BatchFilter.PageAsync(db, Unit, null, Outcome, Before, cancellationToken);

    /// <summary>The address of the next page, keeping the filters.</summary>
    public string NextPage() => BatchFilter.NextPage("/operator/batches", ("unit", Unit), ("outcome", Outcome),
        ("before", Next?.ToString(System.Globalization.CultureInfo.InvariantCulture)));
}
