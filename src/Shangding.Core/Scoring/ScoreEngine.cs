using System.Globalization;
using Shangding.Core.Catalog;

namespace Shangding.Core.Scoring;

/// <summary>
/// The pure Shangding score engine: records + model + date in, explained score out. Deterministic
/// (the order of the records does not matter) and without I/O, so the same code serves live,
/// full, simulated and what-if runs.
/// </summary>
public static class ScoreEngine
{
    private const int MaxReasons = 4;

    public static ScoreResult Compute(IReadOnlyList<ScoringRecord> records, ScoreModel model, DateOnly asOf)
    {
        var ordered = records
            .OrderBy(r => r.CategoryCode, StringComparer.Ordinal)
            .ThenBy(r => r.ActDate ?? DateOnly.MaxValue)
            .ThenBy(r => r.Id)
            .ThenBy(r => r.Status)
            .ToList();

        var excluded = new List<Exclusion>();
        var candidates = new List<Candidate>();
        foreach (var record in ordered)
        {
            var candidate = Classify(record, model, asOf, excluded);
            if (candidate is not null)
            {
                candidates.Add(candidate);
            }
        }

        var counted = MergeSameActs(candidates, model, excluded);
        ApplyRepeats(counted, model);
        var categoryMissed = ApplyCategoryCaps(counted);
        var dimensionMissed = ApplyDimensionCaps(counted, model);

        var total = counted.Sum(c => c.Points);
        var uncapped = Math.Clamp(model.Base + total, model.Min, model.Max);
        var score = uncapped;
        var reasons = new List<ScoreReason>();
        foreach (var rule in model.Overrides)
        {
            // A listing in effect puts the person at the level even when another report of the same
            // act is the one whose points count (candidates, not only the counted reports).
            var inEffect = candidates.Exists(c => c.Rule.CategoryCode == rule.CategoryCode);
            if (inEffect && score > rule.MaxScore)
            {
                reasons.Add(new ScoreReason(ReasonKind.Override, score - rule.MaxScore, rule.TextZh, rule.TextEn));
                score = rule.MaxScore;
            }
            else if (inEffect)
            {
                reasons.Add(new ScoreReason(ReasonKind.Override, 0, rule.TextZh, rule.TextEn));
            }
        }

        var level = model.LevelOf(score);
        var hasBad = counted.Exists(c => c.Rule.Polarity == Polarity.Bad);
        if (level.RequiresNoBadRecord && hasBad)
        {
            var blocked = level;
            level = model.Levels[model.Levels.ToList().IndexOf(level) + 1];
            reasons.Add(new ScoreReason(ReasonKind.TopLevelBlocked, score - level.Min,
                $"有不良记录在效，不能评为{blocked.NameZh}",
                $"A bad record is in effect, so the level cannot be {blocked.NameEn}"));
        }

        AddRecordReasons(reasons, counted, categoryMissed, dimensionMissed, model);

        var contributions = counted
            .OrderBy(c => c.Rule.Dimension)
            .ThenByDescending(c => Math.Abs(c.Points))
            .ThenBy(c => c.Record.CategoryCode, StringComparer.Ordinal)
            .ThenBy(c => c.Record.Id)
            .Select(c => new Contribution(c.Record.Id, c.Rule.CategoryCode, c.Rule.NameZh, c.Rule.NameEn, c.Rule.Dimension, c.Rule.Polarity,
                c.Points, c.RawPoints, c.RuleZh, c.RuleEn, c.Record.ActDate, c.StopsOn, c.Record.UnderDispute))
            .ToList();

        var dimensions = Enum.GetValues<ScoreDimension>()
            .Select(d => new DimensionSubtotal(
                d,
                counted.Where(c => c.Rule.Dimension == d).Sum(c => c.Points),
                counted.Where(c => c.Rule.Dimension == d && c.Points > 0).Sum(c => c.Points),
                -counted.Where(c => c.Rule.Dimension == d && c.Points < 0).Sum(c => c.Points),
                model.DimensionCaps.TryGetValue(d, out var cap) ? cap : null))
            .ToList();

        var ranked = reasons
            .OrderBy(r => r.Kind switch { ReasonKind.Override => 0, ReasonKind.TopLevelBlocked => 1, _ => 2 })
            .ThenByDescending(r => r.Points)
            .ThenBy(r => r.Kind)
            .ThenBy(r => r.TextEn, StringComparer.Ordinal)
            .Take(MaxReasons)
            .ToList();

        return new ScoreResult(model.Version, asOf, score, level.Level, level.NameZh, level.NameEn, dimensions, contributions,
            [.. excluded.OrderBy(e => e.RecordId).ThenBy(e => e.Reason)], ranked);
    }

    /// <summary>The score now and after hypothetical changes (records added, records repaired); stores nothing.</summary>
    public static WhatIfResult WhatIf(IReadOnlyList<ScoringRecord> records, ScoreModel model, DateOnly asOf, IReadOnlyList<WhatIfChange> changes)
    {
        var before = Compute(records, model, asOf);
        var changed = records.ToList();
        foreach (var change in changes)
        {
            switch (change)
            {
                case AddRecord add:
                    changed.Add(add.Record);
                    break;
                case RepairRecord repair:
                    var index = changed.FindIndex(r => r.Id == repair.RecordId);
                    if (index < 0)
                    {
                        throw new ArgumentException($"no record {repair.RecordId} to repair", nameof(changes));
                    }

                    changed[index] = changed[index] with { Status = ScoringStatus.Repaired };
                    break;
                default:
                    throw new ArgumentException($"unknown change {change.GetType().Name}", nameof(changes));
            }
        }

        return new WhatIfResult(before, Compute(changed, model, asOf));
    }

    private sealed class Candidate(ScoringRecord record, CategoryRule rule, int points, string ruleZh, string ruleEn, DateOnly? stopsOn)
    {
        public ScoringRecord Record { get; } = record;
        public CategoryRule Rule { get; } = rule;
        public int RawPoints { get; set; } = points;
        public int Points { get; set; } = points;
        public string RuleZh { get; set; } = ruleZh;
        public string RuleEn { get; set; } = ruleEn;
        public DateOnly? StopsOn { get; } = stopsOn;
    }

    private static Candidate? Classify(ScoringRecord record, ScoreModel model, DateOnly asOf, List<Exclusion> excluded)
    {
        var rule = model.Find(record.CategoryCode);
        if (rule is null || !rule.Scored)
        {
            excluded.Add(new Exclusion(record.Id, record.CategoryCode, ExclusionReason.NotScored,
                $"模型 {model.Version} 不对此类信息计分", $"Model {model.Version} does not score this category"));
            return null;
        }

        switch (record.Status)
        {
            case ScoringStatus.Withdrawn:
                excluded.Add(new Exclusion(record.Id, record.CategoryCode, ExclusionReason.Withdrawn, "记录已撤销", "The record was withdrawn"));
                return null;
            case ScoringStatus.Repaired:
                excluded.Add(new Exclusion(record.Id, record.CategoryCode, ExclusionReason.Repaired, "已完成信用修复", "Credit repair was approved"));
                return null;
            case ScoringStatus.Expired:
                excluded.Add(new Exclusion(record.Id, record.CategoryCode, ExclusionReason.Expired, "记录已过期", "The record has expired"));
                return null;
            case ScoringStatus.InForce:
            default:
                break;
        }

        if (record.ActDate is { } act && act > asOf)
        {
            excluded.Add(new Exclusion(record.Id, record.CategoryCode, ExclusionReason.NotYetEffective,
                $"行为日期 {Day(act)} 晚于计分日期", $"The act date {Day(act)} is after the date of the score"));
            return null;
        }

        DateOnly? stopsOn;
        if (rule.Polarity == Polarity.Good)
        {
            stopsOn = record.ActDate?.AddYears(rule.GoodYears);
            if (stopsOn is { } end && asOf >= end)
            {
                excluded.Add(new Exclusion(record.Id, record.CategoryCode, ExclusionReason.GoodPeriodOver,
                    $"良好信息计分 {rule.GoodYears} 年，{Day(end)} 起不再计算", $"Good records count for {rule.GoodYears} years; this one stopped on {Day(end)}", Since: end));
                return null;
            }
        }
        else
        {
            var severity = record.Severity ?? rule.Severity ?? Severity.General;
            var retentionEnd = record.ActDate?.AddYears(model.BadRecordMaxYears);
            var publicationEnd = record.PublicationEnd?.AddDays(1) ?? record.ActDate?.AddMonths(model.PublicationMonths[severity]);
            if (retentionEnd is { } retention && asOf >= retention)
            {
                excluded.Add(new Exclusion(record.Id, record.CategoryCode, ExclusionReason.RetentionOver,
                    $"不良信息超过 {model.BadRecordMaxYears} 年，{Day(retention)} 起不再计算",
                    $"Bad records never count after {model.BadRecordMaxYears} years; this one stopped on {Day(retention)}", Since: retention));
                return null;
            }

            if (publicationEnd is { } publication && asOf >= publication)
            {
                excluded.Add(new Exclusion(record.Id, record.CategoryCode, ExclusionReason.PublicationOver,
                    $"公示期已满，{Day(publication)} 起不再计算", $"The publication period is over; the record stopped counting on {Day(publication)}", Since: publication));
                return null;
            }

            stopsOn = (publicationEnd, retentionEnd) switch
            {
                ({ } p, { } r) => p < r ? p : r,
                ({ } p, null) => p,
                (null, { } r) => r,
                _ => null,
            };
        }

        var (points, zh, en) = RulePoints(record, rule);
        return new Candidate(record, rule, points, zh, en, stopsOn);
    }

    private static (int Points, string Zh, string En) RulePoints(ScoringRecord record, CategoryRule rule)
    {
        var points = rule.BasePoints;
        var zh = new List<string>();
        var en = new List<string>();
        if (rule.BasePointsFromSeverity)
        {
            var severity = record.Severity ?? rule.Severity ?? Severity.General;
            zh.Add($"{SeverityZh(severity)}失信 {Signed(rule.BasePoints)}");
            en.Add($"{severity.ToString().ToLowerInvariant()} bad record {Signed(rule.BasePoints)}");
        }
        else if (rule.BasePoints != 0 || rule.Grades.Count == 0)
        {
            zh.Add($"每条 {Signed(rule.BasePoints)}");
            en.Add($"per record {Signed(rule.BasePoints)}");
        }

        foreach (var grade in rule.Grades)
        {
            switch (grade)
            {
                case LevelGrade level:
                    var value = record.Field(level.Field);
                    var match = level.Points.FirstOrDefault(p => p.Key == value);
                    var p1 = value is not null && match.Key is not null ? match.Value : 0;
                    points += p1;
                    zh.Add($"{level.FieldZh}「{value ?? "未填"}」{Signed(p1)}");
                    en.Add($"{level.FieldEn} '{value ?? "missing"}' {Signed(p1)}");
                    break;
                case BandGrade band:
                    var number = record.Number(band.Field);
                    var p2 = number is { } n ? band.Bands.FirstOrDefault(b => b.Contains(n))?.Points ?? 0 : 0;
                    points += p2;
                    var shown = number?.ToString(CultureInfo.InvariantCulture) ?? "未填";
                    zh.Add($"{band.FieldZh} {shown} {Signed(p2)}");
                    en.Add($"{band.FieldEn} {(number is null ? "missing" : shown)} {Signed(p2)}");
                    break;
                case DaysGrade days:
                    var from = record.Date(days.FromField);
                    var to = record.Date(days.ToField);
                    int? span = from is { } f && to is { } t ? t.DayNumber - f.DayNumber : null;
                    var p3 = span is { } s ? days.Bands.FirstOrDefault(b => b.Contains(s))?.Points ?? 0 : 0;
                    points += p3;
                    zh.Add(span is null ? $"持续天数未知 {Signed(p3)}" : $"持续 {span} 天 {Signed(p3)}");
                    en.Add(span is null ? $"duration unknown {Signed(p3)}" : $"lasting {span} days {Signed(p3)}");
                    break;
                default:
                    throw new InvalidOperationException($"unknown grade {grade.GetType().Name}");
            }
        }

        return (points, $"{rule.NameZh}：{string.Join("，", zh)}", $"{rule.NameEn}: {string.Join(", ", en)}");
    }

    /// <summary>
    /// One act counts once: records of one same-act group with the same act key (the act key field
    /// when the rule names one, else the act date) are one act, and it counts at its highest value.
    /// </summary>
    /// <remarks>
    /// "Highest value" is taken after the caps and the repeat rule, over the whole person: when the
    /// reports of an act fall in different categories, the report that counts is the one for which
    /// the person's total of that polarity is highest (most points for good acts, most deducted for
    /// bad ones). Choosing report by report on raw points alone would let a second report lower a
    /// score (it moves the act into a category whose cap is reached) or raise it (it takes the act
    /// out of a category where it was a repeat). With the whole-person choice, adding a good record
    /// never lowers the score and adding a bad one never raises it: every choice open before is
    /// still open and worth the same. Ties keep the report with the highest raw points, then the
    /// lowest category code and record id, so the result does not depend on the order of the input.
    /// </remarks>
    private static List<Candidate> MergeSameActs(List<Candidate> candidates, ScoreModel model, List<Exclusion> excluded)
    {
        var groups = candidates
            .GroupBy(c => (c.Rule.SameActGroup, Key: ActKey(c)))
            .OrderBy(g => g.Key.SameActGroup, StringComparer.Ordinal)
            .ThenBy(g => g.Key.Key, StringComparer.Ordinal)
            .Select(g => g
                .OrderByDescending(c => Math.Abs(c.RawPoints))
                .ThenBy(c => c.Record.CategoryCode, StringComparer.Ordinal)
                .ThenBy(c => c.Record.Id)
                .ToArray())
            .ToList();

        var choice = new int[groups.Count];
        ChooseReports(groups, choice, Polarity.Good, model);
        ChooseReports(groups, choice, Polarity.Bad, model);

        var counted = new List<Candidate>(groups.Count);
        for (var g = 0; g < groups.Count; g++)
        {
            var winner = groups[g][choice[g]];
            counted.Add(winner);
            foreach (var other in groups[g])
            {
                if (!ReferenceEquals(other, winner))
                {
                    excluded.Add(new Exclusion(other.Record.Id, other.Record.CategoryCode, ExclusionReason.SameAct,
                        $"与记录 {winner.Record.Id}（{winner.Rule.NameZh}）为同一行为，按较高分值计一次",
                        $"The same act as record {winner.Record.Id} ({winner.Rule.NameEn}); counted once at the higher value",
                        winner.Record.Id));
                }
            }
        }

        return counted;
    }

    /// <summary>Beyond this many combinations the reports are chosen one act at a time (never seen outside tests).</summary>
    private const int MaxCombinations = 4096;

    /// <summary>
    /// Sets <paramref name="choice"/> for the acts of one polarity that were reported more than once, so
    /// that the person's capped, repeat-weighted total of that polarity is highest. Exhaustive up to
    /// <see cref="MaxCombinations"/>; beyond that, each act in turn takes its best report given the others.
    /// </summary>
    private static void ChooseReports(List<Candidate[]> groups, int[] choice, Polarity polarity, ScoreModel model)
    {
        var open = new List<int>();
        long combinations = 1;
        for (var g = 0; g < groups.Count; g++)
        {
            if (groups[g].Length > 1 && groups[g][0].Rule.Polarity == polarity)
            {
                open.Add(g);
                combinations = Math.Min(combinations * groups[g].Length, MaxCombinations + 1L);
            }
        }

        if (open.Count == 0)
        {
            return;
        }

        var winners = new List<Candidate>(groups.Count);
        int Total()
        {
            winners.Clear();
            for (var g = 0; g < groups.Count; g++)
            {
                if (groups[g][0].Rule.Polarity == polarity)
                {
                    winners.Add(groups[g][choice[g]]);
                }
            }

            return polarity == Polarity.Bad ? BadTotal(winners, model) : GoodTotal(winners, model);
        }

        if (combinations <= MaxCombinations)
        {
            // Odometer over the open acts, the last one turning fastest; the first best combination wins.
            var best = Total();
            var bestChoice = (int[])choice.Clone();
            while (true)
            {
                var i = open.Count - 1;
                while (i >= 0 && ++choice[open[i]] == groups[open[i]].Length)
                {
                    choice[open[i]] = 0;
                    i--;
                }

                if (i < 0)
                {
                    break;
                }

                var total = Total();
                if (total > best)
                {
                    best = total;
                    Array.Copy(choice, bestChoice, choice.Length);
                }
            }

            Array.Copy(bestChoice, choice, choice.Length);
            return;
        }

        foreach (var g in open)
        {
            var best = Total();
            var bestIndex = 0;
            for (var k = 1; k < groups[g].Length; k++)
            {
                choice[g] = k;
                var total = Total();
                if (total > best)
                {
                    best = total;
                    bestIndex = k;
                }
            }

            choice[g] = bestIndex;
        }
    }

    /// <summary>Points deducted by these bad records after the repeat rule and the category caps (as a positive number).</summary>
    /// <remarks>The same arithmetic as <see cref="ApplyRepeats"/> and <see cref="ApplyCategoryCaps"/>, without their texts.</remarks>
    private static int BadTotal(List<Candidate> winners, ScoreModel model)
    {
        var total = 0;
        foreach (var category in winners.GroupBy(c => c.Rule.CategoryCode, StringComparer.Ordinal))
        {
            var sum = 0;
            DateOnly? previous = null;
            foreach (var c in category.OrderBy(c => c.Record.ActDate is null).ThenBy(c => c.Record.ActDate).ThenBy(c => c.Record.Id))
            {
                var points = c.RawPoints;
                if (c.Record.ActDate is { } act)
                {
                    if (previous is { } p && p.AddMonths(model.Repeat.WithinMonths) > act)
                    {
                        points = Weighted(points, model.Repeat);
                    }

                    previous = act;
                }

                sum += Math.Abs(points);
            }

            total += category.First().Rule.Cap is { } cap ? Math.Min(cap, sum) : sum;
        }

        return total;
    }

    /// <summary>Points added by these good records after the category and dimension caps.</summary>
    /// <remarks>The same arithmetic as <see cref="ApplyCategoryCaps"/> and <see cref="ApplyDimensionCaps"/>, without their texts.</remarks>
    private static int GoodTotal(List<Candidate> winners, ScoreModel model)
    {
        var total = 0;
        foreach (var dimension in winners.GroupBy(c => c.Rule.Dimension))
        {
            var sum = 0;
            foreach (var category in dimension.GroupBy(c => c.Rule.CategoryCode, StringComparer.Ordinal))
            {
                var points = category.Sum(c => Math.Max(0, c.RawPoints));
                sum += category.First().Rule.Cap is { } cap ? Math.Min(cap, points) : points;
            }

            total += model.DimensionCaps.TryGetValue(dimension.Key, out var dimensionCap) ? Math.Min(dimensionCap, sum) : sum;
        }

        return total;
    }

    private static int Weighted(int points, RepeatRule repeat) =>
        (int)Math.Round(points * repeat.Factor, MidpointRounding.AwayFromZero);

    private static string ActKey(Candidate c)
    {
        if (c.Rule.ActKeyField is { } field && c.Record.Field(field) is { } key)
        {
            return "key:" + key;
        }

        return c.Record.ActDate is { } date ? "date:" + Day(date) : "id:" + c.Record.Id.ToString(CultureInfo.InvariantCulture);
    }

    private static void ApplyRepeats(List<Candidate> counted, ScoreModel model)
    {
        var repeat = model.Repeat;
        foreach (var category in counted.Where(c => c.Rule.Polarity == Polarity.Bad && c.Record.ActDate is not null).GroupBy(c => c.Rule.CategoryCode))
        {
            var ordered = category.OrderBy(c => c.Record.ActDate).ThenBy(c => c.Record.Id).ToList();
            for (var i = 1; i < ordered.Count; i++)
            {
                var current = ordered[i];
                var act = current.Record.ActDate!.Value;
                var repeated = ordered.Take(i).Any(p => p.Record.ActDate!.Value.AddMonths(repeat.WithinMonths) > act);
                if (repeated)
                {
                    var weighted = Weighted(current.RawPoints, repeat);
                    current.RawPoints = weighted;
                    current.Points = weighted;
                    var factor = repeat.Factor.ToString(CultureInfo.InvariantCulture);
                    current.RuleZh += $"；{repeat.WithinMonths} 个月内再次发生 ×{factor} = {Signed(weighted)}";
                    current.RuleEn += $"; repeated within {repeat.WithinMonths} months ×{factor} = {Signed(weighted)}";
                }
            }
        }
    }

    /// <summary>Caps each category's points; the largest contributions are counted first. Returns the points cut per category.</summary>
    private static Dictionary<string, int> ApplyCategoryCaps(List<Candidate> counted)
    {
        var missed = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var category in counted.Where(c => c.Rule.Cap is not null).GroupBy(c => c.Rule.CategoryCode, StringComparer.Ordinal))
        {
            var remaining = category.First().Rule.Cap!.Value;
            foreach (var c in category.OrderByDescending(c => Math.Abs(c.Points)).ThenBy(c => c.Record.ActDate).ThenBy(c => c.Record.Id))
            {
                var allowed = Math.Min(Math.Abs(c.Points), remaining);
                remaining -= allowed;
                var cut = Math.Abs(c.Points) - allowed;
                if (cut > 0)
                {
                    missed[category.Key] = missed.GetValueOrDefault(category.Key) + cut;
                    c.Points = Math.Sign(c.Points) * allowed;
                    c.RuleZh += $"；已达类别上限 {category.First().Rule.Cap} 分，计 {Signed(c.Points)}";
                    c.RuleEn += $"; category cap of {category.First().Rule.Cap} reached, counts {Signed(c.Points)}";
                }
            }
        }

        return missed;
    }

    /// <summary>Caps the points each dimension can add (deductions are not capped). Returns the points cut per dimension.</summary>
    private static Dictionary<ScoreDimension, int> ApplyDimensionCaps(List<Candidate> counted, ScoreModel model)
    {
        var missed = new Dictionary<ScoreDimension, int>();
        foreach (var (dimension, cap) in model.DimensionCaps)
        {
            var remaining = cap;
            foreach (var c in counted.Where(c => c.Rule.Dimension == dimension && c.Points > 0)
                         .OrderByDescending(c => c.Points).ThenBy(c => c.Record.ActDate).ThenBy(c => c.Record.CategoryCode, StringComparer.Ordinal).ThenBy(c => c.Record.Id))
            {
                var allowed = Math.Min(c.Points, remaining);
                remaining -= allowed;
                if (allowed < c.Points)
                {
                    missed[dimension] = missed.GetValueOrDefault(dimension) + c.Points - allowed;
                    c.Points = allowed;
                    c.RuleZh += $"；{dimension.NameZh()}已达上限 {cap} 分，计 {Signed(c.Points)}";
                    c.RuleEn += $"; {dimension.NameEn()} cap of {cap} reached, counts {Signed(c.Points)}";
                }
            }
        }

        return missed;
    }

    private static void AddRecordReasons(
        List<ScoreReason> reasons,
        List<Candidate> counted,
        Dictionary<string, int> categoryMissed,
        Dictionary<ScoreDimension, int> dimensionMissed,
        ScoreModel model)
    {
        foreach (var c in counted.Where(c => c.Points < 0))
        {
            var lost = -c.Points;
            reasons.Add(c.StopsOn is { } stop
                ? new ScoreReason(ReasonKind.BadRecord, lost, $"{c.Rule.NameZh}记录扣 {lost} 分，至 {Day(stop)} 不再计算",
                    $"{c.Rule.NameEn} record takes {lost} points; it stops counting on {Day(stop)}")
                : new ScoreReason(ReasonKind.BadRecord, lost, $"{c.Rule.NameZh}记录扣 {lost} 分，在效期间计算",
                    $"{c.Rule.NameEn} record takes {lost} points while it is in effect"));
        }

        foreach (var (code, cut) in categoryMissed)
        {
            var rule = model.Find(code)!;
            if (rule.Polarity == Polarity.Good)
            {
                reasons.Add(new ScoreReason(ReasonKind.CategoryCap, cut, $"{rule.NameZh}已达上限 {rule.Cap} 分",
                    $"{rule.NameEn} has reached its cap of {rule.Cap} points"));
            }
        }

        foreach (var (dimension, cut) in dimensionMissed)
        {
            reasons.Add(new ScoreReason(ReasonKind.DimensionCap, cut, $"{dimension.NameZh()}已达上限 {model.DimensionCaps[dimension]} 分",
                $"{dimension.NameEn()} has reached its cap of {model.DimensionCaps[dimension]} points"));
        }

        if (!counted.Exists(c => c.Points > 0))
        {
            reasons.Add(new ScoreReason(ReasonKind.NoGoodRecord, 0, "暂无计分的良好信息（如志愿服务、无偿献血、荣誉表彰）",
                "No good record counts yet (e.g. volunteering, blood donation, honours)"));
        }
    }

    internal static string Signed(int points) => points.ToString("+0;-0;0", CultureInfo.InvariantCulture);

    internal static string Day(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    internal static string SeverityZh(Severity severity) => severity switch
    {
        Severity.Minor => "轻微",
        Severity.General => "一般",
        Severity.Serious => "严重",
        _ => throw new ArgumentOutOfRangeException(nameof(severity), severity, null),
    };
}
