using Microsoft.Playwright;

namespace Shangding.Browser.Tests;

/// <summary>Signed-in browser pages of the demo accounts on a <see cref="WebServer"/>.</summary>
internal static class Sessions
{
    public const string DemoPassword = "Shangding-demo-2026";
    public const string CitizenName = "王小明";
    public const string CitizenId = "410105198504121237"; // AccessDemo.CitizenId
    public const string OrganisationName = "郑州商鼎示范商贸有限公司"; // AccessDemo.OrganisationName
    public static readonly string OrganisationUscc = "91410105MA4DXE6K1" + Shangding.Core.Subjects.UnifiedSocialCreditCode.ComputeCheckCharacter("91410105MA4DXE6K1"); // AccessDemo.OrganisationUscc

    /// <summary>A 1×1 PNG, as a photographed receipt would be (files are recognised by their first bytes).</summary>
    public static readonly byte[] TinyPng = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==");

    public static async Task<IPage> NewPage(WebServer server, int width = 1280, int height = 900)
    {
        server.RequireBrowser();
        var context = await server.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = width, Height = height } });
        return await context.NewPageAsync();
    }

    /// <summary>王小明 signed in through real-name verification (the development verifier), on /me/records.</summary>
    public static async Task<IPage> Citizen(WebServer server)
    {
        var page = await NewPage(server);
        await page.GotoAsync(server.BaseUrl + "/account/citizen");
        await page.FillAsync("#Name", CitizenName);
        await page.FillAsync("#IdNumber", CitizenId);
        await page.FillAsync("#Code", "246810");
        await page.ClickAsync("main button[type=submit]");
        await ArriveAsync(server, page, "**/me/records");
        return page;
    }

    /// <summary>A staff or organisation account signed in with the demo password, on <paramref name="landing"/>.</summary>
    public static async Task<IPage> Staff(WebServer server, string user, string landing)
    {
        var page = await NewPage(server);
        await page.GotoAsync(server.BaseUrl + "/account/signin");
        await page.FillAsync("#UserName", user);
        await page.FillAsync("#Password", DemoPassword);
        await page.ClickAsync("main button[type=submit]");
        await ArriveAsync(server, page, "**" + landing);
        return page;
    }

    /// <summary>
    /// Waits for the page to reach <paramref name="url"/> and show its main content; if it does not,
    /// says where it is, what it shows and what the server logged. It waits for the navigation to
    /// commit and then for the page's &lt;main&gt;, not for the <c>load</c> event: on a busy 2-core CI
    /// machine Chromium has reported <c>load</c> more than 90 s late for a page that had long
    /// finished (network idle), which failed the test while the page was already right there.
    /// </summary>
    public static async Task ArriveAsync(WebServer server, IPage page, string url)
    {
        try
        {
            await page.WaitForURLAsync(url, new PageWaitForURLOptions { WaitUntil = WaitUntilState.Commit });
            await page.Locator("main").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });
        }
        catch (TimeoutException e)
        {
            var shown = await page.InnerTextAsync("body", new PageInnerTextOptions { Timeout = 5_000 });
            throw new TimeoutException($"Never reached {url}; the page is {page.Url} and shows:\n{shown[..Math.Min(shown.Length, 1500)]}\nServer output:\n{server.RecentOutput()}", e);
        }
    }
}
