using Microsoft.EntityFrameworkCore;
using Shangding.Cli;
using Shangding.Core.Data;
using Shangding.Testing;
using Shangding.Web.Tests.Infrastructure;

namespace Shangding.Web.Tests.Cli;

/// <summary><c>shangding audit verify</c> end to end: a demo database verifies; a row changed in SQL is named.</summary>
public sealed class AuditCliTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<(int Code, string Out, string Err)> Run(TestDatabase db, params string[] args)
    {
        var overrides = new Dictionary<string, string?>(ShangdingWebFactory.TestKeys)
        {
            ["Shangding:Home"] = RepoPaths.Root,
            ["Database:Provider"] = db.Settings.Provider.ToString(),
            ["ConnectionStrings:Shangding"] = db.Settings.ConnectionString,
        };
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await CliApp.RunAsync(args, output, error, overrides);
        return (code, output.ToString(), error.ToString());
    }

    [Theory]
    [AllEngines]
    public async Task AuditVerify_PassesOnADemoDatabase_AndNamesARecordHistoryRowChangedInSql(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        (await Run(db, "demo", "seed", "--persons", "20")).Code.ShouldBe(0);

        var (code, output, _) = await Run(db, "audit", "verify");
        code.ShouldBe(0, output);
        output.ShouldContain("OK");
        output.ShouldContain("审计链 / audit chain: ");

        long target;
        await using (var context = db.NewContext())
        {
            target = await context.RecordChanges.OrderBy(c => c.Id).Skip(3).Select(c => c.Id).FirstAsync(Ct);
            await context.Database.ExecuteSqlAsync($"UPDATE record_changes SET actor = 'edited' WHERE id = {target}", Ct);
        }

        (code, output, _) = await Run(db, "audit", "verify");
        code.ShouldBe(3);
        output.ShouldContain($"record-history: altered entry {target}");
        output.ShouldContain("FAILED");
    }

    [Theory]
    [AllEngines]
    public async Task AccessCredentials_AreIssuedToQueryingAccountsOnly_AndRevoked(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        await using (var context = db.NewContext())
        {
            context.Accounts.Add(new Account { UserName = "bank", DisplayName = "郑州某银行", Role = Shangding.Core.Access.Roles.ThirdParty, PasswordHash = "x", CreatedAt = DateTime.UtcNow });
            context.Accounts.Add(new Account { UserName = "me", DisplayName = "市民", Role = Shangding.Core.Access.Roles.Citizen, PasswordHash = "x", CreatedAt = DateTime.UtcNow });
            await context.SaveChangesAsync(Ct);
        }

        var (code, output, _) = await Run(db, "access", "credentials", "create", "--user", "BANK", "--json");
        code.ShouldBe(0);
        var issued = System.Text.Json.JsonDocument.Parse(output).RootElement;
        issued.GetProperty("token").GetString()!.ShouldStartWith("sdq_");
        (await Run(db, "access", "credentials", "create", "--user", "me")).Code.ShouldBe(2);
        (await Run(db, "access", "credentials", "create", "--user", "nobody")).Code.ShouldBe(2);
        (await Run(db, "access", "credentials", "revoke", issued.GetProperty("keyId").GetString()!)).Code.ShouldBe(0);
        (await Run(db, "access", "credentials", "revoke", issued.GetProperty("keyId").GetString()!)).Code.ShouldBe(2);
    }
}
