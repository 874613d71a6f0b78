using Microsoft.Playwright;

namespace Shangding.Browser.Tests;

/// <summary>Signed-in browser pages of the demo accounts on a <see cref="WebServer"/>.</summary>
internal static class Sessions
{
    public const string DemoPassword = "Shangding-demo-2026";
    public const string CitizenName = "王小明";
    public const string CitizenId = Shangding.Core.Subjects.ExampleIdNumber.Value; // AccessDemo.CitizenId
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
    public static async Task<IPage> Staff(WebServer server, string user, string landing, int width = 1280, int height = 900)
    {
        var page = await NewPage(server, width, height);
        await SignInAsync(server, page, user, landing);
        return page;
    }

    /// <summary>Signs <paramref name="page"/> in as a staff or organisation account with the demo password and waits for <paramref name="landing"/>.</summary>
    public static async Task SignInAsync(WebServer server, IPage page, string user, string landing)
    {
        await page.GotoAsync(server.BaseUrl + "/account/signin");
        await page.FillAsync("#UserName", user);
        await page.FillAsync("#Password", DemoPassword);
        await page.ClickAsync("main button[type=submit]");
        await ArriveAsync(server, page, "**" + landing);
    }

    /// <summary>
    /// Waits for the page to reach <paramref name="url"/> (a glob: <c>**</c> any text, <c>*</c> any text
    /// without a slash) and show its &lt;main&gt;; if it does not, says where it is, what it shows and
    /// what the server logged. It polls the address and the DOM instead of calling
    /// <c>WaitForURLAsync</c>: after a form post and redirect, Playwright's wait for the frame's load
    /// state (which <c>WaitForURLAsync</c> does even with <c>WaitUntil = Commit</c>) has hung for 90 s
    /// on CI with the page already there and the network idle.
    /// </summary>
    public static async Task ArriveAsync(WebServer server, IPage page, string url)
    {
        var pattern = GlobRegex(url);
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            if (pattern.IsMatch(page.Url) && await page.Locator("main").CountAsync() > 0)
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                var shown = await page.InnerTextAsync("body", new PageInnerTextOptions { Timeout = 5_000 });
                throw new TimeoutException($"Never reached {url}; the page is {page.Url} and shows:\n{shown[..Math.Min(shown.Length, 1500)]}\nServer output:\n{server.RecentOutput()}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>The whole-address regex of a glob: <c>**</c> is any text, <c>*</c> any text without a slash, the rest literal.</summary>
    internal static System.Text.RegularExpressions.Regex GlobRegex(string glob)
    {
        var parts = glob.Split("**");
        var regex = string.Join(".*", parts.Select(p => string.Join("[^/]*", p.Split('*').Select(System.Text.RegularExpressions.Regex.Escape))));
        return new System.Text.RegularExpressions.Regex("^" + regex + "$");
    }
}
