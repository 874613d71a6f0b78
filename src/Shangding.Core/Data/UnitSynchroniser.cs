using Microsoft.EntityFrameworkCore;
using Shangding.Core.Catalog;

namespace Shangding.Core.Data;

/// <summary>Keeps the <c>units</c> table in step with the catalogue's <c>units.yaml</c> (adds and renames; never deletes).</summary>
public static class UnitSynchroniser
{
    public static async Task<int> SyncAsync(ShangdingDbContext context, CatalogDefinition catalog, DateTime now, CancellationToken cancellationToken)
    {
        var existing = await context.Units.ToDictionaryAsync(u => u.Code, cancellationToken);
        var changed = 0;
        foreach (var unit in catalog.Units)
        {
            if (existing.TryGetValue(unit.Code, out var row))
            {
                if (row.NameZh != unit.NameZh || row.NameEn != unit.NameEn)
                {
                    row.NameZh = unit.NameZh;
                    row.NameEn = unit.NameEn;
                    changed++;
                }
            }
            else
            {
                context.Units.Add(new Unit { Code = unit.Code, NameZh = unit.NameZh, NameEn = unit.NameEn, CreatedAt = now });
                changed++;
            }
        }

        await context.SaveChangesAsync(cancellationToken);
        return changed;
    }
}
