using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Shangding.Core.Data;

namespace Shangding.Core.Scoring;

/// <summary>A chunk of opted-in subjects in id order and, for each, its records in force.</summary>
internal sealed record ReadChunk(List<long> Subjects, List<ScoringRecord>[] Records);

/// <summary>
/// Reads every opted-in subject after a given id, in chunks in id order, for the full recompute and
/// the simulation. Two connections read alternate chunks and both are kept busy while the caller works
/// on the chunk it was handed, so reading overlaps reading and computing (on SQLite the reading is CPU
/// in this process, each read on its own thread, since SQLite's "async" calls complete synchronously);
/// a third connection pages through the opted-in ids. Chunks reach the caller in subject order.
/// </summary>
internal static class ChunkReader
{
    private const int Readers = 2;

    /// <param name="readTicks">Busy time of the reads, summed over both connections, in ticks (for benchmarks).</param>
    public static async IAsyncEnumerable<ReadChunk> ReadAsync(DatabaseSettings settings, long after, int chunkSize, ScoringReads reads,
        StrongBox<long> readTicks, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var contexts = new List<ShangdingDbContext>();
        var inFlight = new Queue<Task<ReadChunk>>();
        try
        {
            var connections = new DbConnection[Readers + 1];
            for (var i = 0; i < connections.Length; i++)
            {
                var context = DataServiceCollectionExtensions.CreateContext(settings);
                contexts.Add(context);
                await context.Database.OpenConnectionAsync(cancellationToken);
                connections[i] = context.Database.GetDbConnection();
            }

            var ids = connections[Readers];
            var last = after;
            var exhausted = false;
            var n = 0;

            async Task FillAsync()
            {
                while (!exhausted && inFlight.Count < Readers)
                {
                    var subjects = await ScoreStore.NextOptedInAsync(ids, null, last, chunkSize, cancellationToken);
                    if (subjects.Count == 0)
                    {
                        exhausted = true;
                        break;
                    }

                    last = subjects[^1];

                    // The oldest read in flight has finished with this connection: reads start and end in turn.
                    var connection = connections[n++ % Readers];
                    inFlight.Enqueue(Task.Run(async () =>
                    {
                        var started = System.Diagnostics.Stopwatch.GetTimestamp();
                        var records = await ScoreStore.ReadRecordsAsync(connection, null, subjects, reads, cancellationToken);
                        Interlocked.Add(ref readTicks.Value, System.Diagnostics.Stopwatch.GetElapsedTime(started).Ticks);
                        return new ReadChunk(subjects, records);
                    }, cancellationToken));
                }
            }

            await FillAsync();
            while (inFlight.Count > 0)
            {
                var chunk = await inFlight.Dequeue();
                await FillAsync();
                yield return chunk;
            }
        }
        finally
        {
            // A read still running (after a failure, a cancel or a caller that stopped early) ends before its connection goes.
            await Task.WhenAll(inFlight).ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            foreach (var context in contexts)
            {
                await context.DisposeAsync();
            }
        }
    }
}
