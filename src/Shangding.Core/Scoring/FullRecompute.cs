using System.Data.Common;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Shangding.Core.Data;

namespace Shangding.Core.Scoring;

/// <summary>What a full recompute did.</summary>
/// <param name="Scored">Opted-in subjects scored by this call (a resumed run counts only what it did itself).</param>
/// <param name="Changed">Scores that are new or moved (each with a history row).</param>
/// <param name="ResumedAfter">The subject id the run resumed after; 0 for a fresh run.</param>
/// <param name="StageSeconds">Busy seconds of each stage (read, summed over its two connections; compute; write), for benchmarks.</param>
public sealed record RecomputeReport(long RunId, long Scored, long Changed, long ResumedAfter, double Seconds)
{
    public (double Read, double Compute, double Write) StageSeconds { get; init; }
}

/// <summary>
/// Rescores every opted-in subject with one model as of one date, in a pipeline of three stages
/// that overlap: read (the next chunk of opted-in subjects in id order and their records, streamed
/// ordered by subject), compute (the pure engine over all cores) and write (set-based, see
/// <see cref="ScoreStore.WriteAsync"/>). Each chunk commits in one transaction together with the
/// run's checkpoint (<c>score_recompute_runs</c>), so a subject's score, its history row and the
/// checkpoint never disagree and nobody sees half a subject's update; a run that stops (crash,
/// cancel) resumes after its last committed chunk when started again with the same model, date
/// and reason.
/// </summary>
public static class FullRecompute
{
    public const int ChunkSize = 10_000;

    private sealed record ComputedChunk(long LastSubject, ComputedScore[] Scores);

    public static async Task<RecomputeReport> RunAsync(DatabaseSettings settings, ScoreModel model, DateOnly asOf, TimeProvider clock, string reason,
        Action<long, long>? progress, CancellationToken cancellationToken, int chunkSize = ChunkSize)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        await using var writeContext = DataServiceCollectionExtensions.CreateContext(settings);
        await writeContext.Database.OpenConnectionAsync(cancellationToken);
        var writer = writeContext.Database.GetDbConnection();
        var (runId, after) = await StartOrResumeAsync(writer, model.Version, asOf, reason, clock.GetUtcNow().UtcDateTime, cancellationToken);
        var total = Convert.ToInt64(await ScalarAsync(writer, "SELECT count(*) FROM score_opt_ins WHERE opted_out_at IS NULL AND subject_id > @after", cancellationToken, ("@after", after)),
            CultureInfo.InvariantCulture);

        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var token = cancel.Token;
        var read = Channel.CreateBounded<ReadChunk>(new BoundedChannelOptions(1) { SingleReader = true, SingleWriter = true });
        var computed = Channel.CreateBounded<ComputedChunk>(new BoundedChannelOptions(1) { SingleReader = true, SingleWriter = true });

        var computeWatch = new System.Diagnostics.Stopwatch();
        var writeWatch = new System.Diagnostics.Stopwatch();
        var readTicks = new StrongBox<long>();
        var reader = Task.Run(async () =>
        {
            try
            {
                await foreach (var chunk in ChunkReader.ReadAsync(settings, after, chunkSize, model.Reads, readTicks, token))
                {
                    await read.Writer.WriteAsync(chunk, token);
                }

                read.Writer.Complete();
            }
            catch (Exception ex)
            {
                read.Writer.Complete(ex);
                throw;
            }
        }, token);

        var compute = Task.Run(async () =>
        {
            try
            {
                await foreach (var chunk in read.Reader.ReadAllAsync(token))
                {
                    computeWatch.Start();
                    var scores = ScoreService.ComputeAll(chunk.Subjects, chunk.Records, model, asOf);
                    computeWatch.Stop();
                    await computed.Writer.WriteAsync(new ComputedChunk(chunk.Subjects[^1], scores), token);
                }

                computed.Writer.Complete();
            }
            catch (Exception ex)
            {
                computed.Writer.Complete(ex);
                throw;
            }
        }, token);

        long scored = 0, changed = 0;
        try
        {
            await foreach (var chunk in computed.Reader.ReadAllAsync(token))
            {
                writeWatch.Start();
                var now = clock.GetUtcNow().UtcDateTime;
                await using var transaction = await writer.BeginTransactionAsync(token);
                if (ScoreStore.IsPostgres(writer))
                {
                    // A chunk's commit need not wait for its WAL to reach the disk: a crash can lose only the last chunks,
                    // and with them their checkpoint (same transaction), so the resumed run computes them again.
                    await ScoreStore.Execute(writer, transaction, "SET LOCAL synchronous_commit = off", token);
                }

                changed += await ScoreStore.WriteAsync(writer, transaction, chunk.Scores, reason, asOf, now, token);
                await ScoreStore.Execute(writer, transaction, "UPDATE score_recompute_runs SET last_subject = @last, scored = scored + @n WHERE id = @run", token,
                    ("@last", chunk.LastSubject), ("@n", (long)chunk.Scores.Length), ("@run", runId));
                await transaction.CommitAsync(token);
                writeWatch.Stop();
                scored += chunk.Scores.Length;
                progress?.Invoke(scored, Math.Max(total, scored));
            }

            await Task.WhenAll(reader, compute);
        }
        catch
        {
            await cancel.CancelAsync();
            try
            {
                await Task.WhenAll(reader, compute);
            }
            catch (Exception)
            {
                // The first failure is the one rethrown below; the others follow from the cancel.
            }

            throw;
        }

        var finished = clock.GetUtcNow().UtcDateTime;
        await ScoreStore.Execute(writer, null, "UPDATE score_recompute_runs SET finished_at = @at WHERE id = @run", cancellationToken,
            ("@at", ScoreStore.IsPostgres(writer) ? finished : finished.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture)), ("@run", runId));
        return new RecomputeReport(runId, scored, changed, after, watch.Elapsed.TotalSeconds)
        {
            StageSeconds = (TimeSpan.FromTicks(readTicks.Value).TotalSeconds, computeWatch.Elapsed.TotalSeconds, writeWatch.Elapsed.TotalSeconds),
        };
    }

    private static async Task<(long RunId, long After)> StartOrResumeAsync(DbConnection connection, string version, DateOnly asOf, string reason, DateTime now, CancellationToken cancellationToken)
    {
        var postgres = ScoreStore.IsPostgres(connection);
        object day = postgres ? asOf : asOf.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        await using (var command = ScoreStore.Command(connection, null,
            "SELECT id, last_subject FROM score_recompute_runs WHERE finished_at IS NULL AND model_version = @v AND as_of = @d AND reason = @r ORDER BY id DESC LIMIT 1",
            ("@v", version), ("@d", day), ("@r", reason)))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            if (await reader.ReadAsync(cancellationToken))
            {
                return (reader.GetInt64(0), reader.GetInt64(1));
            }
        }

        var id = await ScalarAsync(connection,
            "INSERT INTO score_recompute_runs (model_version, as_of, reason, started_at, last_subject, scored) VALUES (@v, @d, @r, @at, 0, 0) RETURNING id", cancellationToken,
            ("@v", version), ("@d", day), ("@r", reason), ("@at", postgres ? now : now.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture)));
        return (Convert.ToInt64(id, CultureInfo.InvariantCulture), 0);
    }

    private static async Task<object?> ScalarAsync(DbConnection connection, string sql, CancellationToken cancellationToken, params (string Name, object Value)[] args)
    {
        await using var command = ScoreStore.Command(connection, null, sql, args);
        return await command.ExecuteScalarAsync(cancellationToken);
    }
}
