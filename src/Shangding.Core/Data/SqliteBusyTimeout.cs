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
    /// Makes the context's SQLite connection wait only briefly for another connection's write lock — SQLite's own second,
    /// then Microsoft.Data.Sqlite's retries up to a one-second command timeout: about two seconds in all — until the
    /// returned scope ends, when the connection gets back its usual wait and goes back to the pool. For a write that can
    /// be left for later rather than keep a person waiting while a batch import holds the lock (twenty seconds a million rows).
    /// </summary>
    public static async Task<IAsyncDisposable> WaitBrieflyAsync(DbContext context, CancellationToken cancellationToken)
    {
        var timeout = context.Database.GetCommandTimeout();
        await context.Database.OpenConnectionAsync(cancellationToken);
        await context.Database.ExecuteSqlRawAsync("PRAGMA busy_timeout = 1000;", cancellationToken);
        context.Database.SetCommandTimeout(1);
        return new BriefWait(context, timeout);
    }

    private sealed class BriefWait(DbContext context, int? timeout) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            context.Database.SetCommandTimeout(timeout);
            await context.Database.ExecuteSqlRawAsync(Pragma, CancellationToken.None);
            await context.Database.CloseConnectionAsync();
        }
    }

    /// <summary>
    /// Saves the context's changes, but on SQLite waits only briefly (<see cref="WaitBrieflyAsync"/>) for another
    /// connection's write lock: for a write that may be skipped, such as an account's last sign-in time. Returns false,
    /// with the changes discarded, when the lock stayed taken; on PostgreSQL (row locks only) it saves as usual.
    /// </summary>
    public static async Task<bool> TrySaveChangesWithoutWaitingAsync(DbContext context, CancellationToken cancellationToken)
    {
        if (!context.Database.IsSqlite())
        {
            await context.SaveChangesAsync(cancellationToken);
            return true;
        }

        await using var brief = await WaitBrieflyAsync(context, cancellationToken);
        try
        {
            await context.SaveChangesAsync(cancellationToken);
            return true;
        }
        catch (DbUpdateException ex) when (ex.InnerException is SqliteException { SqliteErrorCode: 5 or 6 }) // SQLITE_BUSY, SQLITE_LOCKED
        {
            context.ChangeTracker.Clear();
            return false;
        }
    }
}
