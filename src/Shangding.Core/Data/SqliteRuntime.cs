using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Shangding.Core.Data;

/// <summary>
/// Process-wide SQLite settings, made before the first connection opens (SQLite accepts them only then).
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><c>SQLITE_CONFIG_MULTITHREAD</c>: a connection takes no mutex of its own on every call. Microsoft.Data.Sqlite
/// never uses one connection from two threads at once (nor does anything here): the pool lends a connection to one user
/// at a time. In the default serialized mode each bind, step, reset and column read locked and unlocked a mutex — a
/// million-row import makes tens of millions of such calls.</item>
/// <item><c>SQLITE_CONFIG_MEMSTATUS</c> off: SQLite stops counting its memory under one global mutex on every
/// allocation (nothing here reads those counts or sets a soft heap limit).</item>
/// </list>
/// Together: a million records written row by row, 11.5-15.7 s against 12.3-18.4 s, interleaved pairs (bench/RESULTS.md).
/// Should a connection have been opened before this runs, SQLite refuses the settings and keeps its defaults, which are
/// only slower.
/// </remarks>
public static class SqliteRuntime
{
    /// <summary>Whether SQLite took the settings (false if a connection had been opened first).</summary>
    public static bool Configured { get; private set; }

    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255:The 'ModuleInitializer' attribute should not be used in libraries",
        Justification = "SQLite takes these settings only before its first connection; every connection of the platform is opened through this assembly.")]
    internal static void Configure()
    {
        SQLitePCL.Batteries_V2.Init();
        Configured = SQLitePCL.raw.sqlite3_config(SQLitePCL.raw.SQLITE_CONFIG_MULTITHREAD) == SQLitePCL.raw.SQLITE_OK
            & SQLitePCL.raw.sqlite3_config(SQLitePCL.raw.SQLITE_CONFIG_MEMSTATUS, 0) == SQLitePCL.raw.SQLITE_OK;
    }
}
