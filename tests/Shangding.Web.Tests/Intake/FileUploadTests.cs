using System.Text;
using System.Text.Json;
using AngleSharp.Html.Parser;
using Shangding.Cli;
using Shangding.Core.Intake;
using Shangding.Core.Intake.Files;
using Shangding.Testing;
using Shangding.Web.Api;
using Shangding.Web.Tests.Infrastructure;

namespace Shangding.Web.Tests.Intake;

public sealed class FileUploadTests(ShangdingWebFactory factory) : IClassFixture<ShangdingWebFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    internal static string?[] WaterRow(string key, string id, string amount = "1234.5") =>
        [key, "钱七", "居民身份证", id, "郑州市中原区建设路 8 号", "2025-05-01", "2026-01-31", "45", amount, "市自来水公司", "2026-02-10", null, null];

    private static (byte[] File, string GoodId) FilledWaterTemplate(byte[] template, int seed)
    {
        var good = TestPlatform.ResidentId(new DateOnly(1975, 1, 1).AddDays(seed), 500 + seed % 400);
        var bad = good[..17] + (good[17] == '1' ? "2" : "1");
        string?[][] rows =
        [
            WaterRow($"UP-{seed}-1", good),
            WaterRow($"UP-{seed}-2", TestPlatform.ResidentId(new DateOnly(1976, 2, 2).AddDays(seed), 100)),
            WaterRow($"UP-{seed}-3", bad),
            WaterRow($"UP-{seed}-4", TestPlatform.ResidentId(new DateOnly(1977, 3, 3).AddDays(seed), 101), "-20"),
        ];
        return (TemplateFiller.Fill(template, rows), good);
    }

    private static Task<HttpResponseMessage> Upload(PortalClient client, string category, byte[] content, string fileName) =>
        client.UploadAsync($"/unit/upload/{category}", content, fileName, Ct);

    [Fact]
    public async Task AClerk_DownloadsTheTemplate_UploadsGoodAndBadRows_AndGetsTheRejectsWithReasons()
    {
        var client = await PortalClient.SignedInAs(factory, "water", Ct);
        var template = await client.Http.GetByteArrayAsync("/api/v1/catalog/P-ARREARS-WATER/template.xlsx", Ct);
        var (file, _) = FilledWaterTemplate(template, 1);

        var response = await Upload(client, "P-ARREARS-WATER", file, "三月欠费.xlsx");
        response.RequestMessage!.RequestUri!.AbsolutePath.ShouldStartWith("/unit/batches/");
        var page = new HtmlParser().ParseDocument(await response.Content.ReadAsStringAsync(Ct));
        var counts = page.QuerySelectorAll(".counts .stat strong").Select(s => s.TextContent).ToList();
        counts.ShouldBe(["4", "2", "0", "0", "0", "2"]); // total, created, updated, unchanged, withdrawn, rejected
        var reasons = page.QuerySelectorAll("tbody tr td:nth-child(3)").Select(td => td.TextContent).ToList();
        reasons.ShouldContain(r => r.Contains("校验位", StringComparison.Ordinal));
        reasons.ShouldContain(r => r.Contains("不能为负数", StringComparison.Ordinal));

        var batchPath = response.RequestMessage.RequestUri.AbsolutePath;
        var rejects = await client.Http.GetByteArrayAsync(batchPath + "/rejects.xlsx", Ct);
        using var source = TabularReader.Open(new MemoryStream(rejects), "rejects.xlsx", IntakeFileLimits.Default);
        var rows = source.ReadRows(Ct).ToList();
        rows.Count.ShouldBe(3);
        rows[0].Cells.ShouldContain(RejectsExport.ReasonHeader);
        rows[1].Cells.ShouldContain("UP-1-3");
        rows.Skip(1).ShouldAllBe(r => r.Cells.Any(c => c != null && (c.Contains("校验位") || c.Contains("负数"))));
        var csv = Encoding.UTF8.GetString(await client.Http.GetByteArrayAsync(batchPath + "/rejects.csv", Ct));
        csv.ShouldContain("UP-1-4");

        var again = await Upload(client, "P-ARREARS-WATER", file, "三月欠费.xlsx");
        var second = new HtmlParser().ParseDocument(await again.Content.ReadAsStringAsync(Ct));
        second.QuerySelectorAll(".counts .stat strong").Select(s => s.TextContent).ShouldBe(["4", "0", "0", "2", "0", "2"]);
        // The second batch says it is the same file as the first, and links to it.
        second.QuerySelector(".same-file a")!.GetAttribute("href").ShouldBe(batchPath);
        page.QuerySelector(".same-file").ShouldBeNull();
    }

    [Fact]
    public async Task TheRejectsFile_IsStreamedAsItIsWritten_SoTheDownloadStartsAtOnce()
    {
        var client = await PortalClient.SignedInAs(factory, "water", Ct);
        var template = await client.Http.GetByteArrayAsync("/api/v1/catalog/P-ARREARS-WATER/template.xlsx", Ct);
        var (file, _) = FilledWaterTemplate(template, 77);
        var batchPath = (await Upload(client, "P-ARREARS-WATER", file, "流式下载.xlsx")).RequestMessage!.RequestUri!.AbsolutePath;
        var batchId = long.Parse(batchPath["/unit/batches/".Length..], System.Globalization.CultureInfo.InvariantCulture);

        // The writer is held at its first rejected row: the browser has the headers and the file's first bytes all the
        // same (before, the whole file was written to a temporary file first: half a minute for a million rows).
        using var release = new ManualResetEventSlim();
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        UnitEndpoints.RejectsRowHook = id =>
        {
            if (id == batchId)
            {
                held.TrySetResult();
                release.Wait(TimeSpan.FromMinutes(1));
            }
        };
        try
        {
            using var response = await client.Http.GetAsync(batchPath + "/rejects.xlsx", HttpCompletionOption.ResponseHeadersRead, Ct)
                .WaitAsync(TimeSpan.FromSeconds(20), Ct);
            response.StatusCode.ShouldBe(System.Net.HttpStatusCode.OK);
            response.Content.Headers.ContentDisposition!.FileNameStar.ShouldBe($"batch-{batchId}-rejects.xlsx");
            await held.Task.WaitAsync(TimeSpan.FromSeconds(20), Ct);
            await using var body = await response.Content.ReadAsStreamAsync(Ct);
            var start = new byte[4];
            await body.ReadExactlyAsync(start, Ct).AsTask().WaitAsync(TimeSpan.FromSeconds(20), Ct);
            start.ShouldBe("PK\u0003\u0004"u8.ToArray()); // a zip's first local file header, while the rows wait
            release.IsSet.ShouldBeFalse();

            release.Set();
            var rest = new MemoryStream();
            rest.Write(start);
            await body.CopyToAsync(rest, Ct);
            rest.Position = 0;
            using var source = TabularReader.Open(rest, "rejects.xlsx", IntakeFileLimits.Default);
            var rows = source.ReadRows(Ct).ToList();
            rows.Count.ShouldBe(3);
            rows[1].Cells.ShouldContain("UP-77-3");
        }
        finally
        {
            UnitEndpoints.RejectsRowHook = null;
            release.Set();
        }
    }

    [Fact]
    public async Task NotASpreadsheet_IsRefusedWithAClearMessage()
    {
        var client = await PortalClient.SignedInAs(factory, "water", Ct);
        byte[] png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52];
        var response = await Upload(client, "P-ARREARS-WATER", png, "照片.xlsx");
        var page = new HtmlParser().ParseDocument(await response.Content.ReadAsStringAsync(Ct));
        var batchLink = response.RequestMessage!.RequestUri!.AbsolutePath;
        batchLink.ShouldStartWith("/unit/batches/");
        page.QuerySelector(".error")!.TextContent.ShouldContain("图片");
    }

    [Fact]
    public async Task AFileProblemFoundMidway_RefusesTheFile_AndKeepsNothing()
    {
        var client = await PortalClient.SignedInAs(factory, "water", Ct);
        var columns = IntakeColumns.For(TestPlatform.Catalog.Find("P-ARREARS-WATER")!);
        // Seven good rows first, so the long cell is met while the rows stream, not while the header is read.
        var good = string.Join("\r\n", Enumerable.Range(1, 7).Select(i => string.Join(",", WaterRow($"MID-{i}", TestPlatform.ResidentId(new DateOnly(1982, 2, 2).AddDays(i), 7)))));
        var tooLong = string.Join(",", WaterRow("MID-9", TestPlatform.ResidentId(new DateOnly(1982, 3, 3), 7))) + "," + new string('长', 5000);
        var csv = string.Join(",", columns.Select(c => c.NameZh)) + "\r\n" + good + "\r\n" + tooLong + "\r\n";
        var response = await Upload(client, "P-ARREARS-WATER", Encoding.UTF8.GetBytes(csv), "toolong.csv");
        response.StatusCode.ShouldBe(System.Net.HttpStatusCode.OK);
        var page = new HtmlParser().ParseDocument(await response.Content.ReadAsStringAsync(Ct));
        var error = page.QuerySelector(".error")!.TextContent;
        error.ShouldContain("超过上限");
        error.ShouldContain("未保存任何记录");
        page.QuerySelector(".counts").ShouldBeNull(); // refused: nothing created, not even the good first row, and no tiles of zeros
    }

    [Fact]
    public async Task AnUploadOverTheLimit_IsAnswered413_WithAMessage_BeforeItsBodyIsRead()
    {
        var body = new MemoryStream("not read"u8.ToArray());
        var context = await factory.Server.SendAsync(c =>
        {
            c.Request.Method = "POST";
            c.Request.Path = "/unit/upload/P-ARREARS-WATER";
            c.Request.ContentType = "multipart/form-data; boundary=x";
            c.Request.ContentLength = Shangding.Web.Pages.Unit.UploadModel.UploadLimitBytes + (2 << 20);
            c.Request.Body = body;
        }, Ct);

        context.Response.StatusCode.ShouldBe(413);
        var page = await new StreamReader(context.Response.Body).ReadToEndAsync(Ct);
        page.ShouldContain("超过 300 MB 的上限");
        page.ShouldContain("请把数据分成几个文件");
        body.Position.ShouldBe(0); // nothing of the body was read
    }

    [Fact]
    public async Task TheTemplateOfAnotherCategory_IsRefused_NamingBoth()
    {
        var client = await PortalClient.SignedInAs(factory, "water", Ct);
        var other = await client.Http.GetByteArrayAsync("/api/v1/catalog/O-FEE-ARREARS/template.xlsx", Ct);
        var response = await Upload(client, "P-ARREARS-WATER", other, "错模板.xlsx");
        var text = new HtmlParser().ParseDocument(await response.Content.ReadAsStringAsync(Ct)).QuerySelector(".error")!.TextContent;
        text.ShouldContain("的模板，不是");
        text.ShouldContain(TestPlatform.Catalog.Find("O-FEE-ARREARS")!.NameZh);
    }

    [Fact]
    public async Task AProhibitedColumn_RefusesTheWholeFile()
    {
        var client = await PortalClient.SignedInAs(factory, "water", Ct);
        var columns = IntakeColumns.For(TestPlatform.Catalog.Find("P-ARREARS-WATER")!);
        var csv = string.Join(",", columns.Select(c => c.NameZh)) + ",宗教信仰\r\n" + string.Join(",", WaterRow("P-1", TestPlatform.ResidentId(new DateOnly(1980, 1, 1), 1))) + ",无\r\n";
        var response = await Upload(client, "P-ARREARS-WATER", Encoding.UTF8.GetBytes(csv), "withreligion.csv");
        var text = new HtmlParser().ParseDocument(await response.Content.ReadAsStringAsync(Ct)).QuerySelector(".error")!.TextContent;
        text.ShouldContain("“宗教信仰”");
        text.ShouldContain("整个文件未处理");
    }

    [Theory]
    [AllEngines]
    public async Task CliImport_GivesTheSameCounts_ASecondImportChangesNothing_AndWritesRejects(Shangding.Core.Data.DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider, migrate: false);
        var settings = new Dictionary<string, string?>(ShangdingWebFactory.TestKeys)
        {
            ["Shangding:Home"] = RepoPaths.Root,
            ["Database:Provider"] = db.Settings.Provider.ToString(),
            ["ConnectionStrings:Shangding"] = db.Settings.ConnectionString,
        };
        var dir = Directory.CreateTempSubdirectory("sd-cli-import-");
        try
        {
            var templatePath = Path.Combine(dir.FullName, "t.xlsx");
            var (code, said, _) = await Run(settings, "template", "P-ARREARS-WATER", "-o", templatePath);
            code.ShouldBe(0);
            said.ShouldContain("已写出 P-ARREARS-WATER 拖欠公用事业费用信息（水费） 的模板 / Template of P-ARREARS-WATER");
            var (file, goodId) = FilledWaterTemplate(await File.ReadAllBytesAsync(templatePath, Ct), 2);
            var filled = Path.Combine(dir.FullName, "filled.xlsx");
            await File.WriteAllBytesAsync(filled, file, Ct);
            var rejects = Path.Combine(dir.FullName, "rejects.csv");

            var (exit, output, _) = await Run(settings, "import", filled, "--unit", "WATER-SUPPLY", "--json", "--rejects", rejects);
            exit.ShouldBe(0);
            var first = JsonDocument.Parse(output).RootElement;
            (first.GetProperty("created").GetInt32(), first.GetProperty("rejected").GetInt32()).ShouldBe((2, 2));
            (await File.ReadAllTextAsync(rejects, Ct)).ShouldContain("校验位");

            (exit, output, _) = await Run(settings, "import", filled, "--unit", "WATER-SUPPLY", "--json");
            var second = JsonDocument.Parse(output).RootElement;
            (second.GetProperty("created").GetInt32(), second.GetProperty("unchanged").GetInt32()).ShouldBe((0, 2));

            // Without --json: the counts in Chinese, then in English, with the batch page's words.
            (exit, output, _) = await Run(settings, "import", filled, "--unit", "WATER-SUPPLY");
            exit.ShouldBe(0);
            var lines = output.Trim().Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
            var batchId = second.GetProperty("batchId").GetInt64() + 1;
            lines.ShouldBe([
                $"批次 {batchId} 已入库：共 4 行，新增 0，更新 0，未变化 2，撤回 0，未通过 2。",
                $"Batch {batchId} Stored: 4 rows — 0 created, 0 updated, 2 unchanged, 0 withdrawn, 2 rejected.",
            ]);

            (exit, _, var error) = await Run(settings, "import", filled, "--unit", "POWER-SUPPLY");
            exit.ShouldBe(4);
            error.ShouldContain("不是");

            // The score: nobody is scored before opting in; the CLI never prints the full ID number.
            (exit, _, error) = await Run(settings, "score", "show", goodId, "--purpose", "test");
            exit.ShouldBe(2);
            error.ShouldContain("not opted in");
            (exit, output, _) = await Run(settings, "score", "opt-in", goodId);
            exit.ShouldBe(0);
            output.ShouldNotContain(goodId);
            (exit, output, _) = await Run(settings, "score", "show", goodId, "--json", "--purpose", "test");
            exit.ShouldBe(0);
            var shown = JsonDocument.Parse(output).RootElement.GetProperty("result");
            shown.GetProperty("score").GetInt32().ShouldBeLessThan(100); // an arrears record and nothing good
            shown.GetProperty("reasons").GetArrayLength().ShouldBeGreaterThan(0);
            (exit, output, _) = await Run(settings, "recompute", "--full");
            exit.ShouldBe(0);
            output.ShouldContain("Rescored 1");
            output.ShouldContain(" 重算 1 名已开通者");
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static async Task<(int Code, string Out, string Err)> Run(IReadOnlyDictionary<string, string?> settings, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await CliApp.RunAsync(args, output, error, settings);
        return (code, output.ToString(), error.ToString());
    }

}
