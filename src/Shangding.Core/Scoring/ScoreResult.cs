using Shangding.Core.Catalog;

namespace Shangding.Core.Scoring;

/// <summary>A record that counts, with the points it gives or takes after caps.</summary>
/// <param name="RawPoints">Points by the rule (after the repeat factor), before category and dimension caps.</param>
/// <param name="StopsOn">First day the record no longer counts; null when it has no end (no act date).</param>
public sealed record Contribution(
    long RecordId,
    string CategoryCode,
    string CategoryZh,
    string CategoryEn,
    ScoreDimension Dimension,
    Polarity Polarity,
    int Points,
    int RawPoints,
    string RuleZh,
    string RuleEn,
    DateOnly? ActDate,
    DateOnly? StopsOn,
    bool UnderDispute);

/// <summary>Why a record does not count.</summary>
public enum ExclusionReason
{
    /// <summary>The model lists the category as not scored, or does not know it.</summary>
    NotScored,
    Withdrawn,
    Repaired,
    Expired,

    /// <summary>Act date after the date of the score.</summary>
    NotYetEffective,

    /// <summary>A good record past the years it counts.</summary>
    GoodPeriodOver,

    /// <summary>A bad record past its publication period (SPEC §9).</summary>
    PublicationOver,

    /// <summary>A bad record older than the retention limit (003 §20).</summary>
    RetentionOver,

    /// <summary>The same act reported again (by another unit or list); the highest-valued report counts.</summary>
    SameAct,
}

/// <summary>A record that does not count, with why.</summary>
/// <param name="SupersededBy">For <see cref="ExclusionReason.SameAct"/>: the record that counts instead.</param>
/// <param name="Since">When it stopped counting, if known.</param>
public sealed record Exclusion(long RecordId, string CategoryCode, ExclusionReason Reason, string TextZh, string TextEn, long? SupersededBy = null, DateOnly? Since = null);

/// <summary>Points of one dimension.</summary>
/// <param name="Cap">Most the dimension can add; null when uncapped.</param>
public sealed record DimensionSubtotal(ScoreDimension Dimension, int Points, int Gained, int Lost, int? Cap);

public enum ReasonKind
{
    /// <summary>An override (e.g. 失信被执行人) put the level down.</summary>
    Override,

    /// <summary>The score reaches the top level but a bad record is in effect.</summary>
    TopLevelBlocked,

    /// <summary>A bad record takes points.</summary>
    BadRecord,

    /// <summary>A category's cap is reached: more records of it add nothing.</summary>
    CategoryCap,

    /// <summary>A dimension's cap is reached.</summary>
    DimensionCap,

    /// <summary>No good record counts.</summary>
    NoGoodRecord,
}

/// <summary>One reason the score is not higher; <paramref name="Points"/> lost or missed ranks it.</summary>
public sealed record ScoreReason(ReasonKind Kind, int Points, string TextZh, string TextEn);

/// <summary>The explained score of one person on one date under one model.</summary>
public sealed record ScoreResult(
    string ModelVersion,
    DateOnly AsOf,
    int Score,
    ScoreLevel Level,
    string LevelZh,
    string LevelEn,
    IReadOnlyList<DimensionSubtotal> Dimensions,
    IReadOnlyList<Contribution> Contributions,
    IReadOnlyList<Exclusion> NotCounted,
    IReadOnlyList<ScoreReason> Reasons)
{
    public string LevelLabel => $"{LevelZh} ({LevelEn})";
}

/// <summary>A hypothetical change for <see cref="ScoreEngine.WhatIf"/>.</summary>
public abstract record WhatIfChange;

/// <summary>"If I had this record too" (e.g. two more blood donations).</summary>
public sealed record AddRecord(ScoringRecord Record) : WhatIfChange;

/// <summary>"If this record were repaired."</summary>
public sealed record RepairRecord(long RecordId) : WhatIfChange;

/// <summary>The score now and with the changes; nothing is stored.</summary>
public sealed record WhatIfResult(ScoreResult Before, ScoreResult After)
{
    public int Change => After.Score - Before.Score;
}
