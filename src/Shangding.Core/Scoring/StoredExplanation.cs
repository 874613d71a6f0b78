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

    public string ToJson() => JsonSerializer.Serialize(this, StoredExplanationJson.Default.StoredExplanation);

    public static StoredExplanation? FromJson(string json) => JsonSerializer.Deserialize(json, StoredExplanationJson.Default.StoredExplanation);
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UseStringEnumConverter = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(StoredExplanation))]
internal sealed partial class StoredExplanationJson : JsonSerializerContext;
