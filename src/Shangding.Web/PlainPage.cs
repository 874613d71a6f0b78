using System.Net;
using Shangding.Web.Localization;

namespace Shangding.Web;

/// <summary>
/// A short page written by middleware that answers before any Razor page runs (the database busy, an upload too
/// large): the site's stylesheet, a title, one message and one link, in the reader's language.
/// </summary>
internal static class PlainPage
{
    public static async Task WriteAsync(HttpContext context, int statusCode, string title, string message, string linkHref, string linkText)
    {
        context.Response.StatusCode = statusCode;
        context.Response.ContentType = "text/html; charset=utf-8";
        var lang = UiText.IsEnglish() ? UiText.English : UiText.Chinese;
        await context.Response.WriteAsync($"""
            <!DOCTYPE html>
            <html lang="{lang}"><head><meta charset="utf-8" /><meta name="viewport" content="width=device-width, initial-scale=1" />
            <title>{WebUtility.HtmlEncode(title)}</title><link rel="stylesheet" href="/css/site.css" /></head>
            <body><main id="main" class="wrap"><h1>{WebUtility.HtmlEncode(title)}</h1>
            <p class="error" role="alert">{WebUtility.HtmlEncode(message)}</p>
            <p><a href="{WebUtility.HtmlEncode(linkHref)}">{WebUtility.HtmlEncode(linkText)}</a></p></main></body></html>
            """);
    }
}
