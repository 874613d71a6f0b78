using System.Data.Common;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Shangding.Core.Data;
using Shangding.Core.Subjects;

namespace Shangding.Core.Intake;

/// <summary>
/// Migration 0024, in code: stored records whose fields hold a decimal with trailing zeros after its point (820.50, as a
/// CSV cell, a form or a JSON number sent it) get the canonical form every channel now stores (820.5, see
/// <see cref="RecordContent.CanonicalNumber"/>) and the content hash of that form. The value, the version and the
/// history stay as they are (the history keeps what was sent, under its seal); only the form used to tell a re-sent,
/// unchanged record from a changed one moves, so that after the upgrade the same record sent through another channel,
/// or the same file again, reads "unchanged" instead of "updated".
/// </summary>
/// <remarks>
/// The content hash covers the subject's full keyed hash, which only the identifier gives: each record to rewrite has its
/// subject's identifier decrypted (so the migration needs the identity keys, and only when there is such a record). A
/// record is rewritten only if its fields, written back in the old form, reproduce its stored hash — anything else was
/// not written by this code and is left alone. It runs in the migration's one transaction: all of it or none.
/// </remarks>
internal static class CanonicalNumbersMigration
{
    public const string Version = "0024";
    public const string Name = "canonical_numbers";

    private const int PageSize = 2_000;

    public static SchemaMigration Create(DatabaseProvider provider, Func<IdentityProtector>? protector) =>
        new(Version, Name, "")
        {
            Code = async (connection, transaction, ct) =>
            {
                var outcome = await RunAsync(connection, transaction, provider, protector, ct);
                return outcome.LeftAlone == 0
                    ? $"{outcome.Rewritten} record(s) brought to the canonical number form"
                    : $"{outcome.Rewritten} record(s) brought to the canonical number form; {outcome.LeftAlone} left as they were (their stored " +
                      "hash could not be reproduced: not written by this code, a date in another form, or an identifier these keys do not " +
                      "decrypt) — re-sent unchanged, such a record reads \"updated\" once";
            },
        };

    /// <summary>What the migration found: records rewritten, and records with such a number whose hash it could not reproduce.</summary>
    internal readonly record struct Outcome(int Rewritten, int LeftAlone);

    internal static async Task<Outcome> RunAsync(DbConnection connection, DbTransaction transaction, DatabaseProvider provider,
        Func<IdentityProtector>? protectorFactory, CancellationToken cancellationToken)
    {
        var postgres = provider == DatabaseProvider.Postgres;
        // A cheap filter in SQL (a superset: any '.' followed later by a 0 before a comma or the end); each candidate is
        // then read exactly. In PostgreSQL's jsonb text a number is followed by ", " or "}".
        var select = postgres
            ? """
              SELECT r.id, r.category_code, r.act_date, r.fields::text, r.content_hash, s.id_cipher
              FROM credit_records r JOIN subjects s ON s.id = r.subject_id
              WHERE r.id = ANY(@ids)
              ORDER BY r.id
              """
            : """
              SELECT r.id, r.category_code, r.act_date, r.fields, r.content_hash, s.id_cipher
              FROM credit_records r JOIN subjects s ON s.id = r.subject_id
              WHERE r.id > @after AND (r.fields LIKE '%.%0,%' OR r.fields LIKE '%.%0}')
              ORDER BY r.id LIMIT @n
              """;
        IdentityProtector? protector = null;
        var rewritten = 0;
        var leftAlone = 0;
        long after = 0;
        // On PostgreSQL the candidates' ids are found first, in one pass over the table: a page's "id > last AND filter ORDER BY
        // id LIMIT n" was planned as a scan of the whole table and a sort for each page (a million records to rewrite: 406 s).
        // SQLite walks its rowids from the last one, a page at a time, as asked.
        var candidates = postgres ? await CandidatesAsync(connection, transaction, cancellationToken) : null;
        var page = new List<(long Id, string Category, bool DateReadable, DateOnly? ActDate, string Fields, string Hash, string Cipher)>(PageSize);
        for (var chunk = 0; ; chunk++)
        {
            page.Clear();
            await using (var command = connection.CreateCommand())
            {
                command.Transaction = transaction;
                command.CommandText = select;
                if (candidates is not null)
                {
                    Add(command, "@ids", candidates.Skip(chunk * PageSize).Take(PageSize).ToArray());
                }
                else
                {
                    Add(command, "@after", after);
                    Add(command, "@n", PageSize);
                }

                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    // A date SQLite holds in a form intake does not write is left for the loop to count as left alone.
                    var act = reader.IsDBNull(2) ? (Readable: true, Date: (DateOnly?)null)
                        : postgres ? (true, reader.GetFieldValue<DateOnly>(2))
                        : reader.GetString(2) is var text && DateOnly.TryParseExact(text.AsSpan(0, Math.Min(10, text.Length)), "yyyy-MM-dd",
                            CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) ? (true, date) : (false, null);
                    page.Add((reader.GetInt64(0), reader.GetString(1), act.Readable, act.Date, reader.GetString(3), reader.GetString(4), reader.GetString(5)));
                }
            }

            if (page.Count == 0)
            {
                return new Outcome(rewritten, leftAlone);
            }

            after = page[^1].Id;
            var changes = new List<(long Id, string Fields, string Hash, string Old)>();
            foreach (var record in page)
            {
                if (!TryRead(record.Fields, out var values, out var canonical) || canonical)
                {
                    continue;
                }

                protector ??= protectorFactory?.Invoke() ?? throw new InvalidOperationException(
                    "Stored records hold numbers to bring to their canonical form, which needs the identity keys (Security:IdentityKeys); " +
                    "migrate with the application's configuration.");
                // A subject whose identifier does not decrypt under these keys (a restored or merged data set, one damaged row)
                // cannot be hashed: its records are left alone and counted, not a reason to refuse the whole upgrade.
                if (!record.DateReadable || ContentKeyOf(protector, record.Cipher) is not { } contentKey
                    || RecordContent.Hash(record.Category, contentKey, record.ActDate, RecordContent.ToJsonUtf8AsSent(values)) != record.Hash)
                {
                    leftAlone++;
                    continue;
                }

                var fields = RecordContent.ToJsonUtf8(values);
                changes.Add((record.Id, Encoding.UTF8.GetString(fields), RecordContent.Hash(record.Category, contentKey, record.ActDate, fields), record.Hash));
            }

            rewritten += postgres
                ? await UpdatePostgresAsync(connection, transaction, changes, cancellationToken)
                : await UpdateSqliteAsync(connection, transaction, changes, cancellationToken);
        }
    }

    private static async Task<List<long>> CandidatesAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        var ids = new List<long>();
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT id FROM credit_records WHERE fields::text ~ '[0-9]\\.[0-9]*0[,}]' ORDER BY id";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            ids.Add(reader.GetInt64(0));
        }

        return ids;
    }

    private static string? ContentKeyOf(IdentityProtector protector, string cipher)
    {
        try
        {
            return protector.ContentKey(protector.Decrypt(cipher));
        }
        catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or FormatException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>A page's rewrites in one statement (a round trip a record made a million-record upgrade take minutes).</summary>
    private static async Task<int> UpdatePostgresAsync(DbConnection connection, DbTransaction transaction,
        List<(long Id, string Fields, string Hash, string Old)> changes, CancellationToken cancellationToken)
    {
        if (changes.Count == 0)
        {
            return 0;
        }

        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            UPDATE credit_records r SET fields = CAST(u.f AS jsonb), content_hash = u.h
            FROM unnest(@i, @f, @h, @o) AS u(i, f, h, o)
            WHERE r.id = u.i AND r.content_hash = u.o
            """;
        Add(command, "@i", changes.Select(c => c.Id).ToArray());
        Add(command, "@f", changes.Select(c => c.Fields).ToArray());
        Add(command, "@h", changes.Select(c => c.Hash).ToArray());
        Add(command, "@o", changes.Select(c => c.Old).ToArray());
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<int> UpdateSqliteAsync(DbConnection connection, DbTransaction transaction,
        List<(long Id, string Fields, string Hash, string Old)> changes, CancellationToken cancellationToken)
    {
        var rewritten = 0;
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "UPDATE credit_records SET fields = @f, content_hash = @h WHERE id = @id AND content_hash = @old";
        foreach (var change in changes)
        {
            command.Parameters.Clear();
            Add(command, "@f", change.Fields);
            Add(command, "@h", change.Hash);
            Add(command, "@id", change.Id);
            Add(command, "@old", change.Old);
            rewritten += await command.ExecuteNonQueryAsync(cancellationToken);
        }

        return rewritten;
    }

    /// <summary>
    /// A stored record's fields as the values intake wrote them (text, whole numbers, decimals with their digits), and whether
    /// every decimal among them is in canonical form. False for anything intake does not write (nested values, booleans).
    /// </summary>
    internal static bool TryRead(string json, out Dictionary<string, object?> values, out bool canonical)
    {
        values = new Dictionary<string, object?>(StringComparer.Ordinal);
        canonical = true;
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(json));
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString()!;
            reader.Read();
            switch (reader.TokenType)
            {
                case JsonTokenType.String:
                    values[name] = reader.GetString();
                    break;
                case JsonTokenType.Number:
                    var raw = Encoding.UTF8.GetString(reader.ValueSpan);
                    if (raw.AsSpan().IndexOfAny('.', 'e', 'E') < 0 && long.TryParse(raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var whole))
                    {
                        values[name] = whole;
                    }
                    else if (decimal.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
                    {
                        values[name] = number;
                        canonical &= RecordContent.CanonicalNumber(number).Scale == number.Scale && raw.AsSpan().IndexOfAny('e', 'E') < 0;
                    }
                    else
                    {
                        return false;
                    }

                    break;
                default:
                    return false;
            }
        }

        return reader.TokenType == JsonTokenType.EndObject;
    }

    private static void Add(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }
}
