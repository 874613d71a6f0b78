using System.Globalization;
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

    /// <summary>The clerk's message for a file of <paramref name="bytes"/>, over the limit.</summary>
    public static string TooLarge(UiText text, long bytes) =>
        text.Format("upload.tooLarge", (bytes / (1024.0 * 1024)).ToString("N0", CultureInfo.InvariantCulture), UploadModel.UploadLimitBytes >> 20);

    public static void UseUploadSizeLimit(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (HttpMethods.IsPost(context.Request.Method)
            && context.Request.Path.StartsWithSegments("/unit/upload")
            && context.Request.ContentLength > UploadModel.UploadLimitBytes + FormOverheadBytes)
        {
            var text = context.RequestServices.GetRequiredService<UiText>();
            await PlainPage.WriteAsync(context, StatusCodes.Status413PayloadTooLarge, text["upload.title"],
                TooLarge(text, context.Request.ContentLength.Value), context.Request.Path, text["upload.again"]);
            return;
        }

        await next(context);
    });
}
