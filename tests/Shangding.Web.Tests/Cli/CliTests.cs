using Microsoft.EntityFrameworkCore;
using System.Text.Json;
using Shangding.Cli;
using Shangding.Core.Data;
using Shangding.Testing;
using Shangding.Web.Tests.Infrastructure;

namespace Shangding.Web.Tests.Cli;

public sealed class CliTests
{
    private static async Task<(int Code, string Out, string Err)> Run(IReadOnlyDictionary<string, string?>? settings, params string[] args)
    {
        var overrides = new Dictionary<string, string?>(ShangdingWebFactory.TestKeys) { ["Shangding:Home"] = RepoPaths.Root };
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>())
        {
            overrides[k] = v;
        }

        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await CliApp.RunAsync(args, output, error, overrides);
        return (code, output.ToString(), error.ToString());
    }

    private static Dictionary<string, string?> Database(TestDatabase db) => new()
    {
        ["Database:Provider"] = db.Settings.Provider.ToString(),
        ["ConnectionStrings:Shangding"] = db.Settings.ConnectionString,
    };

    [Fact]
    public async Task CatalogListJson_ShowsEveryCategoryWithItsFields()
    {
        var (code, output, _) = await Run(null, "catalog", "list", "--json");
        code.ShouldBe(0);
        var doc = JsonDocument.Parse(output).RootElement;
        var categories = doc.GetProperty("categories").EnumerateArray().ToList();
        doc.GetProperty("count").GetInt32().ShouldBe(categories.Count);
        var traffic = categories.Single(c => c.GetProperty("fields").EnumerateArray().Any(f => f.GetProperty("nameZh").GetString() == "车牌号"));
        traffic.GetProperty("responsibleUnits")[0].GetProperty("nameZh").GetString().ShouldBe("市公安局");
        categories.Count(c => c.GetProperty("source").GetString()!.StartsWith("000", StringComparison.Ordinal)).ShouldBe(24); // 11 reward and 13 penalty categories
    }

    [Fact]
    public async Task CatalogShow_UnknownCode_ExitsWithAClearMessage()
    {
        var (code, _, error) = await Run(null, "catalog", "show", "NOT-A-CODE");
        code.ShouldBe(2);
        error.ShouldContain("No category with code 'NOT-A-CODE'");
    }

    [Theory]
    [InlineData("2026-02-13", "3", "2026-02-25")]
    [InlineData("2026-09-28", "7", "2026-10-13")]
    [InlineData("2026-12-28", "5", "2027-01-04 provisional")]
    public async Task CalendarAdd_PrintsTheNthWorkingDay(string date, string n, string expected)
    {
        var (code, output, _) = await Run(null, "calendar", "add", date, n);
        code.ShouldBe(0);
        output.Trim().ShouldBe(expected);
    }

    [Fact]
    public async Task CalendarAdd_BadDate_IsRefused()
    {
        var (code, _, error) = await Run(null, "calendar", "add", "2026-02-30", "3");
        code.ShouldBe(2);
        error.ShouldContain("yyyy-mm-dd");
    }

    [Theory]
    [AllEngines]
    public async Task Accounts_AFreshInstallationGetsItsFirstOperator_AndEveryChangeIsAudited(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var settings = Database(db);

        var (code, output, error) = await Run(settings, "accounts", "create", "--user", "Admin", "--name", "管理员", "--role", "operator");
        code.ShouldBe(2);
        error.ShouldContain("--user:");
        (code, output, _) = await Run(settings, "accounts", "create", "--user", "admin", "--name", "市信用中心 管理员", "--role", "operator", "--json");
        code.ShouldBe(0);
        var created = JsonDocument.Parse(output).RootElement;
        var password = created.GetProperty("password").GetString()!;
        password.Length.ShouldBe(16);
        (code, _, _) = await Run(settings, "accounts", "create", "--user", "police2", "--name", "市公安局 查询员", "--role", "government", "--unit", "PUBLIC-SECURITY");
        code.ShouldBe(0);

        (_, output, _) = await Run(settings, "accounts", "list", "--json");
        var listed = JsonDocument.Parse(output).RootElement.EnumerateArray().Select(a => a.GetProperty("userName").GetString()).ToList();
        listed.ShouldBe(["police2", "admin"], ignoreOrder: true);
        output.ShouldNotContain(password);

        (code, output, _) = await Run(settings, "accounts", "reset-password", "admin");
        code.ShouldBe(0);
        output.ShouldStartWith("New password for admin (shown once): ");
        (code, _, _) = await Run(settings, "accounts", "disable", "police2");
        code.ShouldBe(0);
        (code, _, error) = await Run(settings, "accounts", "disable", "nobody");
        code.ShouldBe(2);
        error.ShouldContain("No account 'nobody'");

        await using var context = db.NewContext();
        context.Accounts.Single(a => a.UserName == "police2").Disabled.ShouldBeTrue();
        context.AuditEntries.OrderBy(a => a.Id).Select(a => a.Kind).ToList()
            .ShouldBe(["account-created", "account-created", "account-password-reset", "account-disabled"]);
        (code, output, _) = await Run(settings, "audit", "verify");
        code.ShouldBe(0);
    }

    [Fact]
    public async Task ScoreShow_ForAMistypedNumber_SaysWhatIsWrongWithIt_WithoutTheNumber()
    {
        await using var db = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        var id = TestPlatform.ResidentId(new DateOnly(1977, 7, 17), 717);
        var typo = id[..17] + (id[17] == '1' ? "2" : "1");

        var (code, output, error) = await Run(Database(db), "score", "show", typo, "--purpose", "核对");
        code.ShouldNotBe(0);
        error.ShouldContain("No subject with that ID number is on file. The check digit of the ID number is wrong");
        error.ShouldContain("证件号码校验位错误");
        (output + error).ShouldNotContain(typo);

        // A valid number of no one on file: only that.
        (code, _, error) = await Run(Database(db), "score", "show", id, "--purpose", "核对");
        code.ShouldNotBe(0);
        error.Trim().ShouldBe("No subject with that ID number is on file. / 平台上没有该证件号码的主体。");
    }

    [Fact]
    public async Task OnADatabaseANewerReleaseMigrated_StatusSaysSo_AndImportRefusesIt()
    {
        await using var db = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        await using (var context = db.NewContext())
        {
            await context.Database.ExecuteSqlRawAsync(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES ('9001', 'from_the_future', '2027-01-01T00:00:00Z')", TestContext.Current.CancellationToken);
        }

        var (code, output, _) = await Run(Database(db), "db", "status");
        code.ShouldBe(5);
        output.ShouldContain("本程序不认识（由较新版本应用，请升级本程序） / unknown to this program (applied by a newer release; upgrade this program): 9001");

        var file = Path.Combine(Path.GetTempPath(), $"shangding-cli-{Guid.NewGuid():N}.csv");
        await File.WriteAllTextAsync(file, "record_key\n", TestContext.Current.CancellationToken);
        try
        {
            (code, _, var error) = await Run(Database(db), "import", file, "--unit", "WATER-SUPPLY", "--category", "P-ARREARS-WATER");
            code.ShouldBe(5);
            error.ShouldContain("数据库已由较新版本的尚鼎升级（本程序不认识的迁移：9001 from_the_future");
            error.ShouldContain("upgrade this program");
        }
        finally
        {
            File.Delete(file);
        }

        // Commands that do not migrate stop before they read or write anything, too.
        foreach (var command in new[] { new[] { "accounts", "create", "--user", "clerk9", "--name", "Clerk", "--role", "operator" }, ["reporting", "remind"], ["score", "models"] })
        {
            (code, _, var error) = await Run(Database(db), command);
            code.ShouldBe(5, string.Join(' ', command));
            error.ShouldContain("9001 from_the_future");
        }

        (code, _, _) = await Run(Database(db), "catalog", "list");
        code.ShouldBe(0);

        await using var check = db.NewContext();
        (await check.IntakeBatches.CountAsync(TestContext.Current.CancellationToken)).ShouldBe(0);
        (await check.Accounts.CountAsync(a => a.UserName == "clerk9", TestContext.Current.CancellationToken)).ShouldBe(0);
    }

    [Theory]
    [AllEngines]
    public async Task DbMigrate_ThenStatus_ThenDemoSeed_WorkOnEachEngine(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider, migrate: false);
        var settings = Database(db);

        var (code, output, _) = await Run(settings, "db", "migrate", "--json");
        code.ShouldBe(0);
        JsonDocument.Parse(output).RootElement.GetProperty("newlyApplied").GetArrayLength().ShouldBeGreaterThan(0);

        (code, output, _) = await Run(settings, "db", "status");
        code.ShouldBe(0);
        output.ShouldContain("待应用 / pending: 无 / none");

        (code, output, _) = await Run(settings, "demo", "seed", "--persons", "25", "--json");
        code.ShouldBe(0);
        var report = JsonDocument.Parse(output).RootElement;
        report.GetProperty("seeded").GetBoolean().ShouldBeTrue();
        report.GetProperty("persons").GetInt32().ShouldBe(25);

        await using var context = db.NewContext();
        context.Subjects.Count().ShouldBe(25);
        context.Subjects.ShouldAllBe(s => s.IdMasked.Contains("**********"));

        (_, output, _) = await Run(settings, "demo", "seed");
        output.ShouldContain("数据库中已有主体，未写入演示数据。 / The database already holds subjects; nothing was seeded.");

        (code, output, _) = await Run(settings, "unit", "credentials", "create", "--unit", "WATER-SUPPLY", "--label", "billing", "--json");
        code.ShouldBe(0);
        var issued = JsonDocument.Parse(output).RootElement;
        issued.GetProperty("token").GetString()!.ShouldStartWith("sd_");
        var keyId = issued.GetProperty("keyId").GetString()!;
        (_, output, _) = await Run(settings, "unit", "credentials", "list");
        output.ShouldContain(keyId);
        output.ShouldNotContain(issued.GetProperty("token").GetString()!);
        (code, output, _) = await Run(settings, "unit", "credentials", "revoke", keyId);
        code.ShouldBe(0);
        output.Trim().ShouldBe($"已吊销 {keyId}。 / Revoked {keyId}.");
        (code, _, var error) = await Run(settings, "unit", "credentials", "revoke", keyId);
        code.ShouldBe(2);
        error.Trim().ShouldBe($"没有密钥编号为“{keyId}”的有效凭据。 / No active credential with key id '{keyId}'.");
        (code, output, _) = await Run(settings, "unit", "credentials", "create", "--unit", "WATER-SUPPLY", "--label", "billing 2");
        code.ShouldBe(0);
        output.ShouldContain("令牌仅此一次显示，请保存到本单位系统中 / Token (shown only now; store it in the unit's system): sd_");
        (code, _, error) = await Run(settings, "unit", "credentials", "create", "--unit", "WATER-SUPPLY", "--category", "P-VOLUNTEER");
        code.ShouldBe(2);
        error.ShouldContain("not responsible");

        (code, output, _) = await Run(settings, "reporting", "status", "--unit", "WATER-SUPPLY", "--json");
        code.ShouldBe(0);
        JsonDocument.Parse(output).RootElement.EnumerateArray().ShouldAllBe(r => r.GetProperty("unitCode").GetString() == "WATER-SUPPLY");
        (code, output, _) = await Run(settings, "reporting", "remind", "--json");
        code.ShouldBe(0);
        JsonDocument.Parse(output).RootElement.TryGetProperty("written", out _).ShouldBeTrue();
        // The same job again, as an operator reads it: nothing new to write the same day, said in both languages.
        (code, output, _) = await Run(settings, "reporting", "remind");
        code.ShouldBe(0);
        output.ShouldContain("：新发催报 0 条，已解除 0 条，列入通报批评 ");
        output.ShouldContain(": 0 reminder(s) written, 0 resolved, ");
    }
}
