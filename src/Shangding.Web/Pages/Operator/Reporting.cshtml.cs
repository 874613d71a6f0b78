using Shangding.Core.Calendar;
using Shangding.Core.Catalog;
using Shangding.Core.Data;
using Shangding.Core.Reporting;
using Shangding.Web.Pages.Shared;

namespace Shangding.Web.Pages.Operator;

/// <summary>
/// Every unit's reporting compliance, the reminders (催报) written and the criticism list (通报批评), filtered by
/// unit (<c>?unit=</c>) or to late rows only (<c>?late=true</c>).
/// </summary>
public sealed class ReportingModel(CatalogDefinition catalog, WorkingDayCalendar calendar, ShangdingDbContext db, ReportingOptions options, TimeProvider clock)
    : ReportingPage(catalog, calendar, db, options, clock)
{
    public string? Unit { get; private set; }

    public bool Late { get; private set; }

    /// <summary>Rows shown in the table (after the filters).</summary>
    public IReadOnlyList<ComplianceRow> Shown { get; private set; } = [];

    public int CountOf(ComplianceStatus status) => Rows.Count(r => r.Status == status);

    public override string? UnitLink(string unitCode) => $"/operator/reporting?unit={Uri.EscapeDataString(unitCode)}";

    public async Task OnGetAsync(string? unit, bool late, CancellationToken cancellationToken)
    {
        Unit = unit is not null && Catalog.FindUnit(unit) is not null ? unit : null;
        Late = late;
        await LoadAsync(Unit, cancellationToken);
        Shown = Late ? [.. Rows.Where(r => r.Status is not (ComplianceStatus.OnTime or ComplianceStatus.Due))] : Rows;
    }
}
