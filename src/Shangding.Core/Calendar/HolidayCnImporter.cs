using System.Globalization;
using System.Text.Json;

namespace Shangding.Core.Calendar;

/// <summary>
/// Converts a year file of the public project NateScarlet/holiday-cn
/// (<c>{ year, papers, days: [{ name, date, isOffDay }] }</c>) into the project's own format.
/// </summary>
public static class HolidayCnImporter
{
    /// <summary>The source recorded when no notice address is given.</summary>
    public const string SourceName = "NateScarlet/holiday-cn";

    /// <summary>
    /// The file's own year. Days the notice places in another year (a New Year holiday starting on
    /// 29–31 December of the previous year) are not in it: use <see cref="ConvertAll"/> to get them.
    /// </summary>
    /// <exception cref="CalendarDataException">The stream is not a usable holiday-cn file.</exception>
    public static CalendarYear Convert(Stream holidayCnJson) => ConvertAll(holidayCnJson)[0];

    /// <summary>
    /// The file's own year first, then one partial <see cref="CalendarYear"/> per other year the
    /// notice reaches into. <c>isOffDay: true</c> becomes a holiday; <c>isOffDay: false</c> becomes a
    /// make-up working day named "{name}调休"; such an entry on a weekday has no effect and is dropped.
    /// </summary>
    /// <exception cref="CalendarDataException">The stream is not a usable holiday-cn file.</exception>
    public static IReadOnlyList<CalendarYear> ConvertAll(Stream holidayCnJson)
    {
        const string label = "holiday-cn input";
        var problems = new List<string>();
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(holidayCnJson);
        }
        catch (JsonException ex)
        {
            throw new CalendarDataException(label, [$"not valid JSON at line {ex.LineNumber + 1}: {ex.Message}"]);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new CalendarDataException(label, ["expected a JSON object { year, papers, days }"]);
            }

            int year = 0;
            if (!root.TryGetProperty("year", out var yearElement) || !yearElement.TryGetInt32(out year))
            {
                problems.Add("\"year\" is missing or not a whole number");
            }

            var papers = new List<string>();
            if (root.TryGetProperty("papers", out var papersElement) && papersElement.ValueKind == JsonValueKind.Array)
            {
                papers.AddRange(papersElement.EnumerateArray()
                    .Where(p => p.ValueKind == JsonValueKind.String)
                    .Select(p => p.GetString()!));
            }

            var days = new List<CalendarDay>();
            if (!root.TryGetProperty("days", out var daysElement) || daysElement.ValueKind != JsonValueKind.Array)
            {
                problems.Add("\"days\" is missing or not an array");
            }
            else
            {
                var index = 0;
                foreach (var element in daysElement.EnumerateArray())
                {
                    var where = $"days[{index.ToString(CultureInfo.InvariantCulture)}]";
                    index++;
                    if (element.ValueKind != JsonValueKind.Object
                        || !element.TryGetProperty("date", out var dateElement)
                        || dateElement.ValueKind != JsonValueKind.String
                        || !element.TryGetProperty("isOffDay", out var offElement)
                        || offElement.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                    {
                        problems.Add($"{where} needs a string \"date\" and a boolean \"isOffDay\"");
                        continue;
                    }

                    var dateText = dateElement.GetString()!;
                    if (!CalendarJson.TryParseDate(dateText, out var date))
                    {
                        problems.Add($"{where}: bad date '{dateText}' (expected YYYY-MM-DD)");
                        continue;
                    }

                    var name = element.TryGetProperty("name", out var nameElement) && nameElement.ValueKind == JsonValueKind.String
                        ? nameElement.GetString()
                        : null;
                    if (offElement.GetBoolean())
                    {
                        days.Add(new CalendarDay(date, CalendarDayKind.Holiday, name));
                    }
                    else if (CalendarYear.IsWeekend(date))
                    {
                        days.Add(new CalendarDay(date, CalendarDayKind.Workday, name is null ? "调休" : name + "调休"));
                    }
                }
            }

            if (problems.Count > 0)
            {
                throw new CalendarDataException(label, problems);
            }

            var source = papers.Count == 0
                ? SourceName
                : $"State Council notice {string.Join(" ", papers)} via {SourceName}";
            var byYear = days.GroupBy(d => d.Date.Year).ToDictionary(g => g.Key, g => g.OrderBy(d => d.Date).ToList());
            var result = new List<CalendarYear>
            {
                new(year, source, null, byYear.GetValueOrDefault(year) ?? []),
            };
            result.AddRange(byYear.Where(kv => kv.Key != year).OrderBy(kv => kv.Key)
                .Select(kv => new CalendarYear(kv.Key, source, null, kv.Value)));
            return result;
        }
    }
}
