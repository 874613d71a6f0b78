using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Shangding.Core.Access;
using Shangding.Core.Catalog;
using Shangding.Core.Data;
using Shangding.Core.Remedies;
using Shangding.Web.Remedies;

namespace Shangding.Web.Pages.Me;

/// <summary>A citizen's credit repair: each bad record's publication window, an application with proof and a commitment, decisions.</summary>
[Authorize(Roles = Roles.Subjects)]
public sealed class RepairsModel(ShangdingDbContext db, RepairService repairs, CatalogDefinition catalog, RemediesOptions options, TimeProvider clock) : RemediesPageModel
{
    public CatalogDefinition Catalog => catalog;
    public RemediesOptions Options => options;
    public DateOnly Today { get; private set; }
    public List<(CreditRecord Record, PublicationWindow Window, bool Minor)> Bad { get; private set; } = [];
    public List<RepairApplication> Mine { get; private set; } = [];
    public bool HasSubject { get; private set; }

    [BindProperty(SupportsGet = true)]
    public long? RecordId { get; set; }

    [BindProperty]
    public string? Statement { get; set; }

    [BindProperty]
    public bool Commitment { get; set; }

    public async Task OnGetAsync(CancellationToken cancellationToken) => await LoadAsync(cancellationToken);

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        try
        {
            var files = await ReadFilesAsync(options, cancellationToken);
            var application = await repairs.ApplyAsync(db, AccountId, RecordId ?? 0, Statement, Commitment, files, cancellationToken);
            TempData["done"] = English ? $"Repair application No. {application.Id} submitted." : $"第 {application.Id} 号修复申请已提交。";
            return RedirectToPage();
        }
        catch (RemedyException ex)
        {
            Show(ex);
        }

        await LoadAsync(cancellationToken);
        return Page();
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        Done = TempData["done"] as string;
        Today = RemedyTime.Today(clock);
        var subjectId = await SubjectOfAsync(db, AccountId, cancellationToken);
        HasSubject = subjectId is not null;
        if (subjectId is not { } id)
        {
            return;
        }

        var subject = await db.Subjects.AsNoTracking().FirstAsync(s => s.Id == id, cancellationToken);
        var records = await db.Records.AsNoTracking().Where(r => r.SubjectId == id && r.Status == RecordStatus.InForce && r.Severity != null)
            .OrderByDescending(r => r.ActDate).ToListAsync(cancellationToken);
        Bad = [.. records.Select(r => (r, PublicationPeriods.For(r)!, PublicationPeriods.IsProtectedMinorAct(r, subject))).Where(x => x.Item2 is not null)];
        Mine = await db.RepairApplications.AsNoTracking().Where(a => a.SubjectId == id).OrderByDescending(a => a.Id).ToListAsync(cancellationToken);
    }

    public string CategoryName(string code) => Catalog.Find(code) is { } c ? (English ? c.NameEn : c.NameZh) : code;

    public static string CommitmentText => English ? RepairService.CommitmentEn : RepairService.CommitmentZh;
}
