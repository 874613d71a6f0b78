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
        var sent = JsonDocument.Parse(RejectsExport.UnprotectCells(rejects[0].CellsJson, protector).ShouldHaveSingleItem()!).RootElement;
        sent.GetProperty("RecordKey").GetString().ShouldBe("API-2");
        sent.GetProperty("Fields").GetProperty("id_number").GetString().ShouldBe(bad);
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
