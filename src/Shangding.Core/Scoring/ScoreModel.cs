using Shangding.Core.Catalog;

namespace Shangding.Core.Scoring;

/// <summary>The five levels of the Shangding score (seed 001 §四), lowest first.</summary>
public enum ScoreLevel
{
    /// <summary>信用较差</summary>
    Poor,

    /// <summary>轻微失信</summary>
    MinorDishonesty,

    /// <summary>信用良好</summary>
    Good,

    /// <summary>信用优秀</summary>
    Excellent,

    /// <summary>信用极好</summary>
    Outstanding,
}

/// <summary>A level of the model: scores from <paramref name="Min"/> (included) up to the next level's minimum (excluded).</summary>
/// <param name="RequiresNoBadRecord">The level is refused while any bad record counts (信用极好).</param>
public sealed record LevelDefinition(ScoreLevel Level, string NameZh, string NameEn, int Min, bool RequiresNoBadRecord)
{
    public string Label => $"{NameZh} ({NameEn})";
}

/// <summary>A band of values from <paramref name="From"/> (included) to <paramref name="To"/> (excluded; open when null).</summary>
public sealed record Band(decimal From, decimal? To, int Points)
{
    public bool Contains(decimal value) => value >= From && (To is null || value < To);
}

/// <summary>Points a record earns on top of its category's base points, from one of its fields.</summary>
public abstract record Grade;

/// <summary>Points by the value of an enumerated field (e.g. honour level 区县级 &lt; 市级 &lt; 省级 &lt; 国家级).</summary>
public sealed record LevelGrade(string Field, string FieldZh, string FieldEn, IReadOnlyList<KeyValuePair<string, int>> Points) : Grade;

/// <summary>Points by the band a number field falls in (a count, an amount).</summary>
public sealed record BandGrade(string Field, string FieldZh, string FieldEn, IReadOnlyList<Band> Bands) : Grade;

/// <summary>Points by the number of days between two date fields (e.g. how long arrears have run).</summary>
public sealed record DaysGrade(string FromField, string ToField, string FromZh, string ToZh, IReadOnlyList<Band> Bands) : Grade;

/// <summary>How the records of one category are scored.</summary>
/// <param name="Scored">False when the model lists the category as explicitly not scored.</param>
/// <param name="Severity">Bad categories: the catalogue's severity.</param>
/// <param name="BasePoints">Points of every record before grades; for bad categories without own points, the severity's points.</param>
/// <param name="Cap">Most points (in absolute value) the category can add or take.</param>
/// <param name="GoodYears">Good categories: years a record counts from its act date.</param>
/// <param name="SameActGroup">Records of one group with the same act key are one act and count once at their highest value.</param>
/// <param name="ActKeyField">Field identifying the act when the category has no act date (e.g. a case number).</param>
public sealed record CategoryRule(
    string CategoryCode,
    string NameZh,
    string NameEn,
    Polarity Polarity,
    ScoreDimension Dimension,
    Severity? Severity,
    bool Scored,
    int BasePoints,
    bool BasePointsFromSeverity,
    IReadOnlyList<Grade> Grades,
    int? Cap,
    int GoodYears,
    string SameActGroup,
    string? ActKeyField);

/// <summary>A rule that puts a person at a level while a record of a category counts.</summary>
public sealed record ScoreOverride(string CategoryCode, ScoreLevel Level, int MaxScore, string TextZh, string TextEn);

/// <summary>Extra weight of a repeated bad record of the same category within a period.</summary>
public sealed record RepeatRule(int WithinMonths, decimal Factor);

/// <summary>A loaded, validated score model (<c>catalog/models/*.yaml</c>).</summary>
public sealed class ScoreModel
{
    private readonly Dictionary<string, CategoryRule> _rules;

    public ScoreModel(
        string version,
        DateOnly effectiveFrom,
        int baseScore,
        int minScore,
        int maxScore,
        IReadOnlyList<LevelDefinition> levels,
        int goodRecordYears,
        int badRecordMaxYears,
        IReadOnlyDictionary<Severity, int> publicationMonths,
        IReadOnlyDictionary<Severity, int> severityPoints,
        RepeatRule repeat,
        IReadOnlyDictionary<ScoreDimension, int> dimensionCaps,
        IReadOnlyList<CategoryRule> rules,
        IReadOnlyList<ScoreOverride> overrides,
        string sourceFile)
    {
        Version = version;
        EffectiveFrom = effectiveFrom;
        Base = baseScore;
        Min = minScore;
        Max = maxScore;
        Levels = levels;
        GoodRecordYears = goodRecordYears;
        BadRecordMaxYears = badRecordMaxYears;
        PublicationMonths = publicationMonths;
        SeverityPoints = severityPoints;
        Repeat = repeat;
        DimensionCaps = dimensionCaps;
        Rules = rules;
        Overrides = overrides;
        SourceFile = sourceFile;
        _rules = rules.ToDictionary(r => r.CategoryCode, StringComparer.Ordinal);
        var read = new HashSet<string>(StringComparer.Ordinal);
        var reading = new HashSet<string>(StringComparer.Ordinal);
        foreach (var rule in rules)
        {
            if (rule.ActKeyField is { } key)
            {
                read.Add(key);
                reading.Add(rule.CategoryCode);
            }

            foreach (var grade in rule.Grades)
            {
                switch (grade)
                {
                    case LevelGrade level:
                        read.Add(level.Field);
                        reading.Add(rule.CategoryCode);
                        break;
                    case BandGrade band:
                        read.Add(band.Field);
                        reading.Add(rule.CategoryCode);
                        break;
                    case DaysGrade days:
                        read.Add(days.FromField);
                        read.Add(days.ToField);
                        reading.Add(rule.CategoryCode);
                        break;
                    default:
                        break;
                }
            }
        }

        FieldsRead = read;
        Reads = new ScoringReads(read, reading);
    }

    /// <summary>What bulk reads of stored records need for this model: <see cref="FieldsRead"/>, and the categories whose rules read any.</summary>
    public ScoringReads Reads { get; }

    /// <summary>
    /// The record fields the rules read (grades, act keys). Bulk reads of stored records parse only
    /// these (<see cref="ScoringRecord.ParseFields(string, HashSet{string}?)"/>); the score does not
    /// depend on any other field.
    /// </summary>
    public HashSet<string> FieldsRead { get; }

    public string Version { get; }

    public DateOnly EffectiveFrom { get; }

    public int Base { get; }

    public int Min { get; }

    public int Max { get; }

    /// <summary>Highest level first.</summary>
    public IReadOnlyList<LevelDefinition> Levels { get; }

    public int GoodRecordYears { get; }

    public int BadRecordMaxYears { get; }

    public IReadOnlyDictionary<Severity, int> PublicationMonths { get; }

    public IReadOnlyDictionary<Severity, int> SeverityPoints { get; }

    public RepeatRule Repeat { get; }

    /// <summary>Most points a dimension can add; dimensions without a cap are not capped.</summary>
    public IReadOnlyDictionary<ScoreDimension, int> DimensionCaps { get; }

    /// <summary>Rules in the order of the model file.</summary>
    public IReadOnlyList<CategoryRule> Rules { get; }

    public IReadOnlyList<ScoreOverride> Overrides { get; }

    public string SourceFile { get; }

    public CategoryRule? Find(string categoryCode) => _rules.GetValueOrDefault(categoryCode);

    public LevelDefinition Level(ScoreLevel level) => Levels.First(l => l.Level == level);

    /// <summary>The level a score falls in, before the "no bad record" condition.</summary>
    public LevelDefinition LevelOf(int score) => Levels.FirstOrDefault(l => score >= l.Min) ?? Levels[^1];
}

/// <summary>
/// The record fields a score reads (<see cref="Fields"/>) and the categories whose rules read any of
/// them (<see cref="Categories"/>): a record of any other category counts by its category, dates and
/// severity alone, so bulk reads skip its fields (on SQLite, the JSON parse of its whole text).
/// </summary>
public sealed class ScoringReads(HashSet<string> fields, HashSet<string> categories)
{
    public HashSet<string> Fields { get; } = fields;

    public HashSet<string> Categories { get; } = categories;

    /// <summary>What two models read together (a simulation computes both from one read).</summary>
    public static ScoringReads Union(ScoringReads a, ScoringReads b) =>
        new([.. a.Fields, .. b.Fields], [.. a.Categories, .. b.Categories]);
}
