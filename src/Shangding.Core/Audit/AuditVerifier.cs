using System.Buffers.Binary;
using System.Data.Common;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Shangding.Core.Access;
using Shangding.Core.Data;

namespace Shangding.Core.Audit;

/// <summary>What <c>audit verify</c> found wrong in one chain: the first entry altered, removed or inserted.</summary>
/// <param name="Chain"><c>audit</c>, <c>query-log</c> or <c>record-history</c>.</param>
/// <param name="Kind"><c>altered</c>, <c>removed</c> or <c>inserted</c>.</param>
/// <param name="EntryId">The entry (row id) named; for a removal, the first missing id where it can be told, else the entry after the gap.</param>
public sealed record VerifyProblem(string Chain, string Kind, long EntryId, string Message)
{
    public override string ToString() => $"{Chain}: {Kind} entry {EntryId.ToString(CultureInfo.InvariantCulture)} — {Message}";
}

public sealed record VerifyReport(int AuditEntries, int QueryLogEntries, int Checkpoints, int Seals, long RecordChanges, long? QueryLogStartsAfter,
    IReadOnlyList<VerifyProblem> Problems)
{
    public bool Ok => Problems.Count == 0;
}

/// <summary>
/// <c>shangding audit verify</c>: checks the audit chain, the query log chain and its signed
/// checkpoints, and record history against its seals; names the first entry of each that was
/// altered, removed or inserted. Honours the retention purge of the query log: the chain starts from
/// the content hash of the latest <c>query-log-purge</c> audit entry.
/// </summary>
public sealed class AuditVerifier(DatabaseSettings settings, QueryLogKey key)
{
    public async Task<VerifyReport> VerifyAsync(CancellationToken cancellationToken)
    {
        await using var context = DataServiceCollectionExtensions.CreateContext(settings);
        var problems = new List<VerifyProblem>();

        // 1. The audit chain.
        var audit = await context.AuditEntries.AsNoTracking().OrderBy(a => a.Id).ToListAsync(cancellationToken);
        var checkpoints = await context.QueryLogCheckpoints.AsNoTracking().OrderBy(c => c.Id).ToListAsync(cancellationToken);
        var forged = checkpoints.Where(c => !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(key.Sign(QueryLog.CheckpointText(c))), Encoding.ASCII.GetBytes(c.Signature)))
            .Select(c => c.Id).ToHashSet();
        var auditChainProblem = ChainCheck.FirstProblem(audit, AuditChain.Genesis, a => a.Id, a => a.PrevHash, a => a.EntryHash,
            (prev, a) => AuditChain.EntryHash(prev, a.Kind, a.RefId, a.Actor, a.Summary, a.ContentHash, DateTime.SpecifyKind(a.At, DateTimeKind.Utc)));
        if (Earlier(auditChainProblem, AuditCheckpointProblem(audit, checkpoints, forged)) is { } auditProblem)
        {
            problems.Add(auditProblem with { Chain = "audit" });
        }

        // 2. The query log, from the latest purge on.
        var purge = audit.Where(a => a.Kind == QueryLog.PurgeKind).OrderBy(a => a.Id).LastOrDefault();
        var start = purge?.ContentHash ?? AuditChain.Genesis;
        var after = purge?.RefId ?? 0;
        var expected = new Dictionary<long, (QueryLogCheckpoint Checkpoint, bool Seen)>();
        VerifyProblem? checkpointProblem = null;
        foreach (var checkpoint in checkpoints.Where(c => c.LastEntryId > after))
        {
            if (forged.Contains(checkpoint.Id))
            {
                checkpointProblem ??= new VerifyProblem("query-log", "altered", checkpoint.LastEntryId,
                    $"signed checkpoint {checkpoint.Id} does not verify with key '{key.KeyId}' (checkpoint or key changed)");
                continue;
            }

            expected[checkpoint.LastEntryId] = (checkpoint, false);
        }

        var entries = context.QueryLog.AsNoTracking().Where(q => q.Id > after).OrderBy(q => q.Id).AsAsyncEnumerable();
        var count = 0;
        var list = new List<QueryLogEntry>();
        await foreach (var entry in entries.WithCancellation(cancellationToken))
        {
            count++;
            list.Add(entry);
            if (expected.TryGetValue(entry.Id, out var signed))
            {
                expected[entry.Id] = (signed.Checkpoint, true);
                if (signed.Checkpoint.LastEntryHash != entry.EntryHash)
                {
                    checkpointProblem = Earlier(checkpointProblem, new VerifyProblem("query-log", "altered", entry.Id,
                        $"differs from signed checkpoint {signed.Checkpoint.Id} (the log was rewritten from here or before)"));
                }
            }
        }

        foreach (var (entryId, (checkpoint, seen)) in expected.Where(e => !e.Value.Seen))
        {
            checkpointProblem = Earlier(checkpointProblem, new VerifyProblem("query-log", "removed", entryId, $"named by signed checkpoint {checkpoint.Id} but missing"));
        }

        var chainProblem = ChainCheck.FirstProblem(list, start, q => q.Id, q => q.PrevHash, q => q.EntryHash, QueryLog.EntryHash, after);
        if (Earlier(chainProblem, checkpointProblem) is { } queryProblem)
        {
            problems.Add(queryProblem with { Chain = "query-log" });
        }

        // 3. Record history against its seals (each seal's digest is in the audit chain).
        var (seals, changes, historyProblem) = await VerifyRecordHistoryAsync(context, audit, cancellationToken);
        if (historyProblem is not null)
        {
            problems.Add(historyProblem);
        }

        return new VerifyReport(audit.Count, count, checkpoints.Count, seals, changes, purge?.RefId, problems);
    }

    /// <summary>
    /// Each signed checkpoint that names the audit chain's head (migration 0017 on): the entry must still be there with
    /// the hash signed, or the chain was rewritten (hashes recomputed) or its newest entries deleted.
    /// </summary>
    private VerifyProblem? AuditCheckpointProblem(List<AuditEntry> audit, List<QueryLogCheckpoint> checkpoints, HashSet<long> forged)
    {
        var byId = audit.ToDictionary(a => a.Id);
        VerifyProblem? problem = null;
        foreach (var checkpoint in checkpoints)
        {
            if (checkpoint.AuditEntryId is not { } id)
            {
                continue;
            }

            if (forged.Contains(checkpoint.Id))
            {
                problem = Earlier(problem, new VerifyProblem("audit", "altered", id, $"signed checkpoint {checkpoint.Id} does not verify with key '{key.KeyId}' (checkpoint or key changed)"));
            }
            else if (!byId.TryGetValue(id, out var entry))
            {
                problem = Earlier(problem, new VerifyProblem("audit", "removed", id, $"named by signed checkpoint {checkpoint.Id} but missing"));
            }
            else if (entry.EntryHash != checkpoint.AuditEntryHash)
            {
                problem = Earlier(problem, new VerifyProblem("audit", "altered", id,
                    $"differs from signed checkpoint {checkpoint.Id} (the audit chain was rewritten from here or before)"));
            }
        }

        return problem;
    }

    private static VerifyProblem? Earlier(VerifyProblem? a, VerifyProblem? b) =>
        a is null ? b : b is null ? a : b.EntryId < a.EntryId ? b : a;

    private async Task<(int Seals, long Changes, VerifyProblem? Problem)> VerifyRecordHistoryAsync(ShangdingDbContext context, List<AuditEntry> audit, CancellationToken cancellationToken)
    {
        var sealed_ = new Dictionary<long, (long SealId, byte[] Hash)>();
        VerifyProblem? problem = null;
        var audited = audit.Where(a => a.Kind == RecordHistory.AuditKind && a.RefId is not null).ToDictionary(a => a.RefId!.Value, a => a.ContentHash);
        var seals = await context.RecordHistorySeals.AsNoTracking().OrderBy(s => s.Id).ToListAsync(cancellationToken);
        foreach (var seal in seals)
        {
            var digest = RecordHistory.Digest(seal.Kind, seal.RefId, seal.RowHashes);
            if (digest != seal.Digest || !audited.TryGetValue(seal.Id, out var chained) || chained != digest || seal.RowHashes.Length % RecordHistory.EntryBytes != 0)
            {
                problem = Earlier(problem, new VerifyProblem("record-history", "altered", seal.FirstChangeId ?? 0,
                    $"seal {seal.Id} ({seal.Kind} {seal.RefId}) does not match its digest in the audit chain"));
                continue;
            }

            audited.Remove(seal.Id);
            for (var offset = 0; offset < seal.RowHashes.Length; offset += RecordHistory.EntryBytes)
            {
                var id = BinaryPrimitives.ReadInt64BigEndian(seal.RowHashes.AsSpan(offset, 8));
                sealed_[id] = (seal.Id, seal.RowHashes.AsSpan(offset + 8, RecordHistory.RowHashBytes).ToArray());
            }
        }

        foreach (var (sealId, _) in audited)
        {
            problem = Earlier(problem, new VerifyProblem("record-history", "removed", 0, $"seal {sealId} is in the audit chain but its row is missing"));
        }

        long changes = 0;
        var connection = context.Database.GetDbConnection();
        await context.Database.OpenConnectionAsync(cancellationToken);
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = $"SELECT {RecordHistory.SelectColumns} FROM record_changes ORDER BY id";
            command.CommandTimeout = 0;
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            var rowBuffer = new byte[1024];
            var hash = new byte[RecordHistory.RowHashBytes];
            while (await reader.ReadAsync(cancellationToken))
            {
                changes++;
                var id = reader.GetInt64(0);
                if (problem is not null && id >= problem.EntryId && problem.EntryId > 0)
                {
                    // Only the first problem is reported; keep counting.
                    sealed_.Remove(id);
                    continue;
                }

                RecordHistory.RowHash(reader, ref rowBuffer, hash);
                if (!sealed_.Remove(id, out var expected))
                {
                    problem = Earlier(problem, new VerifyProblem("record-history", "inserted", id, "a record history row no seal covers (written outside the product)"));
                }
                else if (!expected.Hash.AsSpan().SequenceEqual(hash))
                {
                    problem = Earlier(problem, new VerifyProblem("record-history", "altered", id, $"content differs from seal {expected.SealId}"));
                }
            }
        }

        if (sealed_.Count > 0)
        {
            var missing = sealed_.OrderBy(kv => kv.Key).First();
            problem = Earlier(problem, new VerifyProblem("record-history", "removed", missing.Key, $"sealed by seal {missing.Value.SealId} but missing"));
        }

        return (seals.Count, changes, problem);
    }
}

/// <summary>Finds the first break in a hash chain and tells an altered entry from a removed or inserted one.</summary>
public static class ChainCheck
{
    public static VerifyProblem? FirstProblem<T>(IReadOnlyList<T> entries, string start, Func<T, long> id, Func<T, string> prevOf, Func<T, string> hashOf,
        Func<string, T, string> recompute, long startAfterId = 0)
    {
        var previous = start;
        var previousId = startAfterId;
        for (var i = 0; i < entries.Count; i++)
        {
            var entry = entries[i];
            var next = i + 1 < entries.Count ? entries[i + 1] : default;
            var consistent = recompute(prevOf(entry), entry) == hashOf(entry);
            var linked = prevOf(entry) == previous;
            var nextLinksOver = next is not null && prevOf(next) == previous;
            if (!consistent && linked)
            {
                return new VerifyProblem("", "altered", id(entry), "its content no longer matches its hash");
            }

            if (!linked)
            {
                if (next is null && !consistent || nextLinksOver)
                {
                    return new VerifyProblem("", "inserted", id(entry), "not part of the chain (the chain runs past it)");
                }

                if (!consistent)
                {
                    return new VerifyProblem("", "altered", id(entry), "its content and link no longer match");
                }

                if (id(entry) == previousId + 1 && i > 0)
                {
                    return new VerifyProblem("", "altered", previousId, "its hash was recomputed: the next entry still links to the original");
                }

                return id(entry) > previousId + 1
                    ? new VerifyProblem("", "removed", previousId + 1, $"missing before entry {id(entry).ToString(CultureInfo.InvariantCulture)}")
                    : new VerifyProblem("", "removed", id(entry), "an entry before this one is missing");
            }

            previous = hashOf(entry);
            previousId = id(entry);
        }

        return null;
    }
}
