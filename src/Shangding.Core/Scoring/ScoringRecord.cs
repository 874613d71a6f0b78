using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Shangding.Core.Catalog;

namespace Shangding.Core.Scoring;

/// <summary>State of a record as the engine sees it (mirrors the stored record's status).</summary>
public enum ScoringStatus
{
    InForce,
    Withdrawn,
    Repaired,
    Expired,
}

/// <summary>One credit record as input to <see cref="ScoreEngine"/>: plain data, no storage types.</summary>
/// <param name="Id">The record's id; hypothetical records of a what-if may use negative ids.</param>
/// <param name="ActDate">Date of the act or decision; null when the category has none.</param>
/// <param name="Fields">The category fields as invariant text (numbers as written, dates yyyy-MM-dd…).</param>
/// <param name="Severity">The record's own severity; null takes the category's.</param>
/// <param name="PublicationEnd">Last day of publication, when the record sets one; it overrides the severity's period.</param>
/// <param name="UnderDispute">Counts as reported while the dispute runs (a dispute that succeeds withdraws or corrects it); shown as such.</param>
public sealed record ScoringRecord(
    long Id,
    string CategoryCode,
    DateOnly? ActDate,
    ScoringStatus Status,
    IReadOnlyDictionary<string, string> Fields,
    Severity? Severity = null,
    DateOnly? PublicationEnd = null,
    bool UnderDispute = false)
{
    /// <summary>Maps a stored record (status names as stored: InForce, Withdrawn, Repaired, Expired; fields as JSON text).</summary>
    public static ScoringRecord FromStored(
        long id,
        string categoryCode,
        DateOnly? actDate,
        string status,
        string fieldsJson,
        DateOnly? publicationEnd,
        bool underDispute,
        string? severity = null) =>
        new(id, categoryCode, actDate, ParseStatus(status), ParseFields(fieldsJson), ParseSeverity(severity), publicationEnd, underDispute);

    public string? Field(string code) => Fields.TryGetValue(code, out var value) && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;

    public static ScoringStatus ParseStatus(string status)
    {
        switch (status)
        {
            case "InForce":
                return ScoringStatus.InForce;
            case "Withdrawn":
                return ScoringStatus.Withdrawn;
            case "Repaired":
                return ScoringStatus.Repaired;
            case "Expired":
                return ScoringStatus.Expired;
        }

        var normalised = status.Replace("_", string.Empty, StringComparison.Ordinal).Replace("-", string.Empty, StringComparison.Ordinal);
        return Enum.TryParse<ScoringStatus>(normalised, ignoreCase: true, out var value) && Enum.IsDefined(value)
            ? value
            : throw new ArgumentException($"unknown record status '{status}'; expected InForce, Withdrawn, Repaired or Expired", nameof(status));
    }

    internal static Severity? ParseSeverity(string? severity) =>
        string.IsNullOrWhiteSpace(severity) ? null
        : Enum.TryParse<Severity>(severity, ignoreCase: true, out var value) && Enum.IsDefined(value) ? value
        : throw new ArgumentException($"unknown severity '{severity}'", nameof(severity));

    /// <summary>Reads a flat JSON object of field values; numbers keep their written form (nested values their JSON text).</summary>
    /// <remarks>
    /// A full recompute reads ten million of these: a forward-only <see cref="Utf8JsonReader"/> over a pooled
    /// buffer, without building a document.
    /// </remarks>
    public static IReadOnlyDictionary<string, string> ParseFields(string fieldsJson) => ParseFields(fieldsJson, null);

    /// <summary>As <see cref="ParseFields(string)"/>, keeping only the fields named in <paramref name="only"/> (all when null).</summary>
    /// <remarks>Names are matched without allocating (an ordinal look-up by span); the kept keys are the set's own strings.</remarks>
    public static IReadOnlyDictionary<string, string> ParseFields(string fieldsJson, HashSet<string>? only)
    {
        var result = new Dictionary<string, string>(8, StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(fieldsJson))
        {
            return result;
        }

        var rented = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(fieldsJson.Length));
        try
        {
            var bytes = rented.AsSpan(0, Encoding.UTF8.GetBytes(fieldsJson, rented));
            var reader = new Utf8JsonReader(bytes);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw new ArgumentException("record fields must be a JSON object", nameof(fieldsJson));
            }

            var lookup = only?.GetAlternateLookup<ReadOnlySpan<char>>();
            Span<char> nameBuffer = stackalloc char[128];
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                string? name;
                if (lookup is { } wanted)
                {
                    // A name longer than the buffer (never one of the model's fields) is read as a string.
                    if (reader.ValueSpan.Length <= nameBuffer.Length)
                    {
                        wanted.TryGetValue(nameBuffer[..reader.CopyString(nameBuffer)], out name);
                    }
                    else
                    {
                        name = reader.GetString()!;
                        name = wanted.Contains(name) ? name : null;
                    }

                    if (name is null)
                    {
                        reader.Read();
                        reader.Skip();
                        continue;
                    }
                }
                else
                {
                    name = reader.GetString()!;
                }

                reader.Read();
                var text = Value(ref reader, bytes);
                if (text is not null)
                {
                    result[name] = text;
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                throw new ArgumentException("record fields must be one JSON object", nameof(fieldsJson));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }

        return result;
    }

    /// <summary>
    /// Reads a JSON array of field values in the order of <paramref name="keys"/> (what SQLite's multi-path
    /// json_extract answers; a shorter array leaves the rest out). Null values are left out, numbers keep
    /// their written form, nested values their JSON text.
    /// </summary>
    public static IReadOnlyDictionary<string, string> ParseFieldArray(string json, string[] keys)
    {
        var result = new FieldValues.Builder(keys.Length);
        var rented = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(json.Length));
        try
        {
            var bytes = rented.AsSpan(0, Encoding.UTF8.GetBytes(json, rented));
            var reader = new Utf8JsonReader(bytes);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
            {
                throw new ArgumentException("expected a JSON array of field values", nameof(json));
            }

            for (var i = 0; reader.Read() && reader.TokenType != JsonTokenType.EndArray; i++)
            {
                var text = Value(ref reader, bytes);
                if (text is not null && i < keys.Length)
                {
                    result.Add(keys[i], text);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }

        return result.Build();
    }

    /// <summary>The value at the reader as invariant text: strings as they are, numbers as written, nested values as JSON; null for null.</summary>
    private static string? Value(ref Utf8JsonReader reader, ReadOnlySpan<byte> bytes)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                return reader.GetString();
            case JsonTokenType.Number:
                return Encoding.UTF8.GetString(reader.ValueSpan);
            case JsonTokenType.True:
                return "true";
            case JsonTokenType.False:
                return "false";
            case JsonTokenType.Null:
                return null;
            default:
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                return Encoding.UTF8.GetString(bytes[start..(int)reader.BytesConsumed]);
        }
    }

    internal decimal? Number(string code) =>
        Field(code) is { } text && decimal.TryParse(text, NumberStyles.Number | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out var value)
            ? value
            : null;

    internal DateOnly? Date(string code) =>
        Field(code) is { Length: >= 10 } text
        && DateOnly.TryParseExact(text[..10], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var value)
            ? value
            : null;
}

/// <summary>
/// A record's fields as bulk reads keep them: the few present key/value pairs in one small array, looked up
/// by a linear scan (the keys are the model's own strings). Lighter than a dictionary for the one or two
/// fields a scored record carries; read-only.
/// </summary>
internal sealed class FieldValues : IReadOnlyDictionary<string, string>
{
    public static readonly FieldValues Empty = new([]);
    private readonly KeyValuePair<string, string>[] _pairs;

    private FieldValues(KeyValuePair<string, string>[] pairs) => _pairs = pairs;

    /// <summary>Collects pairs, keys assumed distinct; a record with none shares one empty instance.</summary>
    public struct Builder(int capacity)
    {
        private KeyValuePair<string, string>[]? _pairs;
        private int _count;

        public void Add(string key, string value)
        {
            _pairs ??= new KeyValuePair<string, string>[capacity];
            _pairs[_count++] = new(key, value);
        }

        public readonly FieldValues Build() => _count == 0 ? Empty : new FieldValues(_count == _pairs!.Length ? _pairs : _pairs[.._count]);
    }

    public int Count => _pairs.Length;

    public string this[string key] => TryGetValue(key, out var value) ? value : throw new KeyNotFoundException(key);

    public IEnumerable<string> Keys => _pairs.Select(p => p.Key);

    public IEnumerable<string> Values => _pairs.Select(p => p.Value);

    public bool ContainsKey(string key) => TryGetValue(key, out _);

    public bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out string value)
    {
        foreach (var (k, v) in _pairs)
        {
            if (ReferenceEquals(k, key) || string.Equals(k, key, StringComparison.Ordinal))
            {
                value = v;
                return true;
            }
        }

        value = null;
        return false;
    }

    public IEnumerator<KeyValuePair<string, string>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, string>>)_pairs).GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
