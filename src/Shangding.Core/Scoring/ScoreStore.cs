using System.Data.Common;
using System.Globalization;
using System.Text;
using Npgsql;

namespace Shangding.Core.Scoring;

/// <summary>A score computed for storing: what the scores table keeps, the explanation as JSON text.</summary>
public readonly record struct ComputedScore(long SubjectId, int Score, string Level, string ModelVersion, string ExplanationJson);

/// <summary>
/// The bulk reads and writes of the stored score, in plain SQL on both engines (no per-row EF):
/// opted-in subjects in id order, their records streamed ordered by subject, and scores written
/// set-based (array parameters on PostgreSQL, a staging table filled by one prepared statement on SQLite),
/// with a history row for every score that moved.
/// </summary>
public static class ScoreStore
{
    private const string RecordColumns = "subject_id, id, category_code, act_date, status, fields, publication_end, under_dispute, severity";

    public static bool IsPostgres(DbConnection connection) => connection is NpgsqlConnection;

    /// <summary>The next up to <paramref name="limit"/> opted-in subjects after <paramref name="after"/>, in id order.</summary>
    public static async Task<List<long>> NextOptedInAsync(DbConnection connection, DbTransaction? transaction, long after, int limit, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, transaction,
            "SELECT subject_id FROM score_opt_ins WHERE opted_out_at IS NULL AND subject_id > @after ORDER BY subject_id LIMIT @limit",
            ("@after", after), ("@limit", limit));
        var ids = new List<long>(limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            ids.Add(reader.GetInt64(0));
        }

        return ids;
    }

    /// <summary>Those of <paramref name="subjectIds"/> who are opted in, in id order.</summary>
    public static async Task<List<long>> OptedInAsync(DbConnection connection, DbTransaction? transaction, IReadOnlyCollection<long> subjectIds, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, transaction,
            $"SELECT subject_id FROM score_opt_ins WHERE opted_out_at IS NULL AND {InList(connection, "subject_id")} ORDER BY subject_id",
            ("@ids", IdsParameter(connection, subjectIds)));
        var ids = new List<long>(subjectIds.Count);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            ids.Add(reader.GetInt64(0));
        }

        return ids;
    }

    /// <summary>
    /// The records of <paramref name="subjects"/> (ascending ids), read in one pass ordered by subject
    /// over the id range they span; every subject gets a list, empty when it has no record.
    /// </summary>
    /// <param name="reads">
    /// For computing stored scores: what the model reads (<see cref="ScoreModel.Reads"/>); then only records in force are
    /// read (no other record counts), with only those fields, and none for a record whose category's rule reads no field.
    /// Null reads every record with all its fields.
    /// </param>
    public static async Task<List<ScoringRecord>[]> ReadRecordsAsync(DbConnection connection, DbTransaction? transaction, IReadOnlyList<long> subjects,
        ScoringReads? reads, CancellationToken cancellationToken)
    {
        var result = new List<ScoringRecord>[subjects.Count];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = [];
        }

        if (subjects.Count == 0)
        {
            return result;
        }

        // A dense run of ids (a full recompute) is read as a range; a scattered set (the queue) by list.
        var postgres = IsPostgres(connection);
        var span = subjects[^1] - subjects[0] + 1;

        // The database hands over just the fields the model reads instead of every record's whole JSON: PostgreSQL
        // by key look-ups in the stored jsonb (one column each), SQLite as one small JSON array from json_extract
        // (its C parser reads the text once; with two or more paths json_extract answers an array).
        var keys = reads?.Fields.Order(StringComparer.Ordinal).ToArray();
        string columns;
        IEnumerable<(string, object)> keyArgs;
        if (keys is null)
        {
            columns = RecordColumns;
            keyArgs = [];
        }
        else if (postgres)
        {
            columns = RecordColumns.Replace("status", "NULL::text AS status", StringComparison.Ordinal).Replace("fields", "NULL::text AS fields", StringComparison.Ordinal)
                + string.Concat(keys.Select((_, i) => string.Create(CultureInfo.InvariantCulture, $", fields ->> @k{i}")));
            keyArgs = keys.Select((k, i) => (string.Create(CultureInfo.InvariantCulture, $"@k{i}"), (object)k));
        }
        else
        {
            // Parsing the JSON text is most of the cost of a read: records of categories whose rules read no field
            // (a third of a typical population: traffic violations, epidemic volunteers, …) skip it.
            var paths = keys.Length == 1 ? [keys[0], keys[0]] : keys;
            var reading = reads!.Categories.Order(StringComparer.Ordinal).ToArray();
            var extract = "json_extract(fields" + string.Concat(paths.Select((_, i) => string.Create(CultureInfo.InvariantCulture, $", @k{i}"))) + ")";
            columns = RecordColumns.Replace("status", "NULL AS status", StringComparison.Ordinal).Replace("fields",
                (reading.Length == 0 ? "NULL"
                    : "CASE WHEN category_code IN (" + string.Join(", ", reading.Select((_, i) => string.Create(CultureInfo.InvariantCulture, $"@c{i}"))) + ") THEN " + extract + " END")
                + " AS fields",
                StringComparison.Ordinal);
            keyArgs = paths.Select((k, i) => (string.Create(CultureInfo.InvariantCulture, $"@k{i}"), (object)("$.\"" + k + "\"")))
                .Concat(reading.Select((c, i) => (string.Create(CultureInfo.InvariantCulture, $"@c{i}"), (object)c))).ToList();
        }

        var inForce = keys is null ? "" : " AND status = 'InForce'";
        await using var command = span <= subjects.Count * 4L
            ? Command(connection, transaction, $"SELECT {columns} FROM credit_records WHERE subject_id >= @from AND subject_id <= @to{inForce} ORDER BY subject_id",
                [("@from", subjects[0]), ("@to", subjects[^1]), .. keyArgs])
            : Command(connection, transaction, $"SELECT {columns} FROM credit_records WHERE {InList(connection, "subject_id")}{inForce} ORDER BY subject_id",
                [("@ids", IdsParameter(connection, subjects)), .. keyArgs]);
        // Category codes repeat: each row's string is swapped for the first one read, so the record keeps a shared string
        // and the row's own dies young.
        var categories = new Dictionary<string, string>(64, StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var at = 0;
        while (await reader.ReadAsync(cancellationToken))
        {
            var subjectId = reader.GetInt64(0);
            while (at < subjects.Count && subjects[at] < subjectId)
            {
                at++;
            }

            if (at == subjects.Count)
            {
                break;
            }

            if (subjects[at] != subjectId)
            {
                continue; // a subject in the range who has not opted in
            }

            // Columns in order: the reader does not seek back within a row.
            var id = reader.GetInt64(1);
            var read = reader.GetString(2);
            if (!categories.TryGetValue(read, out var category))
            {
                categories[read] = category = read;
            }

            DateOnly? actDate = reader.IsDBNull(3) ? null : ReadDate(reader, 3, postgres);
            var status = keys is null ? ScoringRecord.ParseStatus(reader.GetString(4)) : ScoringStatus.InForce;
            var recordFields = keys is null ? ScoringRecord.ParseFields(reader.GetString(5), null)
                : postgres ? null
                : reader.IsDBNull(5) ? FieldValues.Empty
                : ScoringRecord.ParseFieldArray(reader.GetString(5), keys);
            DateOnly? publicationEnd = reader.IsDBNull(6) ? null : ReadDate(reader, 6, postgres);
            var underDispute = reader.GetBoolean(7);
            var severity = reader.IsDBNull(8) ? null : ScoringRecord.ParseSeverity(reader.GetString(8));
            result[at].Add(new ScoringRecord(id, category, actDate, status, recordFields ?? ReadKeys(reader, keys!), severity, publicationEnd, underDispute));
        }

        return result;
    }

    /// <summary>The fields read by key (columns 9 on), those present; most records carry one or two of them.</summary>
    private static FieldValues ReadKeys(DbDataReader reader, string[] keys)
    {
        var values = new FieldValues.Builder(keys.Length);
        for (var i = 0; i < keys.Length; i++)
        {
            if (!reader.IsDBNull(9 + i))
            {
                values.Add(keys[i], reader.GetString(9 + i));
            }
        }

        return values.Build();
    }

    /// <summary>Reads the same rows as <see cref="ReadRecordsAsync"/> for a run of subjects, touching every value but building nothing (the benchmark's baseline).</summary>
    public static async Task<long> StreamOnlyAsync(DbConnection connection, IReadOnlyList<long> subjects, CancellationToken cancellationToken)
    {
        if (subjects.Count == 0)
        {
            return 0;
        }

        await using var command = Command(connection, null, $"SELECT {RecordColumns} FROM credit_records WHERE subject_id >= @from AND subject_id <= @to ORDER BY subject_id",
            ("@from", subjects[0]), ("@to", subjects[^1]));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var postgres = IsPostgres(connection);
        long rows = 0, check = 0;
        while (await reader.ReadAsync(cancellationToken))
        {
            check += reader.GetInt64(0) + reader.GetInt64(1) + reader.GetString(2).Length + reader.GetString(4).Length + reader.GetString(5).Length;
            check += reader.IsDBNull(3) ? 0 : ReadDate(reader, 3, postgres).DayNumber;
            check += reader.IsDBNull(6) ? 0 : ReadDate(reader, 6, postgres).DayNumber;
            check += reader.GetBoolean(7) ? 1 : 0;
            check += reader.IsDBNull(8) ? 0 : reader.GetString(8).Length;
            rows++;
        }

        return check == long.MinValue ? -1 : rows;
    }

    /// <summary>
    /// Stores <paramref name="scores"/> in the open <paramref name="transaction"/>: a history row for each score that is
    /// new or moved (score, level or model), then the current scores (the reason changes only with the score). Subjects
    /// who opted out meanwhile are left out. Returns how many scores moved.
    /// </summary>
    public static async Task<int> WriteAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<ComputedScore> scores, string reason,
        DateOnly asOf, DateTime now, CancellationToken cancellationToken)
    {
        if (scores.Count == 0)
        {
            return 0;
        }

        // The range of the subjects bounds the opt-in look-ups (a range scan, not a walk from the first opt-in).
        long from = long.MaxValue, to = long.MinValue;
        foreach (var s in scores)
        {
            from = Math.Min(from, s.SubjectId);
            to = Math.Max(to, s.SubjectId);
        }

        return IsPostgres(connection)
            ? await WritePostgresAsync(connection, transaction, scores, reason, asOf, now, from, to, cancellationToken)
            : await WriteSqliteAsync(connection, transaction, scores, reason, asOf, now, from, to, cancellationToken);
    }

    /// <summary>
    /// One statement per chunk: the scores travel as five array parameters, and data-modifying CTEs write the history
    /// rows (compared with the scores as they were before the statement) and upsert the scores. No staging table, no
    /// COPY, one round trip.
    /// </summary>
    private static async Task<int> WritePostgresAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<ComputedScore> scores, string reason,
        DateOnly asOf, DateTime now, long from, long to, CancellationToken cancellationToken)
    {
        var ids = new long[scores.Count];
        var values = new int[scores.Count];
        var levels = new string[scores.Count];
        var versions = new string[scores.Count];
        var explanations = new string[scores.Count];
        for (var i = 0; i < scores.Count; i++)
        {
            (ids[i], values[i], levels[i], versions[i], explanations[i]) = (scores[i].SubjectId, scores[i].Score, scores[i].Level, scores[i].ModelVersion, scores[i].ExplanationJson);
        }

        await using var command = Command(connection, transaction, """
            WITH st AS (
                SELECT t.subject_id, t.score, t.level, t.model_version, t.explanation
                FROM unnest(@ids, @scores, @levels, @versions, @explanations) AS t(subject_id, score, level, model_version, explanation)
                JOIN score_opt_ins o ON o.subject_id = t.subject_id AND o.opted_out_at IS NULL AND o.subject_id BETWEEN @from AND @to),
            moved AS (
                INSERT INTO score_history (subject_id, score, level, model_version, computed_at, reason)
                SELECT st.subject_id, st.score, st.level, st.model_version, @now, @reason
                FROM st LEFT JOIN scores s ON s.subject_id = st.subject_id
                WHERE s.subject_id IS NULL OR s.score <> st.score OR s.level <> st.level OR s.model_version <> st.model_version
                ORDER BY st.subject_id
                RETURNING 1),
            stored AS (
                INSERT INTO scores (subject_id, score, level, model_version, as_of, computed_at, reason, explanation)
                SELECT st.subject_id, st.score, st.level, st.model_version, @asof, @now, @reason, st.explanation::json
                FROM st
                ON CONFLICT (subject_id) DO UPDATE SET
                    reason = CASE WHEN scores.score <> excluded.score OR scores.level <> excluded.level OR scores.model_version <> excluded.model_version
                                  THEN excluded.reason ELSE scores.reason END,
                    score = excluded.score, level = excluded.level, model_version = excluded.model_version,
                    as_of = excluded.as_of, computed_at = excluded.computed_at, explanation = excluded.explanation
                RETURNING 1)
            SELECT count(*) FROM moved
            """,
            ("@ids", ids), ("@scores", values), ("@levels", levels), ("@versions", versions), ("@explanations", explanations),
            ("@from", from), ("@to", to), ("@now", now), ("@asof", asOf), ("@reason", reason));
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
    }

    /// <summary>Staged in a temporary table by one prepared statement, then the history rows and the upsert, set-based.</summary>
    private static async Task<int> WriteSqliteAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<ComputedScore> scores, string reason,
        DateOnly asOf, DateTime now, long from, long to, CancellationToken cancellationToken)
    {
        await Execute(connection, transaction,
            "CREATE TEMP TABLE IF NOT EXISTS score_stage (subject_id INTEGER NOT NULL, score INTEGER NOT NULL, level TEXT NOT NULL, model_version TEXT NOT NULL, explanation TEXT NOT NULL); DELETE FROM temp.score_stage;",
            cancellationToken);
        await using (var insert = Command(connection, transaction, "INSERT INTO temp.score_stage (subject_id, score, level, model_version, explanation) VALUES (@s, @n, @l, @m, @e)",
            ("@s", 0L), ("@n", 0), ("@l", ""), ("@m", ""), ("@e", "")))
        {
            insert.Prepare();
            foreach (var s in scores)
            {
                insert.Parameters[0].Value = s.SubjectId;
                insert.Parameters[1].Value = s.Score;
                insert.Parameters[2].Value = s.Level;
                insert.Parameters[3].Value = s.ModelVersion;
                insert.Parameters[4].Value = s.ExplanationJson;
                await insert.ExecuteNonQueryAsync(cancellationToken);
            }
        }

        var stamp = now.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture);
        var day = asOf.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var changed = await Execute(connection, transaction, """
            INSERT INTO score_history (subject_id, score, level, model_version, computed_at, reason)
            SELECT st.subject_id, st.score, st.level, st.model_version, @now, @reason
            FROM score_stage st
            JOIN score_opt_ins o ON o.subject_id = st.subject_id AND o.opted_out_at IS NULL AND o.subject_id BETWEEN @from AND @to
            LEFT JOIN scores s ON s.subject_id = st.subject_id
            WHERE s.subject_id IS NULL OR s.score <> st.score OR s.level <> st.level OR s.model_version <> st.model_version
            ORDER BY st.subject_id
            """, cancellationToken, ("@now", stamp), ("@reason", reason), ("@from", from), ("@to", to));
        await Execute(connection, transaction, """
            INSERT INTO scores (subject_id, score, level, model_version, as_of, computed_at, reason, explanation)
            SELECT st.subject_id, st.score, st.level, st.model_version, @asof, @now, @reason, st.explanation
            FROM score_stage st
            JOIN score_opt_ins o ON o.subject_id = st.subject_id AND o.opted_out_at IS NULL AND o.subject_id BETWEEN @from AND @to
            WHERE true
            ON CONFLICT (subject_id) DO UPDATE SET
                reason = CASE WHEN scores.score <> excluded.score OR scores.level <> excluded.level OR scores.model_version <> excluded.model_version
                              THEN excluded.reason ELSE scores.reason END,
                score = excluded.score, level = excluded.level, model_version = excluded.model_version,
                as_of = excluded.as_of, computed_at = excluded.computed_at, explanation = excluded.explanation
            """, cancellationToken, ("@asof", day), ("@now", stamp), ("@reason", reason), ("@from", from), ("@to", to));
        return changed;
    }

    internal static DateOnly ReadDate(DbDataReader reader, int ordinal, bool postgres)
    {
        if (postgres)
        {
            return reader.GetFieldValue<DateOnly>(ordinal);
        }

        // SQLite keeps dates as yyyy-MM-dd text: read the digits directly (the format parser showed in profiles).
        var text = reader.GetString(ordinal);
        if (text.Length >= 10 && text[4] == '-' && text[7] == '-'
            && int.TryParse(text.AsSpan(0, 4), NumberStyles.None, CultureInfo.InvariantCulture, out var year)
            && int.TryParse(text.AsSpan(5, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var month)
            && int.TryParse(text.AsSpan(8, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var day)
            && month is >= 1 and <= 12 && year >= 1 && day >= 1 && day <= DateTime.DaysInMonth(year, month))
        {
            return new DateOnly(year, month, day);
        }

        return DateOnly.ParseExact(text.AsSpan(0, 10), "yyyy-MM-dd", CultureInfo.InvariantCulture);
    }

    /// <summary><c>column IN (the ids)</c>: an array parameter on PostgreSQL, a JSON array on SQLite.</summary>
    public static string InList(DbConnection connection, string column) =>
        IsPostgres(connection) ? $"{column} = ANY(@ids)" : $"{column} IN (SELECT value FROM json_each(@ids))";

    public static object IdsParameter(DbConnection connection, IEnumerable<long> ids)
    {
        if (IsPostgres(connection))
        {
            return ids.ToArray();
        }

        var text = new StringBuilder("[");
        foreach (var id in ids)
        {
            if (text.Length > 1)
            {
                text.Append(',');
            }

            text.Append(id.ToString(CultureInfo.InvariantCulture));
        }

        return text.Append(']').ToString();
    }

    public static DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql, params (string Name, object Value)[] args)
    {
        var command = connection.CreateCommand();
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

        return command;
    }

    public static async Task<int> Execute(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken, params (string Name, object Value)[] args)
    {
        await using var command = Command(connection, transaction, sql, args);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
