using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Shangding.Core.Access;
using Shangding.Core.Data;

namespace Shangding.Web.Portal;

/// <summary>
/// A page of the subject's own area (<c>/me…</c>): only a signed-in resident or organisation account
/// linked to a credit subject opens it (a page for residents alone adds <c>[Authorize(Roles = Roles.Citizen)]</c>),
/// and it only ever shows that subject. The subject comes from the account row
/// (never from the URL), so one resident cannot open another's pages.
/// </summary>
[Authorize(Roles = Roles.Subjects)]
public abstract class CitizenPage(ShangdingDbContext db) : PageModel
{
    protected ShangdingDbContext Db => db;

    public Account Account { get; private set; } = null!;
    public Subject Subject { get; private set; } = null!;

    public override async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        var id = long.TryParse(User.FindFirstValue(ClaimTypes.NameIdentifier), NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : 0;
        var account = await db.Accounts.AsNoTracking().SingleOrDefaultAsync(a => a.Id == id && (a.Role == Roles.Citizen || a.Role == Roles.Organisation) && !a.Disabled, HttpContext.RequestAborted);
        var subject = account?.SubjectId is { } subjectId
            ? await db.Subjects.AsNoTracking().SingleOrDefaultAsync(s => s.Id == subjectId, HttpContext.RequestAborted)
            : null;
        if (account is null || subject is null)
        {
            context.Result = new ForbidResult();
            return;
        }

        Account = account;
        Subject = subject;
        if (HttpMethods.IsGet(Request.Method))
        {
            // Reading one's own score and records is a self-query like any other read: the access
            // policy decides and the query log records it (seed 003 §19).
            var queries = HttpContext.RequestServices.GetRequiredService<CreditQueries>();
            var actor = new AccessActor(account.Role, account.Id, null, subject.Id, account.DisplayName);
            var answer = await queries.QueryAsync(db, actor, new AccessRequest(subject.Id, AccessWhat.Report, "self-query"), "web", HttpContext.RequestAborted);
            if (!answer.Allowed)
            {
                context.Result = new ForbidResult();
                return;
            }
        }

        await next();
    }
}
