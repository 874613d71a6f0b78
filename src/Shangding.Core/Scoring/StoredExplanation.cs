using System.Text.Json;
using System.Text.Json.Serialization;
using Shangding.Core.Catalog;

namespace Shangding.Core.Scoring;

/// <summary>A counting record as the stored score keeps it: which record, how many points, until when.</summary>
public sealed record StoredContribution(long RecordId, string CategoryCode, int Points, DateOnly? StopsOn);

/// <summary>
/// What a stored score keeps of its explanation: the points per dimension, each counting record with its
/// points and the day it stops counting, and the key reasons (in both languages) why the score is not
/// higher. The full explanation (rule texts, records that do not count and why) is computed again from
/// the records on request (<see cref="ScoreService.ComputeAsync"/>); keeping only this makes a stored
/// score about a quarter of the size, which is what lets a full recompute of a million people fit in
/// a minute.
/// </summary>
public sealed record StoredExplanation(
    string ModelVersion,
    DateOnly AsOf,
    int Score,
    ScoreLevel Level,
    IReadOnlyList<DimensionSubtotal> Dimensions,
    IReadOnlyList<StoredContribution> Contributions,
    IReadOnlyList<ScoreReason> Reasons)
{
    public static StoredExplanation Of(ScoreResult result) => new(
        result.ModelVersion,
        result.AsOf,
        result.Score,
        result.Level,
        result.Dimensions,
        [.. result.Contributions.Select(c => new StoredContribution(c.RecordId, c.CategoryCode, c.Points, c.StopsOn))],
        result.Reasons);

    public string ToJson() => JsonSerializer.Serialize(this, StoredExplanationJson.Compact.StoredExplanation);

    public static StoredExplanation? FromJson(string json) => JsonSerializer.Deserialize(json, StoredExplanationJson.Compact.StoredExplanation);
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UseStringEnumConverter = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(StoredExplanation))]
internal sealed partial class StoredExplanationJson : JsonSerializerContext
{
    /// <summary>The stored form: Chinese text kept as UTF-8 rather than \u escapes (the values are JSON text, never HTML), records and dimensions as arrays.</summary>
    /// <remarks>
    /// Counting records and dimensions are written as arrays (<see cref="CompactContributionConverter"/>,
    /// <see cref="CompactDimensionConverter"/>), which halves them; both forms are read. Made on first use:
    /// the generated <c>Default</c> is initialised after the fields of this part.
    /// </remarks>
    public static StoredExplanationJson Compact => _compact ??= new(new JsonSerializerOptions(Default.Options)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new CompactContributionConverter(), new CompactDimensionConverter() },
    });

    private static StoredExplanationJson? _compact;
}

/// <summary>A counting record as <c>[recordId, "category", points, "yyyy-MM-dd" or null]</c>; reads that or the object form written before.</summary>
internal sealed class CompactContributionConverter : JsonConverter<StoredContribution>
{
    public override StoredContribution Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.StartObject)
        {
            return JsonSerializer.Deserialize(ref reader, StoredExplanationJson.Default.StoredContribution)!;
        }

        Compact.Expect(ref reader, JsonTokenType.StartArray);
        var id = Compact.Number(ref reader);
        var category = Compact.Text(ref reader) ?? throw new JsonException("a counting record without a category");
        var points = (int)Compact.Number(ref reader);
        var stops = Compact.Text(ref reader) is { } day ? DateOnly.ParseExact(day, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) : (DateOnly?)null;
        Compact.End(ref reader);
        return new StoredContribution(id, category, points, stops);
    }

    public override void Write(Utf8JsonWriter writer, StoredContribution value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        writer.WriteNumberValue(value.RecordId);
        writer.WriteStringValue(value.CategoryCode);
        writer.WriteNumberValue(value.Points);
        Compact.WriteDay(writer, value.StopsOn);
        writer.WriteEndArray();
    }
}

/// <summary>A dimension as <c>["Dimension", points, gained, lost, cap or null]</c>; reads that or the object form written before.</summary>
internal sealed class CompactDimensionConverter : JsonConverter<DimensionSubtotal>
{
    public override DimensionSubtotal Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.StartObject)
        {
            return JsonSerializer.Deserialize(ref reader, StoredExplanationJson.Default.DimensionSubtotal)!;
        }

        Compact.Expect(ref reader, JsonTokenType.StartArray);
        var name = Compact.Text(ref reader);
        var dimension = Enum.TryParse<ScoreDimension>(name, ignoreCase: false, out var d) && Enum.IsDefined(d) ? d : throw new JsonException($"unknown dimension '{name}'");
        var points = (int)Compact.Number(ref reader);
        var gained = (int)Compact.Number(ref reader);
        var lost = (int)Compact.Number(ref reader);
        reader.Read();
        int? cap = reader.TokenType == JsonTokenType.Null ? null : reader.GetInt32();
        Compact.End(ref reader);
        return new DimensionSubtotal(dimension, points, gained, lost, cap);
    }

    public override void Write(Utf8JsonWriter writer, DimensionSubtotal value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        writer.WriteStringValue(DimensionNames[(int)value.Dimension]);
        writer.WriteNumberValue(value.Points);
        writer.WriteNumberValue(value.Gained);
        writer.WriteNumberValue(value.Lost);
        if (value.Cap is { } cap)
        {
            writer.WriteNumberValue(cap);
        }
        else
        {
            writer.WriteNullValue();
        }

        writer.WriteEndArray();
    }

    private static readonly string[] DimensionNames = Enum.GetNames<ScoreDimension>();
}

/// <summary>Reading and writing the array forms.</summary>
internal static class Compact
{
    public static void Expect(ref Utf8JsonReader reader, JsonTokenType type)
    {
        if (reader.TokenType != type)
        {
            throw new JsonException($"expected {type}, found {reader.TokenType}");
        }
    }

    public static long Number(ref Utf8JsonReader reader)
    {
        reader.Read();
        Expect(ref reader, JsonTokenType.Number);
        return reader.GetInt64();
    }

    public static string? Text(ref Utf8JsonReader reader)
    {
        reader.Read();
        return reader.TokenType == JsonTokenType.Null ? null : reader.GetString();
    }

    public static void End(ref Utf8JsonReader reader)
    {
        reader.Read();
        Expect(ref reader, JsonTokenType.EndArray);
    }

    public static void WriteDay(Utf8JsonWriter writer, DateOnly? day)
    {
        if (day is not { } d)
        {
            writer.WriteNullValue();
            return;
        }

        Span<char> text = stackalloc char[10];
        d.TryFormat(text, out var written, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        writer.WriteStringValue(text[..written]);
    }
}
