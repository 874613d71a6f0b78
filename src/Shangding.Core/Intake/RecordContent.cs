using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Shangding.Core.Intake;

/// <summary>
/// The stored form of a record's category fields: a JSON object with keys in ordinal order and
/// without the subject's identifying fields (name, certificate type and number live, protected, on
/// the subject). Its hash tells a re-sent, unchanged record from a changed one.
/// </summary>
public static class RecordContent
{
    private static readonly JsonSerializerOptions Options = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        WriteIndented = false,
    };

    /// <summary>Serialises the values (null values dropped) in a canonical order.</summary>
    public static string ToJson(IReadOnlyDictionary<string, object?> values)
    {
        var sorted = new SortedDictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (key, value) in values)
        {
            if (value is not null)
            {
                sorted[key] = value;
            }
        }

        return JsonSerializer.Serialize(sorted, Options);
    }

    /// <summary>A hash over everything that makes the record what it is, used to detect unchanged re-sends.</summary>
    public static string Hash(string categoryCode, string subjectKey, DateOnly? actDate, string fieldsJson)
    {
        var text = string.Join('\u001f', categoryCode, subjectKey,
            actDate?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) ?? "", fieldsJson);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..32];
    }
}
