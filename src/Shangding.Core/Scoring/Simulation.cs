using Microsoft.EntityFrameworkCore;
using Shangding.Core.Data;

namespace Shangding.Core.Scoring;

/// <summary>One of the largest moves of a simulation (the subject shown masked).</summary>
public sealed record SimulatedMove(string SubjectMasked, int Before, int After, ScoreLevel LevelBefore, ScoreLevel LevelAfter)
{
    public int Change => After - Before;
}

/// <summary>What a draft model would do to the whole opted-in population (001 §6(2)); nothing is stored.</summary>
public sealed record SimulationReport(
    string ActiveVersion,
    string DraftVersion,
    DateOnly AsOf,
    int Persons,
    IReadOnlyDictionary<ScoreLevel, int> LevelsBefore,
    IReadOnlyDictionary<ScoreLevel, int> LevelsAfter,
    int MovedUp,
    int MovedDown,
    int Unchanged,
    int LevelChanged,
    double MeanChange,
    IReadOnlyList<SimulatedMove> LargestMoves);

/// <summary>Runs a draft model beside the active one over everyone who opted in, in chunks, without touching live scores.</summary>
public static class Simulation
{
    public static async Task<SimulationReport> RunAsync(DatabaseSettings settings, ScoreModel active, ScoreModel draft, DateOnly asOf,
        Action<int>? progress, CancellationToken cancellationToken, int largest = 10)
    {
        const int Chunk = 2000;
        var before = Enum.GetValues<ScoreLevel>().ToDictionary(l => l, _ => 0);
        var after = Enum.GetValues<ScoreLevel>().ToDictionary(l => l, _ => 0);
        var top = new List<SimulatedMove>();
        int persons = 0, up = 0, down = 0, same = 0, levelChanged = 0;
        long totalChange = 0;
        long lastId = 0;
        while (true)
        {
            await using var context = DataServiceCollectionExtensions.CreateContext(settings);
            var ids = await context.ScoreOptIns.AsNoTracking().Where(o => o.OptedOutAt == null && o.SubjectId > lastId)
                .OrderBy(o => o.SubjectId).Select(o => o.SubjectId).Take(Chunk).ToListAsync(cancellationToken);
            if (ids.Count == 0)
            {
                break;
            }

            lastId = ids[^1];
            var masked = await context.Subjects.AsNoTracking().Where(s => ids.Contains(s.Id)).ToDictionaryAsync(s => s.Id, s => s.IdMasked, cancellationToken);
            var rows = await context.Records.AsNoTracking().Where(r => ids.Contains(r.SubjectId))
                .Select(r => new { r.Id, r.SubjectId, r.CategoryCode, r.ActDate, r.Status, r.FieldsJson, r.PublicationEnd, r.UnderDispute, r.Severity })
                .ToListAsync(cancellationToken);
            var bySubject = rows.GroupBy(r => r.SubjectId).ToDictionary(g => g.Key, g => g
                .Select(r => ScoringRecord.FromStored(r.Id, r.CategoryCode, r.ActDate, r.Status.ToString(), r.FieldsJson, r.PublicationEnd, r.UnderDispute, r.Severity)).ToList());
            foreach (var id in ids)
            {
                var records = bySubject.GetValueOrDefault(id) ?? [];
                var a = ScoreEngine.Compute(records, active, asOf);
                var b = ScoreEngine.Compute(records, draft, asOf);
                persons++;
                before[a.Level]++;
                after[b.Level]++;
                var change = b.Score - a.Score;
                totalChange += change;
                if (change > 0)
                {
                    up++;
                }
                else if (change < 0)
                {
                    down++;
                }
                else
                {
                    same++;
                }

                if (a.Level != b.Level)
                {
                    levelChanged++;
                }

                if (change != 0)
                {
                    top.Add(new SimulatedMove(masked.GetValueOrDefault(id, "?"), a.Score, b.Score, a.Level, b.Level));
                    if (top.Count > largest * 4)
                    {
                        top = [.. top.OrderByDescending(m => Math.Abs(m.Change)).Take(largest)];
                    }
                }
            }

            progress?.Invoke(persons);
        }

        return new SimulationReport(active.Version, draft.Version, asOf, persons, before, after, up, down, same, levelChanged,
            persons == 0 ? 0 : (double)totalChange / persons,
            [.. top.OrderByDescending(m => Math.Abs(m.Change)).Take(largest)]);
    }
}
