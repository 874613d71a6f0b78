using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Shangding.Core.Audit;
using Shangding.Core.Data;

namespace Shangding.Core.Remedies;

/// <summary>
/// Changes the status of records outside intake (repair, end of publication, retention) the way the
/// pipeline does it: a history row per record, a version bump, the subject queued for rescoring, and
/// one audit entry over all the changes — inside the caller's transaction.
/// </summary>
public static class RecordStatusChanges
{
    public static async Task ApplyAsync(ShangdingDbContext context, IDbContextTransaction transaction, DatabaseSettings settings,
        IReadOnlyList<CreditRecord> records, RecordStatus status, RecordAction action, string channel, string actor, string auditKind,
        long? refId, string summary, DateTime now, CancellationToken cancellationToken)
    {
        if (records.Count == 0)
        {
            return;
        }

        var digest = new StringBuilder();
        var changes = new List<RecordChange>(records.Count);
        foreach (var record in records)
        {
            var change = new RecordChange
            {
                SubjectId = record.SubjectId,
                RecordId = record.Id,
                Version = record.Version + 1,
                Action = action,
                Channel = channel,
                BatchId = null,
                Actor = actor,
                At = now,
                BeforeJson = record.FieldsJson,
                AfterJson = record.FieldsJson,
            };
            changes.Add(change);
            context.RecordChanges.Add(change);
            record.Status = status;
            record.Version++;
            record.UpdatedAt = now;
            digest.Append(CultureInfo.InvariantCulture, $"{record.Id}:{record.Version}:{status}\n");
        }

        await context.SaveChangesAsync(cancellationToken);
        await MarkForRescoreAsync(context, records.Select(r => r.SubjectId), channel, now, cancellationToken);
        // The history rows as stored, sealed like an intake batch's, so `audit verify` accepts them and
        // names any of them changed later in SQL.
        var ids = string.Join(", ", changes.Select(c => c.Id.ToString(CultureInfo.InvariantCulture)));
        await RecordHistory.SealAsync(context.Database.GetDbConnection(), transaction.GetDbTransaction(), settings.Provider, auditKind, refId,
            $"id IN ({ids})", new Dictionary<string, object>(), actor, now, cancellationToken);

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(digest.ToString())));
        await AuditChain.AppendAsync(context.Database.GetDbConnection(), transaction.GetDbTransaction(), settings.Provider, auditKind, refId, actor,
            summary, hash, now, cancellationToken);
    }

    /// <summary>Queues the subjects for rescoring (the rescoring worker computes the opted-in ones).</summary>
    public static async Task MarkForRescoreAsync(ShangdingDbContext context, IEnumerable<long> subjectIds, string reason, DateTime now, CancellationToken cancellationToken)
    {
        foreach (var subjectId in subjectIds.Distinct())
        {
            await context.Database.ExecuteSqlAsync($"""
                INSERT INTO rescore_queue (subject_id, reason, marked_at) VALUES ({subjectId}, {reason}, {now})
                ON CONFLICT (subject_id) DO UPDATE SET reason = excluded.reason, marked_at = excluded.marked_at
                """, cancellationToken);
        }
    }
}
