using Shangding.Testing;
using Shangding.Core.Calendar;

namespace Shangding.Core.Tests.Calendar;

internal static class CalendarTestData
{
    private static readonly Lazy<CalendarLoadResult> Committed = new(() => CalendarStore.Read(CatalogCalendarDirectory()));

    /// <summary>The calendar committed in catalog/calendar (the data the system runs on).</summary>
    public static WorkingDayCalendar CommittedCalendar => Committed.Value.Calendar;

    public static IReadOnlyList<string> Warnings => Committed.Value.Warnings;

    public static string CatalogCalendarDirectory() => Path.Combine(RepoPaths.Catalog, "calendar");

    public static DateOnly D(string iso) => DateOnly.ParseExact(iso, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>A temporary directory removed after the test.</summary>
internal sealed class TempDir : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "shangding-calendar-" + Guid.NewGuid().ToString("N"));

    public TempDir() => Directory.CreateDirectory(Path);

    public string Write(string fileName, string content)
    {
        var file = System.IO.Path.Combine(Path, fileName);
        File.WriteAllText(file, content);
        return file;
    }

    public void Dispose()
    {
        if (Directory.Exists(Path))
        {
            Directory.Delete(Path, recursive: true);
        }
    }
}
