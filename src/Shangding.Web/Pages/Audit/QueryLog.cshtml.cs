using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Shangding.Core.Access;
using Shangding.Core.Data;
using Shangding.Core.Subjects;
using Shangding.Web.Localization;
using Shangding.Web.Portal;

namespace Shangding.Web.Pages.Audit;

/// <summary>
/// Searching the query log (read only: the product has no way to edit or delete entries). A subject is
/// searched by full ID number in the POST body and shown masked; no raw identifiers on the page or in URLs.
/// </summary>
[Authorize(Policy = Shangding.Web.Access.AccessWeb.AuditPolicy)]
public sealed class QueryLogModel(ShangdingDbContext db, IdentityProtector protector, BenefitCatalog benefits, UiText text, TimeProvider clock) : PageModel
{
    public BenefitCatalog Benefits => benefits;

    public const int Shown = 200;

    public sealed record Row(QueryLogEntry Entry, string? SubjectMasked);

    [BindProperty]
    public string? SubjectId { get; set; }

    [BindProperty]
    public string? Querier { get; set; }

    [BindProperty]
    public DateOnly? From { get; set; }

    [BindProperty]
    public DateOnly? To { get; set; }

    [BindProperty]
    public string? Outcome { get; set; }

    public string? SubjectMasked { get; private set; }

    /// <summary>When a search by ID number found nothing: what looks wrong with the number as typed.</summary>
    public string? IdProblem { get; private set; }
    public int Total { get; private set; }
    public IReadOnlyList<Row> Rows { get; private set; } = [];

    public Task OnGetAsync(CancellationToken cancellationToken) => SearchAsync(null, cancellationToken);

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        long? subject = null;
        StaffIdSearch? search = null;
        if (!string.IsNullOrWhiteSpace(SubjectId))
        {
            search = await StaffIdSearch.FindAsync(db, protector, clock, SubjectId, cancellationToken);
            subject = search.SubjectId ?? -1;
            SubjectMasked = search.Masked;
        }

        SubjectId = null;
        await SearchAsync(subject, cancellationToken);
        if (Rows.Count == 0)
        {
            IdProblem = search?.ProblemText(text);
        }

        return Page();
    }

    private async Task SearchAsync(long? subject, CancellationToken cancellationToken)
    {
        var query = db.QueryLog.AsNoTracking().AsQueryable();
        if (subject is { } id)
        {
            query = query.Where(q => q.SubjectId == id);
        }

        if (!string.IsNullOrWhiteSpace(Querier))
        {
            var text = Querier.Trim();
            query = query.Where(q => q.QuerierName.Contains(text));
        }

        if (From is { } from)
        {
            var start = new DateTimeOffset(from.ToDateTime(TimeOnly.MinValue), TimeSpan.FromHours(8)).UtcDateTime;
            query = query.Where(q => q.At >= start);
        }

        if (To is { } to)
        {
            var end = new DateTimeOffset(to.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.FromHours(8)).UtcDateTime;
            query = query.Where(q => q.At < end);
        }

        if (Enum.TryParse<QueryOutcome>(Outcome, out var outcome))
        {
            query = query.Where(q => q.Outcome == outcome);
        }

        Total = await query.CountAsync(cancellationToken);
        var entries = await query.OrderByDescending(q => q.Id).Take(Shown).ToListAsync(cancellationToken);
        var ids = entries.Select(e => e.SubjectId).Distinct().ToList();
        var masked = await db.Subjects.AsNoTracking().Where(s => ids.Contains(s.Id)).ToDictionaryAsync(s => s.Id, s => s.IdMasked, cancellationToken);
        Rows = entries.Select(e => new Row(e, masked.GetValueOrDefault(e.SubjectId))).ToList();
    }
}
