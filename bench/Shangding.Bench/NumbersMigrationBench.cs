using System.Data.Common;
using System.Diagnostics;
using System.Text;
using Microsoft.Data.Sqlite;
using Npgsql;
using Shangding.Core.Data;
using Shangding.Core.Intake;
using Shangding.Core.Intake.Files;
using Shangding.Core.Subjects;

namespace Shangding.Bench;

/// <summary>
/// What migration 0024 (<see cref="CanonicalNumbersMigration"/>) costs an upgrade: a fresh database gets the file's records
/// (e.g. the generated 1M .csv), then (untimed) every record's amount is put back in the form intake stored before 0024 —
/// "3808.640" where 3808.64 was sent, hashed so — and the migration is timed twice: once with every record to rewrite, once
/// more with nothing left to rewrite (what every later start pays: none — it is recorded as applied — but what an upgrade of
/// a database holding only canonical records pays for the scan).
/// </summary>
internal static class NumbersMigrationBench
{
    public static async Task<int> RunAsync(string path, DatabaseProvider provider)
    {
        await using var database = await BenchDatabase.CreateAsync(provider);
        await new SchemaMigrator(database.Settings).MigrateAsync();
        var protector = new IdentityProtector(IdentityProtectionKeys.Generate());
        var imported = await database.ImportWaterFileAsync(path, protector);
        Program.Report(new { step = "numbers-import", provider = provider.ToString(), rows = imported.TotalRows, imported.Created });

        // A scan that finds nothing to rewrite (the filter in SQL lets through only records with a '.' and a later 0).
        await ForgetAsync(database.Settings);
        var watch = Stopwatch.StartNew();
        await new SchemaMigrator(database.Settings, () => protector).MigrateAsync();
        Program.Report(new { step = "numbers-migrate-canonical", provider = provider.ToString(), seconds = Math.Round(watch.Elapsed.TotalSeconds, 2) });

        var legacy = await MakeLegacyAsync(database.Settings, protector);
        var legacyQuery = "SELECT COUNT(*) FROM credit_records WHERE " +
            (provider == DatabaseProvider.Postgres
                ? "fields::text ~ '\"arrears_amount\": [0-9]+\\.[0-9]*0[,}]'" // jsonb's text: shorter keys first, ": " and ", "
                : "fields LIKE '{\"arrears_amount\":%.%0,\"arrears_counted_to\"%'"); // as intake writes it: keys in ordinal order
        var before = await CountAsync(database.Settings, legacyQuery);
        await ForgetAsync(database.Settings);
        watch.Restart();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        await new SchemaMigrator(database.Settings, () => protector).MigrateAsync();
        Program.Report(new
        {
            step = "numbers-migrate-legacy",
            provider = provider.ToString(),
            records = legacy,
            legacyBefore = before,
            seconds = Math.Round(watch.Elapsed.TotalSeconds, 2),
            cpuSeconds = Math.Round((Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds, 2),
            legacyAfter = await CountAsync(database.Settings, legacyQuery),
        });
        return 0;
    }

    private static async Task ForgetAsync(DatabaseSettings settings) =>
        await CountAsync(settings, "DELETE FROM schema_migrations WHERE version = '0024'");

    private static async Task<long> CountAsync(DatabaseSettings settings, string sql)
    {
        await using var connection = Open(settings);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return sql.StartsWith("DELETE", StringComparison.Ordinal) ? await command.ExecuteNonQueryAsync() : Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static DbConnection Open(DatabaseSettings settings) => settings.Provider == DatabaseProvider.Postgres
        ? new NpgsqlConnection(settings.ConnectionString)
        : new SqliteConnection(settings.ConnectionString);

    /// <summary>Every water record's amount with one more trailing zero, and the hash intake gave that form before 0024.</summary>
    private static async Task<int> MakeLegacyAsync(DatabaseSettings settings, IdentityProtector protector)
    {
        var postgres = settings.Provider == DatabaseProvider.Postgres;
        await using var connection = Open(settings);
        await connection.OpenAsync();
        var rows = new List<(long Id, string Fields, string Hash)>();
        await using (var read = connection.CreateCommand())
        {
            read.CommandText = $"SELECT r.id, r.category_code, r.act_date, {(postgres ? "r.fields::text" : "r.fields")}, s.id_cipher FROM credit_records r JOIN subjects s ON s.id = r.subject_id";
            await using var reader = await read.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                CanonicalNumbersMigration.TryRead(reader.GetString(3), out var values, out _);
                values["arrears_amount"] = Convert.ToDecimal(values["arrears_amount"], System.Globalization.CultureInfo.InvariantCulture) + 0.000m;
                DateOnly? act = reader.IsDBNull(2) ? null : postgres ? reader.GetFieldValue<DateOnly>(2) : DateOnly.Parse(reader.GetString(2)[..10], System.Globalization.CultureInfo.InvariantCulture);
                var json = RecordContent.ToJsonUtf8AsSent(values);
                var key = protector.ContentKey(protector.Decrypt(reader.GetString(4)));
                rows.Add((reader.GetInt64(0), Encoding.UTF8.GetString(json), RecordContent.Hash(reader.GetString(1), key, act, json)));
            }
        }

        await using var transaction = await connection.BeginTransactionAsync();
        if (postgres)
        {
            for (var at = 0; at < rows.Count; at += 5_000)
            {
                var chunk = rows.Skip(at).Take(5_000).ToArray();
                await using var update = new NpgsqlCommand(
                    "UPDATE credit_records r SET fields = u.f::jsonb, content_hash = u.h FROM unnest(@i, @f, @h) AS u(i, f, h) WHERE r.id = u.i",
                    (NpgsqlConnection)connection, (NpgsqlTransaction)transaction);
                update.Parameters.AddWithValue("i", chunk.Select(c => c.Id).ToArray());
                update.Parameters.AddWithValue("f", chunk.Select(c => c.Fields).ToArray());
                update.Parameters.AddWithValue("h", chunk.Select(c => c.Hash).ToArray());
                await update.ExecuteNonQueryAsync();
            }
        }
        else
        {
            await using var update = connection.CreateCommand();
            update.Transaction = transaction;
            update.CommandText = "UPDATE credit_records SET fields = $f, content_hash = $h WHERE id = $i";
            var (i, f, h) = (update.CreateParameter(), update.CreateParameter(), update.CreateParameter());
            (i.ParameterName, f.ParameterName, h.ParameterName) = ("$i", "$f", "$h");
            update.Parameters.Add(i);
            update.Parameters.Add(f);
            update.Parameters.Add(h);
            foreach (var row in rows)
            {
                (i.Value, f.Value, h.Value) = (row.Id, row.Fields, row.Hash);
                await update.ExecuteNonQueryAsync();
            }
        }

        await transaction.CommitAsync();
        return rows.Count;
    }
}
