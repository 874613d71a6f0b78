using System.Data.Common;
using System.Globalization;

namespace Shangding.Core.Intake;

/// <summary>
/// A SQLite connection's <c>synchronous</c> and <c>wal_autocheckpoint</c> as they were before a batch relaxed them
/// (<c>NORMAL</c>, no automatic checkpoint) for its writes; <see cref="RestoreAsync"/> puts them back before the
/// pooled connection is reused. WAL with <c>synchronous = NORMAL</c> stays consistent after a crash; only a power
/// loss right after a commit could lose it. The batches' checkpoint runs in the background
/// (<see cref="SqliteIntakeWriter"/>), so no commit of a batch copies the log inline.
/// </summary>
internal readonly record struct SqliteBatchPragmas(long Synchronous, long AutoCheckpoint)
{
    public static async Task<SqliteBatchPragmas> RelaxAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA synchronous";
        var synchronous = Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
        command.CommandText = "PRAGMA wal_autocheckpoint";
        var autoCheckpoint = Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
        command.CommandText = "PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 0;";
        await command.ExecuteNonQueryAsync(cancellationToken);
        return new SqliteBatchPragmas(synchronous, autoCheckpoint);
    }

    public async Task RestoreAsync(DbConnection connection)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = string.Create(CultureInfo.InvariantCulture,
            $"PRAGMA synchronous = {Synchronous}; PRAGMA wal_autocheckpoint = {AutoCheckpoint};");
        await command.ExecuteNonQueryAsync(CancellationToken.None);
    }
}
