using Microsoft.AspNetCore.Mvc.RazorPages;
using Shangding.Core.Calendar;
using Shangding.Core.Catalog;
using Shangding.Core.Data;
using Shangding.Core.Reporting;

namespace Shangding.Web.Pages.Shared;

/// <summary>Reporting compliance as of today: every unit for operators, its own for a unit.</summary>
public abstract class ReportingPage(CatalogDefinition catalog, WorkingDayCalendar calendar, ShangdingDbContext db, ReportingOptions options, TimeProvider clock) : PageModel
{
    public IReadOnlyList<ComplianceRow> Rows { get; private set; } = [];
    public IReadOnlyList<CriticismEntry> Criticism { get; private set; } = [];

    protected async Task LoadAsync(string? unitCode, CancellationToken cancellationToken)
    {
        var today = ReportingTime.ChinaDate(clock.GetUtcNow().UtcDateTime);
        Rows = [.. (await ReportingCompliance.ComputeAsync(db, catalog, calendar, today, options, unitCode, cancellationToken))
            .OrderByDescending(r => r.Status).ThenBy(r => r.UnitCode, StringComparer.Ordinal)];
        Criticism = await ReportingCompliance.CriticismListAsync(db, catalog, unitCode, cancellationToken: cancellationToken);
    }
}
