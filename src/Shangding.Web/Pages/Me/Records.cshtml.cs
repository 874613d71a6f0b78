using Microsoft.AspNetCore.Mvc.RazorPages;
using Shangding.Core.Access;
using Shangding.Core.Data;
using Shangding.Core.Remedies;
using Shangding.Web.Access;

namespace Shangding.Web.Pages.Me;

/// <summary>All the citizen's own records, with class, source unit, dates and status (a self-query, logged).</summary>
public sealed class RecordsModel(ShangdingDbContext db, ActorResolver actors, CreditQueries queries) : PageModel
{
    public IReadOnlyList<RecordView>? Records { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        if (await MeSupport.SubjectAsync(User, db, actors, cancellationToken) is not { } me)
        {
            return;
        }

        var answer = await queries.QueryAsync(db, me.Actor, new AccessRequest(me.SubjectId, AccessWhat.Records, "self-query"), "web", cancellationToken);
        // Bad records retired by retention (5 years, 003 §20) are no longer shown.
        var retired = await RetentionService.RetiredRecordIdsAsync(db, me.SubjectId, cancellationToken);
        Records = answer.Allowed ? [.. answer.Records!.Where(r => !retired.Contains(r.Id))] : [];
    }
}
