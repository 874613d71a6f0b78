using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Shangding.Core.Calendar;

/// <summary>Reads and writes the project's own calendar file format (catalog/calendar/{year}.json).</summary>
internal static class CalendarJson
{
    private static readonly JsonDocumentOptions DocumentOptions = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
    };

    // Names stay readable (春节, not \u6625\u8282) in files reviewed like code.
    private static readonly JsonSerializerOptions StringOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static readonly HashSet<string> KnownRootProperties = ["year", "source", "updated", "days"];
    private static readonly HashSet<string> KnownDayProperties = ["date", "kind", "name"];

    public static (CalendarYear? Year, List<string> Errors, List<string> Warnings) Read(Stream json)
    {
        var errors = new List<string>();
        var warnings = new List<string>();
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, DocumentOptions);
        }
        catch (JsonException ex)
        {
            errors.Add($"not valid JSON at line {ex.LineNumber + 1}: {ex.Message}");
            return (null, errors, warnings);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                errors.Add("the file must hold one JSON object { \"year\", \"source\", \"updated\", \"days\" }");
                return (null, errors, warnings);
            }

            foreach (var property in root.EnumerateObject())
            {
                if (!KnownRootProperties.Contains(property.Name))
                {
                    warnings.Add($"unknown property \"{property.Name}\" is ignored");
                }
            }

            int year = 0;
            if (!root.TryGetProperty("year", out var yearElement) || !yearElement.TryGetInt32(out year))
            {
                errors.Add("\"year\" is missing or not a whole number");
            }

            var source = OptionalString(root, "source", "\"source\"", errors);
            DateOnly? updated = null;
            var updatedText = OptionalString(root, "updated", "\"updated\"", errors);
            if (updatedText is not null)
            {
                if (TryParseDate(updatedText, out var u))
                {
                    updated = u;
                }
                else
                {
                    errors.Add($"\"updated\" '{updatedText}' is not a date (expected YYYY-MM-DD)");
                }
            }

            var days = new List<CalendarDay>();
            if (!root.TryGetProperty("days", out var daysElement) || daysElement.ValueKind != JsonValueKind.Array)
            {
                errors.Add("\"days\" is missing or not an array");
            }
            else
            {
                var index = 0;
                foreach (var element in daysElement.EnumerateArray())
                {
                    var day = ReadDay(element, $"days[{index.ToString(CultureInfo.InvariantCulture)}]", errors, warnings);
                    if (day is not null)
                    {
                        days.Add(day);
                    }

                    index++;
                }
            }

            if (errors.Count > 0)
            {
                return (null, errors, warnings);
            }

            var result = new CalendarYear(year, source, updated, days);
            var (semanticErrors, semanticWarnings) = result.Check();
            errors.AddRange(semanticErrors);
            warnings.AddRange(semanticWarnings);
            return (errors.Count == 0 ? result : null, errors, warnings);
        }
    }

    public static string Write(CalendarYear year)
    {
        var sb = new StringBuilder();
        sb.Append("{\n");
        sb.Append(CultureInfo.InvariantCulture, $"  \"year\": {year.Year},\n");
        if (year.Source is not null)
        {
            sb.Append(CultureInfo.InvariantCulture, $"  \"source\": {Quote(year.Source)},\n");
        }

        if (year.Updated is { } updated)
        {
            sb.Append(CultureInfo.InvariantCulture, $"  \"updated\": \"{CalendarYear.Iso(updated)}\",\n");
        }

        sb.Append("  \"days\": [");
        var first = true;
        foreach (var day in year.Days.OrderBy(d => d.Date))
        {
            sb.Append(first ? "\n" : ",\n");
            first = false;
            sb.Append(CultureInfo.InvariantCulture, $"    {{ \"date\": \"{CalendarYear.Iso(day.Date)}\", \"kind\": \"{KindText(day.Kind)}\"");
            if (day.Name is not null)
            {
                sb.Append(CultureInfo.InvariantCulture, $", \"name\": {Quote(day.Name)}");
            }

            sb.Append(" }");
        }

        sb.Append(first ? "]\n" : "\n  ]\n");
        sb.Append("}\n");
        return sb.ToString();
    }

    internal static bool TryParseDate(string text, out DateOnly date) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date);

    private static CalendarDay? ReadDay(JsonElement element, string where, List<string> errors, List<string> warnings)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            errors.Add($"{where} is not an object {{ \"date\", \"kind\", \"name\" }}");
            return null;
        }

        foreach (var property in element.EnumerateObject())
        {
            if (!KnownDayProperties.Contains(property.Name))
            {
                warnings.Add($"{where}: unknown property \"{property.Name}\" is ignored");
            }
        }

        var ok = true;
        var dateText = OptionalString(element, "date", $"{where}.date", errors);
        DateOnly date = default;
        if (dateText is null)
        {
            if (!element.TryGetProperty("date", out var present) || present.ValueKind == JsonValueKind.Null)
            {
                errors.Add($"{where}: \"date\" is missing");
            }

            ok = false;
        }
        else if (!TryParseDate(dateText, out date))
        {
            errors.Add($"{where}: bad date '{dateText}' (expected an existing date as YYYY-MM-DD)");
            ok = false;
        }

        var kindText = OptionalString(element, "kind", $"{where}.kind", errors);
        CalendarDayKind kind = default;
        switch (kindText)
        {
            case "holiday":
                kind = CalendarDayKind.Holiday;
                break;
            case "workday":
                kind = CalendarDayKind.Workday;
                break;
            case null when element.TryGetProperty("kind", out var present) && present.ValueKind != JsonValueKind.Null:
                ok = false;
                break;
            case null:
                errors.Add($"{where}: \"kind\" is missing (\"holiday\" or \"workday\")");
                ok = false;
                break;
            default:
                errors.Add($"{where}: unknown kind '{kindText}' (expected \"holiday\" or \"workday\")");
                ok = false;
                break;
        }

        var name = OptionalString(element, "name", $"{where}.name", errors);
        return ok ? new CalendarDay(date, kind, name) : null;
    }

    private static string? OptionalString(JsonElement parent, string property, string label, List<string> errors)
    {
        if (!parent.TryGetProperty(property, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            errors.Add($"{label} must be a string");
            return null;
        }

        return value.GetString();
    }

    private static string KindText(CalendarDayKind kind) => kind switch
    {
        CalendarDayKind.Holiday => "holiday",
        CalendarDayKind.Workday => "workday",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    private static string Quote(string text) => JsonSerializer.Serialize(text, StringOptions);
}
