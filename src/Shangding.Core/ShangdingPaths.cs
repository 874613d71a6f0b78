using Microsoft.Extensions.Configuration;

namespace Shangding.Core;

/// <summary>
/// Where the platform finds its data files (catalogue, models, calendar) and keeps local state
/// (the SQLite file, development keys). Web app and CLI resolve them the same way, so both work on
/// the same database: <c>Shangding:Home</c> if configured, otherwise the repository containing the
/// current directory or the program, otherwise the current directory.
/// </summary>
public sealed record ShangdingPaths(string Home, string CatalogDirectory, string CalendarDirectory, string DataDirectory)
{
    public static ShangdingPaths FromConfiguration(IConfiguration configuration)
    {
        var home = configuration["Shangding:Home"] is { Length: > 0 } configured
            ? Path.GetFullPath(configured)
            : FindRepositoryRoot(Directory.GetCurrentDirectory())
              ?? FindRepositoryRoot(AppContext.BaseDirectory)
              ?? Directory.GetCurrentDirectory();

        var catalog = configuration["Catalog:Directory"] is { Length: > 0 } c ? Path.GetFullPath(c) : Path.Combine(home, "catalog");
        var calendar = configuration["Calendar:Directory"] is { Length: > 0 } d ? Path.GetFullPath(d) : Path.Combine(catalog, "calendar");
        var data = Path.Combine(home, "App_Data");
        return new ShangdingPaths(home, catalog, calendar, data);
    }

    private static string? FindRepositoryRoot(string start)
    {
        for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Shangding.slnx")) || Directory.Exists(Path.Combine(directory.FullName, "catalog", "categories")))
            {
                return directory.FullName;
            }
        }

        return null;
    }
}
