using Shangding.Core.Data;
using Shangding.Core.Scoring;

namespace Shangding.Web;

/// <summary>
/// Same-day rescoring: every second, takes the subjects that intake (or a dispute, a repair)
/// marked as changed and rescores the opted-in ones, so a new record moves a score within seconds.
/// </summary>
public sealed class RescoreWorker(IServiceProvider services, ILogger<RescoreWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                int handled;
                do
                {
                    await using var scope = services.CreateAsyncScope();
                    handled = await scope.ServiceProvider.GetRequiredService<ScoreService>()
                        .ProcessQueueAsync(scope.ServiceProvider.GetRequiredService<ShangdingDbContext>(), 5000, stoppingToken);
                }
                while (handled > 0 && !stoppingToken.IsCancellationRequested);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Rescoring failed; it is tried again in a second");
            }
        }
    }
}
