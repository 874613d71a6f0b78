using Microsoft.EntityFrameworkCore;
using Shangding.Core.Access;
using Shangding.Core.Data;
using Shangding.Testing;

namespace Shangding.Data.Tests.Access;

public sealed class SignInTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [AllEngines]
    public async Task ASignIn_WhileABatchHoldsTheWriteLock_GoesThroughAtOnce_AndOnlyItsTimeWaitsForTheNextSignIn(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var clock = MovableClock.At(2026, 11, 2);
        var service = new AccountService(clock);
        string password;
        await using (var context = db.NewContext())
        {
            (_, password) = await service.CreateManagedAsync(context, TestPlatform.Catalog, "water2", "市自来水公司 报送员", Roles.UnitClerk, "WATER-SUPPLY", "account:1", Ct);
        }

        // On SQLite a batch import holds the database's write lock from its first rows to its commit (twenty seconds for a
        // million rows); here another connection holds it. On PostgreSQL imports take no lock a sign-in needs.
        await using var holder = new Microsoft.Data.Sqlite.SqliteConnection(provider == DatabaseProvider.Sqlite ? db.Settings.ConnectionString : "Data Source=:memory:");
        await holder.OpenAsync(Ct);
        await using (var begin = holder.CreateCommand())
        {
            begin.CommandText = "BEGIN IMMEDIATE";
            await begin.ExecuteNonQueryAsync(Ct);
        }

        var watch = System.Diagnostics.Stopwatch.StartNew();
        await using (var context = db.NewContext())
        {
            var result = await service.SignInAsync(context, "water2", password, Ct);
            result.Outcome.ShouldBe(SignInOutcome.Success);
            result.Account!.UserName.ShouldBe("water2");
        }

        // Not the 30 s a write waits for the lock: about two seconds at most.
        watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(10));
        await using (var context = db.NewContext())
        {
            var stored = await context.Accounts.AsNoTracking().SingleAsync(a => a.UserName == "water2", Ct);
            stored.LastSignInAt.ShouldBe(provider == DatabaseProvider.Sqlite ? null : clock.GetUtcNow().UtcDateTime);
        }

        await using (var rollback = holder.CreateCommand())
        {
            rollback.CommandText = "ROLLBACK";
            await rollback.ExecuteNonQueryAsync(Ct);
        }

        clock.Advance(TimeSpan.FromMinutes(5));
        await using (var context = db.NewContext())
        {
            (await service.SignInAsync(context, "water2", password, Ct)).Outcome.ShouldBe(SignInOutcome.Success);
        }

        await using (var context = db.NewContext())
        {
            var stored = await context.Accounts.AsNoTracking().SingleAsync(a => a.UserName == "water2", Ct);
            stored.LastSignInAt.ShouldBe(clock.GetUtcNow().UtcDateTime);
        }
    }
}
