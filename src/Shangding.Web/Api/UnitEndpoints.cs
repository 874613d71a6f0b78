using System.IO.Pipelines;
using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Shangding.Core.Data;
using Shangding.Core.Intake;
using Shangding.Web.Access;
using Shangding.Web.Localization;

namespace Shangding.Web.Api;

/// <summary>Downloads of the reporting desk that are files, not pages.</summary>
public static class UnitEndpoints
{
    public static void MapUnitEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/unit/batches/{id:long}/rejects.{format}", Rejects)
            .RequireAuthorization(Policies.UnitClerk)
            .ExcludeFromDescription();
    }

    /// <summary>For tests: called on the reading thread with the batch's id as each rejected row is read (e.g. to hold the download there).</summary>
    internal static Action<long>? RejectsRowHook { get; set; }

    /// <summary>The rejected rows of one of the unit's batches as uploaded, with the reason beside each, as .xlsx or .csv.</summary>
    public static async Task<IResult> Rejects(long id, string format, ClaimsPrincipal user, ShangdingDbContext db,
        Shangding.Core.Subjects.IdentityProtector protector, CancellationToken cancellationToken)
    {
        var unit = user.FindFirstValue(Policies.UnitClaim);
        var batch = await db.IntakeBatches.AsNoTracking().FirstOrDefaultAsync(b => b.Id == id && b.UnitCode == unit, cancellationToken);
        if (batch is null || format is not ("xlsx" or "csv"))
        {
            return TypedResults.NotFound();
        }

        // Streamed as it is written: a million rejected rows take half a minute to decrypt and write, and the clerk's
        // browser shows the download going from its first row instead of waiting for the whole file. The writers are
        // synchronous (Kestrel refuses synchronous writes to a response), so they run on a thread of their own and hand
        // the bytes over through a pipe, which holds at most a megabyte before the writer waits for the network.
        return TypedResults.Stream(async body =>
        {
            var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 1 << 20, resumeWriterThreshold: 1 << 19, useSynchronizationContext: false));
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var english = UiText.IsEnglish();
            var writing = Task.Factory.StartNew(() =>
            {
                try
                {
                    using (var output = pipe.Writer.AsStream(leaveOpen: true))
                    {
                        RejectsExport.Write(db, batch, output, format == "xlsx", english, protector,
                            RejectsRowHook is { } hook ? _ => hook(batch.Id) : null, stop.Token);
                    }

                    pipe.Writer.Complete();
                }
                catch (Exception ex)
                {
                    pipe.Writer.Complete(ex);
                }
            }, stop.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            try
            {
                await pipe.Reader.CopyToAsync(body, stop.Token);
            }
            finally
            {
                // The clerk went away, or the writer failed: stop the writer at its next row and let it finish.
                await stop.CancelAsync();
                await pipe.Reader.CompleteAsync();
                await writing.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
        }, format == "xlsx" ? CatalogEndpoints.XlsxContentType : "text/csv; charset=utf-8", $"batch-{id}-rejects.{format}");
    }
}
