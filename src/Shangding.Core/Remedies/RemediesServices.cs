using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Shangding.Core.Data;
using Shangding.Core.Notifications;

namespace Shangding.Core.Remedies;

public static class RemediesServices
{
    /// <summary>
    /// Disputes, repair, self-reports, retention, notifications. Registers the DEVELOPMENT file
    /// gateways for SMS and e-mail unless <c>Notifications:DevelopmentGateways</c> is false (a real
    /// deployment registers its own <see cref="INotificationGateway"/>s instead).
    /// </summary>
    public static IServiceCollection AddShangdingRemedies(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(configuration.GetSection(RemediesOptions.SectionName).Get<RemediesOptions>() ?? new RemediesOptions());
        if (configuration.GetValue("Notifications:DevelopmentGateways", true))
        {
            services.AddSingleton<INotificationGateway>(sp => new DevelopmentFileGateway("sms", DevelopmentLog(sp)));
            services.AddSingleton<INotificationGateway>(sp => new DevelopmentFileGateway("email", DevelopmentLog(sp)));
        }

        services.AddSingleton<NotificationService>();
        services.AddSingleton<OutboxDispatcher>();
        services.AddSingleton<DisputeService>();
        services.AddSingleton<DecisionDeadlines>();
        services.AddSingleton<RepairService>();
        services.AddSingleton<SelfReportService>();
        services.AddSingleton<RetentionService>();
        services.AddSingleton<RemediesDailyJob>();
        return services;
    }

    private static string DevelopmentLog(IServiceProvider services) =>
        Path.Combine(services.GetRequiredService<ShangdingPaths>().DataDirectory, "dev-outbox.log");
}

/// <summary>What the remedies' daily run did.</summary>
public sealed record RemediesDailyReport(int OverdueFlagged, int PublicationEnded, int MinorsProtected, RetentionReport Retention, int DecisionsOverdueFlagged);

/// <summary>The remedies' daily work: overdue dispute steps and decisions flagged, publication periods ended, minors protected, retention.</summary>
public sealed class RemediesDailyJob(DisputeService disputes, DecisionDeadlines deadlines, RepairService repairs, RetentionService retention)
{
    public async Task<RemediesDailyReport> RunAsync(ShangdingDbContext context, CancellationToken cancellationToken)
    {
        var flagged = await disputes.FlagOverdueAsync(context, cancellationToken);
        var decisions = await deadlines.FlagOverdueAsync(context, cancellationToken);
        var ended = await repairs.ExpirePublicationAsync(context, cancellationToken);
        var minors = await repairs.ProtectMinorsAsync(context, cancellationToken);
        var kept = await retention.RunAsync(context, dryRun: false, "system:retention", cancellationToken);
        return new RemediesDailyReport(flagged, ended, minors, kept, decisions);
    }
}
