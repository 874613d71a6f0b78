using System.Text;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Shangding.Core.Data;
using Shangding.Core.Intake;
using Shangding.Testing;
using Shangding.Web.Portal;
using Shangding.Web.Tests.Infrastructure;

namespace Shangding.Web.Tests.Intake;

/// <summary>
/// Web uploads that run on in the background: with no wait (<c>Intake:UploadWaitSeconds=0</c>) every upload is
/// answered with its batch page at once, which shows the import's progress until its rows are committed, and can
/// cancel it.
/// </summary>
public sealed class BackgroundUploadTests : IDisposable
{
    private readonly ShangdingWebFactory _factory = ShangdingWebFactory.In("Development", new Dictionary<string, string?>
    {
        ["Intake:UploadWaitSeconds"] = "0",
        ["Intake:MaxConcurrentUploads"] = "1",
        ["Intake:MaxQueuedUploads"] = "1",
    });

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _factory.Dispose();

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

    private static Task<HttpResponseMessage> Upload(PortalClient client, byte[] content, string fileName) =>
        client.UploadAsync("/unit/upload/P-ARREARS-WATER", content, fileName, Ct);

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
    public async Task AnUploadAnsweredAtOnce_EndsWithItsCountsAndReasons()
    {
        var client = await PortalClient.SignedInAs(_factory, "water", Ct);
        var csv = Csv(
        [
            FileUploadTests.WaterRow("BG-1", TestPlatform.ResidentId(new DateOnly(1981, 4, 4), 11)),
            FileUploadTests.WaterRow("BG-2", TestPlatform.ResidentId(new DateOnly(1981, 4, 5), 12)),
            FileUploadTests.WaterRow("BG-3", WrongCheckDigit(TestPlatform.ResidentId(new DateOnly(1981, 4, 6), 13))),
            FileUploadTests.WaterRow("BG-4", TestPlatform.ResidentId(new DateOnly(1981, 4, 7), 14), "-20"),
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
        using var hold = Hold.At(_factory);
        var client = await PortalClient.SignedInAs(_factory, "water", Ct);
        var path = await UploadHeld(client, hold, BigCsv("BIG-", 30_000), "大文件.csv");

        // Held after its first 10,000 rows: the page says so, shows no counts yet, reloads itself and offers the cancel.
        var page = await Page(client, path);
        Status(page).ShouldBe("处理中");
        page.QuerySelector("meta[http-equiv=refresh]").ShouldNotBeNull();
        page.QuerySelector(".counts").ShouldBeNull(); // no counts before the batch's rows are committed, all together
        page.QuerySelector(".batch-progress p")!.TextContent.ShouldContain("已读取并校验 10,000 行");

        var cancelled = await client.PostFormAsync(path + "?handler=Cancel", [], Ct, formPage: path);
        cancelled.RequestMessage!.RequestUri!.AbsolutePath.ShouldBe(path);
        var cancelling = new HtmlParser().ParseDocument(await cancelled.Content.ReadAsStringAsync(Ct));
        cancelling.QuerySelector(".batch-progress p")!.TextContent.ShouldContain("正在取消");
        cancelling.QuerySelector(".batch-progress form").ShouldBeNull();
        hold.Release.Set();

        page = await WhenDone(client, path);
        Status(page).ShouldBe("未处理");
        page.QuerySelector(".error")!.TextContent.ShouldContain("已取消，未保存任何记录");
        page.QuerySelector(".counts").ShouldBeNull(); // refused: no tiles of zeros
        (await RecordsWithKeysStarting("BIG-")).ShouldBe(0);
    }

    [Fact]
    public async Task AClerkOfAnotherUnit_CannotSeeOrCancelTheBatch()
    {
        using var hold = Hold.At(_factory);
        var water = await PortalClient.SignedInAs(_factory, "water", Ct);
        // Signed in first: on SQLite a sign-in's write waits for the import's write lock, which the hold keeps.
        var civil = await PortalClient.SignedInAs(_factory, "civil", Ct);
        var path = await UploadHeld(water, hold, BigCsv("OTHER-", 20_000), "别人的.csv");

        (await civil.Http.GetAsync(path, Ct)).StatusCode.ShouldBe(System.Net.HttpStatusCode.NotFound);
        var cancel = await civil.PostFormAsync(path + "?handler=Cancel", [], Ct, formPage: "/unit");
        hold.Job!.CancelRequested.ShouldBeFalse();
        hold.Release.Set();

        Status(await WhenDone(water, path)).ShouldBe("已入库");
        (await RecordsWithKeysStarting("OTHER-")).ShouldBe(20_000);
        cancel.StatusCode.ShouldBe(System.Net.HttpStatusCode.NotFound); // redirected to the batch's page, which is not theirs
    }

    [Fact]
    public async Task StoppingTheApp_CancelsARunningUpload_AndWaitsForItsRollback()
    {
        using var hold = Hold.At(_factory);
        var client = await PortalClient.SignedInAs(_factory, "water", Ct);
        var path = await UploadHeld(client, hold, BigCsv("STOP-", 20_000), "停机.csv");

        // What the host calls when the app stops: it cancels the import and returns only once it has rolled back.
        var stop = _factory.Services.GetRequiredService<UploadJobs>().StopAsync(Ct);
        await Task.Delay(200, Ct);
        stop.IsCompleted.ShouldBeFalse();
        hold.Release.Set();
        await stop.WaitAsync(TimeSpan.FromMinutes(1), Ct);

        var page = await Page(client, path);
        Status(page).ShouldBe("未处理");
        page.QuerySelector(".error")!.TextContent.ShouldContain("已取消，未保存任何记录");
        (await RecordsWithKeysStarting("STOP-")).ShouldBe(0);

        // Once stopping, a new upload is refused with a message, and nothing of it is kept.
        var refused = new HtmlParser().ParseDocument(await (await Upload(client, BigCsv("LATE-", 10), "晚到.csv")).Content.ReadAsStringAsync(Ct));
        refused.QuerySelector(".error")!.TextContent.ShouldContain("平台正在停止服务");
    }

    [Fact]
    public async Task ABigFile_WhileTheBigFileSlotsAreTaken_WaitsInLine_AndIsImportedWhenItsTurnComes()
    {
        using var hold = Hold.At(_factory);
        var client = await PortalClient.SignedInAs(_factory, "water", Ct);
        // Signed in first: on SQLite a sign-in's write waits for the import's write lock, which the hold keeps.
        var other = await PortalClient.SignedInAs(_factory, "civil", Ct);
        var first = BigCsv("SLOT-", 80_000);
        first.Length.ShouldBeGreaterThan((int)UploadJobs.BigFileBytes);
        var path = await UploadHeld(client, hold, first, "第一个.csv");

        // Intake:MaxConcurrentUploads is 1 in this fixture: the second big file waits in line, on a page of its own.
        var second = await Upload(client, BigCsv("SLOT2-", 80_000), "第二个.csv");
        var queued = second.RequestMessage!.RequestUri!;
        queued.AbsolutePath.ShouldStartWith("/unit/uploads/");
        var page = new HtmlParser().ParseDocument(await second.Content.ReadAsStringAsync(Ct));
        page.QuerySelector("h1")!.TextContent.ShouldBe("排队等候处理");
        page.QuerySelector(".batch-progress")!.TextContent.ShouldContain("您的文件排在第 1 位");
        page.QuerySelector("dl.facts")!.TextContent.ShouldContain("第二个.csv");
        page.QuerySelector("dl.facts")!.TextContent.ShouldContain("拖欠公用事业费用信息（水费）");
        page.QuerySelector(".batch-progress form button")!.TextContent.ShouldBe("取消排队");
        page.QuerySelector("meta[http-equiv=refresh]").ShouldNotBeNull();

        // Intake:MaxQueuedUploads is 1: with the line full, a third is refused, and nothing of it is kept.
        var third = await Upload(client, BigCsv("SLOT3-", 80_000), "第三个.csv");
        third.RequestMessage!.RequestUri!.AbsolutePath.ShouldBe("/unit/upload/P-ARREARS-WATER");
        var refused = new HtmlParser().ParseDocument(await third.Content.ReadAsStringAsync(Ct));
        refused.QuerySelector(".error")!.TextContent.ShouldContain("等候处理的文件也已排满");

        // Another unit's clerk does not find it.
        var foreign = await other.Http.GetAsync(queued.PathAndQuery, Ct);
        foreign.StatusCode.ShouldBe(System.Net.HttpStatusCode.NotFound);
        (await foreign.Content.ReadAsStringAsync(Ct)).ShouldContain("找不到这次上传");

        hold.Release.Set();
        Status(await WhenDone(client, path)).ShouldBe("已入库");

        // Its turn comes by itself: the line's page sends the clerk on to the batch's page.
        Status(await WhenDone(client, await BatchOf(client, queued))).ShouldBe("已入库");
        (await RecordsWithKeysStarting("SLOT-")).ShouldBe(80_000);
        (await RecordsWithKeysStarting("SLOT2-")).ShouldBe(80_000);
        (await RecordsWithKeysStarting("SLOT3-")).ShouldBe(0);
    }

    [Fact]
    public async Task ASmallFile_WhileABigImportHoldsTheDatabase_IsAnsweredAtOnce_AndStartsOnceItIsFree()
    {
        using var hold = Hold.At(_factory);
        var client = await PortalClient.SignedInAs(_factory, "water", Ct);
        // On SQLite the big import holds the write lock from its first rows to its commit: the small file's batch row waits.
        var path = await UploadHeld(client, hold, BigCsv("HOLDING-", 30_000), "大文件.csv");

        var watch = System.Diagnostics.Stopwatch.StartNew();
        var small = await Upload(client, Encoding.UTF8.GetBytes(Csv([FileUploadTests.WaterRow("SMALL-1", TestPlatform.ResidentId(new DateOnly(1982, 5, 5), 21))])), "小文件.csv");
        watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(10)); // not held until the big import ends
        var upload = small.RequestMessage!.RequestUri!;
        upload.AbsolutePath.ShouldStartWith("/unit/uploads/");
        var page = new HtmlParser().ParseDocument(await small.Content.ReadAsStringAsync(Ct));
        page.QuerySelector(".batch-progress")!.TextContent.ShouldContain("如另一批次正在入库，需等其完成");
        page.QuerySelector("meta[http-equiv=refresh]").ShouldNotBeNull();
        page.QuerySelector(".batch-progress form button")!.TextContent.ShouldBe("取消上传");
        page.QuerySelector("h1")!.TextContent.ShouldBe("正在开始处理"); // not "in line": it never waited in one

        hold.Release.Set();
        Status(await WhenDone(client, path)).ShouldBe("已入库");
        Status(await WhenDone(client, await BatchOf(client, upload))).ShouldBe("已入库");
        (await RecordsWithKeysStarting("SMALL-")).ShouldBe(1);
    }

    /// <summary>
    /// A batch that gives way to another writer (here: SQLite's write lock still taken past the busy wait, as the writer
    /// would meet it, thrown from the reading thread) stores nothing, and the platform sends the spooled file again as a
    /// new batch: the first batch's page sends the clerk on to it while it runs, and says afterwards what happened.
    /// (PostgreSQL's deadlock is the other way a batch gives way: ExpectedVersionTests.AFileWhoseBatchGaveWayInADeadlock….)
    /// </summary>
    [Fact]
    public async Task AnUploadWhoseBatchGaveWay_IsSentAgain_AndItsFirstPageLeadsToTheNewBatch()
    {
        long first = 0;
        UploadJob? held = null;
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var release = new ManualResetEventSlim();
        _factory.Services.GetRequiredService<UploadJobs>().ProgressHook = job =>
        {
            if (job.Rows < 10_000 || release.IsSet)
            {
                return;
            }

            SpinWait.SpinUntil(() => job.BatchId != 0, TimeSpan.FromSeconds(20)).ShouldBeTrue();
            if (Interlocked.CompareExchange(ref first, job.BatchId, 0) == 0)
            {
                throw new BatchContendedException(new Microsoft.Data.Sqlite.SqliteException("database is locked", SQLitePCL.raw.SQLITE_BUSY));
            }

            // The file sent again: held once its new batch row is written.
            SpinWait.SpinUntil(() => job.BatchId != Interlocked.Read(ref first), TimeSpan.FromSeconds(20)).ShouldBeTrue();
            held = job;
            reached.TrySetResult();
            release.Wait(TimeSpan.FromMinutes(2));
        };
        // Another batch running meanwhile: the file waits for it.
        var other = await RunningBatchAsync();

        var client = await PortalClient.SignedInAs(_factory, "water", Ct);
        var path = (await Upload(client, BigCsv("AGAIN-", 30_000), "再次.csv")).RequestMessage!.RequestUri!.AbsolutePath;

        // Its first batch gave way: while the file waits its page says so and reloads itself, to follow it.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        IHtmlDocument waiting;
        while ((waiting = await Page(client, path)).QuerySelector(".error")?.TextContent.Contains("平台在其他批次处理完后自动重新提交该文件", StringComparison.Ordinal) != true)
        {
            DateTime.UtcNow.ShouldBeLessThan(deadline, "the batch that gave way does not say its file is sent again");
            await Task.Delay(50, Ct);
        }

        Status(waiting).ShouldBe("未处理");
        waiting.QuerySelector("meta[http-equiv=refresh]").ShouldNotBeNull();
        waiting.QuerySelector(".batch-progress p")!.TextContent.ShouldContain("平台正在等待其他批次处理完，之后自动重新提交您的文件");
        waiting.QuerySelector(".batch-progress form button")!.TextContent.ShouldBe("不再重新提交");
        await using (var scope = _factory.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ShangdingDbContext>();
            await db.IntakeBatches.Where(b => b.Id == other).ExecuteUpdateAsync(u => u.SetProperty(b => b.Status, BatchStatus.Committed), Ct);
        }

        await reached.Task.WaitAsync(TimeSpan.FromMinutes(1), Ct);
        path.ShouldBe($"/unit/batches/{first}");

        var onward = await client.Http.GetAsync(path, Ct);
        var newPath = onward.RequestMessage!.RequestUri!.AbsolutePath;
        newPath.ShouldBe($"/unit/batches/{held!.BatchId}");
        Status(new HtmlParser().ParseDocument(await onward.Content.ReadAsStringAsync(Ct))).ShouldBe("处理中");

        release.Set();
        Status(await WhenDone(client, newPath)).ShouldBe("已入库");
        await held.Completion;
        (await RecordsWithKeysStarting("AGAIN-")).ShouldBe(30_000);
        // Once it is done, the first batch's page (where the upload's page also leads) says what became of it and links to
        // the new batch.
        var after = await Page(client, path);
        Status(after).ShouldBe("未处理");
        after.QuerySelector(".sent-again a")!.GetAttribute("href").ShouldBe(newPath);
        after.QuerySelector("meta[http-equiv=refresh]").ShouldBeNull();
        Status(await Page(client, newPath)).ShouldBe("已入库");
        await using var scope2 = _factory.Services.CreateAsyncScope();
        var firstBatch = await scope2.ServiceProvider.GetRequiredService<ShangdingDbContext>().IntakeBatches.AsNoTracking().SingleAsync(b => b.Id == first, Ct);
        (firstBatch.Status, firstBatch.Message).ShouldBe((BatchStatus.Refused, IntakeService.SentAgainMessage));
    }

    /// <summary>
    /// A batch whose file was sent again links to the unit's next batch of the same file, whichever process sent it and
    /// however long ago (no upload of this app's is involved here).
    /// </summary>
    [Fact]
    public async Task ABatchWhoseFileWasSentAgain_LinksToTheNextBatchOfThatFile_LongAfter()
    {
        IntakeBatch Batch(string unit, string sha, BatchStatus status, string? message) => new()
        {
            UnitCode = unit, Channel = IntakeChannels.Batch, Actor = "clerk:test", Status = status, Message = message, StartedAt = DateTime.UtcNow,
            FinishedAt = DateTime.UtcNow, FileName = "早前.csv", FileSha256 = sha,
        };
        var gaveWay = Batch("WATER-SUPPLY", "aa11", BatchStatus.Refused, IntakeService.SentAgainMessage);
        var otherFile = Batch("WATER-SUPPLY", "bb22", BatchStatus.Committed, null);
        var otherUnit = Batch("POWER-SUPPLY", "aa11", BatchStatus.Committed, null);
        var sentAgain = Batch("WATER-SUPPLY", "aa11", BatchStatus.Committed, null);
        await using (var scope = _factory.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ShangdingDbContext>();
            foreach (var batch in new[] { gaveWay, otherFile, otherUnit, sentAgain })
            {
                db.IntakeBatches.Add(batch);
                await db.SaveChangesAsync(Ct);
            }
        }

        var client = await PortalClient.SignedInAs(_factory, "water", Ct);
        var page = await Page(client, $"/unit/batches/{gaveWay.Id}");
        Status(page).ShouldBe("未处理");
        var link = page.QuerySelector(".sent-again a")!;
        link.GetAttribute("href").ShouldBe($"/unit/batches/{sentAgain.Id}");
        link.TextContent.ShouldBe($"重新提交后的批次：#{sentAgain.Id} →");
        (await Page(client, $"/unit/batches/{sentAgain.Id}")).QuerySelector(".sent-again").ShouldBeNull();
    }

    /// <summary>A file waiting to be sent again after its batch gave way can be called off from that batch's page: nothing is stored.</summary>
    [Fact]
    public async Task AFileWaitingToBeSentAgain_CanBeCalledOff_AndItsBatchSaysItWasCancelled()
    {
        var gaveWay = 0;
        _factory.Services.GetRequiredService<UploadJobs>().ProgressHook = job =>
        {
            if (job.Rows >= 10_000 && Interlocked.Exchange(ref gaveWay, 1) == 0)
            {
                SpinWait.SpinUntil(() => job.BatchId != 0, TimeSpan.FromSeconds(20)).ShouldBeTrue();
                throw new BatchContendedException(new Microsoft.Data.Sqlite.SqliteException("database is locked", SQLitePCL.raw.SQLITE_BUSY));
            }
        };
        var other = await RunningBatchAsync();
        var client = await PortalClient.SignedInAs(_factory, "water", Ct);
        var path = (await Upload(client, BigCsv("OFF-", 30_000), "作罢.csv")).RequestMessage!.RequestUri!.AbsolutePath;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await Page(client, path)).QuerySelector(".batch-progress form button")?.TextContent != "不再重新提交")
        {
            DateTime.UtcNow.ShouldBeLessThan(deadline, "the batch that gave way does not offer to call its file off");
            await Task.Delay(50, Ct);
        }

        var calledOff = await client.PostFormAsync(path + "?handler=Cancel", [], Ct, formPage: path);
        calledOff.RequestMessage!.RequestUri!.AbsolutePath.ShouldBe(path);
        deadline = DateTime.UtcNow.AddSeconds(30);
        IHtmlDocument page;
        while ((page = await Page(client, path)).QuerySelector("meta[http-equiv=refresh]") is not null)
        {
            DateTime.UtcNow.ShouldBeLessThan(deadline, "the file was not called off");
            await Task.Delay(50, Ct);
        }

        Status(page).ShouldBe("未处理");
        page.QuerySelector(".error")!.TextContent.ShouldContain("已取消，未保存任何记录");
        await using var scope = _factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ShangdingDbContext>();
        (await db.IntakeBatches.CountAsync(b => b.FileName == "作罢.csv", Ct)).ShouldBe(1);
        (await RecordsWithKeysStarting("OFF-")).ShouldBe(0);
        (await db.IntakeBatches.AsNoTracking().SingleAsync(b => b.Id == other, Ct)).Status.ShouldBe(BatchStatus.Running);
    }

    /// <summary>Another batch running meanwhile: its row Running, run by no process this test knows (a sweep leaves it be).</summary>
    private async Task<long> RunningBatchAsync()
    {
        var other = new IntakeBatch
        {
            UnitCode = "WATER-SUPPLY", Channel = IntakeChannels.Api, Actor = "api:other", Status = BatchStatus.Running, StartedAt = DateTime.UtcNow,
        };
        await using var scope = _factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ShangdingDbContext>();
        db.IntakeBatches.Add(other);
        await db.SaveChangesAsync(Ct);
        return other.Id;
    }

    [Fact]
    public async Task AStartingUpload_CanBeCancelled_AndItsBatchSaysSo_KeepingNothing()
    {
        using var hold = Hold.At(_factory);
        var client = await PortalClient.SignedInAs(_factory, "water", Ct);
        // A file under the big-file size holds the write lock: the next small file does not queue, it starts and waits for the lock.
        var path = await UploadHeld(client, hold, BigCsv("HOLD-", 30_000), "先到.csv");
        var upload = (await Upload(client, Encoding.UTF8.GetBytes(Csv([FileUploadTests.WaterRow("CALLED-OFF-1", TestPlatform.ResidentId(new DateOnly(1983, 6, 6), 22))])), "撤回.csv"))
            .RequestMessage!.RequestUri!;
        upload.AbsolutePath.ShouldStartWith("/unit/uploads/");

        var cancelled = await client.PostFormAsync(upload.PathAndQuery.Replace("?", "?handler=Cancel&", StringComparison.Ordinal), [], Ct, formPage: upload.PathAndQuery);
        cancelled.RequestMessage!.RequestUri!.AbsolutePath.ShouldBe(upload.AbsolutePath);
        var cancelling = new HtmlParser().ParseDocument(await cancelled.Content.ReadAsStringAsync(Ct));
        cancelling.QuerySelector(".batch-progress p")!.TextContent.ShouldContain("正在取消");
        cancelling.QuerySelector(".batch-progress form").ShouldBeNull();

        hold.Release.Set();
        Status(await WhenDone(client, path)).ShouldBe("已入库");
        // Its batch row, written once the lock was free, says it was cancelled; none of its rows were stored.
        var page = await WhenDone(client, await BatchOf(client, upload));
        Status(page).ShouldBe("未处理");
        page.QuerySelector(".error")!.TextContent.ShouldContain("已取消，未保存任何记录");
        (await RecordsWithKeysStarting("CALLED-OFF-")).ShouldBe(0);
    }

    [Fact]
    public async Task ASmallFile_WhileABigFileImports_WaitsInLineBehindIt_OnSqlite_AndIsStoredAfterIt()
    {
        using var hold = Hold.At(_factory);
        var client = await PortalClient.SignedInAs(_factory, "water", Ct);
        var path = await UploadHeld(client, hold, BigCsv("BIGFIRST-", 80_000), "大文件.csv");

        // SQLite: the big import takes the write lock for its whole file, so the small one waits its turn in line
        // rather than for the lock (which would fail it after 30 s); answered at once with its place.
        var small = await Upload(client, Encoding.UTF8.GetBytes(Csv([FileUploadTests.WaterRow("AFTER-1", TestPlatform.ResidentId(new DateOnly(1984, 7, 7), 23))])), "小文件.csv");
        var upload = small.RequestMessage!.RequestUri!;
        upload.AbsolutePath.ShouldStartWith("/unit/uploads/");
        var page = new HtmlParser().ParseDocument(await small.Content.ReadAsStringAsync(Ct));
        page.QuerySelector(".batch-progress")!.TextContent.ShouldContain("您的文件排在第 1 位");
        page.QuerySelector(".batch-progress form button")!.TextContent.ShouldBe("取消排队");

        // Still in line while the big one imports, however long that takes.
        await Task.Delay(500, Ct);
        (await Page(client, upload.PathAndQuery)).QuerySelector(".batch-progress")!.TextContent.ShouldContain("您的文件排在第 1 位");

        hold.Release.Set();
        Status(await WhenDone(client, path)).ShouldBe("已入库");
        Status(await WhenDone(client, await BatchOf(client, upload))).ShouldBe("已入库");
        (await RecordsWithKeysStarting("AFTER-")).ShouldBe(1);
    }

    [Fact]
    public async Task AFileWaitingInLine_CanLeaveIt_AndNothingOfItIsKept()
    {
        using var hold = Hold.At(_factory);
        var client = await PortalClient.SignedInAs(_factory, "water", Ct);
        var path = await UploadHeld(client, hold, BigCsv("LINE-", 80_000), "先到.csv");
        var queued = (await Upload(client, BigCsv("LEFT-", 80_000), "后到.csv")).RequestMessage!.RequestUri!;
        queued.AbsolutePath.ShouldStartWith("/unit/uploads/");

        var left = await client.PostFormAsync(queued.PathAndQuery.Replace("?", "?handler=Cancel&", StringComparison.Ordinal), [], Ct, formPage: queued.PathAndQuery);
        left.RequestMessage!.RequestUri!.AbsolutePath.ShouldBe(queued.AbsolutePath);
        var page = new HtmlParser().ParseDocument(await left.Content.ReadAsStringAsync(Ct));
        page.QuerySelector(".error")!.TextContent.ShouldContain("已取消，文件未处理，未保存任何记录");
        page.QuerySelector("meta[http-equiv=refresh]").ShouldBeNull();

        hold.Release.Set();
        Status(await WhenDone(client, path)).ShouldBe("已入库");
        (await RecordsWithKeysStarting("LEFT-")).ShouldBe(0);
        // Its spooled file and its note are gone: no later app takes it back.
        Directory.GetFiles(_factory.SpoolDirectory, "shangding-upload-*").ShouldBeEmpty();
        await using var scope = _factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ShangdingDbContext>();
        (await db.IntakeBatches.CountAsync(b => b.FileName == "后到.csv", Ct)).ShouldBe(0);
    }

    [Fact]
    public async Task AFileWaitingInLine_WhenTheAppStops_IsTakenBackByTheNextApp_UnderTheSameUploadPage()
    {
        using var hold = Hold.At(_factory);
        var client = await PortalClient.SignedInAs(_factory, "water", Ct);
        var running = await UploadHeld(client, hold, BigCsv("CUT-", 80_000), "被中断.csv");
        var queued = (await Upload(client, BigCsv("KEPT-", 80_000), "排队中.csv")).RequestMessage!.RequestUri!;
        queued.AbsolutePath.ShouldStartWith("/unit/uploads/");
        Directory.GetFiles(_factory.SpoolDirectory, "*.queued.json").ShouldHaveSingleItem();

        // The next app (a restart, or another one on the machine) on the same database and spool folder.
        using var next = ShangdingWebFactory.In("Development", new Dictionary<string, string?>
        {
            ["ConnectionStrings:Shangding"] = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder { DataSource = _factory.DatabaseFile }.ToString(),
            ["Intake:SpoolDirectory"] = _factory.SpoolDirectory,
            ["Intake:UploadWaitSeconds"] = "0",
        });
        var nextClient = await PortalClient.SignedInAs(next, "water", Ct);
        var nextJobs = next.Services.GetRequiredService<UploadJobs>();
        // Not while the app whose line it is runs.
        nextJobs.TakeBackLeftFiles().ShouldBe(0);
        (await nextClient.Http.GetAsync(queued.PathAndQuery, Ct)).StatusCode.ShouldBe(System.Net.HttpStatusCode.NotFound);

        // The first app stops: its running import is cancelled and rolls back; the file waiting in line stays, with its note.
        var stopping = _factory.Services.GetRequiredService<UploadJobs>().StopAsync(Ct);
        hold.Release.Set();
        await stopping;
        Status(await WhenDone(nextClient, running)).ShouldBe("未处理");
        Directory.GetFiles(_factory.SpoolDirectory, "*.queued.json").ShouldHaveSingleItem();

        nextJobs.TakeBackLeftFiles().ShouldBe(1);
        Status(await WhenDone(nextClient, await BatchOf(nextClient, queued))).ShouldBe("已入库");
        (await RecordsWithKeysStarting("KEPT-")).ShouldBe(80_000);
        (await RecordsWithKeysStarting("CUT-")).ShouldBe(0);
        // Imported once, and nothing is left in the folder for a later app to take.
        nextJobs.TakeBackLeftFiles().ShouldBe(0);
        Directory.GetFiles(_factory.SpoolDirectory, "shangding-upload-*").ShouldBeEmpty();
    }

    [Fact]
    public async Task AFileLeftInLineByAnotherProcess_IsTakenBackOnceThatProcessHasEnded_AndNotIfOthersCouldHaveWrittenIt()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "util-linux's flock and Unix file modes");
        var client = await PortalClient.SignedInAs(_factory, "water", Ct);
        var jobs = _factory.Services.GetRequiredService<UploadJobs>();
        var folder = _factory.SpoolDirectory;
        string Spool(string key, string id)
        {
            var content = Encoding.UTF8.GetBytes(Csv([FileUploadTests.WaterRow(key, id)]));
            using var file = new FileStream(Path.Combine(folder, $"shangding-upload-{Guid.NewGuid():N}"), UploadJobs.OwnerOnlyFile(FileMode.CreateNew, FileAccess.Write));
            file.Write(content);
            return file.Name;
        }

        // Another process (util-linux's flock, as another app would with its lock file) holds the holder's lock.
        var holder = Guid.NewGuid().ToString("N");
        var holderLock = Path.Combine(folder, $"shangding-holder-{holder}.lock");
        using var other = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("flock", ["--exclusive", "--close", holderLock, "sleep", "300"]))!;
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (true)
            {
                try
                {
                    using (new FileStream(holderLock, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
                    {
                    }
                }
                catch (FileNotFoundException)
                {
                    // flock has not made it yet
                }
                catch (IOException)
                {
                    break; // held
                }

                DateTime.UtcNow.ShouldBeLessThan(deadline, "flock has not taken the lock");
                await Task.Delay(50, Ct);
            }

            const string uploadId = "00112233445566778899aabb";
            var left = Spool("ELSEWHERE-1", TestPlatform.ResidentId(new DateOnly(1985, 8, 8), 24));
            UploadNote.Write(left + ".queued.json", new UploadNote(uploadId, "WATER-SUPPLY", "P-ARREARS-WATER", "account:1", "别处.csv", DateTime.UtcNow.AddMinutes(-1), holder));
            // A file and note someone other than the app's user could have written (not mode 0600), of a gone holder.
            var planted = Spool("PLANTED-1", TestPlatform.ResidentId(new DateOnly(1986, 9, 9), 25));
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(planted, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            }
            UploadNote.Write(planted + ".queued.json", new UploadNote("ffeeddccbbaa998877665544", "WATER-SUPPLY", "P-ARREARS-WATER", "account:1", "放置.csv",
                DateTime.UtcNow.AddMinutes(-2), Guid.NewGuid().ToString("N")));

            jobs.TakeBackLeftFiles().ShouldBe(0);

            other.Kill(entireProcessTree: true);
            await other.WaitForExitAsync(Ct);
            jobs.TakeBackLeftFiles().ShouldBe(1);
            var upload = new Uri(client.Http.BaseAddress!, $"/unit/uploads/{uploadId}?category=P-ARREARS-WATER");
            Status(await WhenDone(client, await BatchOf(client, upload))).ShouldBe("已入库");
            (await RecordsWithKeysStarting("ELSEWHERE-")).ShouldBe(1);
            (await RecordsWithKeysStarting("PLANTED-")).ShouldBe(0);
            File.Exists(holderLock).ShouldBeFalse(); // a gone holder's lock file is removed
            File.Exists(planted).ShouldBeTrue(); // left alone, for its owner or an operator
        }
        finally
        {
            if (!other.HasExited)
            {
                other.Kill(entireProcessTree: true);
            }
        }
    }

    [Fact]
    public void ASpoolFolderThatCannotBeMade_StopsTheAppAtStart_WithAMessageNamingTheSetting()
    {
        // Its parent is a file (as good as a read-only home in a container, and refused even to root).
        var file = Path.GetTempFileName();
        try
        {
            using var app = ShangdingWebFactory.In("Development", new Dictionary<string, string?> { ["Intake:SpoolDirectory"] = Path.Combine(file, "uploads") });
            var refused = Should.Throw<InvalidOperationException>(() => app.CreateClient());
            refused.Message.ShouldContain("Intake:SpoolDirectory");
            refused.Message.ShouldContain(Path.Combine(file, "uploads"));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task AnUploadUnknownToThisProcess_SaysToLookInTheBatches_OrUploadAgain()
    {
        var client = await PortalClient.SignedInAs(_factory, "water", Ct);
        var response = await client.Http.GetAsync("/unit/uploads/0123456789abcdef01234567", Ct);
        response.StatusCode.ShouldBe(System.Net.HttpStatusCode.NotFound);
        var page = new HtmlParser().ParseDocument(await response.Content.ReadAsStringAsync(Ct));
        page.QuerySelector(".error")!.TextContent.ShouldContain("请在批次列表中查看，或重新上传文件");
    }

    [Fact]
    public async Task SpooledFilesADeadProcessLeft_AreRemovedAtStart_AndFreshOnesKept()
    {
        // Spooled as the upload page does: one a killed process left two days ago, one an upload may be importing now.
        var jobs = _factory.Services.GetRequiredService<UploadJobs>();
        string left, fresh;
        await using (var file = jobs.CreateSpoolFile())
        {
            left = file.Name;
            file.Write("单位编号,姓名"u8);
        }

        await using (var file = jobs.CreateSpoolFile())
        {
            fresh = file.Name;
            file.Write("单位编号,姓名"u8);
        }

        // Readable by the app's user only: it holds the clerk's rows.
        if (!OperatingSystem.IsWindows())
        {
            File.GetUnixFileMode(fresh).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        try
        {
            File.SetLastWriteTimeUtc(left, DateTime.UtcNow.AddDays(-2));

            await jobs.StartAsync(Ct);

            File.Exists(left).ShouldBeFalse();
            File.Exists(fresh).ShouldBeTrue();
        }
        finally
        {
            File.Delete(left);
            File.Delete(fresh);
        }
    }

    [Fact]
    public async Task AnUploadThatOutlastsTheWait_IsAnsweredAfterTheWait_WithItsRunningBatch()
    {
        using var waiting = ShangdingWebFactory.In("Development", new Dictionary<string, string?> { ["Intake:UploadWaitSeconds"] = "1" });
        using var hold = Hold.At(waiting);
        var client = await PortalClient.SignedInAs(waiting, "water", Ct);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var response = await Upload(client, BigCsv("WAIT-", 20_000), "等待.csv");
        watch.Elapsed.ShouldBeGreaterThanOrEqualTo(TimeSpan.FromSeconds(1));
        var path = response.RequestMessage!.RequestUri!.AbsolutePath;
        path.ShouldStartWith("/unit/batches/");
        Status(new HtmlParser().ParseDocument(await response.Content.ReadAsStringAsync(Ct))).ShouldBe("处理中");

        hold.Release.Set();
        var page = await WhenDone(client, path);
        page.QuerySelectorAll(".counts .stat strong").Select(s => s.TextContent).ShouldBe(["20,000", "20,000", "0", "0", "0", "0"]);
    }

    [Fact]
    public async Task ARunningBatchOfAnotherProcess_SaysSo_AndOffersNoCancel()
    {
        // A CLI import (or another server) writes its Running row as this: this process has no job for it.
        var id = await RunningBatchOf(BatchRunner.Describe("another-server", BatchRunner.Scope, 4242, 123_456));

        var client = await PortalClient.SignedInAs(_factory, "water", Ct);
        var page = await Page(client, $"/unit/batches/{id}");
        Status(page).ShouldBe("处理中");
        page.QuerySelector(".batch-progress")!.TextContent.ShouldContain("另一进程");
        page.QuerySelector(".batch-progress form").ShouldBeNull();
        page.QuerySelector("meta[http-equiv=refresh]")!.GetAttribute("content").ShouldBe("10");
    }

    [Fact]
    public async Task ARunningBatchWhoseProcessOnThisServerIsGone_IsShownInterrupted_AtOnce()
    {
        // A CLI import killed mid-file (kill -9, a crash, the machine's OOM killer): its rows were rolled back.
        var id = await RunningBatchOf((await ExitedProcess.RunAsync(Ct)).Runner);

        var client = await PortalClient.SignedInAs(_factory, "water", Ct);
        var page = await Page(client, $"/unit/batches/{id}");
        Status(page).ShouldBe("未处理");
        page.QuerySelector(".error")!.TextContent.ShouldContain("处理中断（进程退出），未保存任何记录，请重新上传");
        page.QuerySelector("meta[http-equiv=refresh]").ShouldBeNull();
        page.QuerySelector(".batch-progress").ShouldBeNull();
    }

    [Fact]
    public async Task TheBatchOfAGoneProcess_WhileAnotherImportHoldsTheDatabase_ShowsRunning_AndIsMarkedOnAReloadAfterIt()
    {
        var id = await RunningBatchOf((await ExitedProcess.RunAsync(Ct)).Runner);
        using var hold = Hold.At(_factory);
        var client = await PortalClient.SignedInAs(_factory, "water", Ct);
        // On SQLite this import holds the database's write lock from its first rows to its commit.
        var path = await UploadHeld(client, hold, BigCsv("BUSY-", 20_000), "占用.csv");

        var watch = System.Diagnostics.Stopwatch.StartNew();
        var page = await Page(client, $"/unit/batches/{id}");
        // Answered within the page's short wait (not the 30 s of SQLite's usual one), and not as an error.
        watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(10));
        // This factory's database is SQLite: the batch cannot be marked yet, so it shows Running and tries again on its reload.
        Status(page).ShouldBe("处理中");
        page.QuerySelector("meta[http-equiv=refresh]").ShouldNotBeNull();

        hold.Release.Set();
        Status(await WhenDone(client, path)).ShouldBe("已入库");
        page = await Page(client, $"/unit/batches/{id}");
        Status(page).ShouldBe("未处理");
        page.QuerySelector(".error")!.TextContent.ShouldContain("处理中断（进程退出），未保存任何记录");
    }

    /// <summary>Reloads an upload's own page (<c>/unit/uploads/{id}</c>), as the browser does, until it sends the clerk to its batch's page.</summary>
    private static async Task<string> BatchOf(PortalClient client, Uri upload)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        var path = upload.AbsolutePath;
        while (!path.StartsWith("/unit/batches/", StringComparison.Ordinal))
        {
            DateTime.UtcNow.ShouldBeLessThan(deadline, "the upload has not started after 60 s");
            await Task.Delay(100, Ct);
            path = (await client.Http.GetAsync(upload.PathAndQuery, Ct)).RequestMessage!.RequestUri!.AbsolutePath;
        }

        return path;
    }

    private async Task<long> RunningBatchOf(string runner)
    {
        await using var scope = _factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ShangdingDbContext>();
        var batch = new IntakeBatch
        {
            UnitCode = "WATER-SUPPLY", CategoryCode = "P-ARREARS-WATER", Channel = "batch", FileName = "cli.csv", Actor = "cli",
            Status = BatchStatus.Running, StartedAt = DateTime.UtcNow, Runner = runner,
        };
        db.IntakeBatches.Add(batch);
        await db.SaveChangesAsync(Ct);
        return batch.Id;
    }

    /// <summary>Uploads a file whose import the hold stops at 10,000 rows; returns its batch page once it is held there.</summary>
    private static async Task<string> UploadHeld(PortalClient client, Hold hold, byte[] file, string fileName)
    {
        var path = (await Upload(client, file, fileName)).RequestMessage!.RequestUri!.AbsolutePath;
        path.ShouldStartWith("/unit/batches/");
        await hold.Reached.Task.WaitAsync(TimeSpan.FromMinutes(1), Ct);
        return path;
    }

    /// <summary>Holds the factory's next upload on its reading thread once it has reported 10,000 rows read, until released.</summary>
    private sealed class Hold : IDisposable
    {
        public ManualResetEventSlim Release { get; } = new();

        public TaskCompletionSource Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public UploadJob? Job { get; private set; }

        public static Hold At(ShangdingWebFactory factory)
        {
            var hold = new Hold();
            factory.Services.GetRequiredService<UploadJobs>().ProgressHook = job =>
            {
                if (job.Rows >= 10_000 && !hold.Release.IsSet)
                {
                    hold.Job = job;
                    hold.Reached.TrySetResult();
                    hold.Release.Wait(TimeSpan.FromMinutes(2));
                }
            };
            return hold;
        }

        public void Dispose()
        {
            Release.Set();
            Release.Dispose();
        }
    }

    private async Task<int> RecordsWithKeysStarting(string prefix)
    {
        await using var scope = _factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ShangdingDbContext>();
        return await db.Records.CountAsync(r => r.RecordKey.StartsWith(prefix), Ct);
    }

    /// <summary>Good rows of distinct subjects.</summary>
    private static byte[] BigCsv(string keyPrefix, int rows) => Encoding.UTF8.GetBytes(Csv(Enumerable.Range(0, rows).Select(i =>
        FileUploadTests.WaterRow(keyPrefix + i.ToString(System.Globalization.CultureInfo.InvariantCulture),
            TestPlatform.ResidentId(new DateOnly(1950, 1, 1).AddDays(i % 20_000), (keyPrefix.Length * 7 + i / 20_000) % 1000)))));

    private static string WrongCheckDigit(string id) => id[..17] + (id[17] == '1' ? "2" : "1");

}
