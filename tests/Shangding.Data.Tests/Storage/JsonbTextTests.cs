using System.Text;
using Npgsql;
using NpgsqlTypes;
using Shangding.Core.Audit;
using Shangding.Core.Data;
using Shangding.Core.Intake;
using Shangding.Testing;

namespace Shangding.Data.Tests.Storage;

/// <summary>
/// The client's copy of jsonb's text (JsonbText), which PostgreSQL history rows are hashed with for their seal, against
/// what a real PostgreSQL server prints for the same JSON: any difference would make <c>audit verify</c> report the row
/// as altered.
/// </summary>
public sealed class JsonbTextTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly string[] Pieces =
    [
        "a", "Z", "0", "9", " ", "\"", "\\", "/", "\b", "\f", "\n", "\r", "\t", "\u0001", "\u001f", "\u007f", "é", "中", "郑州",
        "😀", "\u2028", "<", ">", "&", "'", "+", "-", ".", "{", "}", "[", "]", ",", ":", "\u00a0", "\ufeff",
    ];

    private static readonly string[] Keys =
    [
        "a", "b", "aa", "ab", "Ab", "B", "name", "amount", "arrears_amount", "arrears_from", "act_date", "z", "zz_top", "金额",
        "é", "record", "record_key", "severity", "x1", "x10", "x2",
    ];

    [Fact]
    public async Task OnPostgres_TheClientsJsonbText_IsWhatTheServerPrints()
    {
        await using var db = await TestDatabase.CreateAsync(DatabaseProvider.Postgres);
        var random = new Random(20261206);
        var cases = new List<byte[]>();
        for (var n = 0; n < 3000; n++)
        {
            var values = new Dictionary<string, object?>(StringComparer.Ordinal);
            var members = random.Next(0, 14);
            for (var m = 0; m < members; m++)
            {
                values[Keys[random.Next(Keys.Length)]] = random.Next(5) switch
                {
                    0 => (long)random.NextInt64(0, long.MaxValue >> random.Next(0, 63)),
                    1 => new decimal(random.Next(), random.Next(0, 3) == 0 ? random.Next() : 0, 0, false, (byte)random.Next(0, 6)),
                    2 => 0.00m,
                    _ => string.Concat(Enumerable.Range(0, random.Next(0, 12)).Select(_ => Pieces[random.Next(Pieces.Length)])),
                };
            }

            cases.Add(RecordContent.ToJsonUtf8(values)); // the stored form of a record's fields, as the intake writes it
        }

        // JSON the intake does not write, for the general rules: nesting, arrays, a repeated key, signed zeros,
        // escapes it does not use, literals.
        foreach (var json in new[]
                 {
                     """{}""", """[]""", """{"b":1,"a":2,"b":3}""", """{"n":-0,"m":-0.00,"k":-1.50,"j":0}""",
                     """{"s":"\/\u0041\u4e2d\ud83d\ude00\u001F\u007f"}""", """{"t":true,"f":false,"z":null}""",
                     """{"outer":{"bb":[1,{"y":2,"x":[]}],"a":"x"},"arr":[1,2,[3,"4"]]}""", """ "just a string" """, """12.30""",
                     """{"\u00e9":1,"e":2}""",
                 })
        {
            cases.Add(Encoding.UTF8.GetBytes(json));
        }

        var expected = new List<string>();
        await using (var connection = new NpgsqlConnection(db.Settings.ConnectionString))
        {
            await connection.OpenAsync(Ct);
            await using var command = new NpgsqlCommand("SELECT t::jsonb::text FROM unnest(@t) WITH ORDINALITY AS u(t, n) ORDER BY n", connection);
            command.Parameters.Add(new NpgsqlParameter("t", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = cases.Select(Encoding.UTF8.GetString).ToArray() });
            await using var reader = await command.ExecuteReaderAsync(Ct);
            while (await reader.ReadAsync(Ct))
            {
                expected.Add(reader.GetString(0));
            }
        }

        expected.Count.ShouldBe(cases.Count);
        for (var i = 0; i < cases.Count; i++)
        {
            var buffer = new byte[JsonbText.MaxLength(cases[i].Length)];
            var at = 0;
            JsonbText.TryWrite(cases[i], buffer, ref at).ShouldBeTrue(Encoding.UTF8.GetString(cases[i]));
            Encoding.UTF8.GetString(buffer, 0, at).ShouldBe(expected[i], Encoding.UTF8.GetString(cases[i]));
        }
    }

    [Fact]
    public async Task OnPostgres_TheClientsMicrosecondTicks_AreWhatTheServerKeeps()
    {
        // The seal hashes a history row's time as ticks of what PostgreSQL stores; times with ticks below a microsecond,
        // after and before 2000-01-01 (Npgsql counts from there) and before 1970.
        await using var db = await TestDatabase.CreateAsync(DatabaseProvider.Postgres);
        DateTime[] times =
        [
            new DateTime(2026, 3, 16, 2, 0, 0, DateTimeKind.Utc).AddTicks(1_234_567),
            new DateTime(1999, 12, 31, 23, 59, 59, DateTimeKind.Utc).AddTicks(9_999_999),
            new DateTime(1985, 4, 12, 8, 30, 0, DateTimeKind.Utc).AddTicks(3),
            new DateTime(1969, 12, 31, 23, 59, 59, DateTimeKind.Utc).AddTicks(9_999_995),
        ];
        await using var connection = new NpgsqlConnection(db.Settings.ConnectionString);
        await connection.OpenAsync(Ct);
        foreach (var time in times)
        {
            await using var command = new NpgsqlCommand("SELECT @t::timestamptz", connection);
            command.Parameters.Add(new NpgsqlParameter("t", NpgsqlDbType.TimestampTz) { Value = time });
            var stored = (DateTime)(await command.ExecuteScalarAsync(Ct))!;
            PgBinaryCopy.StoredTicks(time).ShouldBe(stored.Ticks, time.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    [Theory]
    [InlineData("""{"a":1e5}""")]
    [InlineData("""{"a":[1,2.5E-3]}""")]
    [InlineData("""{"a":""")]
    public void ANumberWithAnExponent_OrBrokenJson_IsLeftToTheServer(string json)
    {
        var buffer = new byte[JsonbText.MaxLength(json.Length)];
        var at = 3;
        JsonbText.TryWrite(Encoding.UTF8.GetBytes(json), buffer, ref at).ShouldBeFalse();
        at.ShouldBe(3);
    }
}
