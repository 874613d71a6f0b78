using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Shangding.Core.Access;
using Shangding.Core.Catalog;
using Shangding.Core.Data;
using Shangding.Core.Remedies;
using Shangding.Web.Remedies;

namespace Shangding.Web.Pages.Audit;

/// <summary>
/// The credit centre's dispute queue: forward within 3 working days, tell the applicant within 2 after the
/// unit's answer; overdue steps first and highlighted. Supervisors (auditors), who are told of overdue
/// steps too, read the same queue; only operators act on it.
/// </summary>
[Authorize(Policy = Shangding.Web.Access.AccessWeb.AuditPolicy)]
public sealed class DisputesModel(ShangdingDbContext db, DisputeService disputes, CatalogDefinition catalog, TimeProvider clock) : RemediesPageModel
{
    public CatalogDefinition Catalog => catalog;
    public DisputeService Service => disputes;
    public DateOnly Today { get; private set; }
    public List<Row> Open { get; private set; } = [];
    public List<Row> Closed { get; private set; } = [];
    public int OverdueCount { get; private set; }

    public sealed record Row(Dispute Dispute, string SubjectMasked, IReadOnlyList<DisputeStepState> Steps, DisputeStepState? Late);

    [BindProperty(SupportsGet = true)]
    public bool Overdue { get; set; }

    [BindProperty]
    public long Id { get; set; }

    public Task OnGetAsync(CancellationToken cancellationToken) => LoadAsync(cancellationToken);

    /// <summary>Whether the reader may forward and notify (operators); auditors only read.</summary>
    public bool CanAct => User.IsInRole(Roles.Operator);

    public Task<IActionResult> OnPostForwardAsync(CancellationToken cancellationToken) =>
        ActAsync(() => disputes.ForwardAsync(db, Id, Actor, cancellationToken), English ? "Dispute No. {0} forwarded to the unit." : "第 {0} 号异议已转交信息提供单位。", cancellationToken);

    public Task<IActionResult> OnPostNotifyAsync(CancellationToken cancellationToken) =>
        ActAsync(() => disputes.NotifyApplicantAsync(db, Id, Actor, cancellationToken), English ? "The applicant of dispute No. {0} was told the result." : "已将第 {0} 号异议的处理结果告知申请人。", cancellationToken);

    private async Task<IActionResult> ActAsync(Func<Task<Dispute>> action, string done, CancellationToken cancellationToken)
    {
        if (!CanAct)
        {
            return Forbid();
        }

        try
        {
            var dispute = await action();
            TempData["done"] = string.Format(System.Globalization.CultureInfo.InvariantCulture, done, dispute.Id);
            return RedirectToPage(new { overdue = Overdue ? true : (bool?)null });
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
        Today = RemedyTime.Today(clock);
        var rows = await (from d in db.Disputes.AsNoTracking()
                          join s in db.Subjects.AsNoTracking() on d.SubjectId equals s.Id
                          where d.Status != DisputeStatus.Closed
                          select new { d, s.IdMasked }).ToListAsync(cancellationToken);
        var closed = await (from d in db.Disputes.AsNoTracking()
                            join s in db.Subjects.AsNoTracking() on d.SubjectId equals s.Id
                            where d.Status == DisputeStatus.Closed
                            orderby d.Id descending
                            select new { d, s.IdMasked }).Take(50).ToListAsync(cancellationToken);
        var allowed = await ReadCasesAsync(db, rows.Concat(closed).Select(x => CaseFacts.Of(x.d)),
            CanAct ? "办理异议（转交、告知）dispute handling" : "督查异议办理 dispute supervision", cancellationToken);
        var open = rows.Where(x => allowed.Contains(x.d.Id)).Select(x => Make(x.d, x.IdMasked)).ToList();
        OverdueCount = open.Count(r => r.Late is not null);
        Open = [.. open.Where(r => !Overdue || r.Late is not null).OrderByDescending(r => r.Late is not null).ThenBy(r => NextDue(r)).ThenBy(r => r.Dispute.Id)];
        Closed = [.. closed.Where(x => allowed.Contains(x.d.Id)).Select(x => Make(x.d, x.IdMasked))];
    }

    private Row Make(Dispute d, string masked)
    {
        var steps = disputes.Steps(d, Today);
        return new Row(d, masked, steps, steps.FirstOrDefault(s => s.Overdue));
    }

    private static DateOnly NextDue(Row r) => r.Steps.FirstOrDefault(s => s.DoneAt is null && s.Due is not null)?.Due ?? DateOnly.MaxValue;

    public string CategoryName(string code) => Catalog.Find(code) is { } c ? (English ? c.NameEn : c.NameZh) : code;

    public string UnitName(string code) => Catalog.FindUnit(code) is { } u ? (English ? u.NameEn : u.NameZh) : code;
}
