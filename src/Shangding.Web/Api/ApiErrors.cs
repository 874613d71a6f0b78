using System.Text.Json;

namespace Shangding.Web.Api;

/// <summary>
/// Failures under <c>/api</c> are answered as problems that never echo the request. The framework's developer exception
/// page, which the Development environment shows for any exception, lists the request's headers — a caller's
/// <c>Authorization: Bearer …</c> token among them — and its stack trace; a body the framework's binding cannot read
/// (the endpoints other than <c>POST /api/v1/records</c>, which reads its own, <see cref="RecordsBody"/>) is such an
/// exception in Development. Here such a body gets a bilingual 400 saying where the JSON broke, logged as a warning, and
/// any other exception in Development a bilingual 500 (its details go to the log only). Binding failures throw in every
/// environment (<c>RouteHandlerOptions.ThrowOnBadRequest</c>, set in WebSetup), so Production answers them the same way;
/// outside <c>/api</c> they become the status's page. Production is unchanged for other exceptions (its error page shows
/// no request data); a busy database is left to <see cref="DatabaseBusy"/>.
/// </summary>
public static partial class ApiErrors
{
    /// <summary>After <see cref="DatabaseBusy.UseDatabaseBusyAnswer"/>, so that a busy database is still answered 503.</summary>
    public static void UseApiErrors(this IApplicationBuilder app)
    {
        var development = app.ApplicationServices.GetRequiredService<IWebHostEnvironment>().IsDevelopment();
        var logger = app.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ApiErrors));
        app.Use(async (context, next) =>
        {
            if (!context.Request.Path.StartsWithSegments("/api"))
            {
                try
                {
                    await next(context);
                }
                catch (BadHttpRequestException e) when (!context.Response.HasStarted)
                {
                    // A page's endpoint that cannot bind its request (e.g. POST /language without its form): the status's
                    // page says so, instead of the error page of an exception.
                    Log.BadRequest(logger, context.Request.Method, context.Request.Path, e.StatusCode, null, null, null);
                    context.Response.Clear();
                    context.Response.StatusCode = e.StatusCode;
                    // The status page is re-executed with this request's method and form; a form refused for its
                    // antiforgery token would make that page's own binding throw.
                    context.Features.Set<Microsoft.AspNetCore.Antiforgery.IAntiforgeryValidationFeature>(null);
                }

                return;
            }

            try
            {
                await next(context);
            }
            catch (BadHttpRequestException e) when (!context.Response.HasStarted)
            {
                // Only the position and path of a JSON error are used: a reader's message may quote the body.
                var json = e.InnerException as JsonException;
                var line = json?.LineNumber + 1;
                var position = json?.BytePositionInLine + 1;
                var path = json is null ? null : string.IsNullOrEmpty(json.Path) ? "$" : json.Path;
                Log.BadRequest(logger, context.Request.Method, context.Request.Path, e.StatusCode, line, position, path);
                context.Response.Clear();
                await Results.Problem(
                    title: RecordsBody.UnreadableTitle,
                    detail: json is null
                        ? "请求无法读取：请检查请求体（应为 JSON，Content-Type: application/json）和参数。 The request cannot be read: check its body (JSON, with Content-Type: application/json) and its parameters."
                        : $"请求体不是有效的 JSON，或某个值的类型不对：第 {line} 行第 {position} 个字节附近（位置 {path}）。 "
                            + $"The request body is not valid JSON, or a value has the wrong JSON type: near line {line}, byte {position} (at {path}).",
                    statusCode: e.StatusCode,
                    extensions: json is null ? null : new Dictionary<string, object?> { ["line"] = line, ["bytePositionInLine"] = position, ["path"] = path })
                    .ExecuteAsync(context);
            }
            catch (Exception e) when (development && !context.Response.HasStarted && !DatabaseBusy.Is(e) && !context.RequestAborted.IsCancellationRequested)
            {
                Log.Failed(logger, e, context.Request.Method, context.Request.Path);
                context.Response.Clear();
                await Results.Problem(
                    title: "服务器内部错误 / Internal server error",
                    detail: "处理请求时出错，详情见服务器日志。 The request failed on the server; the details are in the server's log.",
                    statusCode: StatusCodes.Status500InternalServerError).ExecuteAsync(context);
            }
        });
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 4002, Level = LogLevel.Warning,
            Message = "Refused an unreadable request {Method} {RequestPath} with {Status} (JSON line {Line}, byte {Position}, path {JsonPath})")]
        public static partial void BadRequest(ILogger logger, string method, PathString requestPath, int status, long? line, long? position, string? jsonPath);

        [LoggerMessage(EventId = 4003, Level = LogLevel.Error, Message = "Unhandled exception answering {Method} {RequestPath}")]
        public static partial void Failed(ILogger logger, Exception exception, string method, PathString requestPath);
    }
}
