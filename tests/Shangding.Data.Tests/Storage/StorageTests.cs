using Microsoft.EntityFrameworkCore;
using Shangding.Core.Catalog;
using Shangding.Core.Data;
using Shangding.Testing;

namespace Shangding.Data.Tests.Storage;

public sealed class StorageTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [AllEngines]
    public async Task Migrate_AppliesEveryMigrationOnce_AndIsIdempotent(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider, migrate: false);
        var migrator = new SchemaMigrator(db.Settings);
        migrator.Available.ShouldNotBeEmpty();

        var first = await migrator.MigrateAsync(Ct);
        first.NewlyApplied.ShouldBe(migrator.Available.Select(m => m.Version));
        var second = await migrator.MigrateAsync(Ct);
        second.NewlyApplied.ShouldBeEmpty();
        second.AlreadyApplied.ShouldBe(migrator.Available.Select(m => m.Version));
        (await migrator.AppliedAsync(Ct)).ShouldBe(migrator.Available.Select(m => m.Version));
    }

    /// <summary>
    /// An older release (an old CLI, a server not yet upgraded) started on a database a newer one has migrated refuses it,
    /// saying why, instead of writing rows in its own older form; on a database it knows it works as ever.
    /// </summary>
    [Theory]
    [AllEngines]
    public async Task AnOlderRelease_RefusesADatabaseANewerOneMigrated_SayingWhy(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider, migrate: false);
        var current = new SchemaMigrator(db.Settings);
        var older = new SchemaMigrator(db.Settings, current.Available.Take(current.Available.Count - 1).ToList());
        var latest = current.Available[^1];
        await older.EnsureNotNewerAsync(Ct); // never migrated: nothing to refuse, nothing created
        if (provider == DatabaseProvider.Sqlite)
        {
            // A file that is not there is not made (a mistyped path would otherwise become an empty database).
            var missing = Path.Combine(Path.GetTempPath(), $"shangding-missing-{Guid.NewGuid():N}.db");
            await new SchemaMigrator(db.Settings with { ConnectionString = $"Data Source={missing}" }).EnsureNotNewerAsync(Ct);
            File.Exists(missing).ShouldBeFalse();
        }

        await using (var context = db.NewContext())
        {
            (await context.Database.SqlQueryRaw<long>(provider == DatabaseProvider.Sqlite
                ? "SELECT count(*) AS \"Value\" FROM sqlite_master WHERE name = 'schema_migrations'"
                : "SELECT count(*) AS \"Value\" FROM pg_tables WHERE tablename = 'schema_migrations'").SingleAsync(Ct)).ShouldBe(0);
        }

        (await older.MigrateAsync(Ct)).NewlyApplied.Count.ShouldBe(current.Available.Count - 1);
        (await older.MigrateAsync(Ct)).NewlyApplied.ShouldBeEmpty();
        (await current.MigrateAsync(Ct)).NewlyApplied.ShouldBe([latest.Version]);

        var refused = await Should.ThrowAsync<DatabaseNewerThanProgramException>(() => older.MigrateAsync(Ct));
        refused.Unknown.ShouldBe([$"{latest.Version} {latest.Name}"]);
        refused.Message.ShouldContain($"数据库已由较新版本的尚鼎升级（本程序不认识的迁移：{latest.Version} {latest.Name}；本程序只认识到 {current.Available[^2].Version}）");
        refused.Message.ShouldContain("请升级本程序");
        refused.Message.ShouldContain("upgrade this program");
        // A process that does not migrate at start (a web app with Database:MigrateOnStart off) checks the same.
        (await Should.ThrowAsync<DatabaseNewerThanProgramException>(() => older.EnsureNotNewerAsync(Ct))).Message.ShouldBe(refused.Message);
        await current.EnsureNotNewerAsync(Ct);
        (await current.AppliedAsync(Ct)).ShouldBe(current.Available.Select(m => m.Version));
    }

    [Fact]
    public void SqliteTookTheProcessWideSettings_BeforeAnyConnectionOpened() =>
        // Without them SQLite only runs slower (a mutex on every call); this says whether a connection opened first.
        SqliteRuntime.Configured.ShouldBeTrue();

    [Fact]
    public async Task ANewSqliteDatabase_Has16KbPages_AndAnExistingOneKeepsItsOwn()
    {
        await using var db = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite, migrate: false);
        var file = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(db.Settings.ConnectionString).DataSource;
        await using (var existing = new Microsoft.Data.Sqlite.SqliteConnection(db.Settings.ConnectionString))
        {
            await existing.OpenAsync(Ct);
            await using var create = existing.CreateCommand();
            create.CommandText = "CREATE TABLE made_before (x INTEGER)"; // a database made elsewhere, with SQLite's default 4 KB pages
            await create.ExecuteNonQueryAsync(Ct);
        }

        await new SchemaMigrator(db.Settings).MigrateAsync(Ct);
        (await PageSizeAsync(db.Settings.ConnectionString)).ShouldBe(4096);

        var fresh = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(db.Settings.ConnectionString) { DataSource = file + ".new.db" }.ToString();
        try
        {
            await new SchemaMigrator(new DatabaseSettings(DatabaseProvider.Sqlite, fresh)).MigrateAsync(Ct);
            (await PageSizeAsync(fresh)).ShouldBe(SchemaMigrator.SqlitePageSize);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var suffix in new[] { "", "-wal", "-shm" })
            {
                File.Delete(file + ".new.db" + suffix);
            }
        }

        static async Task<long> PageSizeAsync(string connectionString)
        {
            await using var connection = new Microsoft.Data.Sqlite.SqliteConnection(connectionString);
            await connection.OpenAsync(Ct);
            await using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA page_size";
            return (long)(await command.ExecuteScalarAsync(Ct))!;
        }
    }

    [Fact]
    public async Task OnPostgres_ASealsRowHashesAreNotHandedToCompression()
    {
        // 24 random-ish bytes a history row never compress by the quarter pglz asks for, but pglz searched all of them
        // on every seal insert before it gave up (migration 0019).
        await using var db = await TestDatabase.CreateAsync(DatabaseProvider.Postgres);
        await using var connection = new Npgsql.NpgsqlConnection(db.Settings.ConnectionString);
        await connection.OpenAsync(Ct);
        await using var command = new Npgsql.NpgsqlCommand("""
            SELECT a.attstorage FROM pg_attribute a
            WHERE a.attrelid = 'record_history_seals'::regclass AND a.attname = 'row_hashes'
            """, connection);
        (await command.ExecuteScalarAsync(Ct)).ShouldBe('e');
    }

    [Theory]
    [AllEngines]
    public async Task Record_RoundTripsEveryColumn_IncludingJsonFieldsAndDates(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var now = new DateTime(2026, 3, 1, 8, 30, 0, DateTimeKind.Utc);
        long recordId;
        await using (var context = db.NewContext())
        {
            context.Units.Add(new Unit { Code = "WATER", NameZh = "市自来水公司", NameEn = "Water Company", CreatedAt = now });
            var subject = NewSubject("hash-1", now);
            context.Subjects.Add(subject);
            await context.SaveChangesAsync(Ct);

            var record = new CreditRecord
            {
                SubjectId = subject.Id,
                UnitCode = "WATER",
                CategoryCode = "P-ARREARS-WATER",
                RecordKey = "W-2026-0001",
                ActDate = new DateOnly(2026, 2, 28),
                Severity = "General",
                Status = RecordStatus.InForce,
                FieldsJson = """{"arrears_amount": 1234.5, "address": "郑州市金水区"}""",
                ContentHash = "abc",
                PublicationEnd = new DateOnly(2027, 2, 28),
                UnderDispute = true,
                Version = 1,
                BatchId = 42,
                CreatedAt = now,
                UpdatedAt = now,
            };
            context.Records.Add(record);
            await context.SaveChangesAsync(Ct);
            recordId = record.Id;
            context.RecordChanges.Add(new RecordChange
            {
                SubjectId = subject.Id,
                RecordId = record.Id,
                Version = 1,
                Action = RecordAction.Created,
                Channel = "batch",
                BatchId = 42,
                Actor = "unit:WATER",
                At = now,
                AfterJson = record.FieldsJson,
            });
            await context.SaveChangesAsync(Ct);
        }

        await using (var context = db.NewContext())
        {
            var stored = await context.Records.AsNoTracking().SingleAsync(r => r.Id == recordId, Ct);
            stored.ActDate.ShouldBe(new DateOnly(2026, 2, 28));
            stored.PublicationEnd.ShouldBe(new DateOnly(2027, 2, 28));
            stored.Status.ShouldBe(RecordStatus.InForce);
            stored.UnderDispute.ShouldBeTrue();
            stored.FieldsJson.ShouldContain("郑州市金水区");
            stored.CreatedAt.ShouldBe(now);

            var change = await context.RecordChanges.AsNoTracking().SingleAsync(c => c.RecordId == recordId, Ct);
            change.Action.ShouldBe(RecordAction.Created);
            change.BeforeJson.ShouldBeNull();

            var byDate = await context.Records.CountAsync(r => r.ActDate >= new DateOnly(2026, 1, 1) && r.Status == RecordStatus.InForce, Ct);
            byDate.ShouldBe(1);
        }
    }

    [Theory]
    [AllEngines]
    public async Task RecordKey_IsUniquePerUnit(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var now = DateTime.UtcNow;
        await using var context = db.NewContext();
        context.Units.Add(new Unit { Code = "GAS", NameZh = "市华润燃气", NameEn = "China Resources Gas", CreatedAt = now });
        var subject = NewSubject("hash-2", now);
        context.Subjects.Add(subject);
        await context.SaveChangesAsync(Ct);

        context.Records.Add(NewRecord(subject.Id, "GAS", "K1", now));
        await context.SaveChangesAsync(Ct);
        context.Records.Add(NewRecord(subject.Id, "GAS", "K1", now));
        await Should.ThrowAsync<DbUpdateException>(() => context.SaveChangesAsync(Ct));
    }

    [Theory]
    [AllEngines]
    public async Task Subject_IdHashIsUnique(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var now = DateTime.UtcNow;
        await using (var context = db.NewContext())
        {
            context.Subjects.Add(NewSubject("same", now));
            context.Subjects.Add(NewSubject("same", now));
            await Should.ThrowAsync<DbUpdateException>(() => context.SaveChangesAsync(Ct));
        }
    }

    private static Subject NewSubject(string hash, DateTime now) => new()
    {
        Kind = SubjectKind.Person,
        CertType = "ResidentId",
        IdHash = hash,
        IdCipher = "cipher",
        IdMasked = "4101**********123X",
        Name = "张三",
        BirthDate = new DateOnly(1990, 1, 1),
        Sex = "M",
        CreatedAt = now,
        UpdatedAt = now,
    };

    private static CreditRecord NewRecord(long subjectId, string unit, string key, DateTime now) => new()
    {
        SubjectId = subjectId,
        UnitCode = unit,
        CategoryCode = "P-ARREARS-GAS",
        RecordKey = key,
        Status = RecordStatus.InForce,
        FieldsJson = "{}",
        ContentHash = "h",
        Version = 1,
        CreatedAt = now,
        UpdatedAt = now,
    };
}
