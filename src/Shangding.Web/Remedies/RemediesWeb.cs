using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Shangding.Core.Access;
using Shangding.Core.Data;
using Shangding.Core.Notifications;
using Shangding.Core.Remedies;
using Shangding.Web.Access;
using Shangding.Web.Localization;

namespace Shangding.Web.Remedies;

public static class RemediesWeb
{
    /// <summary>The outbox worker (with <c>Jobs:Enabled</c>); called with one line from <see cref="WebSetup"/>.</summary>
    public static IServiceCollection AddShangdingRemediesWeb(this IServiceCollection services, IConfiguration configuration)
    {
        if (configuration.GetValue("Jobs:Enabled", true))
        {
            services.AddHostedService<OutboxWorker>();
        }

        return services;
    }

    /// <summary>The remedies' part of the daily jobs (one line in <see cref="DailyJobs"/>).</summary>
    public static async Task RunDailyAsync(IServiceProvider provider, ILogger logger, CancellationToken cancellationToken)
    {
        var report = await provider.GetRequiredService<RemediesDailyJob>().RunAsync(provider.GetRequiredService<ShangdingDbContext>(), cancellationToken);
        logger.LogInformation(
            "Remedies: {Flagged} overdue dispute step(s) and {Decisions} overdue repair decision(s) or self-report review(s) flagged, {Ended} record(s) at the end of publication, {Minors} minor act(s) protected, retention retired {Retired} record(s) and purged {Purged} query log entries",
            report.OverdueFlagged, report.DecisionsOverdueFlagged, report.PublicationEnded, report.MinorsProtected, report.Retention.RecordsRetired, report.Retention.QueryLogPurged);
    }
}

/// <summary>
/// Delivers the outbox through the registered gateways every 30 seconds (at least once; failures retried
/// with back-off), and protects minors' minor acts as soon as they arrive rather than only daily.
/// </summary>
public sealed class OutboxWorker(IServiceProvider services, TimeProvider clock, ILogger<OutboxWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(30), clock);
        do
        {
            try
            {
                await using var scope = services.CreateAsyncScope();
                var context = scope.ServiceProvider.GetRequiredService<ShangdingDbContext>();
                await scope.ServiceProvider.GetRequiredService<RepairService>().ProtectMinorsAsync(context, stoppingToken);
                var report = await scope.ServiceProvider.GetRequiredService<OutboxDispatcher>().DeliverDueAsync(context, 200, stoppingToken);
                if (report.Retried + report.GivenUp > 0)
                {
                    logger.LogWarning("Outbox: {Sent} sent, {Retried} to retry, {GivenUp} given up", report.Sent, report.Retried, report.GivenUp);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Outbox delivery failed; tried again in 30 seconds");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}

/// <summary>What the remedies pages share: the signed-in account, its subject, uploaded files, errors beside fields.</summary>
public abstract class RemediesPageModel : PageModel
{
    public Dictionary<string, string> FieldErrors { get; } = new(StringComparer.Ordinal);
    public List<string> GeneralErrors { get; } = [];
    public string? Done { get; set; }

    public static bool English => UiText.IsEnglish();

    protected long AccountId => long.Parse(User.FindFirstValue(ClaimTypes.NameIdentifier)!, CultureInfo.InvariantCulture);

    protected string Actor => $"account:{AccountId}";

    protected string? UnitCode => User.FindFirstValue(Access.Policies.UnitClaim);

    protected static async Task<long?> SubjectOfAsync(ShangdingDbContext db, long accountId, CancellationToken cancellationToken) =>
        await db.Accounts.AsNoTracking().Where(a => a.Id == accountId).Select(a => a.SubjectId).FirstOrDefaultAsync(cancellationToken);

    /// <summary>
    /// The cases this page is about to show go through the access policy and into the query log (one entry
    /// per subject: who looked, why, at which case numbers, allowed or refused — the subject sees it on
    /// /me/queries). Returns the ids of the cases the page may show.
    /// </summary>
    /// <param name="purpose">Why the page shows them, as stored in the log (Chinese and English).</param>
    protected async Task<HashSet<long>> ReadCasesAsync(ShangdingDbContext db, IEnumerable<CaseFacts> cases, string purpose, CancellationToken cancellationToken)
    {
        var services = HttpContext.RequestServices;
        var actor = await services.GetRequiredService<ActorResolver>().ResolveAsync(User, db, cancellationToken);
        var allowed = await services.GetRequiredService<CreditQueries>().ReadCasesAsync(db, actor, [.. cases], purpose, "web", cancellationToken);
        return [.. allowed.Select(c => c.Id)];
    }

    /// <summary>The uploaded files, each read up to one byte past the limit (the check then refuses it without reading it all).</summary>
    protected async Task<List<EvidenceUpload>> ReadFilesAsync(RemediesOptions options, CancellationToken cancellationToken)
    {
        var uploads = new List<EvidenceUpload>();
        if (!Request.HasFormContentType)
        {
            return uploads;
        }

        foreach (var file in Request.Form.Files.Where(f => f.Length > 0 || f.FileName.Length > 0).Take(options.MaxFiles + 1))
        {
            var limit = (int)Math.Min(file.Length, options.MaxFileBytes + 1);
            var buffer = new byte[limit];
            await using var stream = file.OpenReadStream();
            var read = 0;
            while (read < limit)
            {
                var n = await stream.ReadAsync(buffer.AsMemory(read, limit - read), cancellationToken);
                if (n == 0)
                {
                    break;
                }

                read += n;
            }

            uploads.Add(new EvidenceUpload(file.FileName, read == limit ? buffer : buffer[..read]));
        }

        return uploads;
    }

    protected void Show(RemedyException error)
    {
        if (error.Field is { } field && !FieldErrors.ContainsKey(field))
        {
            FieldErrors[field] = error.Text(English);
        }
        else
        {
            GeneralErrors.Add(error.Text(English));
        }
    }

    public string? ErrorOf(string field) => FieldErrors.GetValueOrDefault(field);

    public static string Day(DateOnly? date) => date?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "—";

    public static string When(DateTime? utc) => utc is { } t ? RemedyTime.ChinaDate(t).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + " " + t.AddHours(8).ToString("HH:mm", CultureInfo.InvariantCulture) : "—";
}
