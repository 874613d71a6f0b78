using Microsoft.Playwright;

namespace Shangding.Browser.Tests;

/// <summary>The remedies pages of staff in headless Chromium at desktop and phone width: they load, fit the phone's width, and are screenshotted.</summary>
public sealed class RemediesJourneyTests(WebServer server) : IClassFixture<WebServer>
{
    private static readonly (string Name, int Width, int Height)[] Viewports = [("desktop", 1280, 900), ("phone", 390, 844)];

    private Task<IPage> SignedIn(string user, string landing, int width, int height) => Sessions.Staff(server, user, landing, width, height);

    private static async Task VisitAsync(IPage page, string url, string heading, string shot, int width)
    {
        var response = await page.GotoAsync(url);
        response!.Ok.ShouldBeTrue(url);
        (await page.InnerTextAsync("h1")).ShouldBe(heading);
        // Wide tables scroll inside their box; the page itself never scrolls sideways on a phone.
        (await page.EvaluateAsync<int>("document.documentElement.scrollWidth")).ShouldBeLessThanOrEqualTo(width, url);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(WebServer.ScreenshotDirectory, shot + ".png"), FullPage = true });
    }

    [Fact]
    public async Task TheCreditCentreAndAUnit_SeeTheirRemedyQueues_OnADesktopAndAPhone()
    {
        foreach (var (name, width, height) in Viewports)
        {
            var op = await SignedIn("operator", "/operator", width, height);
            await VisitAsync(op, server.BaseUrl + "/operator/disputes", "异议处理", $"remedies-operator-disputes-{name}", width);
            await VisitAsync(op, server.BaseUrl + "/operator/repairs", "信用修复申请审核", $"remedies-operator-repairs-{name}", width);
            await VisitAsync(op, server.BaseUrl + "/inbox", "消息", $"remedies-inbox-{name}", width);
            await op.Context.CloseAsync();

            var clerk = await SignedIn("civil", "/unit", width, height);
            await VisitAsync(clerk, server.BaseUrl + "/unit/disputes", "异议核查", $"remedies-unit-disputes-{name}", width);
            await VisitAsync(clerk, server.BaseUrl + "/unit/repairs", "信用修复申请审核", $"remedies-unit-repairs-{name}", width);
            await VisitAsync(clerk, server.BaseUrl + "/unit/self-reports?culture=en", "Self-reports to review", $"remedies-unit-self-reports-en-{name}", width);
            await clerk.Context.CloseAsync();
        }
    }
}
