using System.Data.Common;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Shangding.Core.Catalog;
using Shangding.Core.Data;

namespace Shangding.Core.Scoring;

/// <summary>Why a subject cannot opt in, in Chinese and English.</summary>
public sealed class ScoreOptInException(string messageZh, string messageEn) : Exception($"{messageZh} / {messageEn}")
{
    public string MessageZh { get; } = messageZh;
    public string MessageEn { get; } = messageEn;
}

/// <summary>
/// The stored 商鼎分: opt-in and opt-out (001 §2(2)), scoring of opted-in subjects with the active
/// model through the pure <see cref="ScoreEngine"/>, the current score with its explanation and an
/// append-only history naming model version and reason. Nobody who has not opted in is scored.
/// </summary>
public sealed class ScoreService(ScoreModelRegistry registry, TimeProvider clock)
{
    public const int AdultAge = 18;

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>The active model: every computation reads it afresh, so an activation applies at once.</summary>
    public ScoreModel Model => registry.Active;

    private DateOnly Today => Shangding.Core.Reporting.ReportingTime.ChinaDate(clock.GetUtcNow());

    /// <summary>Opts a resident aged 18 or more in and computes the first score at once.</summary>
    public async Task<ScoreResult> OptInAsync(ShangdingDbContext context, long subjectId, string channel, CancellationToken cancellationToken)
    {
        var subject = await context.Subjects.AsNoTracking().SingleOrDefaultAsync(s => s.Id == subjectId, cancellationToken)
            ?? throw new ScoreOptInException("找不到该信用主体。", "No such subject.");
        if (subject.Kind != SubjectKind.Person)
        {
            throw new ScoreOptInException("商鼎分只面向自然人。", "The Shangding score is for persons only.");
        }

        if (subject.BirthDate is not { } birth || Age(birth, Today) < AdultAge)
        {
            throw new ScoreOptInException("年满 18 周岁的市民方可开通商鼎分。", "Residents can opt in to the Shangding score from the age of 18.");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var optIn = await context.ScoreOptIns.FindAsync([subjectId], cancellationToken);
        if (optIn is null)
        {
            context.ScoreOptIns.Add(new ScoreOptIn { SubjectId = subjectId, OptedInAt = now, Channel = channel });
        }
        else
        {
            optIn.OptedInAt = now;
            optIn.OptedOutAt = null;
            optIn.Channel = channel;
        }

        await context.SaveChangesAsync(cancellationToken);
        await using (var transaction = await context.Database.BeginTransactionAsync(cancellationToken))
        {
            if (context.Database.IsNpgsql())
            {
                // Intake marks only opted-in subjects for rescoring. A batch that marked before this opt-in was
                // committed holds this lock (shared) until it commits: wait for it, so its records are read here.
                await context.Database.ExecuteSqlRawAsync("SELECT pg_advisory_xact_lock({0})", [OptInLock], cancellationToken);
            }

            await RescoreAsync(context, [subjectId], "opt-in", cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        return (await ComputeAsync(context, subjectId, cancellationToken))!;
    }

    /// <summary>
    /// The PostgreSQL advisory lock between intake's rescoring marks (shared, until the batch commits) and an
    /// opt-in's first score (exclusive): see <see cref="OptInAsync"/> and <c>PostgresIntakeWriter.FinishAsync</c>.
    /// </summary>
    public const long OptInLock = 0x5344_4F50_5449_4E00; // "SDOPTIN"

    /// <summary>Opts out as easily: the score and its history are deleted; the records stay (they are public credit information).</summary>
    public async Task OptOutAsync(ShangdingDbContext context, long subjectId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await context.ScoreOptIns.Where(o => o.SubjectId == subjectId && o.OptedOutAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(o => o.OptedOutAt, now), cancellationToken);
        await context.Scores.Where(s => s.SubjectId == subjectId).ExecuteDeleteAsync(cancellationToken);
        await context.ScoreHistory.Where(s => s.SubjectId == subjectId).ExecuteDeleteAsync(cancellationToken);
    }

    /// <summary>The explained score of an opted-in subject as of today, without storing it; null for anyone not opted in.</summary>
    public async Task<ScoreResult?> ComputeAsync(ShangdingDbContext context, long subjectId, CancellationToken cancellationToken)
    {
        if (!await context.ScoreOptIns.AnyAsync(o => o.SubjectId == subjectId && o.OptedOutAt == null, cancellationToken))
        {
            return null;
        }

        var records = await LoadRecordsAsync(context, [subjectId], cancellationToken);
        return ScoreEngine.Compute(records.GetValueOrDefault(subjectId) ?? [], Model, Today);
    }

    /// <summary>
    /// Recomputes and stores the scores of those of <paramref name="subjectIds"/> who opted in; returns how many changed.
    /// Runs in the context's transaction when it has one, else in its own.
    /// </summary>
    public async Task<int> RescoreAsync(ShangdingDbContext context, IReadOnlyCollection<long> subjectIds, string reason, CancellationToken cancellationToken)
    {
        if (subjectIds.Count == 0)
        {
            return 0;
        }

        await context.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            var connection = context.Database.GetDbConnection();
            var outer = context.Database.CurrentTransaction?.GetDbTransaction();
            var transaction = outer ?? await connection.BeginTransactionAsync(cancellationToken);
            try
            {
                var changed = await RescoreAsync(connection, transaction, subjectIds, reason, cancellationToken);
                if (outer is null)
                {
                    await transaction.CommitAsync(cancellationToken);
                }

                return changed;
            }
            finally
            {
                if (outer is null)
                {
                    await transaction.DisposeAsync();
                }
            }
        }
        finally
        {
            await context.Database.CloseConnectionAsync();
        }
    }

    private async Task<int> RescoreAsync(DbConnection connection, DbTransaction transaction, IReadOnlyCollection<long> subjectIds, string reason, CancellationToken cancellationToken)
    {
        var optedIn = await ScoreStore.OptedInAsync(connection, transaction, subjectIds, cancellationToken);
        if (optedIn.Count == 0)
        {
            return 0;
        }

        var today = Today;
        var model = Model;
        var records = await ScoreStore.ReadRecordsAsync(connection, transaction, optedIn, model.Reads, cancellationToken);
        var computed = ComputeAll(optedIn, records, model, today);
        return await ScoreStore.WriteAsync(connection, transaction, computed, reason, today, clock.GetUtcNow().UtcDateTime, cancellationToken);
    }

    private static readonly string[] LevelNames = Enum.GetNames<ScoreLevel>();

    /// <summary>Scores the subjects in parallel (the engine is pure) and serialises their explanations.</summary>
    internal static ComputedScore[] ComputeAll(IReadOnlyList<long> subjects, List<ScoringRecord>[] records, ScoreModel model, DateOnly asOf)
    {
        var result = new ComputedScore[subjects.Count];
        Parallel.For(0, subjects.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
        {
            var score = ScoreEngine.ComputeStored(records[i], model, asOf);
            result[i] = new ComputedScore(subjects[i], score.Score, LevelNames[(int)score.Level], score.ModelVersion, score.ToJson());
        });
        return result;
    }

    /// <summary>
    /// Takes up to <paramref name="max"/> subjects from the rescoring queue (written by intake in the
    /// same transaction as the records), rescores the opted-in ones and removes what was handled, in
    /// one statement and only where the mark is still the one that was read: a subject marked again
    /// meanwhile (its <c>seq</c> moved) stays queued and is rescored once more. Returns how many queue
    /// entries were handled.
    /// </summary>
    public Task<int> ProcessQueueAsync(ShangdingDbContext context, int max, CancellationToken cancellationToken) =>
        ProcessQueueAsync(context, max, null, cancellationToken);

    /// <param name="afterRescore">Runs after the scores are stored and before the marks are removed (tests use it to mark a subject again meanwhile).</param>
    internal async Task<int> ProcessQueueAsync(ShangdingDbContext context, int max, Func<Task>? afterRescore, CancellationToken cancellationToken)
    {
        await context.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            var connection = context.Database.GetDbConnection();
            var batch = new List<(long SubjectId, string Reason, long Seq)>();
            await using (var command = ScoreStore.Command(connection, null,
                "SELECT subject_id, reason, seq FROM rescore_queue ORDER BY marked_at, subject_id LIMIT @max", ("@max", max)))
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    batch.Add((reader.GetInt64(0), reader.GetString(1), reader.GetInt64(2)));
                }
            }

            if (batch.Count == 0)
            {
                return 0;
            }

            // Each mark says why (records changed, a model activated); the scores that move carry it.
            await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
            {
                foreach (var group in batch.GroupBy(m => m.Reason, StringComparer.Ordinal))
                {
                    await RescoreAsync(connection, transaction, [.. group.Select(m => m.SubjectId)], group.Key == "intake" ? "records-changed" : group.Key, cancellationToken);
                }

                await transaction.CommitAsync(cancellationToken);
            }

            if (afterRescore is not null)
            {
                await afterRescore();
            }

            if (ScoreStore.IsPostgres(connection))
            {
                await ScoreStore.Execute(connection, null, """
                    DELETE FROM rescore_queue q USING unnest(@ids, @seqs) AS h(subject_id, seq)
                    WHERE q.subject_id = h.subject_id AND q.seq = h.seq
                    """, cancellationToken, ("@ids", batch.Select(m => m.SubjectId).ToArray()), ("@seqs", batch.Select(m => m.Seq).ToArray()));
            }
            else
            {
                var pairs = "[" + string.Join(",", batch.Select(m => string.Create(CultureInfo.InvariantCulture, $"[{m.SubjectId},{m.Seq}]"))) + "]";
                await ScoreStore.Execute(connection, null, """
                    DELETE FROM rescore_queue
                    WHERE (subject_id, seq) IN (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(@pairs))
                    """, cancellationToken, ("@pairs", pairs));
            }

            return batch.Count;
        }
        finally
        {
            await context.Database.CloseConnectionAsync();
        }
    }

    /// <summary>Rescores every opted-in subject (a new model, a daily pass for expiries, recovery); see <see cref="FullRecompute"/>.</summary>
    public async Task<int> RecomputeAllAsync(DatabaseSettings settings, string reason, Action<int>? progress, CancellationToken cancellationToken) =>
        (int)(await RecomputeAsync(settings, reason, progress is null ? null : (done, _) => progress((int)done), cancellationToken)).Scored;

    /// <summary>Rescores every opted-in subject, resuming an interrupted run of the same model, date and reason.</summary>
    public Task<RecomputeReport> RecomputeAsync(DatabaseSettings settings, string reason, Action<long, long>? progress, CancellationToken cancellationToken) =>
        FullRecompute.RunAsync(settings, Model, Today, clock, reason, progress, cancellationToken);

    private static async Task<Dictionary<long, List<ScoringRecord>>> LoadRecordsAsync(ShangdingDbContext context, IReadOnlyCollection<long> subjectIds, CancellationToken cancellationToken)
    {
        var rows = await context.Records.AsNoTracking()
            .Where(r => subjectIds.Contains(r.SubjectId))
            .Select(r => new { r.Id, r.SubjectId, r.CategoryCode, r.ActDate, r.Status, r.FieldsJson, r.PublicationEnd, r.UnderDispute, r.Severity })
            .ToListAsync(cancellationToken);
        return rows.GroupBy(r => r.SubjectId).ToDictionary(
            g => g.Key,
            g => g.Select(r => ScoringRecord.FromStored(r.Id, r.CategoryCode, r.ActDate, r.Status.ToString(), r.FieldsJson, r.PublicationEnd, r.UnderDispute, r.Severity)).ToList());
    }

    private static int Age(DateOnly birth, DateOnly today)
    {
        var age = today.Year - birth.Year;
        return birth > today.AddYears(-age) ? age - 1 : age;
    }

    /// <summary>Reads a stored explanation back (for pages and the CLI).</summary>
    public static StoredExplanation? ReadExplanation(string json) => StoredExplanation.FromJson(json);
}
