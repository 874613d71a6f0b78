using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Shangding.Core.Data;
using Shangding.Core.Intake;
using Shangding.Testing;
using Shangding.Web.Tests.Infrastructure;

namespace Shangding.Web.Tests.Intake;

public sealed class RecordsApiTests(ShangdingWebFactory factory) : IClassFixture<ShangdingWebFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<IssuedCredential> Issue(string unit, IReadOnlyList<string>? categories = null)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ShangdingDbContext>();
        return await scope.ServiceProvider.GetRequiredService<UnitCredentials>().CreateAsync(db, unit, categories, "test", "test", Ct);
    }

    private HttpClient Client(string? token)
    {
        var client = factory.CreateClient();
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }

    private static object WaterRecord(string key, string id, string amount = "1234.5") => new
    {
        recordKey = key,
        category = "P-ARREARS-WATER",
        fields = new Dictionary<string, object>
        {
            ["name"] = "王小明",
            ["id_type"] = "居民身份证",
            ["id_number"] = id,
            ["customer_address"] = "郑州市金水区花园路1号",
            ["arrears_from"] = "2025-06-01",
            ["arrears_counted_to"] = "2026-02-28",
            ["arrears_quantity"] = 120.5,
            ["arrears_amount"] = decimal.Parse(amount, System.Globalization.CultureInfo.InvariantCulture),
            ["determining_body"] = "市自来水公司",
            ["determined_on"] = "2026-03-02",
        },
    };

    [Fact]
    public async Task WithoutAToken_TheApiAnswers401WithAProblem()
    {
        var response = await Client(null).PostAsJsonAsync("/api/v1/records", new { records = new[] { WaterRecord("A", "x") } }, Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await response.Content.ReadAsStringAsync(Ct)).ShouldContain("Bearer sd_");
        var bad = await Client("sd_000000000000_nope").PostAsJsonAsync("/api/v1/records", new { records = new[] { WaterRecord("A", "x") } }, Ct);
        bad.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Records_AreAnsweredOneByOne_AndASecondSendChangesNothing()
    {
        var token = (await Issue("WATER-SUPPLY")).Token;
        var good = TestPlatform.ResidentId(new DateOnly(1985, 4, 12), 321);
        var bad = good[..17] + (good[17] == '1' ? "2" : "1");
        var body = new { records = new[] { WaterRecord("API-1", good), WaterRecord("API-2", bad), WaterRecord("API-3", good, "-1") } };

        var first = await (await Client(token).PostAsJsonAsync("/api/v1/records", body, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        first.GetProperty("created").GetInt32().ShouldBe(1);
        first.GetProperty("rejected").GetInt32().ShouldBe(2);
        var records = first.GetProperty("records").EnumerateArray().ToList();
        records.Select(r => r.GetProperty("outcome").GetString()).ShouldBe(["Created", "Rejected", "Rejected"]);
        records[1].GetProperty("reasons")[0].GetProperty("messageZh").GetString()!.ShouldContain("校验位");
        records[1].GetProperty("reasons")[0].GetProperty("messageEn").GetString()!.ShouldContain("check digit");
        records[2].GetProperty("reasons")[0].GetProperty("code").GetString().ShouldBe("negative");

        var second = await (await Client(token).PostAsJsonAsync("/api/v1/records", body, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        second.GetProperty("created").GetInt32().ShouldBe(0);
        second.GetProperty("unchanged").GetInt32().ShouldBe(1);

        // The rejected records are kept as they were sent (encrypted: they hold the ID number), the accepted one is not.
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ShangdingDbContext>();
        var batch = first.GetProperty("batchId").GetInt64();
        var rejects = await db.IntakeRejects.AsNoTracking().Where(r => r.BatchId == batch).OrderBy(r => r.RowNumber).ToListAsync(Ct);
        rejects.Select(r => r.RecordKey).ShouldBe(["API-2", "API-3"]);
        rejects.ShouldAllBe(r => !r.CellsJson.Contains(bad) && !r.CellsJson.Contains(good));
        var protector = scope.ServiceProvider.GetRequiredService<Shangding.Core.Subjects.IdentityProtector>();
        var sentText = RejectsExport.UnprotectCells(rejects[0].CellsJson, protector).ShouldHaveSingleItem()!;
        sentText.ShouldContain("\"王小明\""); // readable in the rejects file, not \u738B\u5C0F\u660E
        var sent = JsonDocument.Parse(sentText).RootElement;
        sent.GetProperty("RecordKey").GetString().ShouldBe("API-2");
        sent.GetProperty("Fields").GetProperty("id_number").GetString().ShouldBe(bad);
        // Numbers sent as JSON numbers are kept as numbers, with the digits sent.
        var third = JsonDocument.Parse(RejectsExport.UnprotectCells(rejects[1].CellsJson, protector).ShouldHaveSingleItem()!).RootElement;
        third.GetProperty("Fields").GetProperty("arrears_amount").ValueKind.ShouldBe(JsonValueKind.Number);
        third.GetProperty("Fields").GetProperty("arrears_amount").GetRawText().ShouldBe("-1");
        third.GetProperty("Fields").GetProperty("name").GetString().ShouldBe("王小明");

        // On the unit's batch page the rows are the request's records, numbered as the API's answer numbers them.
        var clerk = await PortalClient.SignedInAs(factory, "water", Ct);
        var page = new AngleSharp.Html.Parser.HtmlParser().ParseDocument(await clerk.Http.GetStringAsync($"/unit/batches/{batch}", Ct));
        page.QuerySelector("table.stack thead th")!.TextContent.ShouldBe("请求中的序号（从 0 起）");
        page.QuerySelectorAll("table.stack tbody tr td:first-child").Select(c => c.TextContent).ShouldBe(["1", "2"]);
    }

    [Fact]
    public async Task FieldValuesOfEveryJsonKind_AreTakenAsTheirText_AndSentBackAsTheyCame()
    {
        var token = (await Issue("WATER-SUPPLY")).Token;
        var id = TestPlatform.ResidentId(new DateOnly(1979, 9, 9), 415);
        // Numbers keep their digits ("1234.50", an exponent); true, an object and an array are not numbers, and say so;
        // null is an empty field; a code sent twice keeps its last value; escapes are undone.
        var json = $$$"""
            {"records":[{"recordKey":"KINDS-1","category":"P-ARREARS-WATER","fields":{
              "name":"王小明","id_type":"居民身份证","id_number":"{{{id}}}","customer_address":"郑州市金水区花园路1号",
              "remarks":null,"arrears_from":"2025-06-01","arrears_counted_to":"2026-02-28","arrears_quantity":1.2e2,"arrears_amount":1234.50,
              "determining_body":"市自来水公司","determined_on":"2026-03-02"}},
             {"recordKey":"KINDS-2","category":"P-ARREARS-WATER","fields":{
              "name":"王小明","id_type":"居民身份证","id_number":"{{{id}}}","customer_address":"郑州市金水区花园路1号",
              "arrears_from":"2025-06-01","arrears_counted_to":"2026-02-28","arrears_quantity":true,"arrears_amount":{"value": [1, 2]},
              "determining_body":"x","determining_body":"市自来水公司","determined_on":"2026-03-02"}}]}
            """;
        using var content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        var response = await Client(token).PostAsync("/api/v1/records", content, Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var answer = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        var records = answer.GetProperty("records").EnumerateArray().ToList();
        records[0].GetProperty("outcome").GetString().ShouldBe("Created", records[0].GetRawText());
        records[1].GetProperty("outcome").GetString().ShouldBe("Rejected");
        var reasons = records[1].GetProperty("reasons").EnumerateArray().ToList();
        reasons.Select(r => (r.GetProperty("code").GetString(), r.GetProperty("field").GetString()))
            .ShouldBe([("bad_number", "arrears_quantity"), ("bad_number", "arrears_amount")], ignoreOrder: true);
        reasons.Single(r => r.GetProperty("field").GetString() == "arrears_quantity").GetProperty("messageEn").GetString()!.ShouldContain("'true'");
        reasons.Single(r => r.GetProperty("field").GetString() == "arrears_amount").GetProperty("messageEn").GetString()!
            .ShouldContain("""'{"value": [1, 2]}'""");

        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ShangdingDbContext>();
        var stored = await db.Records.AsNoTracking().SingleAsync(r => r.UnitCode == "WATER-SUPPLY" && r.RecordKey == "KINDS-1", Ct);
        var fields = JsonDocument.Parse(stored.FieldsJson).RootElement;
        (await db.Subjects.AsNoTracking().SingleAsync(x => x.Id == stored.SubjectId, Ct)).Name.ShouldBe("王小明");
        fields.GetProperty("arrears_amount").GetDecimal().ShouldBe(1234.5m);
        fields.GetProperty("arrears_quantity").GetDecimal().ShouldBe(120m);
        (!fields.TryGetProperty("remarks", out var remarks) || remarks.ValueKind == JsonValueKind.Null).ShouldBeTrue(stored.FieldsJson);

        var batch = answer.GetProperty("batchId").GetInt64();
        var reject = await db.IntakeRejects.AsNoTracking().SingleAsync(r => r.BatchId == batch, Ct);
        var protector = scope.ServiceProvider.GetRequiredService<Shangding.Core.Subjects.IdentityProtector>();
        var sent = JsonDocument.Parse(RejectsExport.UnprotectCells(reject.CellsJson, protector).ShouldHaveSingleItem()!).RootElement.GetProperty("Fields");
        sent.GetProperty("arrears_quantity").ValueKind.ShouldBe(JsonValueKind.True);
        sent.GetProperty("arrears_amount").GetRawText().ShouldBe("""{"value": [1, 2]}""");
        sent.GetProperty("determining_body").GetString().ShouldBe("市自来水公司");
    }

    [Fact]
    public async Task ARecordNamingTheVersionItWasMadeFrom_ChangesTheRecordOnlyAtThatVersion()
    {
        var token = (await Issue("WATER-SUPPLY")).Token;
        var id = TestPlatform.ResidentId(new DateOnly(1988, 2, 29), 512);
        async Task<JsonElement> SendAsync(System.Text.Json.Nodes.JsonObject record, int? expectedVersion)
        {
            if (expectedVersion is { } version)
            {
                record["expectedVersion"] = version;
            }

            var response = await Client(token).PostAsJsonAsync("/api/v1/records", new { records = new[] { record } }, Ct);
            response.StatusCode.ShouldBe(HttpStatusCode.OK);
            return (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("records")[0];
        }

        System.Text.Json.Nodes.JsonObject Upsert(string amount) => JsonSerializer.SerializeToNode(WaterRecord("API-V-1", id, amount))!.AsObject();
        System.Text.Json.Nodes.JsonObject Withdrawal() => new() { ["recordKey"] = "API-V-1", ["category"] = "P-ARREARS-WATER", ["action"] = "withdraw" };

        var created = await SendAsync(Upsert("10"), null);
        created.GetProperty("outcome").GetString().ShouldBe("Created");
        created.GetProperty("version").GetInt32().ShouldBe(1); // each answer gives the version to expect next
        var updated = await SendAsync(Upsert("99"), 1);
        updated.GetProperty("outcome").GetString().ShouldBe("Updated");
        updated.GetProperty("version").GetInt32().ShouldBe(2);
        var unchanged = await SendAsync(Upsert("99"), null);
        (unchanged.GetProperty("outcome").GetString(), unchanged.GetProperty("version").GetInt32()).ShouldBe(("Unchanged", 2));

        // Made from version 1, which another change has replaced since: rejected, saying which version the record is now.
        var stale = await SendAsync(Upsert("77"), 1);
        stale.GetProperty("outcome").GetString().ShouldBe("Rejected");
        var reason = stale.GetProperty("reasons")[0];
        reason.GetProperty("code").GetString().ShouldBe("version_changed");
        reason.GetProperty("messageZh").GetString()!.ShouldContain("现为第 2 版");
        reason.GetProperty("messageEn").GetString()!.ShouldContain("it is now version 2");
        stale.GetProperty("version").GetInt32().ShouldBe(2);
        (await SendAsync(Withdrawal(), 1)).GetProperty("reasons")[0].GetProperty("code").GetString().ShouldBe("version_changed");
        var withdrawn = await SendAsync(Withdrawal(), 2);
        (withdrawn.GetProperty("outcome").GetString(), withdrawn.GetProperty("version").GetInt32()).ShouldBe(("Withdrawn", 3));
        // A refusal for another reason has no version.
        var bad = await SendAsync(Upsert("-5"), null);
        (bad.GetProperty("outcome").GetString(), bad.GetProperty("version").ValueKind).ShouldBe(("Rejected", JsonValueKind.Null));

        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ShangdingDbContext>();
        var record = await db.Records.AsNoTracking().SingleAsync(r => r.UnitCode == "WATER-SUPPLY" && r.RecordKey == "API-V-1", Ct);
        (record.Version, record.Status).ShouldBe((3, RecordStatus.Withdrawn));
        JsonDocument.Parse(record.FieldsJson).RootElement.GetProperty("arrears_amount").GetDecimal().ShouldBe(99m);
    }

    [Fact]
    public async Task FieldsThatAreNotAnObject_AreABadRequest()
    {
        var token = (await Issue("WATER-SUPPLY")).Token;
        foreach (var fields in new[] { "\"name\"", "[1, 2]", "42" })
        {
            using var content = new StringContent($$"""{"records":[{"recordKey":"BAD-1","category":"P-ARREARS-WATER","fields":{{fields}}}]}""",
                System.Text.Encoding.UTF8, "application/json");
            var response = await Client(token).PostAsync("/api/v1/records", content, Ct);
            response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, fields);
        }
    }

    [Fact]
    public async Task ACategoryOutsideTheCredential_IsRejected_AndARevokedTokenStopsWorking()
    {
        var issued = await Issue("CIVILISATION-OFFICE", ["P-VOLUNTEER"]);
        var body = new
        {
            records = new object[]
            {
                new { recordKey = "V-1", category = "P-INTEGRITY-STAR", fields = new Dictionary<string, object>() },
                new { recordKey = "V-2", category = "P-ARREARS-WATER", fields = new Dictionary<string, object>() },
            },
        };
        var answer = await (await Client(issued.Token).PostAsJsonAsync("/api/v1/records", body, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        var reasons = answer.GetProperty("records").EnumerateArray().Select(r => r.GetProperty("reasons")[0].GetProperty("code").GetString()).ToList();
        reasons.ShouldBe(["outside_credential", "not_responsible"]);

        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ShangdingDbContext>();
            (await scope.ServiceProvider.GetRequiredService<UnitCredentials>().RevokeAsync(db, issued.KeyId, Ct)).ShouldBeTrue();
        }

        (await Client(issued.Token).PostAsJsonAsync("/api/v1/records", body, Ct)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task ARetriedRequestWithTheSameIdempotencyKey_IsANoOp()
    {
        var token = (await Issue("WATER-SUPPLY")).Token;
        var id = TestPlatform.ResidentId(new DateOnly(1991, 1, 1), 777);
        var client = Client(token);
        client.DefaultRequestHeaders.Add("Idempotency-Key", "retry-" + Guid.NewGuid().ToString("N"));
        var first = await (await client.PostAsJsonAsync("/api/v1/records", new { records = new[] { WaterRecord("IDEM-1", id) } }, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        var retry = await (await client.PostAsJsonAsync("/api/v1/records", new { records = new[] { WaterRecord("IDEM-1", id, "1") } }, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        retry.GetProperty("batchId").GetInt64().ShouldBe(first.GetProperty("batchId").GetInt64());
        retry.GetProperty("warnings").EnumerateArray().ShouldContain(w => w.GetString()!.Contains("retry-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnEmptyOrOversizedRequest_IsAValidationProblem()
    {
        var token = (await Issue("WATER-SUPPLY")).Token;
        var empty = await Client(token).PostAsJsonAsync("/api/v1/records", new { records = Array.Empty<object>() }, Ct);
        empty.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await empty.Content.ReadAsStringAsync(Ct)).ShouldContain("non-empty");
        var many = Enumerable.Range(0, RecordsLimit + 1).Select(i => new { recordKey = $"K{i}", category = "P-ARREARS-WATER" }).ToArray();
        var tooMany = await Client(token).PostAsJsonAsync("/api/v1/records", new { records = many }, Ct);
        tooMany.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await tooMany.Content.ReadAsStringAsync(Ct)).ShouldContain("split the batch");
    }

    private const int RecordsLimit = Shangding.Web.Api.RecordEndpoints.MaxRecordsPerRequest;
}
