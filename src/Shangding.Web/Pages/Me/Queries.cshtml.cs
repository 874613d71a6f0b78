using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Shangding.Core.Access;
using Shangding.Core.Data;
using Shangding.Web.Access;

namespace Shangding.Web.Pages.Me;

/// <summary>Who queried me, when, why, how, under which grant or letter, and the outcome (003 §19), with cumulative counts.</summary>
public sealed class QueriesModel(ShangdingDbContext db, ActorResolver actors, CreditQueries queries, BenefitCatalog benefits) : PageModel
{
    public BenefitCatalog Benefits => benefits;

    public const int Shown = 500;

    [BindProperty(SupportsGet = true, Name = "own")]
    public bool ShowOwn { get; set; }

    public IReadOnlyList<QueryLogEntry>? Entries { get; private set; }
    public int AllowedByOthers { get; private set; }
    public int RefusedByOthers { get; private set; }
    public int OwnViews { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        if (await MeSupport.SubjectAsync(User, db, actors, cancellationToken) is not { } me)
        {
            return;
        }

        var answer = await queries.QueryAsync(db, me.Actor, new AccessRequest(me.SubjectId, AccessWhat.QueryHistory, "self-query"), "web", cancellationToken);
        if (!answer.Allowed)
        {
            Entries = [];
            return;
        }

        var mine = db.QueryLog.AsNoTracking().Where(q => q.SubjectId == me.SubjectId);
        var counts = await mine.GroupBy(q => new { Own = q.QuerierAccountId == me.Actor.AccountId, q.Outcome })
            .Select(g => new { g.Key.Own, g.Key.Outcome, Count = g.Count() }).ToListAsync(cancellationToken);
        AllowedByOthers = counts.Where(c => !c.Own && c.Outcome == QueryOutcome.Allowed).Sum(c => c.Count);
        RefusedByOthers = counts.Where(c => !c.Own && c.Outcome == QueryOutcome.Refused).Sum(c => c.Count);
        OwnViews = counts.Where(c => c.Own).Sum(c => c.Count);
        if (!ShowOwn)
        {
            mine = mine.Where(q => q.QuerierAccountId == null || q.QuerierAccountId != me.Actor.AccountId);
        }

        Entries = await mine.OrderByDescending(q => q.Id).Take(Shown).ToListAsync(cancellationToken);
    }
}
