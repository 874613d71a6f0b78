using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
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

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>The active model: every computation reads it afresh, so an activation applies at once.</summary>
    public ScoreModel Model => registry.Active;

    private DateOnly Today => DateOnly.FromDateTime(clock.GetLocalNow().DateTime);

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
        await RescoreAsync(context, [subjectId], "opt-in", cancellationToken);
        return (await ComputeAsync(context, subjectId, cancellationToken))!;
    }

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

    /// <summary>Recomputes and stores the scores of those of <paramref name="subjectIds"/> who opted in; returns how many changed.</summary>
    public async Task<int> RescoreAsync(ShangdingDbContext context, IReadOnlyCollection<long> subjectIds, string reason, CancellationToken cancellationToken)
    {
        var optedIn = await context.ScoreOptIns.AsNoTracking()
            .Where(o => subjectIds.Contains(o.SubjectId) && o.OptedOutAt == null)
            .Select(o => o.SubjectId).ToListAsync(cancellationToken);
        if (optedIn.Count == 0)
        {
            return 0;
        }

        var today = Today;
        var now = clock.GetUtcNow().UtcDateTime;
        var model = Model;
        var records = await LoadRecordsAsync(context, optedIn, cancellationToken);
        var current = await context.Scores.Where(s => optedIn.Contains(s.SubjectId)).ToDictionaryAsync(s => s.SubjectId, cancellationToken);
        var changed = 0;
        foreach (var subjectId in optedIn)
        {
            var result = ScoreEngine.Compute(records.GetValueOrDefault(subjectId) ?? [], model, today);
            var explanation = JsonSerializer.Serialize(result, Json);
            var level = result.Level.ToString();
            if (current.TryGetValue(subjectId, out var stored))
            {
                var moved = stored.Score != result.Score || stored.Level != level || stored.ModelVersion != result.ModelVersion;
                stored.AsOf = today;
                stored.ComputedAt = now;
                stored.ExplanationJson = explanation;
                if (!moved)
                {
                    continue;
                }

                stored.Score = result.Score;
                stored.Level = level;
                stored.ModelVersion = result.ModelVersion;
                stored.Reason = reason;
            }
            else
            {
                context.Scores.Add(new StoredScore
                {
                    SubjectId = subjectId,
                    Score = result.Score,
                    Level = level,
                    ModelVersion = result.ModelVersion,
                    AsOf = today,
                    ComputedAt = now,
                    Reason = reason,
                    ExplanationJson = explanation,
                });
            }

            context.ScoreHistory.Add(new ScoreChange
            {
                SubjectId = subjectId,
                Score = result.Score,
                Level = level,
                ModelVersion = result.ModelVersion,
                ComputedAt = now,
                Reason = reason,
            });
            changed++;
        }

        await context.SaveChangesAsync(cancellationToken);
        return changed;
    }

    /// <summary>
    /// Takes up to <paramref name="max"/> subjects from the rescoring queue (written by intake in the
    /// same transaction as the records), rescores the opted-in ones and removes what was handled;
    /// a subject marked again meanwhile stays queued. Returns how many queue entries were handled.
    /// </summary>
    public async Task<int> ProcessQueueAsync(ShangdingDbContext context, int max, CancellationToken cancellationToken)
    {
        var batch = await context.RescoreQueue.AsNoTracking().OrderBy(m => m.MarkedAt).Take(max).ToListAsync(cancellationToken);
        if (batch.Count == 0)
        {
            return 0;
        }

        // Each mark says why (records changed, a model activated); the first one names the batch.
        await RescoreAsync(context, batch.Select(m => m.SubjectId).ToList(), batch[0].Reason == "intake" ? "records-changed" : batch[0].Reason, cancellationToken);
        foreach (var mark in batch)
        {
            await context.RescoreQueue.Where(m => m.SubjectId == mark.SubjectId && m.MarkedAt == mark.MarkedAt).ExecuteDeleteAsync(cancellationToken);
        }

        return batch.Count;
    }

    /// <summary>Rescores every opted-in subject (a new model, a daily pass for expiries, recovery), in chunks.</summary>
    public async Task<int> RecomputeAllAsync(DatabaseSettings settings, string reason, Action<int>? progress, CancellationToken cancellationToken)
    {
        const int Chunk = 1000;
        long after = 0;
        var done = 0;
        while (true)
        {
            await using var context = DataServiceCollectionExtensions.CreateContext(settings);
            var ids = await context.ScoreOptIns.AsNoTracking().Where(o => o.OptedOutAt == null && o.SubjectId > after)
                .OrderBy(o => o.SubjectId).Select(o => o.SubjectId).Take(Chunk).ToListAsync(cancellationToken);
            if (ids.Count == 0)
            {
                return done;
            }

            await RescoreAsync(context, ids, reason, cancellationToken);
            done += ids.Count;
            after = ids[^1];
            progress?.Invoke(done);
        }
    }

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
    public static ScoreResult? ReadExplanation(string json) => JsonSerializer.Deserialize<ScoreResult>(json, Json);
}
