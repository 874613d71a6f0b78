using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;
using Shangding.Core.Catalog;
using Shangding.Core.Data;
using Shangding.Core.Intake;
using Shangding.Core.Scoring;
using Shangding.Core.Subjects;

namespace Shangding.Core.Generation;

/// <summary>What to generate.</summary>
/// <param name="RecordsPerPerson">The mean number of records per person (each person gets 0 … 2×mean; same-act second reports come on top).</param>
/// <param name="OptedInShare">Share of adults who opted in to the score (0–1).</param>
public sealed record GenerationOptions(int Persons, int RecordsPerPerson, int Seed, double OptedInShare = 0.8);

/// <summary>What was written.</summary>
public sealed record GenerationReport(int Persons, long Records, int OptedIn, long SameActReports, double Seconds);

/// <summary>Progress: the phase (<c>persons</c>, <c>records</c>, <c>history</c>, <c>indexes</c>), how far it is and its total.</summary>
public delegate void GenerationProgress(string phase, long done, long total);

/// <summary>Why a generation was refused, in Chinese and English.</summary>
public sealed class GenerationException(string messageZh, string messageEn) : Exception($"{messageZh} / {messageEn}");

/// <summary>
/// Writes a synthetic population into an empty database for demos and benchmarks: persons with
/// valid resident ID numbers protected exactly as intake protects them (AES-GCM cipher, HMAC
/// look-up hash, mask), their credit records in the stored form intake gives them, each with its
/// creation in the history, and the opt-ins of those who chose to be scored. Deterministic for a
/// seed (except the random nonces of the ciphers and the timestamps). Everything is written in one
/// transaction through the bulk paths — binary COPY on PostgreSQL, prepared statements on SQLite —
/// while the CPU work (HMAC and AES per person, JSON and content hash per record) runs in parallel,
/// chunk by chunk, in a fixed order.
/// </summary>
public sealed class PopulationGenerator(CatalogDefinition catalog, IdentityProtector protector, ScoreModelRegistry models, TimeProvider clock)
{
    private const long SealSlice = 200_000;

    private const int Chunk = 4096;

    public async Task<GenerationReport> GenerateAsync(DatabaseSettings settings, GenerationOptions options, GenerationProgress? progress, CancellationToken cancellationToken)
    {
        if (options.Persons < 1 || options.RecordsPerPerson < 0 || options.OptedInShare is < 0 or > 1)
        {
            throw new GenerationException("人数须大于 0，每人记录数不能为负，开通比例在 0 到 1 之间。",
                "Persons must be at least 1, records per person not negative, the opted-in share between 0 and 1.");
        }

        var watch = System.Diagnostics.Stopwatch.StartNew();
        var now = clock.GetUtcNow().UtcDateTime;
        var today = Shangding.Core.Reporting.ReportingTime.ChinaDate(clock.GetUtcNow());
        await using var context = DataServiceCollectionExtensions.CreateContext(settings);
        if (await context.Subjects.AnyAsync(cancellationToken))
        {
            throw new GenerationException("数据库中已有信用主体；请在空数据库上生成模拟人口。",
                "The database already holds subjects; generate a synthetic population into an empty database.");
        }

        await UnitSynchroniser.SyncAsync(context, catalog, now, cancellationToken);
        await context.Database.OpenConnectionAsync(cancellationToken);
        var connection = context.Database.GetDbConnection();
        var postgres = settings.Provider == DatabaseProvider.Postgres;
        if (!postgres)
        {
            await Execute(connection, null, "PRAGMA synchronous = OFF; PRAGMA cache_size = -262144;", cancellationToken);
        }

        var identities = SyntheticPeople.Identities(options.Persons, options.Seed, today);
        var drawer = new SyntheticRecords(catalog, models.Active, today);
        var chunks = (options.Persons + Chunk - 1) / Chunk;

        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var sink = postgres ? (IRowSink)new CopySink((NpgsqlConnection)connection) : new SqliteSink((SqliteConnection)connection, (SqliteTransaction)transaction);

        // 1. Persons (and who opted in), chunk by chunk: protecting the identifiers is the costly part.
        var optedIn = new List<(long SubjectId, DateTime At)>();
        await sink.BeginSubjectsAsync(cancellationToken);
        await Pipeline(chunks, c => MakePersons(identities, c, options, today, now), async persons =>
        {
            foreach (var p in persons)
            {
                await sink.SubjectAsync(p, now, cancellationToken);
                if (p.OptedInAt is { } at)
                {
                    optedIn.Add((p.Id, at));
                }
            }

            progress?.Invoke("persons", persons[^1].Id, options.Persons);
        });
        await sink.EndAsync(cancellationToken);

        await sink.BeginOptInsAsync(cancellationToken);
        foreach (var (id, at) in optedIn)
        {
            await sink.OptInAsync(id, at, cancellationToken);
        }

        await sink.EndAsync(cancellationToken);

        // 2. Their records, in the stored form intake gives them.
        long records = 0, sameAct = 0;
        var expected = (long)options.Persons * options.RecordsPerPerson;
        await sink.BeginRecordsAsync(cancellationToken);
        await Pipeline(chunks, c => MakeRecords(identities, c, options, drawer), async chunk =>
        {
            foreach (var r in chunk.Rows)
            {
                await sink.RecordAsync(r, now, cancellationToken);
            }

            records += chunk.Rows.Count;
            sameAct += chunk.SameAct;
            progress?.Invoke("records", records, Math.Max(expected, records));
        });
        await sink.EndAsync(cancellationToken);

        // 3. Each record's creation in the history, as intake writes it; then the identity counters.
        progress?.Invoke("history", 0, 1);
        var stamp = postgres ? "@now" : "@now";
        await Execute(connection, transaction, $"""
            INSERT INTO record_changes (subject_id, record_id, version, action, channel, batch_id, actor, at, before, after)
            SELECT subject_id, id, 1, 'Created', 'generate', NULL, 'generator', {stamp}, NULL, fields FROM credit_records
            """, cancellationToken, ("@now", postgres ? now : now.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture)));
        if (postgres)
        {
            await Execute(connection, transaction, """
                SELECT setval(pg_get_serial_sequence('subjects', 'id'), (SELECT max(id) FROM subjects));
                ANALYZE subjects; ANALYZE credit_records; ANALYZE score_opt_ins;
                """, cancellationToken);
        }

        progress?.Invoke("history", 1, 1);

        // 4. Seal that history as intake seals a batch's, so `audit verify` vouches for a generated
        //    database too; in slices, so that no seal row grows beyond a few megabytes.
        long low, high;
        await using (var range = connection.CreateCommand())
        {
            range.Transaction = transaction;
            range.CommandText = "SELECT coalesce(min(id), 0), coalesce(max(id), -1) FROM record_changes";
            await using var reader = await range.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            (low, high) = (reader.GetInt64(0), reader.GetInt64(1));
        }

        for (var from = low; from <= high; from += SealSlice)
        {
            var to = Math.Min(high, from + SealSlice - 1);
            await Audit.RecordHistory.SealAsync(connection, transaction, settings.Provider, "generate", null,
                string.Create(CultureInfo.InvariantCulture, $"id BETWEEN {from} AND {to}"), new Dictionary<string, object>(), "generator", now, cancellationToken);
            progress?.Invoke("seal", to - low + 1, high - low + 1);
        }

        await transaction.CommitAsync(cancellationToken);
        return new GenerationReport(options.Persons, records, optedIn.Count, sameAct, watch.Elapsed.TotalSeconds);
    }

    /// <summary>Runs <paramref name="make"/> for the chunks on the thread pool, at most three ahead, and consumes the results in order.</summary>
    private static async Task Pipeline<T>(int chunks, Func<int, T> make, Func<T, Task> consume)
    {
        var pending = new Queue<Task<T>>();
        for (var c = 0; c < chunks; c++)
        {
            var index = c;
            pending.Enqueue(Task.Run(() => make(index)));
            if (pending.Count >= 3)
            {
                await consume(await pending.Dequeue());
            }
        }

        while (pending.Count > 0)
        {
            await consume(await pending.Dequeue());
        }
    }

    internal sealed record Person(long Id, string IdHash, string IdCipher, string IdMasked, string Name, DateOnly BirthDate, bool Male, DateTime? OptedInAt);

    internal sealed record RecordRow(long SubjectId, SyntheticRecord Record, string RecordKey, string FieldsJson, string ContentHash);

    /// <summary>A generator per chunk, the same in every process (SplitMix64 of seed, chunk and purpose; not HashCode, which is randomised per process).</summary>
    internal static Random ChunkRandom(int seed, int chunk, int salt)
    {
        var x = unchecked(((ulong)(uint)seed << 32) ^ ((ulong)(uint)chunk << 4) ^ (ulong)salt);
        x = unchecked(x + 0x9E3779B97F4A7C15UL);
        x = unchecked((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL);
        x = unchecked((x ^ (x >> 27)) * 0x94D049BB133111EBUL);
        x ^= x >> 31;
        return new Random((int)(x & 0x7FFFFFFF));
    }

    private Person[] MakePersons(SyntheticPeople.Identity[] identities, int chunk, GenerationOptions options, DateOnly today, DateTime now)
    {
        var random = ChunkRandom(options.Seed, chunk, 1);
        var start = chunk * Chunk;
        var end = Math.Min(identities.Length, start + Chunk);
        var result = new Person[end - start];
        for (var i = start; i < end; i++)
        {
            var identity = identities[i];
            var id = identity.IdNumber();
            var adult = identity.BirthDate.AddYears(ScoreService.AdultAge) <= today;
            DateTime? optedIn = adult && random.NextDouble() < options.OptedInShare ? now.AddDays(-random.Next(0, 400)).AddMinutes(-random.Next(0, 1440)) : null;
            result[i - start] = new Person(i + 1, protector.LookupHash(id), protector.Encrypt(id), Masking.Mask(id),
                SyntheticPeople.Name(random, identity.Male), identity.BirthDate, identity.Male, optedIn);
        }

        return result;
    }

    private sealed record RecordChunk(List<RecordRow> Rows, int SameAct);

    private RecordChunk MakeRecords(SyntheticPeople.Identity[] identities, int chunk, GenerationOptions options, SyntheticRecords drawer)
    {
        var random = ChunkRandom(options.Seed, chunk, 2);
        var start = chunk * Chunk;
        var end = Math.Min(identities.Length, start + Chunk);
        var rows = new List<RecordRow>((end - start) * (options.RecordsPerPerson + 1));
        var drawn = new List<SyntheticRecord>();
        var sameAct = 0;
        for (var i = start; i < end; i++)
        {
            var identity = identities[i];
            var count = random.Next(0, 2 * options.RecordsPerPerson + 1);
            drawn.Clear();
            drawer.Draw(random, count, identity.Male, (i + 1).ToString(CultureInfo.InvariantCulture), drawn);
            sameAct += drawn.Count - count;
            if (drawn.Count == 0)
            {
                continue;
            }

            var contentKey = protector.ContentKey(identity.IdNumber());
            for (var k = 0; k < drawn.Count; k++)
            {
                var record = drawn[k];
                var json = RecordContent.ToJson(record.Fields);
                rows.Add(new RecordRow(i + 1, record, string.Create(CultureInfo.InvariantCulture, $"GEN-{i + 1:0000000}-{k + 1:00}"), json,
                    RecordContent.Hash(record.Category.Code, contentKey, record.ActDate, json)));
            }
        }

        return new RecordChunk(rows, sameAct);
    }

    private static async Task Execute(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken, params (string Name, object Value)[] args)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.CommandTimeout = 0;
        foreach (var (name, value) in args)
        {
            var p = command.CreateParameter();
            p.ParameterName = name;
            p.Value = value;
            command.Parameters.Add(p);
        }

        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private interface IRowSink : IAsyncDisposable
    {
        Task BeginSubjectsAsync(CancellationToken ct);

        Task BeginOptInsAsync(CancellationToken ct);

        Task BeginRecordsAsync(CancellationToken ct);

        ValueTask SubjectAsync(Person p, DateTime now, CancellationToken ct);

        ValueTask OptInAsync(long subjectId, DateTime at, CancellationToken ct);

        ValueTask RecordAsync(RecordRow r, DateTime now, CancellationToken ct);

        Task EndAsync(CancellationToken ct);
    }

    private sealed class CopySink(NpgsqlConnection connection) : IRowSink
    {
        private NpgsqlBinaryImporter? _copy;

        public async Task BeginSubjectsAsync(CancellationToken ct) => _copy = await connection.BeginBinaryImportAsync(
            "COPY subjects (id, kind, cert_type, id_hash, id_cipher, id_masked, name, birth_date, sex, name_conflict, created_at, updated_at) FROM STDIN (FORMAT BINARY)", ct);

        public async Task BeginOptInsAsync(CancellationToken ct) => _copy = await connection.BeginBinaryImportAsync(
            "COPY score_opt_ins (subject_id, opted_in_at, opted_out_at, channel) FROM STDIN (FORMAT BINARY)", ct);

        public async Task BeginRecordsAsync(CancellationToken ct) => _copy = await connection.BeginBinaryImportAsync(
            "COPY credit_records (subject_id, unit_code, category_code, record_key, act_date, severity, status, fields, content_hash, publication_end, under_dispute, version, batch_id, created_at, updated_at) FROM STDIN (FORMAT BINARY)", ct);

        public async ValueTask SubjectAsync(Person p, DateTime now, CancellationToken ct)
        {
            var copy = _copy!;
            await copy.StartRowAsync(ct);
            await copy.WriteAsync(p.Id, NpgsqlDbType.Bigint, ct);
            await copy.WriteAsync("Person", NpgsqlDbType.Text, ct);
            await copy.WriteAsync(nameof(CertificateType.ResidentId), NpgsqlDbType.Text, ct);
            await copy.WriteAsync(p.IdHash, NpgsqlDbType.Text, ct);
            await copy.WriteAsync(p.IdCipher, NpgsqlDbType.Text, ct);
            await copy.WriteAsync(p.IdMasked, NpgsqlDbType.Text, ct);
            await copy.WriteAsync(p.Name, NpgsqlDbType.Text, ct);
            await copy.WriteAsync(p.BirthDate, NpgsqlDbType.Date, ct);
            await copy.WriteAsync(p.Male ? "M" : "F", NpgsqlDbType.Text, ct);
            await copy.WriteAsync(false, NpgsqlDbType.Boolean, ct);
            await copy.WriteAsync(now, NpgsqlDbType.TimestampTz, ct);
            await copy.WriteAsync(now, NpgsqlDbType.TimestampTz, ct);
        }

        public async ValueTask OptInAsync(long subjectId, DateTime at, CancellationToken ct)
        {
            var copy = _copy!;
            await copy.StartRowAsync(ct);
            await copy.WriteAsync(subjectId, NpgsqlDbType.Bigint, ct);
            await copy.WriteAsync(at, NpgsqlDbType.TimestampTz, ct);
            await copy.WriteNullAsync(ct);
            await copy.WriteAsync("generate", NpgsqlDbType.Text, ct);
        }

        public async ValueTask RecordAsync(RecordRow r, DateTime now, CancellationToken ct)
        {
            var copy = _copy!;
            await copy.StartRowAsync(ct);
            await copy.WriteAsync(r.SubjectId, NpgsqlDbType.Bigint, ct);
            await copy.WriteAsync(r.Record.UnitCode, NpgsqlDbType.Text, ct);
            await copy.WriteAsync(r.Record.Category.Code, NpgsqlDbType.Text, ct);
            await copy.WriteAsync(r.RecordKey, NpgsqlDbType.Text, ct);
            await copy.WriteAsync(r.Record.ActDate, NpgsqlDbType.Date, ct);
            if (r.Record.Category.Severity is { } severity)
            {
                await copy.WriteAsync(severity.ToString(), NpgsqlDbType.Text, ct);
            }
            else
            {
                await copy.WriteNullAsync(ct);
            }

            await copy.WriteAsync(r.Record.Status, NpgsqlDbType.Text, ct);
            await copy.WriteAsync(r.FieldsJson, NpgsqlDbType.Jsonb, ct);
            await copy.WriteAsync(r.ContentHash, NpgsqlDbType.Text, ct);
            await copy.WriteNullAsync(ct);
            await copy.WriteAsync(r.Record.UnderDispute, NpgsqlDbType.Boolean, ct);
            await copy.WriteAsync(1, NpgsqlDbType.Integer, ct);
            await copy.WriteNullAsync(ct);
            await copy.WriteAsync(now, NpgsqlDbType.TimestampTz, ct);
            await copy.WriteAsync(now, NpgsqlDbType.TimestampTz, ct);
        }

        public async Task EndAsync(CancellationToken ct)
        {
            if (_copy is not null)
            {
                await _copy.CompleteAsync(ct);
                await _copy.DisposeAsync();
                _copy = null;
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (_copy is not null)
            {
                await _copy.DisposeAsync();
            }
        }
    }

    private sealed class SqliteSink(SqliteConnection connection, SqliteTransaction transaction) : IRowSink
    {
        private SqliteCommand? _insert;

        private void Prepare(string table, string columns)
        {
            _insert = connection.CreateCommand();
            _insert.Transaction = transaction;
            var names = columns.Split(", ");
            _insert.CommandText = $"INSERT INTO {table} ({columns}) VALUES ({string.Join(", ", names.Select(n => "$" + n))})";
            foreach (var name in names)
            {
                _insert.Parameters.Add(new SqliteParameter("$" + name, null));
            }

            _insert.Prepare();
        }

        public Task BeginSubjectsAsync(CancellationToken ct)
        {
            Prepare("subjects", "id, kind, cert_type, id_hash, id_cipher, id_masked, name, birth_date, sex, name_conflict, created_at, updated_at");
            return Task.CompletedTask;
        }

        public Task BeginOptInsAsync(CancellationToken ct)
        {
            Prepare("score_opt_ins", "subject_id, opted_in_at, opted_out_at, channel");
            return Task.CompletedTask;
        }

        public Task BeginRecordsAsync(CancellationToken ct)
        {
            Prepare("credit_records", "subject_id, unit_code, category_code, record_key, act_date, severity, status, fields, content_hash, publication_end, under_dispute, version, batch_id, created_at, updated_at");
            return Task.CompletedTask;
        }

        private static string Stamp(DateTime value) => value.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture);

        public ValueTask SubjectAsync(Person p, DateTime now, CancellationToken ct)
        {
            var q = _insert!.Parameters;
            q[0].Value = p.Id;
            q[1].Value = "Person";
            q[2].Value = nameof(CertificateType.ResidentId);
            q[3].Value = p.IdHash;
            q[4].Value = p.IdCipher;
            q[5].Value = p.IdMasked;
            q[6].Value = p.Name;
            q[7].Value = p.BirthDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            q[8].Value = p.Male ? "M" : "F";
            q[9].Value = 0;
            q[10].Value = Stamp(now);
            q[11].Value = Stamp(now);
            _insert.ExecuteNonQuery();
            return ValueTask.CompletedTask;
        }

        public ValueTask OptInAsync(long subjectId, DateTime at, CancellationToken ct)
        {
            var q = _insert!.Parameters;
            q[0].Value = subjectId;
            q[1].Value = Stamp(at);
            q[2].Value = DBNull.Value;
            q[3].Value = "generate";
            _insert.ExecuteNonQuery();
            return ValueTask.CompletedTask;
        }

        public ValueTask RecordAsync(RecordRow r, DateTime now, CancellationToken ct)
        {
            var q = _insert!.Parameters;
            q[0].Value = r.SubjectId;
            q[1].Value = r.Record.UnitCode;
            q[2].Value = r.Record.Category.Code;
            q[3].Value = r.RecordKey;
            q[4].Value = r.Record.ActDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            q[5].Value = r.Record.Category.Severity?.ToString() ?? (object)DBNull.Value;
            q[6].Value = r.Record.Status;
            q[7].Value = r.FieldsJson;
            q[8].Value = r.ContentHash;
            q[9].Value = DBNull.Value;
            q[10].Value = r.Record.UnderDispute ? 1 : 0;
            q[11].Value = 1;
            q[12].Value = DBNull.Value;
            q[13].Value = Stamp(now);
            q[14].Value = Stamp(now);
            _insert.ExecuteNonQuery();
            return ValueTask.CompletedTask;
        }

        public Task EndAsync(CancellationToken ct)
        {
            _insert?.Dispose();
            _insert = null;
            return Task.CompletedTask;
        }

        public ValueTask DisposeAsync()
        {
            _insert?.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
