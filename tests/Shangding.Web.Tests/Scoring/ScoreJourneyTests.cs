using Shangding.Core.Access;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using AngleSharp.Html.Parser;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Shangding.Cli;
using Shangding.Core.Data;
using Shangding.Core.Intake;
using Shangding.Core.Scoring;
using Shangding.Testing;
using Shangding.Web.Tests.Infrastructure;

namespace Shangding.Web.Tests.Scoring;

/// <summary>The "done when" of issue 4, end to end: hand-calculated scores from the CLI, an upload moving a score within the minute, a draft model simulated and activated.</summary>
public sealed class ScoreJourneyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly DateOnly Today = DateOnly.FromDateTime(DateTime.Now);

    private static string Ago(int days) => Today.AddDays(-days).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static IntakeRow Row(int n, string id, params (string Key, string Value)[] fields)
    {
        var values = new Dictionary<string, string?> { ["record_key"] = $"K-{n}", ["name"] = "赵六", ["id_type"] = "居民身份证", ["id_number"] = id };
        foreach (var (key, value) in fields)
        {
            values[key] = value;
        }

        return new IntakeRow(n, null, values, []);
    }

    private static async Task Upload(IntakeService intake, string unit, string category, params IntakeRow[] rows)
    {
        var result = await intake.RunAsync(new IntakeRequest(unit, IntakeChannels.Batch, "t", category), rows, null, Ct);
        result.Rejected.ShouldBe(0, string.Join("; ", result.Records.SelectMany(r => r.Reasons).Select(r => r.MessageEn)));
    }

    private static async Task<(int Code, string Out, string Err)> Run(IReadOnlyDictionary<string, string?> settings, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await CliApp.RunAsync(args, output, error, settings);
        return (code, output.ToString(), error.ToString());
    }

    [Theory]
    [AllEngines]
    public async Task ScoreShow_MatchesTheModelFileByHand_ForSeveralPersons_AndADraftIsSimulatedAndActivatedFromTheCli(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var settings = new Dictionary<string, string?>(ShangdingWebFactory.TestKeys)
        {
            ["Shangding:Home"] = RepoPaths.Root,
            ["Database:Provider"] = db.Settings.Provider.ToString(),
            ["ConnectionStrings:Shangding"] = db.Settings.ConnectionString,
        };
        var protector = new Shangding.Core.Subjects.IdentityProtector(Shangding.Core.Subjects.IdentityKeyStore.LoadOrCreate(
            new Microsoft.Extensions.Configuration.ConfigurationBuilder().AddInMemoryCollection(settings).Build(), Path.Combine(Path.GetTempPath(), "unused-keys.json"), allowGenerate: false));
        var intake = new IntakeService(TestPlatform.Catalog, protector, db.Settings, TimeProvider.System);
        var p1 = TestPlatform.ResidentId(new DateOnly(1984, 2, 3), 401);
        var p2 = TestPlatform.ResidentId(new DateOnly(1970, 7, 8), 402);
        var p3 = TestPlatform.ResidentId(new DateOnly(1990, 11, 12), 403);
        var p4 = TestPlatform.ResidentId(new DateOnly(1962, 5, 6), 404);

        await Upload(intake, "CIVILISATION-OFFICE", "P-VOLUNTEER",
            Row(1, p1, ("rated_on", Ago(100)), ("rating_body", "市文明办"), ("honour_level", "市级")),
            Row(2, p2, ("rated_on", Ago(50)), ("rating_body", "市文明办"), ("honour_level", "国家级")),
            Row(3, p3, ("rated_on", Ago(70)), ("rating_body", "市文明办"), ("honour_level", "市级")));
        await Upload(intake, "CIVILISATION-OFFICE", "P-CIVILISED-FAMILY", Row(4, p2, ("rated_on", Ago(300)), ("rating_body", "市文明办"), ("honour_level", "国家级")));
        await Upload(intake, "HEALTH-COMMISSION", "P-BLOOD-DONATION",
            Row(5, p1, ("donation_place", "市中心血站"), ("donated_on", Ago(200)), ("issuing_body", "市卫健委"), ("donation_count", "4")));
        await Upload(intake, "PUBLIC-SECURITY", "P-HEROIC-ACT", Row(6, p2, ("rated_on", Ago(400)), ("rating_body", "市公安局"), ("honour_level", "国家级")));
        await Upload(intake, "PUBLIC-SECURITY", "P-TRAFFIC-VIOLATION",
            Row(7, p1, ("plate_number", "豫A12345"), ("plate_kind", "小型汽车"), ("violated_at", Ago(20) + " 08:30"), ("violation_place", "中原路"),
                ("violation", "违反禁止标线指示"), ("penalty_points", "3"), ("penalty_result", "罚款200元")));
        await Upload(intake, "TRADE-UNION", "P-MODEL-WORKER", Row(8, p2, ("rated_on", Ago(500)), ("rating_body", "省总工会"), ("honour_level", "省级")));
        await Upload(intake, "INTERMEDIATE-COURT", "P-COURT-DISHONEST-ENFORCEE",
            Row(9, p3, ("case_number", "(2026)豫01执88号"), ("cause_of_action", "民间借贷纠纷"), ("enforcing_court", "郑州市中级人民法院"),
                ("enforcement_amount", "50000"), ("case_status", "执行中"), (IntakeColumns.ActDate, Ago(60))));
        await Upload(intake, "WATER-SUPPLY", "P-ARREARS-WATER",
            Row(10, p4, ("customer_address", "郑州市金水区"), ("arrears_from", Ago(300)), ("arrears_counted_to", Ago(200)), ("arrears_quantity", "12"),
                ("arrears_amount", "300"), ("determining_body", "市自来水公司"), ("determined_on", Ago(200))),
            Row(11, p4, ("customer_address", "郑州市金水区"), ("arrears_from", Ago(410)), ("arrears_counted_to", Ago(10)), ("arrears_quantity", "90"),
                ("arrears_amount", "2500"), ("determining_body", "市自来水公司"), ("determined_on", Ago(10))));

        foreach (var id in new[] { p1, p2, p3, p4 })
        {
            (await Run(settings, "score", "opt-in", id)).Code.ShouldBe(0);
        }

        async Task<JsonElement> Show(string id)
        {
            var (code, output, error) = await Run(settings, "score", "show", id, "--json", "--purpose", "复核评分测试");
            code.ShouldBe(0, error);
            return JsonDocument.Parse(output).RootElement.GetProperty("result");
        }

        // P1: volunteer 市级 +5; blood, 4th donation (band 3–10) +5; traffic violation (minor, 3 months) -2. 100 + 10 - 2 = 108, 信用良好.
        var r1 = await Show(p1);
        r1.GetProperty("score").GetInt32().ShouldBe(108);
        r1.GetProperty("levelZh").GetString().ShouldBe("信用良好");
        r1.GetProperty("reasons").EnumerateArray().Select(r => r.GetProperty("points").GetInt32()).ShouldBe([2]);
        r1.GetProperty("reasons")[0].GetProperty("textZh").GetString()!.ShouldContain("扣 2 分");

        // P2: heroic act 国家级 +20 and volunteer 国家级 +12 (social morality 32 of its cap 40); model worker 省级 +10;
        // civilised family 国家级 +12. 100 + 54 = 154, no bad record: 信用极好.
        var r2 = await Show(p2);
        r2.GetProperty("score").GetInt32().ShouldBe(154);
        r2.GetProperty("levelZh").GetString().ShouldBe("信用极好");

        // P3: volunteer 市级 +5; listed as a dishonest person subject to enforcement (serious: -30, within 36 months).
        // 100 + 5 - 30 = 75 (under the override's 79), 信用较差, the override named first.
        var r3 = await Show(p3);
        r3.GetProperty("score").GetInt32().ShouldBe(75);
        r3.GetProperty("levelZh").GetString().ShouldBe("信用较差");
        var reasons3 = r3.GetProperty("reasons").EnumerateArray().ToList();
        reasons3[0].GetProperty("kind").GetString().ShouldBe("Override");
        reasons3[1].GetProperty("points").GetInt32().ShouldBe(30);

        // P4: water arrears, 300 yuan (band 0) over 100 days (band 90–180: -1): -3 - 1 = -4; again 190 days later,
        // 2,500 yuan (-5) over 400 days (-4): -3 - 5 - 4 = -12, repeated within 12 months ×1.5 = -18. The category's cap
        // of 12 takes the larger first: -12, then 0. 100 - 12 = 88, 轻微失信; no good record.
        var r4 = await Show(p4);
        r4.GetProperty("score").GetInt32().ShouldBe(88);
        r4.GetProperty("levelZh").GetString().ShouldBe("轻微失信");
        r4.GetProperty("reasons").EnumerateArray().Select(r => (r.GetProperty("kind").GetString(), r.GetProperty("points").GetInt32()))
            .ShouldBe([("BadRecord", 12), ("NoGoodRecord", 0)]);

        // Each `score show` was an operator's query: decided by the access policy and in the query log with its purpose.
        await using (var logContext = db.NewContext())
        {
            var shows = await logContext.QueryLog.AsNoTracking().Where(q => q.Channel == "cli").ToListAsync(Ct);
            shows.Count.ShouldBe(4);
            shows.ShouldAllBe(q => q.QuerierRole == Roles.Operator && q.Purpose == "复核评分测试" && q.Outcome == QueryOutcome.Allowed);
        }

        // Without a stated purpose the CLI does not read.
        (await Run(settings, "score", "show", p1)).Code.ShouldNotBe(0);

        // A draft model (volunteering 市级 5 → 8) simulated from the CLI; then the shipped model activated, audited.
        var draft = Path.Combine(Path.GetTempPath(), $"draft-{Guid.NewGuid():N}.yaml");
        var text = await File.ReadAllTextAsync(Path.Combine(RepoPaths.Catalog, "models", "2026.1.yaml"), Ct);
        await File.WriteAllTextAsync(draft, text.Replace("version: \"2026.1\"", "version: \"2026.9-draft\"", StringComparison.Ordinal)
            .Replace("{区县级: 3, 市级: 5, 省级: 8, 国家级: 12}}]\n    cap: 15", "{区县级: 3, 市级: 8, 省级: 8, 国家级: 12}}]\n    cap: 15", StringComparison.Ordinal), Ct);
        try
        {
            var (code, output, error) = await Run(settings, "simulate", "--model", draft, "--json");
            code.ShouldBe(0, error);
            var report = JsonDocument.Parse(output).RootElement;
            report.GetProperty("persons").GetInt32().ShouldBe(4);
            report.GetProperty("movedUp").GetInt32().ShouldBe(2); // P1 and P3 volunteer at city level
            report.GetProperty("unchanged").GetInt32().ShouldBe(2);
            (code, output, _) = await Run(settings, "simulate", "--model", draft);
            output.ShouldContain("moved up 2");
        }
        finally
        {
            File.Delete(draft);
        }

        var (exit, said, _) = await Run(settings, "score", "activate", "2026.1", "--note", "annual review");
        exit.ShouldBe(0);
        said.ShouldContain("2026.1 is active");
        await using var context = db.NewContext();
        (await context.ModelActivations.SingleAsync(Ct)).Note.ShouldBe("annual review");
        (await context.AuditEntries.OrderBy(a => a.Id).LastAsync(Ct)).Kind.ShouldBe("model-activation");
        (await context.RescoreQueue.CountAsync(Ct)).ShouldBe(4);
        (exit, said, _) = await Run(settings, "recompute", "--full");
        exit.ShouldBe(0);
        said.ShouldContain("Rescored 4");
    }

    [Fact]
    public async Task AnUploadOfABadRecord_MovesTheScoreWithinTheMinute_WithTheReason()
    {
        using var baseFactory = new ShangdingWebFactory();
        using var factory = baseFactory.WithWebHostBuilder(b => b.UseSetting("Jobs:Enabled", "true"));
        var id = TestPlatform.ResidentId(new DateOnly(1983, 3, 9), 405);
        string water;
        long subjectId;
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ShangdingDbContext>();
            var credentials = scope.ServiceProvider.GetRequiredService<UnitCredentials>();
            var volunteer = (await credentials.CreateAsync(db, "CIVILISATION-OFFICE", null, "test", "test", Ct)).Token;
            water = (await credentials.CreateAsync(db, "WATER-SUPPLY", null, "test", "test", Ct)).Token;
            var first = await Post(factory, volunteer, new
            {
                recordKey = "V-1",
                category = "P-VOLUNTEER",
                fields = new Dictionary<string, object> { ["name"] = "钱七", ["id_type"] = "居民身份证", ["id_number"] = id, ["rated_on"] = Ago(30), ["rating_body"] = "市文明办", ["honour_level"] = "市级" },
            });
            first.GetProperty("created").GetInt32().ShouldBe(1);
            var hash = scope.ServiceProvider.GetRequiredService<Shangding.Core.Subjects.IdentityProtector>().LookupHash(id);
            subjectId = await db.Subjects.Where(s => s.IdHash == hash).Select(s => s.Id).SingleAsync(Ct);
            (await scope.ServiceProvider.GetRequiredService<ScoreService>().OptInAsync(db, subjectId, "test", Ct)).Score.ShouldBe(105);
        }

        // The daily pass runs once at start; let it finish so that only the upload moves the score.
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < TimeSpan.FromSeconds(30))
        {
            await using var scope = factory.Services.CreateAsyncScope();
            var connection = scope.ServiceProvider.GetRequiredService<ShangdingDbContext>().Database.GetDbConnection();
            await connection.OpenAsync(Ct);
            await using var command = ScoreStore.Command(connection, null, "SELECT count(*) FROM score_recompute_runs WHERE reason = 'daily' AND finished_at IS NOT NULL");
            if (Convert.ToInt64(await command.ExecuteScalarAsync(Ct), CultureInfo.InvariantCulture) > 0)
            {
                break;
            }

            await Task.Delay(100, Ct);
        }

        // Water arrears of 1,234.50 yuan (-2) over 280 days (-2) on top of -3: -7.
        var watch = Stopwatch.StartNew();
        var upload = await Post(factory, water, new
        {
            recordKey = "W-1",
            category = "P-ARREARS-WATER",
            fields = new Dictionary<string, object>
            {
                ["name"] = "钱七", ["id_type"] = "居民身份证", ["id_number"] = id, ["customer_address"] = "郑州市金水区花园路1号",
                ["arrears_from"] = Ago(300), ["arrears_counted_to"] = Ago(20), ["arrears_quantity"] = 120.5, ["arrears_amount"] = 1234.5,
                ["determining_body"] = "市自来水公司", ["determined_on"] = Ago(10),
            },
        });
        upload.GetProperty("created").GetInt32().ShouldBe(1);

        StoredScore? stored = null;
        while (watch.Elapsed < TimeSpan.FromSeconds(60))
        {
            await using var scope = factory.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<ShangdingDbContext>();
            stored = await db.Scores.AsNoTracking().SingleAsync(s => s.SubjectId == subjectId, Ct);
            if (stored.Score != 105)
            {
                break;
            }

            await Task.Delay(100, Ct);
        }

        watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(60));
        stored!.Score.ShouldBe(98);
        stored.Reason.ShouldBe("records-changed");
        stored.Level.ShouldBe(nameof(ScoreLevel.MinorDishonesty));
        var explanation = ScoreService.ReadExplanation(stored.ExplanationJson)!;
        explanation.Reasons.ShouldContain(r => r.Kind == ReasonKind.BadRecord && r.Points == 7 && r.TextZh.Contains("水费", StringComparison.Ordinal));
        explanation.Contributions.ShouldContain(c => c.CategoryCode == "P-ARREARS-WATER" && c.Points == -7);
    }

    private static async Task<JsonElement> Post(Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program> factory, string token, object record)
    {
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var response = await client.PostAsJsonAsync("/api/v1/records", new { records = new[] { record } }, Ct);
        return await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
    }
}
