using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Shangding.Core.Access;
using Shangding.Core.Catalog;
using Shangding.Core.Data;
using Shangding.Core.Remedies;

namespace Shangding.Web.Remedies;

/// <summary>Repair applications to decide: the unit's own (unit portal) or all (credit centre).</summary>
public abstract class RepairDecisionsPage(ShangdingDbContext db, RepairService repairs, CatalogDefinition catalog) : RemediesPageModel
{
    public CatalogDefinition Catalog => catalog;
    public List<Row> List { get; private set; } = [];
    public Dictionary<long, List<RemedyFile>> Files { get; private set; } = [];

    public sealed record Row(RepairApplication Application, CreditRecord Record, string SubjectMasked, PublicationWindow? Window);

    [BindProperty]
    public long Id { get; set; }

    [BindProperty]
    public string? Reason { get; set; }

    /// <summary>The unit whose applications are shown and decided, or null for the credit centre.</summary>
    protected abstract string? Scope { get; }

    public Task OnGetAsync(CancellationToken cancellationToken) => LoadAsync(cancellationToken);

    public Task<IActionResult> OnPostApproveAsync(CancellationToken cancellationToken) => DecideAsync(true, cancellationToken);

    public Task<IActionResult> OnPostRefuseAsync(CancellationToken cancellationToken) => DecideAsync(false, cancellationToken);

    private async Task<IActionResult> DecideAsync(bool approve, CancellationToken cancellationToken)
    {
        try
        {
            var decided = await repairs.DecideAsync(db, Id, Scope, Actor, approve, Reason, cancellationToken);
            TempData["done"] = English ? $"Application No. {decided.Id} {(approve ? "approved" : "refused")}." : $"第 {decided.Id} 号修复申请已{(approve ? "通过" : "不予通过")}。";
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
        Done ??= TempData["done"] as string;
        var scope = Scope;
        var rows = await (from a in db.RepairApplications.AsNoTracking()
                          join r in db.Records.AsNoTracking() on a.RecordId equals r.Id
                          join s in db.Subjects.AsNoTracking() on a.SubjectId equals s.Id
                          where scope == null || a.UnitCode == scope
                          orderby a.Status == ApplicationStatus.Pending descending, a.Id descending
                          select new { a, r, s.IdMasked }).Take(300).ToListAsync(cancellationToken);
        var allowed = await ReadCasesAsync(db, rows.Select(x => CaseFacts.Of(x.a)),
            "审核信用修复申请 repair decision", cancellationToken);
        rows = [.. rows.Where(x => allowed.Contains(x.a.Id))];
        List = [.. rows.Select(x => new Row(x.a, x.r, x.IdMasked, PublicationPeriods.For(x.r)))];
        var ids = rows.Select(x => x.a.Id).ToList();
        Files = (await db.RemedyFiles.AsNoTracking().Where(f => f.OwnerKind == RepairService.FileOwner && ids.Contains(f.OwnerId))
                .Select(f => new RemedyFile { Id = f.Id, OwnerKind = f.OwnerKind, OwnerId = f.OwnerId, FileName = f.FileName, ContentType = f.ContentType, Sha256 = "", Content = Array.Empty<byte>() })
                .ToListAsync(cancellationToken))
            .GroupBy(f => f.OwnerId).ToDictionary(g => g.Key, g => g.ToList());
    }

    public string CategoryName(string code) => Catalog.Find(code) is { } c ? (English ? c.NameEn : c.NameZh) : code;
}
