using Npgsql;
using NpgsqlTypes;
using Shangding.Core.Data;
using Shangding.Core.Intake;
using Shangding.Testing;

namespace Shangding.Data.Tests.Storage;

/// <summary>
/// The intake's own binary COPY writer (PgBinaryCopy) against Npgsql's binary importer: the same values written both
/// ways into twin tables must be stored the same, byte for byte as the server prints them.
/// </summary>
public sealed class PgBinaryCopyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const string Columns = "(i8 bigint, i4 integer, b boolean, t text, d date, ts timestamptz, j jsonb)";

    private sealed record Values(long I8, int I4, bool B, string? T, DateOnly? D, DateTime Ts, string J);

    private static List<Values> Cases()
    {
        var random = new Random(20261206);
        var texts = new[] { "", "a", "郑州市金水区花园路1号", "😀 emoji", "tab\tquote\"back\\slash", new string('长', 30_000), null };
        var dates = new DateOnly?[] { null, new DateOnly(2000, 1, 1), new DateOnly(1999, 12, 31), new DateOnly(1900, 2, 28), new DateOnly(2026, 12, 6), DateOnly.MinValue, DateOnly.MaxValue };
        var times = new[]
        {
            new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc), new DateTime(2026, 12, 6, 5, 11, 29, DateTimeKind.Utc).AddTicks(1234567),
            new DateTime(1999, 12, 31, 23, 59, 59, DateTimeKind.Utc).AddTicks(9999999), new DateTime(1969, 7, 20, 20, 17, 40, DateTimeKind.Utc).AddTicks(5),
            DateTime.SpecifyKind(DateTime.MinValue, DateTimeKind.Utc),
            DateTime.SpecifyKind(DateTime.MaxValue, DateTimeKind.Utc),
        };
        var jsons = new[] { "{}", """{"amount": 1234.50, "name": "王小明", "n": null, "list": [1, "二", true]}""", """{"b":1,"a":2,"b":3}""", "[]", "\"text\"" };
        var cases = new List<Values>
        {
            new(long.MinValue, int.MinValue, false, "", null, times[0], "{}"),
            new(long.MaxValue, int.MaxValue, true, null, DateOnly.MaxValue, times[^1], "{}"),
            new(0, 0, false, "x", DateOnly.MinValue, times[^2], "{}"),
        };
        // Enough rows to be sent in several pieces, and one long row that outgrows the buffer.
        for (var n = 0; n < 5_000; n++)
        {
            cases.Add(new Values(random.NextInt64(long.MinValue, long.MaxValue), random.Next(int.MinValue, int.MaxValue), random.Next(2) == 0,
                texts[random.Next(texts.Length)], dates[random.Next(dates.Length)], times[random.Next(times.Length)], jsons[random.Next(jsons.Length)]));
        }

        return cases;
    }

    [Fact]
    public async Task OnPostgres_RowsWrittenByTheIntakesCopy_AreStoredAsNpgsqlStoresThem()
    {
        await using var db = await TestDatabase.CreateAsync(DatabaseProvider.Postgres);
        await using var connection = await OpenWith(db, $"CREATE TABLE ours {Columns}; CREATE TABLE theirs {Columns}");

        var cases = Cases();
        await using (var ours = await PgBinaryCopy.BeginAsync(connection, db.Settings.ConnectionString, "COPY ours (i8, i4, b, t, d, ts, j) FROM STDIN (FORMAT BINARY)", Ct))
        {
            foreach (var v in cases)
            {
                await ours.StartRowAsync(7, Ct);
                ours.Int64(v.I8);
                ours.Int32(v.I4);
                ours.Boolean(v.B);
                ours.Text(v.T);
                ours.Date(v.D);
                ours.TimestampTz(v.Ts);
                if (v.I4 % 2 == 0)
                {
                    ours.Jsonb(v.J);
                }
                else
                {
                    ours.Jsonb(System.Text.Encoding.UTF8.GetBytes(v.J));
                }
            }

            await ours.CompleteAsync(Ct);
        }

        await using (var theirs = await connection.BeginBinaryImportAsync("COPY theirs (i8, i4, b, t, d, ts, j) FROM STDIN (FORMAT BINARY)", Ct))
        {
            foreach (var v in cases)
            {
                await theirs.StartRowAsync(Ct);
                await theirs.WriteAsync(v.I8, NpgsqlDbType.Bigint, Ct);
                await theirs.WriteAsync(v.I4, NpgsqlDbType.Integer, Ct);
                await theirs.WriteAsync(v.B, NpgsqlDbType.Boolean, Ct);
                if (v.T is null)
                {
                    await theirs.WriteNullAsync(Ct);
                }
                else
                {
                    await theirs.WriteAsync(v.T, NpgsqlDbType.Text, Ct);
                }

                if (v.D is { } date)
                {
                    await theirs.WriteAsync(date, NpgsqlDbType.Date, Ct);
                }
                else
                {
                    await theirs.WriteNullAsync(Ct);
                }

                await theirs.WriteAsync(v.Ts, NpgsqlDbType.TimestampTz, Ct);
                await theirs.WriteAsync(v.J, NpgsqlDbType.Jsonb, Ct);
            }

            await theirs.CompleteAsync(Ct);
        }

        // Row by row in the order written (ctid), as the server prints every column.
        const string print = "SELECT concat_ws('|', i8, i4, b, coalesce(t, '<null>'), coalesce(d::text, '<null>'), ts AT TIME ZONE 'UTC', j) FROM {0} ORDER BY ctid";
        var ourRows = await Lines(connection, string.Format(System.Globalization.CultureInfo.InvariantCulture, print, "ours"));
        var theirRows = await Lines(connection, string.Format(System.Globalization.CultureInfo.InvariantCulture, print, "theirs"));
        ourRows.Count.ShouldBe(cases.Count);
        for (var i = 0; i < cases.Count; i++)
        {
            ourRows[i].ShouldBe(theirRows[i], $"row {i}");
        }

        // The extremes are PostgreSQL's infinities, as Npgsql writes them; the cut of sub-microsecond ticks is Npgsql's.
        ourRows[1].ShouldContain("|infinity|infinity|");
        ourRows[2].ShouldContain("|-infinity|-infinity|");
    }

    [Fact]
    public async Task OnPostgres_ACopyLeftUnfinished_StoresNothing_AndTheConnectionGoesOn()
    {
        await using var db = await TestDatabase.CreateAsync(DatabaseProvider.Postgres);
        await using var connection = await OpenWith(db, $"CREATE TABLE ours {Columns}");

        // Far more than one piece is sent before the copy is abandoned (as when a batch is cancelled or fails mid-flush).
        await using (var copy = await PgBinaryCopy.BeginAsync(connection, db.Settings.ConnectionString, "COPY ours (i8, t) FROM STDIN (FORMAT BINARY)", Ct))
        {
            for (var i = 0; i < 20_000; i++)
            {
                await copy.StartRowAsync(2, Ct);
                copy.Int64(i);
                copy.Text("row " + i);
            }
        }

        await using var count = new NpgsqlCommand("SELECT count(*) FROM ours", connection);
        ((long)(await count.ExecuteScalarAsync(Ct))!).ShouldBe(0);
    }

    [Fact]
    public async Task OnPostgres_ACancelThatLandsWhileRowsAreSent_IsACancellation_AndStoresNothing()
    {
        await using var db = await TestDatabase.CreateAsync(DatabaseProvider.Postgres);
        // A server that takes rows slowly, so the sender waits on the socket when the cancel comes.
        await using var connection = await OpenWith(db, """
            CREATE TABLE slow (i8 bigint, t text);
            CREATE FUNCTION slow_down() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(0.002); RETURN NEW; END $$;
            CREATE TRIGGER slow_down BEFORE INSERT ON slow FOR EACH ROW EXECUTE FUNCTION slow_down();
            """);

        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        cancel.CancelAfter(TimeSpan.FromSeconds(1));
        var text = new string('x', 8 * 1024);
        Exception? thrown = null;
        try
        {
            await using var copy = await PgBinaryCopy.BeginAsync(connection, db.Settings.ConnectionString, "COPY slow (i8, t) FROM STDIN (FORMAT BINARY)", cancel.Token);
            for (var i = 0; i < 20_000; i++)
            {
                await copy.StartRowAsync(2, cancel.Token);
                copy.Int64(i);
                copy.Text(text);
            }

            await copy.CompleteAsync(cancel.Token);
        }
        catch (Exception e)
        {
            thrown = e;
        }

        thrown.ShouldBeAssignableTo<OperationCanceledException>(thrown?.ToString());
        // A cancel in the middle of a send leaves the protocol mid-message, so Npgsql closes that connection; the
        // server has rolled the COPY back.
        await using var check = new NpgsqlConnection(db.Settings.ConnectionString);
        await check.OpenAsync(Ct);
        await using var count = new NpgsqlCommand("SELECT count(*) FROM slow", check);
        ((long)(await count.ExecuteScalarAsync(Ct))!).ShouldBe(0);
    }

    /// <summary>
    /// The end of a COPY waits for the server to take its last rows, and a row waits as long as another session holds a key
    /// it needs. The stream takes no token for that wait: a cancel then asks the server to cancel the COPY, and the caller
    /// hears of a cancellation at once, not when the other session ends.
    /// </summary>
    [Fact]
    public async Task OnPostgres_ACancelThatLandsWhileTheLastRowsWaitOnAnotherSession_EndsTheCopyAtOnce()
    {
        await using var db = await TestDatabase.CreateAsync(DatabaseProvider.Postgres);
        await using var connection = await OpenWith(db, $"CREATE TABLE ours {Columns}; CREATE UNIQUE INDEX ours_t ON ours (t);");
        await using var other = new NpgsqlConnection(db.Settings.ConnectionString);
        await other.OpenAsync(Ct);
        await using var holding = await other.BeginTransactionAsync(Ct);
        await using (var insert = new NpgsqlCommand("INSERT INTO ours (t) VALUES ('taken')", other, holding))
        {
            await insert.ExecuteNonQueryAsync(Ct);
        }

        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        async Task Copy()
        {
            await using var copy = await PgBinaryCopy.BeginAsync(connection, db.Settings.ConnectionString, "COPY ours (t) FROM STDIN (FORMAT BINARY)", cancel.Token);
            await copy.StartRowAsync(1, cancel.Token);
            copy.Text("taken");
            await copy.CompleteAsync(cancel.Token);
        }

        var copying = Copy();
        await WaitForLockWaitAsync(db);
        await cancel.CancelAsync();
        try
        {
            (await Task.WhenAny(copying, Task.Delay(TimeSpan.FromSeconds(10), Ct))).ShouldBe(copying, "the COPY went on waiting after the cancel");
            Exception? thrown = null;
            try
            {
                await copying;
            }
            catch (Exception e)
            {
                thrown = e;
            }

            thrown.ShouldBeAssignableTo<OperationCanceledException>(thrown?.ToString());
            thrown!.InnerException.ShouldBeOfType<PostgresException>(thrown.ToString()).SqlState.ShouldBe(PostgresErrorCodes.QueryCanceled);
        }
        finally
        {
            await holding.RollbackAsync(Ct);
        }

        await using var count = new NpgsqlCommand("SELECT count(*) FROM ours", other);
        ((long)(await count.ExecuteScalarAsync(Ct))!).ShouldBe(0);
    }

    private static async Task WaitForLockWaitAsync(TestDatabase db)
    {
        await using var probe = new NpgsqlConnection(db.Settings.ConnectionString);
        await probe.OpenAsync(Ct);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            await using var waiting = new NpgsqlCommand(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'COPY ours%'", probe);
            if ((long)(await waiting.ExecuteScalarAsync(Ct))! > 0)
            {
                return;
            }

            DateTime.UtcNow.ShouldBeLessThan(deadline, "the COPY did not wait for the other session");
            await Task.Delay(50, Ct);
        }
    }

    [Fact]
    public async Task OnPostgres_TextThatIsNotUnicode_IsRefusedBeforeItIsSent()
    {
        await using var db = await TestDatabase.CreateAsync(DatabaseProvider.Postgres);
        await using var connection = await OpenWith(db, $"CREATE TABLE ours {Columns}");

        await using (var copy = await PgBinaryCopy.BeginAsync(connection, db.Settings.ConnectionString, "COPY ours (t) FROM STDIN (FORMAT BINARY)", Ct))
        {
            await copy.StartRowAsync(1, Ct);
            Should.Throw<System.Text.EncoderFallbackException>(() => copy.Text("lone \ud800 surrogate"));
            Should.Throw<ArgumentException>(() => copy.TimestampTz(new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Local)));
        }

        await using var count = new NpgsqlCommand("SELECT count(*) FROM ours", connection);
        ((long)(await count.ExecuteScalarAsync(Ct))!).ShouldBe(0);
    }

    /// <summary>A connection to the test database, after running <paramref name="sql"/> (the tables a test writes).</summary>
    private static async Task<NpgsqlConnection> OpenWith(TestDatabase db, string sql)
    {
        var connection = new NpgsqlConnection(db.Settings.ConnectionString);
        await connection.OpenAsync(Ct);
        await using var create = new NpgsqlCommand(sql, connection);
        await create.ExecuteNonQueryAsync(Ct);
        return connection;
    }

    private static async Task<List<string>> Lines(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync(Ct);
        var lines = new List<string>();
        while (await reader.ReadAsync(Ct))
        {
            lines.Add(reader.GetString(0));
        }

        return lines;
    }
}
