using System.Security.Claims;
using Shangding.Core.Calendar;
using Shangding.Core.Catalog;
using Shangding.Core.Data;
using Shangding.Core.Reporting;
using Shangding.Web.Access;
using Shangding.Web.Pages.Shared;

namespace Shangding.Web.Pages.Unit;

public sealed class ReportingModel(CatalogDefinition catalog, WorkingDayCalendar calendar, ShangdingDbContext db, ReportingOptions options, TimeProvider clock)
    : ReportingPage(catalog, calendar, db, options, clock)
{
    public Task OnGetAsync(CancellationToken cancellationToken) => LoadAsync(User.FindFirstValue(Policies.UnitClaim), cancellationToken);
}
