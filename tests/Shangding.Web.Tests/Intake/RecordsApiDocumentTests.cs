using System.Net.Http.Json;
using System.Text.Json;
using Shangding.Web.Tests.Infrastructure;

namespace Shangding.Web.Tests.Intake;

/// <summary>The OpenAPI document says what the records API really needs, which values its strings take, and how to authenticate.</summary>
public sealed class RecordsApiDocumentTests(ShangdingWebFactory factory) : IClassFixture<ShangdingWebFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<JsonElement> DocumentAsync() => await factory.CreateClient().GetFromJsonAsync<JsonElement>("/openapi/v1.json", Ct);

    private static JsonElement Schema(JsonElement document, string name) => document.GetProperty("components").GetProperty("schemas").GetProperty(name);

    private static List<string?> Strings(JsonElement array) => array.EnumerateArray().Select(e => e.GetString()).ToList();

    [Fact]
    public async Task ARecord_RequiresOnlyItsKeyAndCategory_AndItsActionIsOneOfTwo()
    {
        var document = await DocumentAsync();
        var input = Schema(document, "RecordInput");
        Strings(input.GetProperty("required")).ShouldBe(["recordKey", "category"], ignoreOrder: true);
        var action = input.GetProperty("properties").GetProperty("action");
        Strings(action.GetProperty("enum")).ShouldBe(["upsert", "withdraw"]);
        action.GetProperty("default").GetString().ShouldBe("upsert");
        var expected = input.GetProperty("properties").GetProperty("expectedVersion");
        expected.GetProperty("description").GetString()!.ShouldContain("version_changed");
        expected.GetProperty("minimum").GetDecimal().ShouldBe(1);
        expected.GetProperty("examples")[0].GetInt32().ShouldBe(2);

        var records = Schema(document, "RecordsRequest").GetProperty("properties").GetProperty("records");
        records.GetProperty("type").GetString().ShouldBe("array");
        records.GetProperty("minItems").GetInt32().ShouldBe(1);
        records.GetProperty("maxItems").GetInt32().ShouldBe(Shangding.Web.Api.RecordEndpoints.MaxRecordsPerRequest);
    }

    [Fact]
    public async Task TheAnswer_ListsItsOutcomesAndStatuses()
    {
        var document = await DocumentAsync();
        Strings(Schema(document, "RecordOutcomeDto").GetProperty("properties").GetProperty("outcome").GetProperty("enum"))
            .ShouldBe(["Created", "Updated", "Unchanged", "Withdrawn", "Rejected"]);
        Strings(Schema(document, "RecordsResponse").GetProperty("properties").GetProperty("status").GetProperty("enum"))
            .ShouldBe(["Committed", "Refused"]);
    }

    [Fact]
    public async Task TheUnitApi_HasABearerSecurityScheme_AndOnlyTheOperationsNeedingATokenRequireOne()
    {
        var document = await DocumentAsync();
        var schemes = document.GetProperty("components").GetProperty("securitySchemes");
        var unit = schemes.GetProperty("unitApiToken");
        unit.GetProperty("type").GetString().ShouldBe("http");
        unit.GetProperty("scheme").GetString().ShouldBe("bearer");
        unit.GetProperty("bearerFormat").GetString()!.ShouldStartWith("sd_");
        schemes.GetProperty("queryApiToken").GetProperty("bearerFormat").GetString()!.ShouldStartWith("sdq_");

        var paths = document.GetProperty("paths");
        SecurityOf(paths.GetProperty("/api/v1/records").GetProperty("post")).ShouldBe(["unitApiToken"]);
        SecurityOf(paths.GetProperty("/api/v1/queries").GetProperty("post")).ShouldBe(["queryApiToken"]);
        SecurityOf(paths.GetProperty("/api/v1/catalog").GetProperty("get")).ShouldBeEmpty();
        SecurityOf(paths.GetProperty("/api/v1/public/search").GetProperty("post")).ShouldBeEmpty();
    }

    [Fact]
    public async Task TheRecordsOperation_KeepsItsBodyExampleAndDocumentsItsRefusals()
    {
        var post = (await DocumentAsync()).GetProperty("paths").GetProperty("/api/v1/records").GetProperty("post");
        post.GetProperty("description").GetString()!.ShouldContain(""""
            "action":"withdraw","expectedVersion":2
            """");
        post.GetProperty("requestBody").GetProperty("required").GetBoolean().ShouldBeTrue();
        post.GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString()
            .ShouldBe("#/components/schemas/RecordsRequest");
        var responses = post.GetProperty("responses");
        foreach (var status in new[] { "200", "400", "401", "413", "415", "503" })
        {
            responses.TryGetProperty(status, out _).ShouldBeTrue(status);
        }

        responses.GetProperty("400").GetProperty("content").TryGetProperty("application/problem+json", out _).ShouldBeTrue();
    }

    private static List<string> SecurityOf(JsonElement operation) =>
        operation.TryGetProperty("security", out var security)
            ? security.EnumerateArray().SelectMany(r => r.EnumerateObject().Select(p => p.Name)).ToList()
            : [];
}
