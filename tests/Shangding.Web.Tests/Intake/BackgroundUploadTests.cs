using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Shangding.Core.Data;
using Shangding.Core.Intake;
using Shangding.Testing;
using Shangding.Web.Tests.Infrastructure;

namespace Shangding.Web.Tests.Intake;

/// <summary>
/// Web uploads that run on in the background: with no wait (<c>Intake:UploadWaitSeconds=0</c>) every upload is
/// answered with its batch page at once, which shows the import's progress until its rows are committed, and can
/// cancel it.
/// </summary>
public sealed partial class BackgroundUploadTests : IDisposable
{
    private readonly ShangdingWebFactory _factory = ShangdingWebFactory.In("Development", new Dictionary<string, string?> { ["Intake:UploadWaitSeconds"] = "0" });

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _factory.Dispose();

    private static string?[] WaterRow(string key, string id, string amount = "1234.5") =>
        [key, "钱七", "居民身份证", id, "郑州市中原区建设路 8 号", "2025-05-01", "2026-01-31", "45", amount, "市自来水公司", "2026-02-10", null, null];

    private static string Csv(IEnumerable<string?[]> rows)
    {
        var columns = IntakeColumns.For(TestPlatform.Catalog.Find("P-ARREARS-WATER")!);
        var text = new StringBuilder(string.Join(",", columns.Select(c => c.NameZh))).Append("\r\n");
        foreach (var row in rows)
        {
            text.AppendJoin(",", row).Append("\r\n");
        }

        return text.ToString();
    }

    private static async Task<HttpResponseMessage> Upload(PortalClient client, byte[] content, string fileName)
    {
        var page = await client.Http.GetStringAsync("/unit/upload/P-ARREARS-WATER", Ct);
        using var form = new MultipartFormDataContent
        {
            { new StringContent(TokenRegex().Match(page).Groups[1].Value), "__RequestVerificationToken" },
        };
        var file = new ByteArrayContent(content);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(file, "Upload", fileName);
        return await client.Http.PostAsync("/unit/upload/P-ARREARS-WATER", form, Ct);
    }

    private static async Task<IHtmlDocument> Page(PortalClient client, string path) =>
        new HtmlParser().ParseDocument(await client.Http.GetStringAsync(path, Ct));

    private static string Status(IHtmlDocument page) => page.QuerySelectorAll("dl.facts dd")[3].TextContent.Trim();

    /// <summary>Reloads the batch page, as the browser does, until the batch is no longer Running.</summary>
    private static async Task<IHtmlDocument> WhenDone(PortalClient client, string path)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var page = await Page(client, path);
            if (page.QuerySelector(".batch-progress") is null)
            {
                return page;
            }

            DateTime.UtcNow.ShouldBeLessThan(deadline, "the batch is still running after 60 s");
            await Task.Delay(100, Ct);
        }
    }

    [Fact]
    public async Task AnUploadAnsweredAtOnce_EndsWithTheSameCountsAndReasons_AsOneThatWaits()
    {
        var client = await PortalClient.SignedInAs(_factory, "water", Ct);
        var csv = Csv(
        [
            WaterRow("BG-1", TestPlatform.ResidentId(new DateOnly(1981, 4, 4), 11)),
            WaterRow("BG-2", TestPlatform.ResidentId(new DateOnly(1981, 4, 5), 12)),
            WaterRow("BG-3", WrongCheckDigit(TestPlatform.ResidentId(new DateOnly(1981, 4, 6), 13))),
            WaterRow("BG-4", TestPlatform.ResidentId(new DateOnly(1981, 4, 7), 14), "-20"),
        ]);
        var response = await Upload(client, Encoding.UTF8.GetBytes(csv), "后台.csv");
        var path = response.RequestMessage!.RequestUri!.AbsolutePath;
        path.ShouldStartWith("/unit/batches/");

        var page = await WhenDone(client, path);
        Status(page).ShouldBe("已入库");
        page.QuerySelectorAll(".counts .stat strong").Select(s => s.TextContent).ShouldBe(["4", "2", "0", "0", "0", "2"]);
        var reasons = page.QuerySelectorAll("tbody tr td:nth-child(3)").Select(td => td.TextContent).ToList();
        reasons.ShouldContain(r => r.Contains("校验位", StringComparison.Ordinal));
        reasons.ShouldContain(r => r.Contains("不能为负数", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ABigUpload_ShowsItsProgress_AndACancelKeepsNothingOfIt()
    {
        var client = await PortalClient.SignedInAs(_factory, "water", Ct);
        var response = await Upload(client, BigCsv("BIG-"), "大文件.csv");
        var path = response.RequestMessage!.RequestUri!.AbsolutePath;
        path.ShouldStartWith("/unit/batches/");

        // The batch is Running and its page says how far the import has got: reloaded until rows have been read.
        IHtmlDocument page;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        do
        {
            page = await Page(client, path);
            Status(page).ShouldBe("处理中", page.QuerySelector(".error")?.TextContent);
            page.QuerySelector("meta[http-equiv=refresh]").ShouldNotBeNull();
            page.QuerySelector(".counts").ShouldBeNull(); // no counts before the batch's rows are committed, all together
            DateTime.UtcNow.ShouldBeLessThan(deadline, "no progress shown within 30 s");
            await Task.Delay(50, Ct);
        }
        while (RowsRead(page) == 0);

        var token = TokenRegex().Match(page.DocumentElement.OuterHtml).Groups[1].Value;
        var cancelled = await client.Http.PostAsync(path + "?handler=Cancel",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }), Ct);
        cancelled.RequestMessage!.RequestUri!.AbsolutePath.ShouldBe(path);

        page = await WhenDone(client, path);
        Status(page).ShouldBe("未处理");
        page.QuerySelector(".error")!.TextContent.ShouldContain("已取消，未保存任何记录");
        page.QuerySelectorAll(".counts .stat strong")[1].TextContent.ShouldBe("0");
        await using var scope = _factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ShangdingDbContext>();
        (await db.Records.CountAsync(r => r.RecordKey.StartsWith("BIG-"), Ct)).ShouldBe(0);
    }

    [Fact]
    public async Task StoppingTheApp_CancelsARunningUpload_AndWaitsForItsRollback()
    {
        var client = await PortalClient.SignedInAs(_factory, "water", Ct);
        var response = await Upload(client, BigCsv("STOP-"), "停机.csv");
        var path = response.RequestMessage!.RequestUri!.AbsolutePath;
        Status(await Page(client, path)).ShouldBe("处理中");

        // What the host calls when the app stops: it returns once the import has rolled back and said so.
        await _factory.Services.GetRequiredService<Shangding.Web.Portal.UploadJobs>().StopAsync(Ct);

        var page = await Page(client, path);
        Status(page).ShouldBe("未处理");
        page.QuerySelector(".error")!.TextContent.ShouldContain("已取消，未保存任何记录");
        await using var scope = _factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ShangdingDbContext>();
        (await db.Records.CountAsync(r => r.RecordKey.StartsWith("STOP-"), Ct)).ShouldBe(0);
    }

    /// <summary>200,000 good rows: a few seconds of import on this machine, so a test can watch it run.</summary>
    private static byte[] BigCsv(string keyPrefix) => Encoding.UTF8.GetBytes(Csv(Enumerable.Range(0, 200_000).Select(i =>
        WaterRow(keyPrefix + i.ToString(System.Globalization.CultureInfo.InvariantCulture),
            TestPlatform.ResidentId(new DateOnly(1950, 1, 1).AddDays(i % 20_000), i / 20_000)))));

    private static string WrongCheckDigit(string id) => id[..17] + (id[17] == '1' ? "2" : "1");

    private static int RowsRead(IHtmlDocument page)
    {
        var text = page.QuerySelector(".batch-progress p")!.TextContent;
        if (text.Contains("正在读取文件", StringComparison.Ordinal))
        {
            return 0;
        }

        var match = RowsRegex().Match(text);
        match.Success.ShouldBeTrue(text);
        return int.Parse(match.Groups[1].Value.Replace(",", "", StringComparison.Ordinal), System.Globalization.CultureInfo.InvariantCulture);
    }

    [GeneratedRegex("已读取并校验 ([0-9,]+) 行")]
    private static partial Regex RowsRegex();

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex TokenRegex();
}
