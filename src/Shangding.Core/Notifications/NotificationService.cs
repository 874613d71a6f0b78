using Microsoft.EntityFrameworkCore;
using Shangding.Core.Access;
using Shangding.Core.Data;
using Shangding.Core.Remedies;

namespace Shangding.Core.Notifications;

/// <summary>A message in both languages, with an optional link inside the web app.</summary>
public sealed record Message(string Kind, string TitleZh, string TitleEn, string BodyZh, string BodyEn, string? Link = null);

/// <summary>
/// Puts messages in account inboxes and, for each registered gateway (SMS, e-mail), in the outbox,
/// all within the caller's unit of work: a message is stored with the change it tells about or not at all.
/// </summary>
public sealed class NotificationService(IEnumerable<INotificationGateway> gateways, TimeProvider clock)
{
    private readonly string[] _channels = [.. gateways.Select(g => g.Channel).Distinct(StringComparer.Ordinal)];

    public IReadOnlyList<string> Channels => _channels;

    /// <summary>Sends to one account (inbox + outbox); saves.</summary>
    public Task SendAsync(ShangdingDbContext context, long accountId, Message message, CancellationToken cancellationToken) =>
        SendAsync(context, [accountId], message, cancellationToken);

    /// <summary>Sends to each account (inbox + outbox); saves.</summary>
    public async Task SendAsync(ShangdingDbContext context, IEnumerable<long> accountIds, Message message, CancellationToken cancellationToken)
    {
        var now = Now();
        var notifications = accountIds.Distinct().Select(id => new Notification
        {
            AccountId = id,
            Kind = message.Kind,
            TitleZh = message.TitleZh,
            TitleEn = message.TitleEn,
            BodyZh = message.BodyZh,
            BodyEn = message.BodyEn,
            Link = message.Link,
            CreatedAt = now,
        }).ToList();
        if (notifications.Count == 0)
        {
            return;
        }

        context.Notifications.AddRange(notifications);
        await context.SaveChangesAsync(cancellationToken);
        foreach (var notification in notifications)
        {
            Enqueue(context, notification.Id, $"account:{notification.AccountId}", message, now);
        }

        await context.SaveChangesAsync(cancellationToken);
    }

    /// <summary>Sends to every enabled account with the role (and, for clerks, of the unit); saves. Returns how many.</summary>
    public async Task<int> SendToRoleAsync(ShangdingDbContext context, string role, string? unitCode, Message message, CancellationToken cancellationToken)
    {
        var ids = await context.Accounts.AsNoTracking()
            .Where(a => a.Role == role && !a.Disabled && (unitCode == null || a.UnitCode == unitCode))
            .Select(a => a.Id).ToListAsync(cancellationToken);
        await SendAsync(context, ids, message, cancellationToken);
        return ids.Count;
    }

    /// <summary>Operators and supervisors (auditors): who is told of overdue steps.</summary>
    public async Task SendToStaffAsync(ShangdingDbContext context, Message message, CancellationToken cancellationToken)
    {
        var ids = await context.Accounts.AsNoTracking()
            .Where(a => (a.Role == Roles.Operator || a.Role == Roles.Auditor) && !a.Disabled)
            .Select(a => a.Id).ToListAsync(cancellationToken);
        await SendAsync(context, ids, message, cancellationToken);
    }

    /// <summary>A body without an account (e.g. a querier known only by name): outbox only; saves.</summary>
    public async Task SendToOrganisationAsync(ShangdingDbContext context, string name, Message message, CancellationToken cancellationToken)
    {
        Enqueue(context, null, $"org:{name}", message, Now());
        await context.SaveChangesAsync(cancellationToken);
    }

    public static Task<int> UnreadCountAsync(ShangdingDbContext context, long accountId, CancellationToken cancellationToken) =>
        context.Notifications.CountAsync(n => n.AccountId == accountId && n.ReadAt == null, cancellationToken);

    /// <summary>Marks one (or, with null, every) message of the account read.</summary>
    public async Task<int> MarkReadAsync(ShangdingDbContext context, long accountId, long? notificationId, CancellationToken cancellationToken)
    {
        var now = Now();
        return await context.Notifications
            .Where(n => n.AccountId == accountId && n.ReadAt == null && (notificationId == null || n.Id == notificationId))
            .ExecuteUpdateAsync(s => s.SetProperty(n => n.ReadAt, now), cancellationToken);
    }

    private void Enqueue(ShangdingDbContext context, long? notificationId, string recipient, Message message, DateTime now)
    {
        foreach (var channel in _channels)
        {
            context.Outbox.Add(new OutboxMessage
            {
                NotificationId = notificationId,
                Channel = channel,
                Recipient = recipient,
                Title = $"{message.TitleZh} / {message.TitleEn}",
                Body = $"{message.BodyZh}\n{message.BodyEn}",
                Status = OutboxStatus.Pending,
                NextAttemptAt = now,
                CreatedAt = now,
            });
        }
    }

    private DateTime Now() => RemedyTime.Now(clock);
}
