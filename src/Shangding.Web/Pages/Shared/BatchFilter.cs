using Microsoft.EntityFrameworkCore;
using Shangding.Core.Data;
using Shangding.Core.Intake;

namespace Shangding.Web.Pages.Shared;

/// <summary>
/// A list of batches newest first, a page at a time, filtered by unit, category and outcome (stored, nothing stored,
/// refused, running): the operator's list of every unit's batches and a unit's list of its own.
/// </summary>
public static class BatchFilter
{
    public const int PageSize = 50;

    /// <summary>The outcomes a list can be filtered by, with the status text each shows.</summary>
    public static IReadOnlyList<(string Value, string TextKey)> Outcomes { get; } =
    [
        ("stored", "batch.status.Committed"), ("nothing", "batch.status.Nothing"), ("refused", "batch.status.Refused"), ("running", "batch.status.Running"),
    ];

    /// <summary>A page of batches older than <paramref name="before"/>, and the id to ask the next page for (null on the last page).</summary>
    public static async Task<(IReadOnlyList<IntakeBatch> Batches, long? Next)> PageAsync(ShangdingDbContext db, string? unit, string? category, string? outcome,
        long? before, CancellationToken cancellationToken)
    {
        var query = db.IntakeBatches.AsNoTracking();
        if (!string.IsNullOrEmpty(unit))
        {
            query = query.Where(b => b.UnitCode == unit);
        }

        if (!string.IsNullOrEmpty(category))
        {
            // An API request that mixed categories names none on its batch; it lists those it furnished.
            query = query.Where(b => b.CategoryCode == category
                || (b.CategoryCode == null && db.IntakeBatchCategories.Any(c => c.BatchId == b.Id && c.CategoryCode == category)));
        }

        query = outcome switch
        {
            "stored" => query.Where(BatchOutcome.Furnished),
            "nothing" => query.Where(BatchOutcome.CommittedNothing),
            "refused" => query.Where(b => b.Status == BatchStatus.Refused),
            "running" => query.Where(b => b.Status == BatchStatus.Running),
            _ => query,
        };
        if (before is { } id)
        {
            query = query.Where(b => b.Id < id);
        }

        var page = await query.OrderByDescending(b => b.Id).Take(PageSize + 1).ToListAsync(cancellationToken);
        return ([.. page.Take(PageSize)], page.Count > PageSize ? page[PageSize - 1].Id : null);
    }

    /// <summary>The address of a list's next page, keeping its filters.</summary>
    public static string NextPage(string path, params (string Name, string? Value)[] values) =>
        Microsoft.AspNetCore.WebUtilities.QueryHelpers.AddQueryString(path,
            values.Where(v => !string.IsNullOrEmpty(v.Value)).Select(v => new KeyValuePair<string, string?>(v.Name, v.Value)));
}
