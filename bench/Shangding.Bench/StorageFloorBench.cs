using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Npgsql;
using Shangding.Core.Data;
using Shangding.Core.Intake;
using Shangding.Core.Intake.Files;
using Shangding.Core.Subjects;

namespace Shangding.Bench;

/// <summary>
/// The storage floor of an import: what the database alone takes to store the rows a file's import stores, with this
/// schema (every index, constraint and check) and nothing else to do — no file to read, no validation, no look-ups, no
/// values bound by a client. The file is imported into a fresh database (the import's own time is reported too); then, in
/// a second fresh database, the per-row tables — subjects, records, their history — are filled from the first in one
/// transaction with the engine's fastest path, and timed:
/// <list type="bullet">
/// <item>SQLite: <c>INSERT INTO main.t SELECT * FROM src.t ORDER BY id</c> from the first database attached, on a
/// connection set up as the batch writer's (foreign keys on, 64 MB page cache, <c>synchronous = NORMAL</c>, no automatic
/// checkpoint). The <c>ORDER BY</c> keeps SQLite from copying the pages whole (its transfer optimisation, which no import
/// can use): every row and index entry is inserted, in the order the import inserted them.</item>
/// <item>PostgreSQL: each table dumped untimed by <c>COPY … TO STDOUT (FORMAT binary)</c> to a file, then written by
/// <c>COPY … FROM STDIN (FORMAT binary)</c> — the bulk path the writer itself uses for created records and history.</item>
/// </list>
/// An import cannot be faster than this floor on the same machine; the difference is what reading, validating, looking
/// up and binding cost on top of storing. On SQLite a client can only hand its values over by binding them to a prepared
/// statement, so a second SQLite floor is timed too: the same rows, read into memory first (untimed), inserted into a
/// third fresh database one row at a time, a subject, its record and its history row in turn, each value bound
/// through SQLitePCLRaw as the batch writer binds them — the writer's own floor, with nothing to decide.
/// </summary>
internal static class StorageFloorBench
{
    private static readonly string[] RowTables = ["subjects", "credit_records", "record_changes"];

    public static async Task<int> RunAsync(string path, DatabaseProvider provider)
    {
        await using var source = await BenchDatabase.CreateAsync(provider);
        await new SchemaMigrator(source.Settings).MigrateAsync();
        var watch = Stopwatch.StartNew();
        var imported = await source.ImportWaterFileAsync(path, new IdentityProtector(IdentityProtectionKeys.Generate()));

        Program.Report(new
        {
            step = "floor-import",
            provider = provider.ToString(),
            file = Path.GetFileName(path),
            rows = imported.TotalRows,
            imported.Created,
            imported.Rejected,
            seconds = Math.Round(watch.Elapsed.TotalSeconds, 2),
        });

        await using var target = await BenchDatabase.CreateAsync(provider);
        await new SchemaMigrator(target.Settings).MigrateAsync();
        var (rows, seconds, perTable) = provider == DatabaseProvider.Sqlite
            ? await SqliteAsync(source.Settings, target.Settings)
            : await PostgresAsync(source.Settings, target.Settings);
        Program.Report(new
        {
            step = provider == DatabaseProvider.Sqlite ? "floor-store-set" : "floor-store-copy",
            provider = provider.ToString(),
            rows,
            seconds = Math.Round(seconds, 2),
            tables = perTable,
        });

        if (provider == DatabaseProvider.Sqlite)
        {
            await using var bound = await BenchDatabase.CreateAsync(provider);
            await new SchemaMigrator(bound.Settings).MigrateAsync();
            var (boundRows, boundSeconds) = await SqliteBoundAsync(source.Settings, bound.Settings);
            Program.Report(new
            {
                step = "floor-store-bound",
                provider = provider.ToString(),
                rows = boundRows,
                seconds = Math.Round(boundSeconds, 2),
                peakMb = Program.PeakMb(),
            });
        }

        return 0;
    }

    private static async Task<(long Rows, double Seconds)> SqliteBoundAsync(DatabaseSettings source, DatabaseSettings target)
    {
        // The stored rows as SQLite holds them: integers as long, text as its UTF-8 bytes, nulls as null.
        var tables = new List<(string Sql, List<object?[]> Rows)>();
        await using (var from = new SqliteConnection(new SqliteConnectionStringBuilder(source.ConnectionString) { Mode = SqliteOpenMode.ReadOnly }.ToString()))
        {
            await from.OpenAsync();
            foreach (var table in RowTables)
            {
                await using var command = from.CreateCommand();
                command.CommandText = $"SELECT * FROM {table} ORDER BY id";
                await using var reader = await command.ExecuteReaderAsync();
                var columns = Enumerable.Range(0, reader.FieldCount).Select(reader.GetName).ToArray();
                var rows = new List<object?[]>();
                while (await reader.ReadAsync())
                {
                    var values = new object?[columns.Length];
                    for (var i = 0; i < values.Length; i++)
                    {
                        values[i] = reader.GetValue(i) switch
                        {
                            DBNull => null,
                            string text => System.Text.Encoding.UTF8.GetBytes(text),
                            var value => value,
                        };
                    }

                    rows.Add(values);
                }

                tables.Add(($"INSERT INTO {table} ({string.Join(", ", columns)}) VALUES ({string.Join(", ", columns.Select((_, i) => $"?{i + 1}"))})", rows));
            }
        }

        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder(target.ConnectionString) { ForeignKeys = true }.ToString());
        await connection.OpenAsync();
        await ExecuteAsync(connection, "PRAGMA cache_size = -65536; PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 0;");
        await using (var attach = connection.CreateCommand())
        {
            attach.CommandText = "ATTACH DATABASE $file AS src";
            attach.Parameters.AddWithValue("$file", new SqliteConnectionStringBuilder(source.ConnectionString).DataSource);
            await attach.ExecuteNonQueryAsync();
        }

        await ExecuteAsync(connection, "INSERT OR IGNORE INTO main.units SELECT * FROM src.units; INSERT INTO main.intake_batches SELECT * FROM src.intake_batches; DETACH DATABASE src;");
        var db = connection.Handle!;
        var statements = tables.Select(t => Prepare(db, t.Sql)).ToArray();
        try
        {
            var count = tables[0].Rows.Count;
            var watch = Stopwatch.StartNew();
            await ExecuteAsync(connection, "BEGIN IMMEDIATE");
            for (var row = 0; row < count; row++)
            {
                for (var t = 0; t < statements.Length; t++)
                {
                    Insert(db, statements[t], tables[t].Rows[row]);
                }
            }

            await ExecuteAsync(connection, "COMMIT");
            return (count * (long)statements.Length, watch.Elapsed.TotalSeconds);
        }
        finally
        {
            foreach (var statement in statements)
            {
                statement.Dispose();
            }
        }
    }

    private static SQLitePCL.sqlite3_stmt Prepare(SQLitePCL.sqlite3 db, string sql)
    {
        Check(db, SQLitePCL.raw.sqlite3_prepare_v2(db, sql, out var statement));
        return statement;
    }

    private static void Insert(SQLitePCL.sqlite3 db, SQLitePCL.sqlite3_stmt statement, object?[] values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            Check(db, values[i] switch
            {
                null => SQLitePCL.raw.sqlite3_bind_null(statement, i + 1),
                long number => SQLitePCL.raw.sqlite3_bind_int64(statement, i + 1, number),
                double number => SQLitePCL.raw.sqlite3_bind_double(statement, i + 1, number),
                byte[] text => SQLitePCL.raw.sqlite3_bind_text(statement, i + 1, text),
                var other => throw new InvalidOperationException($"A stored value of type {other.GetType().Name}."),
            });
        }

        var rc = SQLitePCL.raw.sqlite3_step(statement);
        if (rc != SQLitePCL.raw.SQLITE_DONE)
        {
            Check(db, rc);
        }

        Check(db, SQLitePCL.raw.sqlite3_reset(statement));
    }

    private static void Check(SQLitePCL.sqlite3 db, int rc)
    {
        if (rc != SQLitePCL.raw.SQLITE_OK)
        {
            throw new InvalidOperationException($"SQLite {rc}: {SQLitePCL.raw.sqlite3_errmsg(db).utf8_to_string()}");
        }
    }

    private static async Task<(long Rows, double Seconds, Dictionary<string, double> PerTable)> SqliteAsync(DatabaseSettings source, DatabaseSettings target)
    {
        var sourceFile = new SqliteConnectionStringBuilder(source.ConnectionString).DataSource;
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder(target.ConnectionString) { ForeignKeys = true }.ToString());
        await connection.OpenAsync();
        await ExecuteAsync(connection, "PRAGMA cache_size = -65536; PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 0;");
        await using (var attach = connection.CreateCommand())
        {
            attach.CommandText = "ATTACH DATABASE $file AS src";
            attach.Parameters.AddWithValue("$file", sourceFile);
            await attach.ExecuteNonQueryAsync();
        }

        // What the rows refer to, untimed: the unit and the batch.
        await ExecuteAsync(connection, "INSERT OR IGNORE INTO main.units SELECT * FROM src.units; INSERT INTO main.intake_batches SELECT * FROM src.intake_batches;");

        // Warm the source's pages into the OS cache (untimed), so the timed part reads no disk.
        foreach (var table in RowTables)
        {
            await ExecuteAsync(connection, $"SELECT count(*), sum(length(CAST(src.{table}.id AS TEXT))) FROM src.{table}");
        }

        var perTable = new Dictionary<string, double>();
        long rows = 0;
        var watch = Stopwatch.StartNew();
        await ExecuteAsync(connection, "BEGIN IMMEDIATE");
        foreach (var table in RowTables)
        {
            var started = watch.Elapsed;
            rows += await ExecuteAsync(connection, $"INSERT INTO main.{table} SELECT * FROM src.{table} ORDER BY id");
            perTable[table] = Math.Round((watch.Elapsed - started).TotalSeconds, 2);
        }

        var commit = watch.Elapsed;
        await ExecuteAsync(connection, "COMMIT");
        perTable["commit"] = Math.Round((watch.Elapsed - commit).TotalSeconds, 2);
        return (rows, watch.Elapsed.TotalSeconds, perTable);
    }

    private static async Task<int> ExecuteAsync(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteNonQueryAsync();
    }

    private static async Task<(long Rows, double Seconds, Dictionary<string, double> PerTable)> PostgresAsync(DatabaseSettings source, DatabaseSettings target)
    {
        var directory = Directory.CreateTempSubdirectory("shangding-floor-");
        try
        {
            var tables = new[] { "units", "intake_batches" }.Concat(RowTables).ToArray();
            await using (var from = new NpgsqlConnection(source.ConnectionString))
            {
                await from.OpenAsync();
                foreach (var table in tables)
                {
                    await using var output = File.Create(Path.Combine(directory.FullName, table));
                    await using var copy = await from.BeginRawBinaryCopyAsync($"COPY (SELECT * FROM {table} ORDER BY 1) TO STDOUT (FORMAT binary)");
                    await copy.CopyToAsync(output);
                }
            }

            NpgsqlConnection.ClearAllPools();
            await using var to = new NpgsqlConnection(target.ConnectionString);
            await to.OpenAsync();
            await using (var transaction = await to.BeginTransactionAsync())
            {
                await using (var delete = new NpgsqlCommand("DELETE FROM units", to, transaction))
                {
                    await delete.ExecuteNonQueryAsync();
                }

                await CopyInAsync(to, directory, "units");
                await CopyInAsync(to, directory, "intake_batches");
                await transaction.CommitAsync();
            }

            // Checkpoint first (untimed), so the timed part does not pay for the dump's or the other database's dirty pages.
            await using (var checkpoint = new NpgsqlCommand("CHECKPOINT", to))
            {
                await checkpoint.ExecuteNonQueryAsync();
            }

            var perTable = new Dictionary<string, double>();
            var watch = Stopwatch.StartNew();
            await using (var transaction = await to.BeginTransactionAsync())
            {
                foreach (var table in RowTables)
                {
                    var started = watch.Elapsed;
                    await CopyInAsync(to, directory, table);
                    perTable[table] = Math.Round((watch.Elapsed - started).TotalSeconds, 2);
                }

                var commit = watch.Elapsed;
                await transaction.CommitAsync();
                perTable["commit"] = Math.Round((watch.Elapsed - commit).TotalSeconds, 2);
            }

            var seconds = watch.Elapsed.TotalSeconds;
            long rows = 0;
            foreach (var table in RowTables)
            {
                await using var count = new NpgsqlCommand($"SELECT count(*) FROM {table}", to);
                rows += (long)(await count.ExecuteScalarAsync())!;
            }

            return (rows, seconds, perTable);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static async Task CopyInAsync(NpgsqlConnection connection, DirectoryInfo directory, string table)
    {
        await using var input = File.OpenRead(Path.Combine(directory.FullName, table));
        await using var copy = await connection.BeginRawBinaryCopyAsync($"COPY {table} FROM STDIN (FORMAT binary)");
        await input.CopyToAsync(copy);
    }
}
