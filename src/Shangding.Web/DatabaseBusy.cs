using Shangding.Web.Localization;

namespace Shangding.Web;

/// <summary>
/// A request whose database work waited past its limit for another's lock is answered 503 with <c>Retry-After</c> and
/// a message saying nothing of it was stored, instead of a bare 500. On SQLite one writer at a time holds the database:
/// a big import holds it from its first rows to its commit (a million rows: about 20 s), and a write that waits past the
/// 30 s busy timeout fails with <c>SQLITE_BUSY</c>. On PostgreSQL: a lock timeout, a deadlock or a serialization
/// failure. The transaction was rolled back in each case, so sending the request again is safe.
/// </summary>
public static class DatabaseBusy
{
    public const int RetryAfterSeconds = 30;

    public static bool Is(Exception? exception) =>
        Shangding.Core.Intake.BatchContendedException.Is(exception) || Find<Shangding.Core.Intake.RecordCreatedMeanwhileException>(exception) is not null;

    private static T? Find<T>(Exception? exception) where T : Exception
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is T found)
            {
                return found;
            }
        }

        return null;
    }

    /// <summary>Answers busy-database failures of the requests after it in the pipeline (after request localization, so the page speaks the reader's language).</summary>
    public static void UseDatabaseBusyAnswer(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        try
        {
            await next(context);
        }
        catch (Exception ex) when (Is(ex) && !context.Response.HasStarted)
        {
            context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DatabaseBusy))
                .LogWarning(ex, "The database stayed busy: {Method} {Path} answered 503", context.Request.Method, context.Request.Path);
            context.Response.Clear();
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var text = context.RequestServices.GetRequiredService<UiText>();
            if (Find<Shangding.Core.Intake.RecordCreatedMeanwhileException>(ex) is { } created)
            {
                // Not a wait that ran out but a race for one record key: the same answer (nothing stored, send it again),
                // saying what happened.
                if (context.Request.Path.StartsWithSegments("/api"))
                {
                    await Results.Problem(title: "记录已被同时新建 / A record was created meanwhile", detail: created.Message,
                        statusCode: StatusCodes.Status503ServiceUnavailable).ExecuteAsync(context);
                    return;
                }

                await PlainPage.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, UiText.Pick("记录已被同时新建", "A record was created meanwhile"),
                    UiText.Pick(Shangding.Core.Intake.RecordCreatedMeanwhileException.Zh, Shangding.Core.Intake.RecordCreatedMeanwhileException.En), "/", text["busy.home"]);
                return;
            }

            if (context.Request.Path.StartsWithSegments("/api"))
            {
                // The API's messages carry both languages, as its other problems do.
                await Results.Problem(
                    title: "数据库正忙 / The database is busy",
                    detail: text.Get("busy.detail", System.Globalization.CultureInfo.GetCultureInfo(UiText.Chinese)) + " "
                        + text.Get("busy.detail", System.Globalization.CultureInfo.GetCultureInfo(UiText.English)),
                    statusCode: StatusCodes.Status503ServiceUnavailable).ExecuteAsync(context);
                return;
            }

            await PlainPage.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, text["busy.title"], text["busy.detail"], "/", text["busy.home"]);
        }
    });
}
