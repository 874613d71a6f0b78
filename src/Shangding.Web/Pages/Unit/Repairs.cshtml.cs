using Shangding.Core.Catalog;
using Shangding.Core.Data;
using Shangding.Core.Remedies;
using Shangding.Web.Remedies;

namespace Shangding.Web.Pages.Unit;

/// <summary>Credit repair applications about the clerk's unit's records.</summary>
public sealed class RepairsModel(ShangdingDbContext db, RepairService repairs, CatalogDefinition catalog) : RepairDecisionsPage(db, repairs, catalog)
{
    protected override string? Scope => UnitCode;
}
