using Microsoft.EntityFrameworkCore;
using Shangding.Core.Data;
using Shangding.Core.Remedies;

namespace Shangding.Core.Notifications;

/// <summary>What one delivery pass did.</summary>
public sealed record DeliveryReport(int Sent, int Retried, int GivenUp);

/// <summary>
/// Delivers the outbox at least once: each due message is claimed (a short lease, so two workers do
/// not send it at the same time), handed to its gateway, and marked sent only after the gateway
/// returned. A failure is retried later with a growing delay, up to the configured attempts. A message
/// marked sent is never picked again.
/// </summary>
public sealed class OutboxDispatcher(IEnumerable<INotificationGateway> gateways, RemediesOptions options, TimeProvider clock)
{
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(5);
    private readonly Dictionary<string, INotificationGateway> _gateways = gateways.GroupBy(g => g.Channel).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);

    public async Task<DeliveryReport> DeliverDueAsync(ShangdingDbContext context, int max, CancellationToken cancellationToken)
    {
        var now = RemedyTime.Now(clock);
        var due = await context.Outbox.AsNoTracking()
            .Where(m => m.Status == OutboxStatus.Pending && m.NextAttemptAt <= now && (m.LockedUntil == null || m.LockedUntil < now))
            .OrderBy(m => m.Id).Take(max).ToListAsync(cancellationToken);
        int sent = 0, retried = 0, givenUp = 0;
        foreach (var message in due)
        {
            var leaseEnd = now + Lease;
            var claimed = await context.Outbox
                .Where(m => m.Id == message.Id && m.Status == OutboxStatus.Pending && (m.LockedUntil == null || m.LockedUntil < now))
                .ExecuteUpdateAsync(s => s.SetProperty(m => m.LockedUntil, leaseEnd), cancellationToken);
            if (claimed == 0)
            {
                continue;
            }

            var attempts = message.Attempts + 1;
            try
            {
                if (!_gateways.TryGetValue(message.Channel, out var gateway))
                {
                    throw new InvalidOperationException($"no gateway for channel '{message.Channel}'");
                }

                await gateway.SendAsync(message, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                var error = $"{ex.GetType().Name}: {ex.Message}";
                var giveUp = attempts >= options.MaxDeliveryAttempts;
                var next = now + Backoff(attempts);
                await context.Outbox.Where(m => m.Id == message.Id).ExecuteUpdateAsync(s => s
                    .SetProperty(m => m.Attempts, attempts)
                    .SetProperty(m => m.LastError, error.Length > 500 ? error[..500] : error)
                    .SetProperty(m => m.NextAttemptAt, next)
                    .SetProperty(m => m.LockedUntil, (DateTime?)null)
                    .SetProperty(m => m.Status, giveUp ? OutboxStatus.Failed : OutboxStatus.Pending), cancellationToken);
                if (giveUp)
                {
                    givenUp++;
                }
                else
                {
                    retried++;
                }

                continue;
            }

            var sentAt = RemedyTime.Now(clock);
            await context.Outbox.Where(m => m.Id == message.Id).ExecuteUpdateAsync(s => s
                .SetProperty(m => m.Attempts, attempts)
                .SetProperty(m => m.Status, OutboxStatus.Sent)
                .SetProperty(m => m.SentAt, sentAt)
                .SetProperty(m => m.LockedUntil, (DateTime?)null), CancellationToken.None);
            sent++;
        }

        return new DeliveryReport(sent, retried, givenUp);
    }

    /// <summary>1, 2, 4 … minutes, at most 6 hours.</summary>
    public static TimeSpan Backoff(int attempts) =>
        TimeSpan.FromMinutes(Math.Min(360, Math.Pow(2, Math.Max(0, attempts - 1))));
}
