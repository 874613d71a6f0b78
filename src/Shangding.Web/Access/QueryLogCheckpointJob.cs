using Microsoft.EntityFrameworkCore;
using Shangding.Core.Access;
using Shangding.Core.Data;

namespace Shangding.Web.Access;

/// <summary>
/// Signs a checkpoint (the query log's latest entry and the audit chain's head) at least daily, besides every
/// N query-log entries as the log grows, so entries are never long protected by their chain alone.
/// Hourly check; off with <c>Jobs:Enabled=false</c>.
/// </summary>
public sealed class QueryLogCheckpointJob(IServiceProvider services, TimeProvider clock, ILogger<QueryLogCheckpointJob> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromDays(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromHours(1), clock);
        do
        {
            try
            {
                await using var scope = services.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<ShangdingDbContext>();
                var last = await db.QueryLogCheckpoints.OrderByDescending(c => c.Id).Select(c => (DateTime?)c.At).FirstOrDefaultAsync(stoppingToken);
                if (last is null || clock.GetUtcNow().UtcDateTime - DateTime.SpecifyKind(last.Value, DateTimeKind.Utc) >= Interval)
                {
                    var signed = await scope.ServiceProvider.GetRequiredService<QueryLog>().CheckpointAsync(db, stoppingToken);
                    if (signed is not null)
                    {
                        logger.LogInformation("Checkpoint signed at query log entry {Entry} and audit entry {AuditEntry} with key {Key}", signed.LastEntryId, signed.AuditEntryId, signed.KeyId);
                    }
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Signing the query log checkpoint failed; tried again in an hour");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
