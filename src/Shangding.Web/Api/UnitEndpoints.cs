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

        // Written to a temporary file first (the writers are synchronous and stream from the database).
        var temp = Path.GetTempFileName();
        await using (var file = File.Create(temp))
        {
            RejectsExport.Write(db, batch, file, format == "xlsx", UiText.IsEnglish(), protector);
        }

        var stream = new FileStream(temp, FileMode.Open, FileAccess.Read, FileShare.None, 1 << 16, FileOptions.DeleteOnClose);
        return TypedResults.File(stream, format == "xlsx" ? CatalogEndpoints.XlsxContentType : "text/csv; charset=utf-8", $"batch-{id}-rejects.{format}");
    }
}
