using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Shangding.Core.Access;
using Shangding.Core.Catalog;
using Shangding.Core.Data;
using Shangding.Core.Remedies;
using Shangding.Web.Remedies;

namespace Shangding.Web.Pages.Me;

/// <summary>Self-reporting of good deeds (004 §5): the form (name, sex, ID number, the matter, proof) and the reviews.</summary>
[Authorize(Roles = Roles.Citizen)]
public sealed class SelfReportsModel(ShangdingDbContext db, SelfReportService reports, CatalogDefinition catalog, RemediesOptions options) : RemediesPageModel
{
    public CatalogDefinition Catalog => catalog;
    public RemediesOptions Options => options;
    public IReadOnlyList<Category> Categories => reports.Categories;
    public List<SelfReport> Mine { get; private set; } = [];
    public bool HasSubject { get; private set; }

    [BindProperty]
    public string? CategoryCode { get; set; }

    [BindProperty]
    public string? Name { get; set; }

    [BindProperty]
    public string? Sex { get; set; }

    // Bound from the POST body only and never echoed back: an ID number is not put in a page it did not come from.
    [BindProperty]
    public string? IdNumber { get; set; }

    [BindProperty]
    public string? ActDate { get; set; }

    [BindProperty]
    public string? Matter { get; set; }

    public async Task OnGetAsync(CancellationToken cancellationToken) => await LoadAsync(cancellationToken);

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        try
        {
            var files = await ReadFilesAsync(options, cancellationToken);
            var report = await reports.SubmitAsync(db, AccountId, new SelfReportInput(CategoryCode, null, Name, Sex, IdNumber, ActDate, Matter), files, cancellationToken);
            TempData["done"] = English ? $"Report No. {report.Id} submitted for review." : $"第 {report.Id} 号申报已提交审核。";
            return RedirectToPage();
        }
        catch (RemedyException ex)
        {
            Show(ex);
        }

        IdNumber = null;
        await LoadAsync(cancellationToken);
        return Page();
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        Done = TempData["done"] as string;
        var subject = await SubjectOfAsync(db, AccountId, cancellationToken);
        HasSubject = subject is not null;
        Mine = subject is { } id
            ? await db.SelfReports.AsNoTracking().Where(r => r.SubjectId == id).OrderByDescending(r => r.Id).ToListAsync(cancellationToken)
            : [];
    }

    public string CategoryName(string code) => Catalog.Find(code) is { } c ? (English ? c.NameEn : c.NameZh) : code;
}
