using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Shangding.Core.Access;
using Shangding.Core.Catalog;
using Shangding.Core.Data;
using Shangding.Core.Remedies;
using Shangding.Web.Remedies;

namespace Shangding.Web.Pages.Me;

/// <summary>A citizen's disputes (异议): file one on a record with evidence; follow each step and its deadline.</summary>
[Authorize(Roles = Roles.Subjects)]
public sealed class DisputesModel(ShangdingDbContext db, DisputeService disputes, CatalogDefinition catalog, RemediesOptions options, TimeProvider clock) : RemediesPageModel
{
    public CatalogDefinition Catalog => catalog;
    public RemediesOptions Options => options;
    public DisputeService Service => disputes;
    public DateOnly Today { get; private set; }
    public List<CreditRecord> Records { get; private set; } = [];
    public List<Dispute> Mine { get; private set; } = [];
    public Dictionary<long, List<RemedyFile>> Files { get; private set; } = [];
    public bool HasSubject { get; private set; }

    [BindProperty(SupportsGet = true)]
    public long? RecordId { get; set; }

    [BindProperty]
    public string? Reason { get; set; }

    public async Task OnGetAsync(CancellationToken cancellationToken) => await LoadAsync(cancellationToken);

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        try
        {
            var files = await ReadFilesAsync(options, cancellationToken);
            var dispute = await disputes.FileAsync(db, AccountId, RecordId ?? 0, Reason, files, cancellationToken);
            TempData["done"] = string.Format(System.Globalization.CultureInfo.InvariantCulture, English
                ? "Dispute No. {0} received. The credit centre forwards it to the furnishing unit by {1}."
                : "第 {0} 号异议已受理，市信用中心将于 {1} 前转交信息提供单位。", dispute.Id, Day(dispute.ForwardDue));
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
        var subject = await SubjectOfAsync(db, AccountId, cancellationToken);
        HasSubject = subject is not null;
        if (subject is not { } id)
        {
            return;
        }

        var retired = await RetentionService.RetiredRecordIdsAsync(db, id, cancellationToken);
        Records = [.. (await db.Records.AsNoTracking().Where(r => r.SubjectId == id && r.Status == RecordStatus.InForce)
            .OrderByDescending(r => r.ActDate).ToListAsync(cancellationToken)).Where(r => !retired.Contains(r.Id))];
        Mine = await db.Disputes.AsNoTracking().Where(d => d.SubjectId == id).OrderByDescending(d => d.Id).ToListAsync(cancellationToken);
        var ids = Mine.Select(d => d.Id).ToList();
        Files = (await db.RemedyFiles.AsNoTracking().Where(f => f.OwnerKind == DisputeService.FileOwner && ids.Contains(f.OwnerId))
                .Select(f => new RemedyFile { Id = f.Id, OwnerKind = f.OwnerKind, OwnerId = f.OwnerId, FileName = f.FileName, ContentType = f.ContentType, SizeBytes = f.SizeBytes, Sha256 = "", Content = Array.Empty<byte>() })
                .ToListAsync(cancellationToken))
            .GroupBy(f => f.OwnerId).ToDictionary(g => g.Key, g => g.ToList());
    }

    public string RecordLabel(CreditRecord r) =>
        (Catalog.Find(r.CategoryCode) is { } c ? (English ? c.NameEn : c.NameZh) : r.CategoryCode) + " · " + Day(r.ActDate)
        + " · " + (Catalog.FindUnit(r.UnitCode) is { } u ? (English ? u.NameEn : u.NameZh) : r.UnitCode);

    public string CategoryName(string code) => Catalog.Find(code) is { } c ? (English ? c.NameEn : c.NameZh) : code;
}
