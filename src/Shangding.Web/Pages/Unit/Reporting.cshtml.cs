using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Mvc;
using Shangding.Core.Calendar;
using Shangding.Core.Catalog;
using Shangding.Core.Data;
using Shangding.Core.Intake;
using Shangding.Core.Reporting;
using Shangding.Web.Access;
using Shangding.Web.Localization;
using Shangding.Web.Pages.Shared;

namespace Shangding.Web.Pages.Unit;

/// <summary>
/// The unit's reporting deadlines, the reminders (催报) it was sent with their notice and make-up deadline, and the
/// nil report (本期无新增信息) for a category and period with nothing new.
/// </summary>
public sealed class ReportingModel(
    CatalogDefinition catalog,
    WorkingDayCalendar calendar,
    ShangdingDbContext db,
    ReportingOptions options,
    TimeProvider clock,
    IntakeService intake)
    : ReportingPage(catalog, calendar, db, options, clock)
{
    public override bool ForUnit => true;

    /// <summary>What the last nil report did (after its redirect).</summary>
    [TempData]
    public string? Done { get; set; }

    [TempData]
    public string? Refused { get; set; }

    private string UnitCode => User.FindFirstValue(Policies.UnitClaim)!;

    public Task OnGetAsync(CancellationToken cancellationToken) => LoadAsync(UnitCode, cancellationToken);

    /// <summary>Files a nil report for one category and period (a Committed batch of no rows; audited like any batch).</summary>
    public async Task<IActionResult> OnPostNilAsync(string? category, string? period, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(category)
            || !DateOnly.TryParseExact(period, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var periodStart))
        {
            return BadRequest();
        }

        var result = await NilReport.FileAsync(intake, Db, Calendar, Options, Clock, UnitCode, category, periodStart,
            $"account:{User.FindFirstValue(ClaimTypes.NameIdentifier)}", cancellationToken);
        var name = Catalog.Find(category) is { } c ? UiText.Pick(c.NameZh, c.NameEn) : category;
        if (result.Filed)
        {
            Done = UiText.Pick(
                $"已申报「{name}」{period} 起的期间本期无新增信息（批次 {result.BatchId}）。",
                $"Nothing new this period declared for “{name}”, period from {period} (batch {result.BatchId}).");
        }
        else
        {
            Refused = UiText.Pick(result.RefusalZh!, result.RefusalEn!);
        }

        return RedirectToPage();
    }
}
