using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Shangding.Core.Data;
using Shangding.Core.Notifications;
using Shangding.Web.Remedies;

namespace Shangding.Web.Pages.Inbox;

/// <summary>The signed-in account's messages, newest first, with the unread count; mark one or all read.</summary>
[Authorize]
public sealed class IndexModel(ShangdingDbContext db, NotificationService notifications) : RemediesPageModel
{
    public List<Notification> Messages { get; private set; } = [];
    public int Unread { get; private set; }

    [BindProperty]
    public long? Id { get; set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        Messages = await db.Notifications.AsNoTracking().Where(n => n.AccountId == AccountId).OrderByDescending(n => n.Id).Take(200).ToListAsync(cancellationToken);
        Unread = await NotificationService.UnreadCountAsync(db, AccountId, cancellationToken);
    }

    public async Task<IActionResult> OnPostReadAsync(CancellationToken cancellationToken)
    {
        await notifications.MarkReadAsync(db, AccountId, Id, cancellationToken);
        return RedirectToPage();
    }
}
