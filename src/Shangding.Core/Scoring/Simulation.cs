using System.Runtime.CompilerServices;
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

/// <summary>
/// Runs a draft model beside the active one over everyone who opted in without touching live scores:
/// chunks of subjects in id order, their records streamed ordered by subject, both models computed in
/// parallel over all cores while the next chunk is read.
/// </summary>
public static class Simulation
{
    public static async Task<SimulationReport> RunAsync(DatabaseSettings settings, ScoreModel active, ScoreModel draft, DateOnly asOf,
        Action<int>? progress, CancellationToken cancellationToken, int largest = 10)
    {
        var before = Enum.GetValues<ScoreLevel>().ToDictionary(l => l, _ => 0);
        var after = Enum.GetValues<ScoreLevel>().ToDictionary(l => l, _ => 0);
        var top = new List<(long SubjectId, int Before, int After, ScoreLevel LevelBefore, ScoreLevel LevelAfter)>();
        int persons = 0, up = 0, down = 0, same = 0, levelChanged = 0;
        long totalChange = 0;
        var reads = ScoringReads.Union(active.Reads, draft.Reads);

        // The next chunks are read while this one is computed.
        await foreach (var chunk in ChunkReader.ReadAsync(settings, 0, FullRecompute.ChunkSize, reads, new StrongBox<long>(), cancellationToken))
        {
            var results = new (StoredExplanation A, StoredExplanation B)[chunk.Subjects.Count];
            Parallel.For(0, results.Length, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancellationToken },
                i => results[i] = (ScoreEngine.ComputeStored(chunk.Records[i], active, asOf), ScoreEngine.ComputeStored(chunk.Records[i], draft, asOf)));
            for (var i = 0; i < results.Length; i++)
            {
                var (a, b) = results[i];
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
                    top.Add((chunk.Subjects[i], a.Score, b.Score, a.Level, b.Level));
                    if (top.Count > largest * 4)
                    {
                        top = [.. top.OrderByDescending(m => Math.Abs(m.After - m.Before)).ThenBy(m => m.SubjectId).Take(largest)];
                    }
                }
            }

            progress?.Invoke(persons);
        }

        top = [.. top.OrderByDescending(m => Math.Abs(m.After - m.Before)).ThenBy(m => m.SubjectId).Take(largest)];
        var ids = top.Select(m => m.SubjectId).ToList();
        await using var context = DataServiceCollectionExtensions.CreateContext(settings);
        var masked = await context.Subjects.AsNoTracking().Where(s => ids.Contains(s.Id)).ToDictionaryAsync(s => s.Id, s => s.IdMasked, cancellationToken);
        return new SimulationReport(active.Version, draft.Version, asOf, persons, before, after, up, down, same, levelChanged,
            persons == 0 ? 0 : (double)totalChange / persons,
            [.. top.Select(m => new SimulatedMove(masked.GetValueOrDefault(m.SubjectId, "?"), m.Before, m.After, m.LevelBefore, m.LevelAfter))]);
    }
}
