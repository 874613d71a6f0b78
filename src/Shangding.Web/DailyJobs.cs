using Shangding.Core.Calendar;
using Shangding.Core.Catalog;
using Shangding.Core.Data;
using Shangding.Core.Reporting;

namespace Shangding.Web;

/// <summary>
/// The platform's daily work, run once per day (China time) while the web app is up: batches left
/// running by a stopped process, reporting reminders (催报) and the criticism list (003 §13), and the
/// daily score pass that catches records which stopped counting by date. Checks every 30 minutes whether today's run
/// is still due, so a restart never skips or repeats a day. Off with <c>Jobs:Enabled=false</c>.
/// </summary>
public sealed class DailyJobs(IServiceProvider services, TimeProvider clock, ILogger<DailyJobs> logger) : BackgroundService
{
    private DateOnly? _lastRun;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(30), clock);
        do
        {
            var today = ReportingTime.ChinaDate(clock.GetUtcNow().UtcDateTime);
            if (_lastRun != today)
            {
                try
                {
                    await RunOnceAsync(stoppingToken);
                    _lastRun = today;
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogError(ex, "Daily jobs failed; they will be tried again in 30 minutes");
                }
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    public async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var provider = scope.ServiceProvider;
        var interrupted = await provider.GetRequiredService<Shangding.Core.Intake.IntakeService>().SweepInterruptedAsync(TimeSpan.FromHours(6), cancellationToken);
        if (interrupted > 0)
        {
            logger.LogWarning("{Count} intake batch(es) left running by a stopped process were marked interrupted", interrupted);
        }

        var result = await ReminderJob.RunAsync(provider.GetRequiredService<ShangdingDbContext>(), provider.GetRequiredService<CatalogDefinition>(),
            provider.GetRequiredService<WorkingDayCalendar>(), clock, provider.GetRequiredService<ReportingOptions>(),
            provider.GetRequiredService<Shangding.Core.Notifications.NotificationService>(), cancellationToken);
        logger.LogInformation("Reporting reminders for {Today}: {Written} written, {Resolved} resolved, {Listed} listed for criticism",
            result.Today, result.Written.Count, result.Resolved.Count, result.ListedForCriticism.Count);

        await Remedies.RemediesWeb.RunDailyAsync(provider, logger, cancellationToken);

        // Records stop counting by date (good records after their validity, bad ones after their
        // publication period): the daily pass moves those scores without any record changing.
        var rescored = await provider.GetRequiredService<Shangding.Core.Scoring.ScoreService>()
            .RecomputeAllAsync(provider.GetRequiredService<DatabaseSettings>(), "daily", null, cancellationToken);
        logger.LogInformation("Daily score pass: {Count} opted-in persons rescored", rescored);
    }
}
