using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
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

    /// <summary>
    /// Saves the context's changes, but on SQLite waits only about a second for another connection's write lock (a
    /// 1M-row import holds it for twenty): for a write that may be skipped, such as an account's last sign-in time,
    /// rather than keep a person waiting. Returns false, with the changes discarded, when the lock stayed taken; on
    /// PostgreSQL (row locks only) it saves as usual.
    /// </summary>
    public static async Task<bool> TrySaveChangesWithoutWaitingAsync(DbContext context, CancellationToken cancellationToken)
    {
        if (!context.Database.IsSqlite())
        {
            await context.SaveChangesAsync(cancellationToken);
            return true;
        }

        var timeout = context.Database.GetCommandTimeout();
        await context.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            // SQLite's own wait, then Microsoft.Data.Sqlite's retries up to the command's timeout: about two seconds in all.
            await context.Database.ExecuteSqlRawAsync("PRAGMA busy_timeout = 1000;", cancellationToken);
            context.Database.SetCommandTimeout(1);
            await context.SaveChangesAsync(cancellationToken);
            return true;
        }
        catch (DbUpdateException ex) when (ex.InnerException is SqliteException { SqliteErrorCode: 5 or 6 }) // SQLITE_BUSY, SQLITE_LOCKED
        {
            context.ChangeTracker.Clear();
            return false;
        }
        finally
        {
            context.Database.SetCommandTimeout(timeout);
            // The connection goes back to the pool: with the usual wait.
            await context.Database.ExecuteSqlRawAsync(Pragma, CancellationToken.None);
            await context.Database.CloseConnectionAsync();
        }
    }
}
