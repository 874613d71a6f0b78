using System.Globalization;
using System.Net;
using Shangding.Web.Localization;
using Shangding.Web.Pages.Unit;

namespace Shangding.Web.Portal;

/// <summary>
/// An upload past the page's size limit (<see cref="UploadModel.UploadLimitBytes"/>) is answered 413 with a page that
/// says so in the clerk's language, before its body is read. Without this the form could not be read, the antiforgery
/// check failed, and the clerk saw a JSON "Bad Request". The upload page's script checks the size before sending, so
/// this is for a browser without it.
/// </summary>
public static class UploadSizeLimit
{
    /// <summary>What a multipart form adds around the file (boundaries, headers, the antiforgery token), at most.</summary>
    public const long FormOverheadBytes = 1 << 20;

    public static void UseUploadSizeLimit(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (HttpMethods.IsPost(context.Request.Method)
            && context.Request.Path.StartsWithSegments("/unit/upload")
            && context.Request.ContentLength > UploadModel.UploadLimitBytes + FormOverheadBytes)
        {
            var text = context.RequestServices.GetRequiredService<UiText>();
            var message = text.Format("upload.tooLarge", (context.Request.ContentLength.Value / (1024.0 * 1024)).ToString("N0", CultureInfo.InvariantCulture),
                UploadModel.UploadLimitBytes >> 20);
            context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
            context.Response.ContentType = "text/html; charset=utf-8";
            await context.Response.WriteAsync($"""
                <!DOCTYPE html>
                <html lang="{(UiText.IsEnglish() ? UiText.English : UiText.Chinese)}"><head><meta charset="utf-8" /><meta name="viewport" content="width=device-width, initial-scale=1" />
                <title>{WebUtility.HtmlEncode(text["upload.title"])}</title><link rel="stylesheet" href="/css/site.css" /></head>
                <body><main id="main" class="wrap"><h1>{WebUtility.HtmlEncode(text["upload.title"])}</h1>
                <p class="error" role="alert">{WebUtility.HtmlEncode(message)}</p>
                <p><a href="{WebUtility.HtmlEncode(context.Request.Path)}">{WebUtility.HtmlEncode(text["upload.again"])}</a></p></main></body></html>
                """);
            return;
        }

        await next(context);
    });
}
