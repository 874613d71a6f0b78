using System.Globalization;
using System.Text.Json;

namespace Shangding.Web.Localization;

/// <summary>
/// The words of the user interface in zh-CN (the default) and English, from
/// <c>Resources/ui-text*.json</c> (one file per portal or module): one entry per key, <c>["中文", "English"]</c>.
/// A missing key shows as <c>[key]</c> and is caught by a test that scans every page.
/// </summary>
public sealed class UiText
{
    public const string Chinese = "zh-CN";
    public const string English = "en";

    private readonly Dictionary<string, string[]> _entries;

    public UiText(Dictionary<string, string[]> entries)
    {
        foreach (var (key, value) in entries)
        {
            if (value.Length != 2 || value.Any(string.IsNullOrWhiteSpace))
            {
                throw new InvalidOperationException($"ui-text.json: '{key}' must have exactly a Chinese and an English text.");
            }
        }

        _entries = entries;
    }

    public IReadOnlyCollection<string> Keys => _entries.Keys;

    public static bool IsEnglish(CultureInfo culture) => culture.TwoLetterISOLanguageName == "en";

    public static bool IsEnglish() => IsEnglish(CultureInfo.CurrentUICulture);

    public string this[string key] => Get(key, CultureInfo.CurrentUICulture);

    /// <summary>Whether <paramref name="key"/> has a text (for keys built from data, such as an audit entry's kind).</summary>
    public bool Has(string key) => _entries.ContainsKey(key);

    public string Get(string key, CultureInfo culture) =>
        _entries.TryGetValue(key, out var texts) ? texts[IsEnglish(culture) ? 1 : 0] : $"[{key}]";

    /// <summary>Formats the text of <paramref name="key"/> with arguments ({0}, {1}…).</summary>
    public string Format(string key, params object[] args) =>
        string.Format(CultureInfo.CurrentCulture, this[key], args);

    /// <summary>Picks between a Chinese and an English value that come from data (catalogue names).</summary>
    public static string Pick(string zh, string en) => IsEnglish() ? en : zh;

    /// <summary>A key written twice in one file is an error: the reader would silently keep one of the two texts.</summary>
    private static readonly JsonSerializerOptions FileOptions = new() { AllowDuplicateProperties = false };

    public static UiText Load(string file)
    {
        return new UiText(Read(file));
    }

    private static Dictionary<string, string[]> Read(string file)
    {
        using var stream = File.OpenRead(file);
        try
        {
            return JsonSerializer.Deserialize<Dictionary<string, string[]>>(stream, FileOptions)
                ?? throw new InvalidOperationException($"{file} is empty");
        }
        catch (JsonException ex)
        {
            throw new InvalidOperationException($"{Path.GetFileName(file)}: {ex.Message} (line {ex.LineNumber + 1}, {ex.Path})", ex);
        }
    }

    /// <summary>Loads every <c>ui-text*.json</c> of a folder; a key defined in two files is an error naming both.</summary>
    public static UiText LoadFolder(string folder)
    {
        var entries = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var origin = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(folder, "ui-text*.json").Order(StringComparer.Ordinal))
        {
            foreach (var (key, value) in Read(file))
            {
                if (origin.TryGetValue(key, out var first))
                {
                    throw new InvalidOperationException($"UI text key '{key}' is defined in both {Path.GetFileName(first)} and {Path.GetFileName(file)}.");
                }

                origin[key] = file;
                entries[key] = value;
            }
        }

        return new UiText(entries);
    }
}
