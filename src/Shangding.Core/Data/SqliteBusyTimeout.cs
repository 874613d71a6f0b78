using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Shangding.Core.Data;

/// <summary>
/// Lets SQLite itself wait for another connection's write lock. Without it Microsoft.Data.Sqlite gets
/// <c>SQLITE_BUSY</c> at once and retries after sleeping 150 ms: a request that met an API batch committing waited
/// at least 150 ms for a lock held for 20 (measured). SQLite's own handler retries after 1, 2, 5, 10, 15, 20 and then
/// 25–100 ms; the limit is the same 30 s as a command's default timeout.
/// </summary>
public sealed class SqliteBusyTimeout : DbConnectionInterceptor
{
    public const string Pragma = "PRAGMA busy_timeout = 30000;";

    public static readonly SqliteBusyTimeout Instance = new();

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        using var command = connection.CreateCommand();
        command.CommandText = Pragma;
        command.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = Pragma;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
