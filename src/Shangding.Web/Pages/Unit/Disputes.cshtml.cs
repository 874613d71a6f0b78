using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Shangding.Core.Access;
using Shangding.Core.Catalog;
using Shangding.Core.Data;
using Shangding.Core.Remedies;
using Shangding.Web.Remedies;

namespace Shangding.Web.Pages.Unit;

/// <summary>Disputes forwarded to the clerk's unit: verify within 15 working days and correct, withdraw or uphold with reasons.</summary>
public sealed class DisputesModel(ShangdingDbContext db, DisputeService disputes, CatalogDefinition catalog, TimeProvider clock) : RemediesPageModel
{
    public CatalogDefinition Catalog => catalog;
    public DisputeService Service => disputes;
    public DateOnly Today { get; private set; }
    public List<(Dispute Dispute, string SubjectMasked)> List { get; private set; } = [];
    public Dispute? Selected { get; private set; }
    public CreditRecord? Record { get; private set; }
    public string? SubjectMasked { get; private set; }
    public IReadOnlyList<FieldDefinition> Editable { get; private set; } = [];
    public Dictionary<string, string?> Values { get; private set; } = new(StringComparer.Ordinal);
    public List<RemedyFile> Files { get; private set; } = [];

    [BindProperty(SupportsGet = true)]
    public long? Id { get; set; }

    [BindProperty]
    public string? Outcome { get; set; }

    [BindProperty]
    public string? Text { get; set; }

    public async Task OnGetAsync(CancellationToken cancellationToken) => await LoadAsync(cancellationToken);

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        await LoadAsync(cancellationToken);
        if (Selected is null || Record is null)
        {
            return NotFound();
        }

        foreach (var field in Editable)
        {
            Values[field.Code] = Request.Form[field.Code].ToString();
        }

        if (!Enum.TryParse<DisputeOutcome>(Outcome, out var outcome) || !Enum.IsDefined(outcome))
        {
            FieldErrors["outcome"] = English ? "Choose the result of the verification." : "请选择核查结果。";
            return Page();
        }

        try
        {
            var corrections = outcome == DisputeOutcome.Corrected ? Values.ToDictionary(v => v.Key, v => (string?)v.Value, StringComparer.Ordinal) : null;
            var answered = await disputes.AnswerAsync(db, Selected.Id, UnitCode!, Actor, new DisputeAnswer(outcome, Text, corrections), cancellationToken);
            TempData["done"] = English ? $"Dispute No. {answered.Id} answered." : $"第 {answered.Id} 号异议已答复。";
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
        Today = RemedyTime.Today(clock);
        var unit = UnitCode;
        var rows = await (from d in db.Disputes.AsNoTracking()
                          join s in db.Subjects.AsNoTracking() on d.SubjectId equals s.Id
                          where d.UnitCode == unit && d.Status != DisputeStatus.Filed
                          orderby d.Status == DisputeStatus.Forwarded descending, d.AnswerDue, d.Id descending
                          select new { Dispute = d, s.IdMasked }).Take(300).ToListAsync(cancellationToken);
        var allowed = await ReadCasesAsync(db, rows.Select(r => CaseFacts.Of(r.Dispute)), "核查异议 dispute verification", cancellationToken);
        rows = [.. rows.Where(r => allowed.Contains(r.Dispute.Id))];
        List = [.. rows.Select(r => (r.Dispute, r.IdMasked))];
        if (Id is not { } id || rows.FirstOrDefault(r => r.Dispute.Id == id) is not { } chosen)
        {
            return;
        }

        Selected = chosen.Dispute;
        SubjectMasked = chosen.IdMasked;
        Record = await db.Records.AsNoTracking().FirstAsync(r => r.Id == Selected.RecordId, cancellationToken);
        if (catalog.Find(Record.CategoryCode) is { } category)
        {
            Editable = RecordRows.EditableFields(category);
            Values = RecordRows.CurrentValues(category, Record);
        }

        Files = await db.RemedyFiles.AsNoTracking().Where(f => f.OwnerKind == DisputeService.FileOwner && f.OwnerId == Selected.Id)
            .Select(f => new RemedyFile { Id = f.Id, OwnerKind = f.OwnerKind, FileName = f.FileName, ContentType = f.ContentType, SizeBytes = f.SizeBytes, Sha256 = "", Content = Array.Empty<byte>() })
            .ToListAsync(cancellationToken);
    }

    public string CategoryName(string code) => Catalog.Find(code) is { } c ? (English ? c.NameEn : c.NameZh) : code;
}
