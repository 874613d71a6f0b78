using Microsoft.Playwright;

namespace Shangding.Browser.Tests;

/// <summary>Screenshots to artifacts/screenshots/, each checked for untranslated text keys and sideways overflow.</summary>
internal static class Screenshots
{
    public static readonly (string Name, int Width, int Height) Desktop = ("desktop", 1280, 900);
    public static readonly (string Name, int Width, int Height) Phone = ("phone", 390, 844);

    /// <summary>A full-page screenshot of the page as it is, named <paramref name="name"/>.png, after the checks every screenshot gets.</summary>
    public static async Task Shot(IPage page, string name)
    {
        // Charts animate in; wait until they are drawn so the screenshot shows them.
        if (await page.Locator(".chart").CountAsync() > 0)
        {
            await page.WaitForSelectorAsync(".chart.chart-ready svg");
            await page.WaitForTimeoutAsync(700);
        }

        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(WebServer.ScreenshotDirectory, name + ".png"), FullPage = true });
        // Every visible text comes from a key; a missing one would show as [key].
        (await page.InnerTextAsync("body")).ShouldNotMatch(@"\[[a-z]+\.[\w.\-]+\]", name);
        // Nothing is wider than the window (no sideways scrolling of the whole page).
        (await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth + 1")).ShouldBeTrue($"{name} overflows sideways");
    }

    /// <summary>
    /// Opens <paramref name="url"/> in Chinese and in English and screenshots each at desktop and phone
    /// width: <c>{name}-{zh|en}-{desktop|phone}.png</c>. Returns to desktop width.
    /// </summary>
    public static async Task ShootPage(IPage page, string baseUrl, string url, string name)
    {
        foreach (var (culture, lang) in new[] { ("zh", "zh-CN"), ("en", "en") })
        {
            await page.SetViewportSizeAsync(Desktop.Width, Desktop.Height);
            var response = await page.GotoAsync(baseUrl + url + (culture == "en" ? (url.Contains('?') ? "&" : "?") + "culture=en" : ""));
            response!.Ok.ShouldBeTrue($"{url} answered {response.Status}");
            (await page.GetAttributeAsync("html", "lang")).ShouldBe(lang, url);
            await Shot(page, $"{name}-{culture}-{Desktop.Name}");
            await page.SetViewportSizeAsync(Phone.Width, Phone.Height);
            await Shot(page, $"{name}-{culture}-{Phone.Name}");
        }

        await page.SetViewportSizeAsync(Desktop.Width, Desktop.Height);
    }

    /// <summary>
    /// Opens <paramref name="url"/> in each language, submits its form with <paramref name="submit"/> and
    /// screenshots the answer at both widths (<c>{name}-{zh|en}-{desktop|phone}.png</c>); the answer must show an error beside a field.
    /// </summary>
    public static async Task ShootFormErrors(IPage page, string baseUrl, string url, string name, Func<IPage, Task> submit)
    {
        foreach (var culture in new[] { "zh", "en" })
        {
            await page.SetViewportSizeAsync(Desktop.Width, Desktop.Height);
            await page.GotoAsync(baseUrl + url + (culture == "en" ? (url.Contains('?') ? "&" : "?") + "culture=en" : ""));
            await submit(page);
            await page.WaitForSelectorAsync(".field.has-error .field-error");
            await Shot(page, $"{name}-{culture}-{Desktop.Name}");
            await page.SetViewportSizeAsync(Phone.Width, Phone.Height);
            await Shot(page, $"{name}-{culture}-{Phone.Name}");
        }

        await page.SetViewportSizeAsync(Desktop.Width, Desktop.Height);
    }
}
