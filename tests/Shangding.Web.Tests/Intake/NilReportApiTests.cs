using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AngleSharp.Html.Parser;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Shangding.Core.Data;
using Shangding.Core.Intake;
using Shangding.Testing;
using Shangding.Web.Tests.Infrastructure;

namespace Shangding.Web.Tests.Intake;

/// <summary>
/// <c>POST /api/v1/nil-reports</c>: a unit connected by API declares "nothing new this period" (本期无新增信息) as its clerk
/// can on /unit/reporting — scoped by its token, idempotent per category and period, audited like any batch.
/// </summary>
public sealed class NilReportApiTests
{
    private const string Water = "P-ARREARS-WATER";
    private const string Path = "/api/v1/nil-reports";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<IssuedCredential> IssueAsync(ShangdingWebFactory app, string unit, IReadOnlyList<string>? categories = null)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ShangdingDbContext>();
        return await scope.ServiceProvider.GetRequiredService<UnitCredentials>().CreateAsync(db, unit, categories, "test", "test", Ct);
    }

    private static HttpClient Client(ShangdingWebFactory app, string? token)
    {
        var client = app.CreateClient();
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        await response.Content.ReadFromJsonAsync<JsonElement>(Ct);

    private static async Task<JsonElement> ShouldBeRefusedAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        response.StatusCode.ShouldBe(status);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        var problem = await JsonAsync(response);
        problem.GetProperty("code").GetString().ShouldBe(code);
        problem.GetProperty("title").GetString().ShouldBe("不能申报 / The nil report is refused");
        var detail = problem.GetProperty("detail").GetString()!;
        detail.ShouldContain(problem.GetProperty("messageZh").GetString()!);
        detail.ShouldContain(problem.GetProperty("messageEn").GetString()!);
        return problem;
    }

    [Fact]
    public async Task AUnitSystem_FilesANilReport_OnceAPeriod_AuditedAsABatchOfNoRecords()
    {
        // Units are created on Fri 02-27 (the demo furnishes water that day); on Mon 03-02 the make-up Saturday 02-28 is
        // owed, and today's period is open.
        var clock = MovableClock.At(2026, 2, 27);
        await using var app = new ShangdingWebFactory { Clock = clock };
        var credential = await IssueAsync(app, "WATER-SUPPLY");
        clock.Set(new DateTimeOffset(2026, 3, 2, 16, 0, 0, TimeSpan.FromHours(8)));
        var client = Client(app, credential.Token);

        // Without a period: today's.
        var first = await client.PostAsJsonAsync(Path, new { category = Water }, Ct);
        first.StatusCode.ShouldBe(HttpStatusCode.OK);
        var filed = await JsonAsync(first);
        var batchId = filed.GetProperty("batchId").GetInt64();
        filed.GetProperty("status").GetString().ShouldBe("Committed");
        filed.GetProperty("category").GetString().ShouldBe(Water);
        (filed.GetProperty("periodStart").GetString(), filed.GetProperty("periodEnd").GetString()).ShouldBe(("2026-03-02", "2026-03-02"));
        filed.GetProperty("alreadyFiled").GetBoolean().ShouldBeFalse();
        filed.GetProperty("messageZh").GetString().ShouldBe("本期无新增信息：2026年3月2日");

        // Sent again, naming the period: the same batch, nothing more stored.
        var again = await client.PostAsJsonAsync(Path, new { category = Water, period = "2026-03-02" }, Ct);
        again.StatusCode.ShouldBe(HttpStatusCode.OK);
        var repeated = await JsonAsync(again);
        (repeated.GetProperty("batchId").GetInt64(), repeated.GetProperty("alreadyFiled").GetBoolean()).ShouldBe((batchId, true));

        await using (var scope = app.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ShangdingDbContext>();
            var batch = await db.IntakeBatches.AsNoTracking().SingleAsync(b => b.Channel == IntakeChannels.NilReport, Ct);
            (batch.Id, batch.UnitCode, batch.CategoryCode, batch.TotalRows, batch.Status, batch.Actor)
                .ShouldBe((batchId, "WATER-SUPPLY", Water, 0, BatchStatus.Committed, $"api:{credential.KeyId}"));
            batch.WarningsJson.ShouldNotBeNull().ShouldContain("本期无新增信息：2026年3月2日");
            var audit = await db.AuditEntries.AsNoTracking().SingleAsync(a => a.Kind == "intake-batch" && a.RefId == batchId, Ct);
            audit.Actor.ShouldBe($"api:{credential.KeyId}");
        }

        // 02-28 is reported now (a report covers every earlier period); a Sunday has no daily period; tomorrow has not ended.
        await ShouldBeRefusedAsync(await client.PostAsJsonAsync(Path, new { category = Water, period = "2026-02-28" }, Ct), HttpStatusCode.Conflict, "period_reported");
        await ShouldBeRefusedAsync(await client.PostAsJsonAsync(Path, new { category = Water, period = "2026-03-01" }, Ct), HttpStatusCode.Conflict, "no_period");
        await ShouldBeRefusedAsync(await client.PostAsJsonAsync(Path, new { category = Water, period = "2026-03-03" }, Ct), HttpStatusCode.Conflict, "period_not_ended");
    }

    [Fact]
    public async Task ATokenNotScopedToTheCategory_OrAUnitNotResponsibleForIt_IsRefused_AndBadBodiesAreProblems()
    {
        var clock = MovableClock.At(2026, 3, 2, 16);
        await using var app = new ShangdingWebFactory { Clock = clock };
        var feeOnly = Client(app, (await IssueAsync(app, "WATER-SUPPLY", ["O-FEE-ARREARS"])).Token);

        var outside = await ShouldBeRefusedAsync(await feeOnly.PostAsJsonAsync(Path, new { category = Water }, Ct), HttpStatusCode.Forbidden, "outside_credential");
        outside.GetProperty("detail").GetString()!.ShouldContain("ask the Credit Centre to widen its scope");
        await ShouldBeRefusedAsync(await feeOnly.PostAsJsonAsync(Path, new { category = "P-CREDIT-DEFAULT" }, Ct), HttpStatusCode.Forbidden, "not_responsible");

        (await Client(app, null).PostAsJsonAsync(Path, new { category = Water }, Ct)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);

        async Task<JsonElement> BadRequestAsync(HttpContent content, string name)
        {
            var response = await feeOnly.PostAsync(Path, content, Ct);
            response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
            var problem = await JsonAsync(response);
            problem.GetProperty("errors").TryGetProperty(name, out _).ShouldBeTrue(name);
            return problem;
        }

        static StringContent Json(string text) => new(text, Encoding.UTF8, "application/json");
        (await BadRequestAsync(Json("{}"), "category")).GetProperty("detail").GetString()!.ShouldContain("Name the category");
        (await BadRequestAsync(Json("""{"category":"NOPE"}"""), "category")).GetProperty("detail").GetString()!.ShouldContain("Category 'NOPE' is not in the catalogue.");
        (await BadRequestAsync(Json("""{"category":"O-FEE-ARREARS","period":"03/02/2026"}"""), "period")).GetProperty("detail").GetString()!.ShouldContain("yyyy-MM-dd");
        (await BadRequestAsync(Json("""{"category":"O-FEE-ARREARS","period":3}"""), "$.period")).GetProperty("detail").GetString()!.ShouldContain("a string");
        (await BadRequestAsync(Json("""{"category":"""), "$.category")).GetProperty("line").GetInt32().ShouldBe(1);
        (await feeOnly.PostAsync(Path, new StringContent("category=x", Encoding.UTF8, "text/plain"), Ct)).StatusCode.ShouldBe(HttpStatusCode.UnsupportedMediaType);

        await using var scope = app.Services.CreateAsyncScope();
        (await scope.ServiceProvider.GetRequiredService<ShangdingDbContext>().IntakeBatches.CountAsync(b => b.Channel == IntakeChannels.NilReport, Ct)).ShouldBe(0);
    }

    [Fact]
    public async Task TheOperation_IsDocumented_WithItsExample_AndListedOnTheReferencePage()
    {
        await using var app = new ShangdingWebFactory();
        var document = await app.CreateClient().GetFromJsonAsync<JsonElement>("/openapi/v1.json", Ct);
        var post = document.GetProperty("paths").GetProperty(Path).GetProperty("post");
        post.GetProperty("security").EnumerateArray().SelectMany(r => r.EnumerateObject().Select(p => p.Name)).ShouldBe(["unitApiToken"]);
        post.GetProperty("description").GetString()!.ShouldContain("""{"category":"P-ARREARS-WATER","period":"2026-03-02"}""");
        post.GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString()
            .ShouldBe("#/components/schemas/NilReportRequest");
        foreach (var status in new[] { "200", "400", "401", "403", "409", "415", "503" })
        {
            post.GetProperty("responses").TryGetProperty(status, out _).ShouldBeTrue(status);
        }

        var request = document.GetProperty("components").GetProperty("schemas").GetProperty("NilReportRequest");
        request.GetProperty("required").EnumerateArray().Select(e => e.GetString()).ShouldBe(["category"]);
        request.GetProperty("properties").GetProperty("period").GetProperty("format").GetString().ShouldBe("date");

        var page = new HtmlParser().ParseDocument(await app.CreateClient().GetStringAsync("/public/api", Ct));
        var operation = page.GetElementById("PostNilReport").ShouldNotBeNull();
        operation.QuerySelector("h4")!.TextContent.ShouldBe("POST /api/v1/nil-reports");
        operation.TextContent.ShouldContain("unitApiToken (Bearer sd_<key>_<secret>)");
        operation.QuerySelector("pre")!.TextContent.ShouldContain("\"alreadyFiled\":false");
        operation.QuerySelector("a[href='#schema-NilReportRequest']").ShouldNotBeNull();
    }
}
