using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Shangding.Core.Audit;
using Shangding.Core.Catalog;
using Shangding.Core.Data;

namespace Shangding.Core.Remedies;

/// <summary>What a retention run found (and, unless a dry run, did).</summary>
public sealed record RetentionReport(bool DryRun, DateOnly RecordCutoff, DateTime QueryLogCutoff, int RecordsRetired, int QueryLogPurged, long? LastPurgedId);

/// <summary>
/// Retention (003 §19–20): bad information about a person is kept 5 years — after that it is no
/// longer used or shown (status Expired, listed in <c>retired_records</c>, subject rescored); query
/// log entries older than 5 years are deleted. One run is one transaction, and it is itself in the
/// audit chain: the purge appends a <c>query-log-purge</c> entry naming the last deleted entry (id and
/// entry hash), so the access module's chain verification can continue from it, and the run appends a
/// <c>retention-run</c> entry with its counts.
/// </summary>
public sealed class RetentionService(DatabaseSettings settings, RemediesOptions options, TimeProvider clock)
{
    public async Task<RetentionReport> RunAsync(ShangdingDbContext context, bool dryRun, string actor, CancellationToken cancellationToken)
    {
        var now = RemedyTime.Now(clock);
        var today = RemedyTime.ChinaDate(now);
        var recordCutoff = today.AddYears(-options.RetentionYears);
        var logCutoff = now.AddYears(-options.RetentionYears);

        await using var transaction = await context.Database.BeginTransactionAsync(cancellationToken);
        var retired = context.RetiredRecords.Select(r => r.RecordId);
        var due = await (from r in context.Records
                         join s in context.Subjects on r.SubjectId equals s.Id
                         where s.Kind == SubjectKind.Person && r.Severity != null && r.ActDate != null && r.ActDate <= recordCutoff
                               && !retired.Contains(r.Id)
                         orderby r.Id
                         select r).ToListAsync(cancellationToken);
        var last = await context.QueryLog.AsNoTracking().Where(q => q.At < logCutoff).OrderByDescending(q => q.Id)
            .Select(q => new { q.Id, q.EntryHash }).FirstOrDefaultAsync(cancellationToken);
        var purgeCount = await context.QueryLog.CountAsync(q => q.At < logCutoff, cancellationToken);
        if (dryRun)
        {
            await transaction.RollbackAsync(cancellationToken);
            return new RetentionReport(true, recordCutoff, logCutoff, due.Count, purgeCount, last?.Id);
        }

        var day = recordCutoff.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        foreach (var record in due)
        {
            context.RetiredRecords.Add(new RetiredRecord { RecordId = record.Id, SubjectId = record.SubjectId, Reason = "retention-5y", At = now });
        }

        await context.SaveChangesAsync(cancellationToken);
        var inForce = due.Where(r => r.Status is RecordStatus.InForce or RecordStatus.Repaired).ToList();
        await RecordStatusChanges.ApplyAsync(context, transaction, settings, inForce, RecordStatus.Expired, RecordAction.Expired, "system", actor,
            "retention-records", null, string.Create(CultureInfo.InvariantCulture, $"{due.Count} bad record(s) about persons with act on or before {day} retired (5-year retention)"),
            now, cancellationToken);
        await RecordStatusChanges.MarkForRescoreAsync(context, due.Select(r => r.SubjectId), "retention", now, cancellationToken);

        var purged = 0;
        var cutoffText = logCutoff.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
        if (last is not null)
        {
            purged = await context.QueryLog.Where(q => q.At < logCutoff).ExecuteDeleteAsync(cancellationToken);
            await AuditChain.AppendAsync(context.Database.GetDbConnection(), transaction.GetDbTransaction(), settings.Provider, "query-log-purge", last.Id, actor,
                string.Create(CultureInfo.InvariantCulture, $"{purged} query log entries before {cutoffText} purged (5-year retention)"), last.EntryHash, now, cancellationToken);
        }

        await AuditChain.AppendAsync(context.Database.GetDbConnection(), transaction.GetDbTransaction(), settings.Provider, "retention-run", null, actor,
            string.Create(CultureInfo.InvariantCulture, $"retention run: {due.Count} bad record(s) about persons retired (act on or before {day}), {purged} query log entries purged (before {cutoffText})"),
            Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(
                string.Join(',', due.Select(r => r.Id.ToString(CultureInfo.InvariantCulture))) + "|" + (last?.EntryHash ?? "")))),
            now, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new RetentionReport(false, recordCutoff, logCutoff, due.Count, purged, last?.Id);
    }

    /// <summary>Records of the subject past retention: pages leave them out.</summary>
    public static async Task<HashSet<long>> RetiredRecordIdsAsync(ShangdingDbContext context, long subjectId, CancellationToken cancellationToken) =>
        [.. await context.RetiredRecords.AsNoTracking().Where(r => r.SubjectId == subjectId).Select(r => r.RecordId).ToListAsync(cancellationToken)];
}
