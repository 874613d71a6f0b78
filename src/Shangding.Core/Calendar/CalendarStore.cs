using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Shangding.Core.Calendar;

/// <summary>A loaded calendar and the warnings an operator should see (ignored files, no-op entries).</summary>
public sealed record CalendarLoadResult(WorkingDayCalendar Calendar, IReadOnlyList<string> Warnings);

/// <summary>What an import wrote and what it could not place.</summary>
public sealed record CalendarImportResult(IReadOnlyList<int> WrittenYears, IReadOnlyList<string> Warnings);

/// <summary>
/// The calendar directory (<c>catalog/calendar/{year}.json</c>, one file per published year). An
/// operator adds a year by dropping its file there; a year without a file counts as unpublished.
/// </summary>
public static partial class CalendarStore
{
    /// <summary>Configuration key of the calendar directory (absolute, or relative to the content root).</summary>
    public const string DirectoryKey = "Calendar:Directory";

    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>Loads every <c>{year}.json</c> in <paramref name="dir"/>; warnings go to <paramref name="logger"/>.</summary>
    /// <exception cref="CalendarDataException">A file is malformed; the message names it and each problem.</exception>
    /// <exception cref="DirectoryNotFoundException">The directory does not exist.</exception>
    public static WorkingDayCalendar LoadDirectory(string dir, ILogger? logger = null)
    {
        var result = Read(dir);
        if (logger is not null)
        {
            foreach (var warning in result.Warnings)
            {
                logger.LogWarning("Calendar: {Warning}", warning);
            }
        }

        return result.Calendar;
    }

    /// <summary>Loads every <c>{year}.json</c> in <paramref name="dir"/> and returns the warnings too.</summary>
    /// <exception cref="CalendarDataException">A file is malformed; the message names it and each problem.</exception>
    /// <exception cref="DirectoryNotFoundException">The directory does not exist.</exception>
    public static CalendarLoadResult Read(string dir)
    {
        if (!Directory.Exists(dir))
        {
            throw new DirectoryNotFoundException($"Calendar directory '{dir}' does not exist; set {DirectoryKey} to the folder holding {{year}}.json files.");
        }

        var warnings = new List<string>();
        var years = new List<CalendarYear>();
        foreach (var path in Directory.EnumerateFiles(dir, "*.json").Order(StringComparer.Ordinal))
        {
            var fileName = Path.GetFileName(path);
            if (!YearFileName().IsMatch(fileName))
            {
                warnings.Add($"{fileName}: ignored (calendar files are named {{year}}.json, e.g. 2026.json)");
                continue;
            }

            var (year, fileWarnings) = ReadFile(path);
            warnings.AddRange(fileWarnings.Select(w => $"{fileName}: {w}"));
            years.Add(year);
        }

        if (years.Count == 0)
        {
            warnings.Add($"no calendar files in '{dir}': every deadline falls back to Monday–Friday and is provisional");
        }

        return new CalendarLoadResult(new WorkingDayCalendar(years), warnings);
    }

    /// <summary>Reads one calendar file, refusing it when malformed.</summary>
    /// <exception cref="CalendarDataException">The file is malformed.</exception>
    public static CalendarYear ReadYear(string path) => ReadFile(path).Year;

    /// <summary>
    /// Writes <c>{year}.json</c> in <paramref name="dir"/> (created if needed) atomically: a temporary
    /// file in the same directory is moved over the old one, so a reader never sees half a file.
    /// </summary>
    /// <exception cref="CalendarDataException">The year is invalid; nothing is written.</exception>
    public static void SaveYear(string dir, CalendarYear year)
    {
        var fileName = FileNameOf(year.Year);
        var (errors, _) = year.Check();
        if (errors.Count > 0)
        {
            throw new CalendarDataException(fileName, errors);
        }

        Directory.CreateDirectory(dir);
        var target = Path.Combine(dir, fileName);
        var temp = Path.Combine(dir, $".{fileName}.{Guid.NewGuid():N}.tmp");
        try
        {
            File.WriteAllText(temp, CalendarJson.Write(year), Utf8NoBom);
            File.Move(temp, target, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }

    /// <summary>Converts a NateScarlet/holiday-cn year file (for <c>calendar import &lt;file&gt;</c>); writes nothing.</summary>
    /// <exception cref="CalendarDataException">The input is not a usable holiday-cn file.</exception>
    public static CalendarYear ImportHolidayCn(Stream holidayCnJson) => HolidayCnImporter.Convert(holidayCnJson);

    /// <summary>
    /// Converts a holiday-cn year file and writes it into <paramref name="dir"/>, replacing that
    /// year's file. Days the notice puts into a neighbouring year (New Year holiday from late
    /// December) are merged into that year's existing file. December days already in the replaced
    /// file and absent from the input are kept, because the next year's notice governs them.
    /// </summary>
    /// <exception cref="CalendarDataException">
    /// The input is unusable, lists no days (not yet published), or clashes with existing data; nothing is written then.
    /// </exception>
    public static CalendarImportResult ImportHolidayCnInto(string dir, Stream holidayCnJson, DateOnly updated)
    {
        var converted = HolidayCnImporter.ConvertAll(holidayCnJson);
        var main = converted[0];
        if (main.Days.Count == 0)
        {
            throw new CalendarDataException(FileNameOf(main.Year), [$"the input lists no days for {main.Year.ToString(CultureInfo.InvariantCulture)}: the year is not yet published, so no file is written"]);
        }

        var warnings = new List<string>();
        var toWrite = new List<CalendarYear>();
        var mainPath = Path.Combine(dir, FileNameOf(main.Year));
        var mainDays = main.Days.ToList();
        if (File.Exists(mainPath))
        {
            var covered = mainDays.Select(d => d.Date).ToHashSet();
            mainDays.AddRange(ReadYear(mainPath).Days.Where(d => d.Date.Month == 12 && !covered.Contains(d.Date)));
        }

        toWrite.Add(main with { Updated = updated, Days = [.. mainDays.OrderBy(d => d.Date)] });

        foreach (var spill in converted.Skip(1))
        {
            var path = Path.Combine(dir, FileNameOf(spill.Year));
            if (!File.Exists(path))
            {
                warnings.Add($"{string.Join(", ", spill.Days.Select(d => CalendarYear.Iso(d.Date)))} belong to {spill.Year.ToString(CultureInfo.InvariantCulture)}, which has no file; import {spill.Year.ToString(CultureInfo.InvariantCulture)} first, then this file again");
                continue;
            }

            var existing = ReadYear(path);
            var spillDates = spill.Days.Select(d => d.Date).ToHashSet();
            var merged = existing.Days.Where(d => !spillDates.Contains(d.Date)).Concat(spill.Days).OrderBy(d => d.Date).ToList();
            var source = existing.Source is null || (spill.Source is not null && existing.Source.Contains(spill.Source, StringComparison.Ordinal))
                ? existing.Source ?? spill.Source
                : $"{existing.Source}; {spill.Source}";
            toWrite.Add(existing with { Source = source, Updated = updated, Days = merged });
        }

        foreach (var year in toWrite)
        {
            var (errors, _) = year.Check();
            if (errors.Count > 0)
            {
                throw new CalendarDataException(FileNameOf(year.Year), errors);
            }
        }

        foreach (var year in toWrite)
        {
            SaveYear(dir, year);
        }

        return new CalendarImportResult([.. toWrite.Select(y => y.Year)], warnings);
    }

    private static (CalendarYear Year, List<string> Warnings) ReadFile(string path)
    {
        var fileName = Path.GetFileName(path);
        List<string> errors;
        List<string> warnings;
        CalendarYear? year;
        using (var stream = File.OpenRead(path))
        {
            (year, errors, warnings) = CalendarJson.Read(stream);
        }

        var match = YearFileName().Match(fileName);
        if (year is not null && match.Success
            && int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) != year.Year)
        {
            errors.Add($"the file name says {match.Groups[1].Value} but \"year\" is {year.Year.ToString(CultureInfo.InvariantCulture)}");
        }

        if (errors.Count > 0 || year is null)
        {
            throw new CalendarDataException(fileName, errors);
        }

        return (year, warnings);
    }

    private static string FileNameOf(int year) => year.ToString("D4", CultureInfo.InvariantCulture) + ".json";

    [GeneratedRegex(@"^(\d{4})\.json$")]
    private static partial Regex YearFileName();
}
