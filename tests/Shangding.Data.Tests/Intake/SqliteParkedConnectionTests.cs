using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Shangding.Core.Data;
using Shangding.Core.Intake;
using Shangding.Testing;

namespace Shangding.Data.Tests.Intake;

/// <summary>The connection parked for a process's next batch is process-wide: these tests run with no other test beside them.</summary>
[CollectionDefinition(nameof(SqliteParkedConnectionTests), DisableParallelization = true)]
public sealed class SqliteParkedConnectionGroup;

[Collection(nameof(SqliteParkedConnectionTests))]
public sealed class SqliteParkedConnectionTests
{
    private const string Water = "P-ARREARS-WATER";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static IntakeRow Row(int number, string key, int serial) =>
        IntakePipelineTests.Row(number, key, TestPlatform.ResidentId(new DateOnly(1985, 4, 12), serial));

    private static Task<BatchResult> Send(TestDatabase db, params IntakeRow[] rows) =>
        new IntakeService(TestPlatform.Catalog, TestPlatform.Protector, db.Settings, MovableClock.At(2026, 3, 16))
            .RunAsync(new IntakeRequest("WATER-SUPPLY", IntakeChannels.Api, "api:test", Water), rows, null, Ct);

    /// <summary>The database's file, and a pooled connection's automatic checkpoint (a batch connection turns it off).</summary>
    private static async Task<(string DataSource, long AutoCheckpoint)> DatabaseOf(TestDatabase db)
    {
        await using var open = new SqliteConnection(db.Settings.ConnectionString);
        await open.OpenAsync(Ct);
        await using var command = open.CreateCommand();
        command.CommandText = "PRAGMA wal_autocheckpoint";
        return (open.DataSource, (long)(await command.ExecuteScalarAsync(Ct))!);
    }

    [Fact]
    public async Task BatchesOneAfterAnother_WriteOnOneConnection_AndAFailedBatchLetsItGo()
    {
        await using var db = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        var (dataSource, autoCheckpoint) = await DatabaseOf(db);
        autoCheckpoint.ShouldBeGreaterThan(0);

        (await Send(db, Row(1, "W-1", 101))).Created.ShouldBe(1);
        var first = SqliteIntakeWriter.ParkedConnectionFor(dataSource).ShouldNotBeNull();
        first.State.ShouldBe(System.Data.ConnectionState.Open);

        // The next batch takes it (its page cache is still good: no other connection has written since) and parks it again.
        (await Send(db, Row(1, "W-2", 102))).Created.ShouldBe(1);
        SqliteIntakeWriter.ParkedConnectionFor(dataSource).ShouldBeSameAs(first);

        // Another connection changes the schema; the parked connection's batch sees it and fails, rolls back, and the
        // connection goes back to the pool with the pragmas it had, not parked again.
        await using (var context = db.NewContext())
        {
            await context.Database.ExecuteSqlRawAsync(
                "CREATE TRIGGER full_disk BEFORE INSERT ON credit_records BEGIN SELECT RAISE(ABORT, 'disk full'); END", Ct);
        }

        await Should.ThrowAsync<Exception>(() => Send(db, Row(1, "W-3", 103)));
        SqliteIntakeWriter.ParkedConnectionFor(dataSource).ShouldBeNull();
        first.State.ShouldBe(System.Data.ConnectionState.Closed);
        (await DatabaseOf(db)).AutoCheckpoint.ShouldBe(autoCheckpoint);

        await using (var context = db.NewContext())
        {
            await context.Database.ExecuteSqlRawAsync("DROP TRIGGER full_disk", Ct);
        }

        // A fresh connection writes the next batch, and what every batch stored is all there.
        (await Send(db, Row(1, "W-3", 103))).Created.ShouldBe(1);
        SqliteIntakeWriter.ParkedConnectionFor(dataSource).ShouldNotBeNull().ShouldNotBeSameAs(first);
        await using (var context = db.NewContext())
        {
            (await context.Records.OrderBy(r => r.RecordKey).Select(r => r.RecordKey).ToListAsync(Ct)).ShouldBe(["W-1", "W-2", "W-3"]);
            (await context.RecordChanges.CountAsync(Ct)).ShouldBe(3);
        }
    }

    [Fact]
    public async Task ABatchOnAnotherDatabase_TakesTheSlot_AndClosesTheFirstDatabasesConnection()
    {
        await using var one = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        await using var two = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        var (oneSource, autoCheckpoint) = await DatabaseOf(one);
        var (twoSource, _) = await DatabaseOf(two);

        await Send(one, Row(1, "W-1", 101));
        var parkedOne = SqliteIntakeWriter.ParkedConnectionFor(oneSource).ShouldNotBeNull();
        await Send(two, Row(1, "W-1", 101));

        SqliteIntakeWriter.ParkedConnectionFor(oneSource).ShouldBeNull();
        SqliteIntakeWriter.ParkedConnectionFor(twoSource).ShouldNotBeNull();
        parkedOne.State.ShouldBe(System.Data.ConnectionState.Closed);
        (await DatabaseOf(one)).AutoCheckpoint.ShouldBe(autoCheckpoint);
        (await Send(one, Row(1, "W-2", 102))).Created.ShouldBe(1);
    }
}
