using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Shangding.Core.Data;
using Shangding.Testing;

namespace Shangding.Data.Tests.Storage;

/// <summary>
/// A PostgreSQL migration whose ALTER TABLE waits for its lock makes every later query on that table wait behind it;
/// the migrator waits only <see cref="DatabaseSettings.MigrationLockTimeout"/>, rolls back and tries again.
/// Played with the real migration 0019 (SET STORAGE on <c>record_history_seals</c>, an ACCESS EXCLUSIVE lock) while
/// another transaction holds the table the way an import does.
/// </summary>
public sealed class MigrationLockTimeoutTests
{
    private const string Table = "record_history_seals";
    private const string Version = "0019";
    private static readonly TimeSpan LockTimeout = TimeSpan.FromMilliseconds(400);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void TheDefaultRetry_WaitsLongerEachTime_UpToTenSeconds()
    {
        MigrationRetry.Default.Attempts.ShouldBe(6);
        Enumerable.Range(1, 5).Select(MigrationRetry.Default.BackoffAfter).Select(d => d.TotalSeconds).ShouldBe([1, 2, 4, 8, 10]);
    }

    [Fact]
    public void TheMessage_NamesTheTablesAScriptLocks_NotThoseInItsComments() =>
        SchemaMigrator.TablesLocked("""
            -- ALTER TABLE explained_only
            ALTER TABLE intake_batches ADD COLUMN runner text NULL;
            CREATE UNIQUE INDEX ix_scores ON ONLY scores (subject_id);
            ALTER TABLE Intake_Batches ADD CONSTRAINT fk FOREIGN KEY (unit_code) REFERENCES units (code);
            """).ShouldBe(["intake_batches", "scores", "units"]);

    [Theory]
    [AllEngines]
    public async Task AnAppStartingWhileABatchHoldsTheDatabase_FindsItsMigrationsApplied_WithoutWaitingForIt(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        // On SQLite an import holds the write lock for its whole file; on PostgreSQL it holds its tables' row locks.
        await using var import = db.NewContext();
        await import.Database.OpenConnectionAsync(Ct);
        await using var holding = await import.Database.BeginTransactionAsync(Ct);
        await import.Database.ExecuteSqlRawAsync(provider == DatabaseProvider.Sqlite
            ? "UPDATE schema_migrations SET name = name WHERE version = '0001'"
            : "LOCK TABLE intake_batches IN ROW EXCLUSIVE MODE", Ct);

        var watch = Stopwatch.StartNew();
        var report = await new SchemaMigrator(db.Settings).MigrateAsync(Ct);
        watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(10)); // not SQLite's 30 s wait, nor a failure after it
        report.NewlyApplied.ShouldBeEmpty();
        report.AlreadyApplied.Count.ShouldBe(new SchemaMigrator(db.Settings).Available.Count);
    }

    [Fact]
    public async Task OnPostgres_AMigrationThatCannotGetItsTableLock_GivesUpClearly_AppliesNothing_AndNeverStallsReadsOfTheTable()
    {
        await using var db = await MigratedBeforeAsync(Version);
        await using var holder = await OpenAsync(db);
        await using var import = await holder.BeginTransactionAsync(Ct);
        await ExecuteAsync(holder, $"LOCK TABLE {Table} IN ACCESS SHARE MODE"); // what a running import's transaction holds

        var migrator = new SchemaMigrator(db.Settings with { MigrationLockTimeout = LockTimeout }, Shipped(db),
            new MigrationRetry(4, TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(250)));
        var running = Stopwatch.StartNew();
        var migrate = TimedAsync();

        // A plain SELECT of the table from a third session, each time the migrator's ALTER is queued for its lock.
        await using var reader = await OpenAsync(db);
        await ExecuteAsync(reader, "SET statement_timeout = '3s'"); // without the lock timeout it would wait for the import
        await using var watcher = await OpenAsync(db);
        var blocked = new List<TimeSpan>();
        try
        {
            while (await WaitForQueuedLockAsync(watcher, reader.ProcessID, queued: true, until: migrate))
            {
                var clock = Stopwatch.StartNew();
                var select = ScalarAsync(reader, $"SELECT count(*) FROM {Table}");
                var wasBlocked = await SawWaitingForLockAsync(watcher, reader.ProcessID, select);
                var timedOut = false;
                try
                {
                    await select;
                }
                catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.QueryCanceled)
                {
                    timedOut = true;
                }

                clock.Stop();
                if (wasBlocked)
                {
                    blocked.Add(clock.Elapsed);
                }

                if (timedOut)
                {
                    break;
                }
            }
        }
        finally
        {
            await import.RollbackAsync(Ct);
        }

        var failure = await Record.ExceptionAsync(() => migrate.WaitAsync(TimeSpan.FromSeconds(30), Ct));
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"SELECTs queued behind the migrator: {blocked.Count}, longest wait {blocked.DefaultIfEmpty().Max().TotalMilliseconds:F0} ms " +
            $"(lock timeout {LockTimeout.TotalMilliseconds} ms); the migrator: {failure?.Message ?? "applied"}");
        blocked.ShouldNotBeEmpty("no SELECT was seen waiting behind the migrator's ALTER");
        blocked.Max().ShouldBeLessThan(LockTimeout + TimeSpan.FromSeconds(1), "a SELECT of the table waited behind the migrator's ALTER");

        var ex = failure.ShouldBeOfType<InvalidOperationException>();
        running.Elapsed.ShouldBeGreaterThanOrEqualTo(4 * LockTimeout, "each of the 4 attempts waits the lock timeout");

        async Task<MigrationReport> TimedAsync()
        {
            try
            {
                return await migrator.MigrateAsync(Ct);
            }
            finally
            {
                running.Stop();
            }
        }

        ex.Message.ShouldContain("Migration 0019_seal_hashes_uncompressed failed on Postgres; nothing of it was applied");
        ex.Message.ShouldContain($"could not get the lock it needs on {Table} within");
        ex.Message.ShouldContain("lock timeout of 0.4 s");
        ex.Message.ShouldContain("4 attempts");
        ex.Message.ShouldContain("Another session holds a lock on that table, e.g. a running import");

        (await AppliedAsync(db)).ShouldNotContain(Version);
        (await AppliedAsync(db)).ShouldContain("0018");
        (await StorageAsync(db)).ShouldBe('x'); // SET STORAGE EXTERNAL was not applied
    }

    [Fact]
    public async Task OnPostgres_AMigrationWhoseTableIsFreedWhileItRetries_IsApplied()
    {
        await using var db = await MigratedBeforeAsync(Version);
        await using var holder = await OpenAsync(db);
        await using var import = await holder.BeginTransactionAsync(Ct);
        await ExecuteAsync(holder, $"LOCK TABLE {Table} IN ACCESS SHARE MODE");

        var migrator = new SchemaMigrator(db.Settings with { MigrationLockTimeout = LockTimeout }, Shipped(db),
            new MigrationRetry(30, TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(200)));
        var migrate = migrator.MigrateAsync(Ct);

        await using var watcher = await OpenAsync(db);
        try
        {
            // Its first attempt waits, times out and is rolled back; the second waits again: then the import ends.
            (await WaitForQueuedLockAsync(watcher, 0, queued: true, until: migrate)).ShouldBeTrue();
            (await WaitForQueuedLockAsync(watcher, 0, queued: false, until: migrate)).ShouldBeTrue();
            (await WaitForQueuedLockAsync(watcher, 0, queued: true, until: migrate)).ShouldBeTrue();
            (await AppliedAsync(db)).ShouldNotContain(Version);
        }
        finally
        {
            await import.RollbackAsync(Ct);
        }

        var report = await migrate.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        report.NewlyApplied.ShouldBe(Shipped(db).Select(m => m.Version).Where(v => string.CompareOrdinal(v, Version) >= 0));
        (await AppliedAsync(db)).ShouldContain(Version);
        (await StorageAsync(db)).ShouldBe('e');
    }

    private static IReadOnlyList<SchemaMigration> Shipped(TestDatabase db) => new SchemaMigrator(db.Settings).Available;

    /// <summary>A new PostgreSQL database with every shipped migration before <paramref name="version"/>.</summary>
    private static async Task<TestDatabase> MigratedBeforeAsync(string version)
    {
        var db = await TestDatabase.CreateAsync(DatabaseProvider.Postgres, migrate: false);
        var before = Shipped(db).Where(m => string.CompareOrdinal(m.Version, version) < 0).ToList();
        await new SchemaMigrator(db.Settings, before).MigrateAsync(Ct);
        return db;
    }

    /// <summary>
    /// Waits until a lock request on the table is (or is no longer) queued, by a session other than
    /// <paramref name="except"/>; false once <paramref name="until"/> has ended first.
    /// </summary>
    private static async Task<bool> WaitForQueuedLockAsync(NpgsqlConnection watcher, int except, bool queued, Task until)
    {
        var deadline = Stopwatch.StartNew();
        while (!until.IsCompleted)
        {
            var waiting = (long)(await ScalarAsync(watcher,
                $"SELECT count(*) FROM pg_locks WHERE relation = '{Table}'::regclass AND NOT granted AND pid <> {except}"))!;
            if ((waiting > 0) == queued)
            {
                return true;
            }

            deadline.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(10), queued ? "the migrator's lock request never showed" : "the migrator's lock request never went away");
            await Task.Delay(5, Ct);
        }

        return false;
    }

    /// <summary>Whether the session <paramref name="pid"/> was seen waiting for a lock before <paramref name="query"/> ended.</summary>
    private static async Task<bool> SawWaitingForLockAsync(NpgsqlConnection watcher, int pid, Task query)
    {
        while (!query.IsCompleted)
        {
            var waitEvent = await ScalarAsync(watcher, $"SELECT wait_event_type FROM pg_stat_activity WHERE pid = {pid}");
            if (waitEvent is "Lock")
            {
                return true;
            }

            await Task.Delay(2, Ct);
        }

        return false;
    }

    private static async Task<IReadOnlyList<string>> AppliedAsync(TestDatabase db) => await new SchemaMigrator(db.Settings).AppliedAsync(Ct);

    private static async Task<char> StorageAsync(TestDatabase db)
    {
        await using var connection = await OpenAsync(db);
        return (char)(await ScalarAsync(connection,
            $"SELECT attstorage FROM pg_attribute WHERE attrelid = '{Table}'::regclass AND attname = 'row_hashes'"))!;
    }

    private static async Task<NpgsqlConnection> OpenAsync(TestDatabase db)
    {
        var connection = new NpgsqlConnection(db.Settings.ConnectionString);
        await connection.OpenAsync(Ct);
        return connection;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(Ct);
    }

    private static async Task<object?> ScalarAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync(Ct);
    }
}
