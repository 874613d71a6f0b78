using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Shangding.Core.Access;
using Shangding.Core.Catalog;
using Shangding.Core.Data;
using Shangding.Core.Remedies;
using Shangding.Web.Remedies;

namespace Shangding.Web.Pages.Unit;

/// <summary>Residents' self-reports for the clerk's unit: confirm the category's fields and approve (a record through intake), or refuse with reasons.</summary>
public sealed class SelfReportsModel(ShangdingDbContext db, SelfReportService reports, CatalogDefinition catalog) : RemediesPageModel
{
    public CatalogDefinition Catalog => catalog;
    public List<(SelfReport Report, string SubjectMasked)> List { get; private set; } = [];
    public SelfReport? Selected { get; private set; }
    public string? SubjectMasked { get; private set; }
    public IReadOnlyList<FieldDefinition> Editable { get; private set; } = [];
    public Dictionary<string, string?> Values { get; } = new(StringComparer.Ordinal);
    public List<RemedyFile> Files { get; private set; } = [];

    [BindProperty(SupportsGet = true)]
    public long? Id { get; set; }

    [BindProperty]
    public string? Reason { get; set; }

    public Task OnGetAsync(CancellationToken cancellationToken) => LoadAsync(cancellationToken);

    public Task<IActionResult> OnPostApproveAsync(CancellationToken cancellationToken) => DecideAsync(true, cancellationToken);

    public Task<IActionResult> OnPostRefuseAsync(CancellationToken cancellationToken) => DecideAsync(false, cancellationToken);

    private async Task<IActionResult> DecideAsync(bool approve, CancellationToken cancellationToken)
    {
        await LoadAsync(cancellationToken);
        if (Selected is null)
        {
            return NotFound();
        }

        foreach (var field in Editable)
        {
            Values[field.Code] = Request.Form[field.Code].ToString();
        }

        try
        {
            var decided = await reports.DecideAsync(db, Selected.Id, UnitCode!, Actor, approve, Reason, Values, cancellationToken);
            TempData["done"] = English ? $"Report No. {decided.Id} {(approve ? "approved" : "refused")}." : $"第 {decided.Id} 号申报已{(approve ? "认定" : "不予认定")}。";
            return RedirectToPage(new { id = (long?)null });
        }
        catch (RemedyException ex)
        {
            Show(ex);
        }

        return Page();
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        Done = TempData["done"] as string;
        var unit = UnitCode;
        var rows = await (from r in db.SelfReports.AsNoTracking()
                          join s in db.Subjects.AsNoTracking() on r.SubjectId equals s.Id
                          where r.UnitCode == unit
                          orderby r.Status == ApplicationStatus.Pending descending, r.Id descending
                          select new { Report = r, s.IdMasked }).Take(300).ToListAsync(cancellationToken);
        var allowed = await ReadCasesAsync(db, rows.Select(r => CaseFacts.Of(r.Report)),
            "审核自主申报 self-report review", cancellationToken);
        rows = [.. rows.Where(r => allowed.Contains(r.Report.Id))];
        List = [.. rows.Select(r => (r.Report, r.IdMasked))];
        if (Id is not { } id || rows.FirstOrDefault(r => r.Report.Id == id) is not { } chosen)
        {
            return;
        }

        Selected = chosen.Report;
        SubjectMasked = chosen.IdMasked;
        if (catalog.Find(Selected.CategoryCode) is { } category)
        {
            Editable = RecordRows.EditableFields(category);
            Values[category.ActDateField ?? Shangding.Core.Intake.IntakeColumns.ActDate] = Day(Selected.ActDate);
        }

        Files = await db.RemedyFiles.AsNoTracking().Where(f => f.OwnerKind == SelfReportService.FileOwner && f.OwnerId == Selected.Id)
            .Select(f => new RemedyFile { Id = f.Id, OwnerKind = f.OwnerKind, FileName = f.FileName, ContentType = f.ContentType, SizeBytes = f.SizeBytes, Sha256 = "", Content = Array.Empty<byte>() })
            .ToListAsync(cancellationToken);
    }

    public string CategoryName(string code) => Catalog.Find(code) is { } c ? (English ? c.NameEn : c.NameZh) : code;
}
