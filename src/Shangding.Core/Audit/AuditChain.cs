using System.Data.Common;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Shangding.Core.Data;

namespace Shangding.Core.Audit;

/// <summary>
/// The append-only audit chain: each entry carries a hash of its content (for an intake batch, a
/// digest over every staged row) and of the previous entry, so an altered or removed entry breaks
/// the chain. One entry per batch, not per row, so a million-row import adds one entry.
/// </summary>
public static class AuditChain
{
    public const string Genesis = "0000000000000000000000000000000000000000000000000000000000000000";

    /// <summary>Appends an entry inside the caller's transaction (serialised on PostgreSQL by an advisory lock).</summary>
    public static async Task<string> AppendAsync(DbConnection connection, DbTransaction transaction, DatabaseProvider provider,
        string kind, long? refId, string actor, string summary, string contentHash, DateTime at, CancellationToken cancellationToken)
    {
        if (provider == DatabaseProvider.Postgres)
        {
            await using var lockCommand = connection.CreateCommand();
            lockCommand.Transaction = transaction;
            lockCommand.CommandText = "SELECT pg_advisory_xact_lock(727274002)";
            await lockCommand.ExecuteNonQueryAsync(cancellationToken);
        }

        // PostgreSQL keeps microseconds: hash what is stored, so `audit verify` recomputes the same hash.
        at = new DateTime(at.Ticks - at.Ticks % 10, at.Kind);
        string previous;
        await using (var last = connection.CreateCommand())
        {
            last.Transaction = transaction;
            last.CommandText = "SELECT entry_hash FROM audit_entries ORDER BY id DESC LIMIT 1";
            previous = await last.ExecuteScalarAsync(cancellationToken) as string ?? Genesis;
        }

        var entryHash = EntryHash(previous, kind, refId, actor, summary, contentHash, at);
        await using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = """
            INSERT INTO audit_entries (kind, ref_id, actor, summary, content_hash, prev_hash, entry_hash, at)
            VALUES (@k, @r, @a, @s, @c, @p, @e, @t)
            """;
        Add(insert, "@k", kind);
        Add(insert, "@r", (object?)refId ?? DBNull.Value);
        Add(insert, "@a", actor);
        Add(insert, "@s", summary);
        Add(insert, "@c", contentHash);
        Add(insert, "@p", previous);
        Add(insert, "@e", entryHash);
        Add(insert, "@t", provider == DatabaseProvider.Postgres ? at : at.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture));
        await insert.ExecuteNonQueryAsync(cancellationToken);
        return entryHash;
    }

    /// <summary>The hash that links an entry to its predecessor; <c>audit verify</c> recomputes it.</summary>
    public static string EntryHash(string previous, string kind, long? refId, string actor, string summary, string contentHash, DateTime at)
    {
        var text = string.Join('\u001f', previous, kind, refId?.ToString(CultureInfo.InvariantCulture) ?? "", actor, summary, contentHash,
            at.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    /// <summary>Checks every link of the chain; returns the id of the first broken entry, or null.</summary>
    public static long? Verify(IEnumerable<AuditEntry> entriesInOrder)
    {
        var previous = Genesis;
        foreach (var entry in entriesInOrder)
        {
            if (entry.PrevHash != previous ||
                entry.EntryHash != EntryHash(previous, entry.Kind, entry.RefId, entry.Actor, entry.Summary, entry.ContentHash, DateTime.SpecifyKind(entry.At, DateTimeKind.Utc)))
            {
                return entry.Id;
            }

            previous = entry.EntryHash;
        }

        return null;
    }

    private static void Add(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }
}
