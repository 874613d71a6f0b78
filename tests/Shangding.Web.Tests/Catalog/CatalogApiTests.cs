using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Shangding.Web.Tests.Infrastructure;

namespace Shangding.Web.Tests.Catalog;

public sealed class CatalogApiTests(ShangdingWebFactory factory) : IClassFixture<ShangdingWebFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ListCatalog_ReturnsEveryCategoryWithFields()
    {
        var client = factory.CreateClient();
        var doc = await client.GetFromJsonAsync<JsonElement>("/api/v1/catalog", Ct);
        var categories = doc.GetProperty("categories").EnumerateArray().ToList();
        doc.GetProperty("count").GetInt32().ShouldBe(categories.Count);
        categories.Count.ShouldBeGreaterThan(30);
        var volunteer = categories.Single(c => c.GetProperty("nameZh").GetString() == "志愿者");
        volunteer.GetProperty("fields").EnumerateArray().Select(f => f.GetProperty("nameZh").GetString())
            .ShouldBe(["姓名", "证件类型", "证件号码", "评定时间", "评定部门", "荣誉等级"]);
        volunteer.GetProperty("responsibleUnits")[0].GetProperty("nameZh").GetString().ShouldBe("市文明办");
    }

    [Fact]
    public async Task ListCatalog_FiltersBySubjectKindAndPolarity()
    {
        var client = factory.CreateClient();
        var doc = await client.GetFromJsonAsync<JsonElement>("/api/v1/catalog?subjectKind=Organisation&polarity=Bad", Ct);
        var categories = doc.GetProperty("categories").EnumerateArray().ToList();
        categories.ShouldNotBeEmpty();
        categories.ShouldAllBe(c => c.GetProperty("subjectKind").GetString() == "Organisation" && c.GetProperty("polarity").GetString() == "Bad");
    }

    [Fact]
    public async Task GetCategory_ReturnsOne_AndUnknownCodeIsProblemDetailsInBothLanguages()
    {
        var client = factory.CreateClient();
        var list = await client.GetFromJsonAsync<JsonElement>("/api/v1/catalog", Ct);
        var code = list.GetProperty("categories")[0].GetProperty("code").GetString()!;
        var one = await client.GetFromJsonAsync<JsonElement>($"/api/v1/catalog/{code}", Ct);
        one.GetProperty("code").GetString().ShouldBe(code);

        var missing = await client.GetAsync("/api/v1/catalog/NO-SUCH-THING", Ct);
        missing.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        missing.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        var problem = await missing.Content.ReadFromJsonAsync<JsonElement>(Ct);
        var detail = problem.GetProperty("detail").GetString()!;
        detail.ShouldContain("没有编码为 NO-SUCH-THING");
        detail.ShouldContain("There is no category");
    }

    [Fact]
    public async Task OpenApiDocument_DescribesTheCatalogueEndpoints()
    {
        var client = factory.CreateClient();
        var doc = await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json", Ct);
        var paths = doc.GetProperty("paths");
        paths.TryGetProperty("/api/v1/catalog", out _).ShouldBeTrue();
        paths.TryGetProperty("/api/v1/catalog/{code}", out _).ShouldBeTrue();
        var post = paths.GetProperty("/api/v1/records").GetProperty("post");
        post.GetProperty("description").GetString()!.ShouldContain("Idempotency-Key");
        post.GetProperty("requestBody").ValueKind.ShouldBe(JsonValueKind.Object);
        // A record's fields are read by a converter of their own; the document still says what they hold.
        var fields = doc.GetProperty("components").GetProperty("schemas").GetProperty("RecordFields");
        fields.GetProperty("type").GetString().ShouldBe("object");
        fields.GetProperty("additionalProperties").GetProperty("type").EnumerateArray().Select(t => t.GetString())
            .ShouldBe(["null", "boolean", "number", "string"], ignoreOrder: true);
    }

    [Fact]
    public async Task Health_ReportsHealthyWithTheDatabase()
    {
        var client = factory.CreateClient();
        var response = await client.GetAsync("/health", Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync(Ct)).ShouldBe("Healthy");
    }
}
