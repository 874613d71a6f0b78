using Microsoft.AspNetCore.Mvc.RazorPages;
using Shangding.Core.Access;
using Shangding.Core.Data;
using Shangding.Web.Access;

namespace Shangding.Web.Pages.Me;

/// <summary>All the citizen's own records, with class, source unit, dates and status (a self-query, logged).</summary>
public sealed class RecordsModel(ShangdingDbContext db, ActorResolver actors, CreditQueries queries) : PageModel
{
    public IReadOnlyList<RecordView>? Records { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        if (await MeSupport.CitizenAsync(User, db, actors, cancellationToken) is not { } me)
        {
            return;
        }

        var answer = await queries.QueryAsync(db, me.Actor, new AccessRequest(me.SubjectId, AccessWhat.Records, "self-query"), "web", cancellationToken);
        Records = answer.Allowed ? answer.Records : [];
    }
}
