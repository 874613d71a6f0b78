using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Shangding.Core.Data;
using Shangding.Testing;

namespace Shangding.Web.Tests.Errors;

/// <summary>
/// The web app as it is run (its built program in a process of its own, not a test host): started on a database a newer
/// release migrated, it does not start, says why in its log and stops with exit code 5 — not a stack trace and an abort.
/// </summary>
public sealed class StartupTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task OnADatabaseANewerReleaseMigrated_TheAppDoesNotStart_SaysWhy_AndExitsWithCode5(bool migrateOnStart)
    {
        await using var db = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        await using (var context = db.NewContext())
        {
            await context.Database.ExecuteSqlRawAsync(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES ('9001', 'from_the_future', '2027-01-01T00:00:00Z')", Ct);
        }

        var start = WebProgram.StartInfo("http://127.0.0.1:0", db.Settings.ConnectionString,
            Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        start.Environment["Database__MigrateOnStart"] = migrateOnStart ? "true" : "false";
        start.Environment["Demo__Seed"] = "false";
        start.Environment["Jobs__Enabled"] = "false";

        using var app = Process.Start(start)!;
        var output = app.StandardOutput.ReadToEndAsync(Ct);
        var error = app.StandardError.ReadToEndAsync(Ct);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        limit.CancelAfter(TimeSpan.FromMinutes(2));
        try
        {
            await app.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            app.Kill(entireProcessTree: true);
            throw new TimeoutException("The app did not stop within two minutes on a database a newer release migrated: " + await output);
        }

        var log = await output + await error;
        app.ExitCode.ShouldBe(5, log);
        log.ShouldContain("数据库已由较新版本的尚鼎升级（本程序不认识的迁移：9001 from_the_future");
        log.ShouldContain("upgrade this program");
        log.ShouldNotContain("Unhandled exception");
        log.ShouldNotContain("Now listening on");
    }
}
