using System.Globalization;
using Npgsql;

namespace Shangding.Bench;

/// <summary>
/// Where an import's CPU goes on this machine: the whole machine's busy time (/proc/stat) and, when the PostgreSQL server
/// runs on this host, its processes' own (/proc/&lt;pid&gt;/stat of every server process pg_stat_activity lists: the bench
/// database's backends apart from the background ones — WAL writer, checkpointer, background writer, autovacuum). With
/// the bench's own CPU beside it, this is the CPU budget an import spends on two cores, and how much of the machine it
/// leaves idle.
/// </summary>
internal sealed class CpuAccount
{
    private static readonly double TicksPerSecond = 100; // USER_HZ: 100 on every Linux this runs on

    private readonly string? _admin;
    private readonly string? _database;
    private (long Busy, long Idle) _machine;
    private Dictionary<int, (bool Ours, double Seconds)> _server = [];

    private CpuAccount(string? admin, string? database)
    {
        _admin = admin;
        _database = database;
    }

    /// <summary>Starts counting; <paramref name="admin"/> and <paramref name="database"/> name the PostgreSQL server, if any.</summary>
    public static async Task<CpuAccount> StartAsync(string? admin, string? database)
    {
        var account = new CpuAccount(admin, database);
        account._machine = Machine();
        account._server = await account.ServerAsync();
        return account;
    }

    /// <summary>Busy seconds of the machine, of the bench database's backends and of the server's background processes since the start.</summary>
    public async Task<object> StopAsync(double wallSeconds)
    {
        var (busy, idle) = Machine();
        var busySeconds = (busy - _machine.Busy) / TicksPerSecond;
        var idleSeconds = (idle - _machine.Idle) / TicksPerSecond;
        var after = await ServerAsync();
        double Spent(bool ours) => after.Where(p => p.Value.Ours == ours)
            .Sum(p => p.Value.Seconds - (_server.TryGetValue(p.Key, out var before) ? before.Seconds : 0));
        return new
        {
            machineBusySeconds = Math.Round(busySeconds, 2),
            machineIdlePercent = Math.Round(100 * idleSeconds / Math.Max(busySeconds + idleSeconds, 0.01), 1),
            // A backend that ended during the import (none does: the batch's stays in its pool) would be missing here.
            serverBackendCpuSeconds = after.Count == 0 ? (double?)null : Math.Round(Spent(ours: true), 2),
            serverBackgroundCpuSeconds = after.Count == 0 ? (double?)null : Math.Round(Spent(ours: false), 2),
            wallSeconds = Math.Round(wallSeconds, 2),
        };
    }

    private static (long Busy, long Idle) Machine()
    {
        // cpu  user nice system idle iowait irq softirq steal …
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        long Field(int i) => long.Parse(fields[i], CultureInfo.InvariantCulture);
        return (Field(1) + Field(2) + Field(3) + Field(6) + Field(7) + Field(8), Field(4) + Field(5));
    }

    private async Task<Dictionary<int, (bool Ours, double Seconds)>> ServerAsync()
    {
        var result = new Dictionary<int, (bool Ours, double Seconds)>();
        if (_admin is null || !IsLocal(_admin))
        {
            return result;
        }

        await using var connection = new NpgsqlConnection(_admin);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT pid, datname IS NOT DISTINCT FROM @db AND backend_type = 'client backend' FROM pg_stat_activity
            WHERE pid <> pg_backend_pid() AND (datname IS NOT DISTINCT FROM @db OR backend_type <> 'client backend')
            """, connection);
        command.Parameters.AddWithValue("db", (object?)_database ?? DBNull.Value);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            if (ProcessSeconds(reader.GetInt32(0)) is { } seconds)
            {
                result[reader.GetInt32(0)] = (reader.GetBoolean(1), seconds);
            }
        }

        return result;
    }

    private static bool IsLocal(string connectionString) =>
        new NpgsqlConnectionStringBuilder(connectionString).Host is null or "" or "127.0.0.1" or "localhost" or "::1" or ['/', ..];

    /// <summary>User and system seconds of a process on this host, or null when it is not there (a server elsewhere).</summary>
    private static double? ProcessSeconds(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // pid (comm) state ppid … utime is field 14, stime 15; comm may hold spaces, so count from its ')'.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
