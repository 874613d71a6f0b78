using Shangding.Core.Catalog;
using Shangding.Core.Data;
using Shangding.Core.Remedies;
using Shangding.Web.Remedies;

namespace Shangding.Web.Pages.Operator;

/// <summary>Every credit repair application; the credit centre may decide any of them.</summary>
public sealed class RepairsModel(ShangdingDbContext db, RepairService repairs, CatalogDefinition catalog) : RepairDecisionsPage(db, repairs, catalog)
{
    protected override string? Scope => null;
}
