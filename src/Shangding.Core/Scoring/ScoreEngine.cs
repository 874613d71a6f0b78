using System.Globalization;
using Shangding.Core.Catalog;

namespace Shangding.Core.Scoring;

/// <summary>
/// The pure Shangding score engine: records + model + date in, explained score out. Deterministic
/// (the order of the records does not matter) and without I/O, so the same code serves live,
/// full, simulated and what-if runs.
/// </summary>
/// <remarks>
/// One computation serves two uses. <see cref="Compute"/> explains everything: the rule text of
/// every counting record and why each other record does not count (pages, CLI, what-if).
/// <see cref="ComputeStored"/> gives what a stored score keeps — the same numbers, dimensions,
/// counting records and key reasons — without building those texts; a full recompute of a million
/// people runs it, so it avoids per-record strings and LINQ.
/// </remarks>
public static class ScoreEngine
{
    private const int MaxReasons = 4;

    public static ScoreResult Compute(IReadOnlyList<ScoringRecord> records, ScoreModel model, DateOnly asOf)
    {
        var run = Run(records, model, asOf, explain: true);
        var contributions = new List<Contribution>(run.Counted.Count);
        foreach (var c in run.Counted)
        {
            contributions.Add(new Contribution(c.Record.Id, c.Rule.CategoryCode, c.Rule.NameZh, c.Rule.NameEn, c.Rule.Dimension, c.Rule.Polarity,
                c.Points, c.RawPoints, c.RuleZh!, c.RuleEn!, c.Record.ActDate, c.StopsOn, c.Record.UnderDispute));
        }

        var excluded = run.Excluded!;
        excluded.Sort(static (a, b) => a.RecordId != b.RecordId ? a.RecordId.CompareTo(b.RecordId) : a.Reason.CompareTo(b.Reason));
        return new ScoreResult(model.Version, asOf, run.Score, run.Level.Level, run.Level.NameZh, run.Level.NameEn, run.Dimensions, contributions,
            excluded, run.Reasons);
    }

    /// <summary>The score as stored (<see cref="StoredExplanation"/>): the numbers of <see cref="Compute"/> without rule texts or the records that do not count.</summary>
    public static StoredExplanation ComputeStored(IReadOnlyList<ScoringRecord> records, ScoreModel model, DateOnly asOf)
    {
        var run = Run(records, model, asOf, explain: false);
        var contributions = new StoredContribution[run.Counted.Count];
        for (var i = 0; i < contributions.Length; i++)
        {
            var c = run.Counted[i];
            contributions[i] = new StoredContribution(c.Record.Id, c.Rule.CategoryCode, c.Points, c.StopsOn);
        }

        return new StoredExplanation(model.Version, asOf, run.Score, run.Level.Level, run.Dimensions, contributions, run.Reasons);
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

    private sealed class Candidate(ScoringRecord record, CategoryRule rule, int points, string? ruleZh, string? ruleEn, DateOnly? stopsOn)
    {
        public ScoringRecord Record { get; } = record;
        public CategoryRule Rule { get; } = rule;
        public int RawPoints { get; set; } = points;
        public int Points { get; set; } = points;
        public string? RuleZh { get; set; } = ruleZh;
        public string? RuleEn { get; set; } = ruleEn;
        public DateOnly? StopsOn { get; } = stopsOn;

        /// <summary>The value of the rule's act key field, when the rule names one and the record has it.</summary>
        public string? ActKey { get; } = rule.ActKeyField is { } field ? record.Field(field) : null;
    }

    /// <summary>What one computation found: the counting records in the order they are shown, and the rest.</summary>
    private sealed record Outcome(
        int Score,
        LevelDefinition Level,
        List<Candidate> Counted,
        List<Exclusion>? Excluded,
        IReadOnlyList<DimensionSubtotal> Dimensions,
        IReadOnlyList<ScoreReason> Reasons);

    private static Outcome Run(IReadOnlyList<ScoringRecord> records, ScoreModel model, DateOnly asOf, bool explain)
    {
        var ordered = new ScoringRecord[records.Count];
        for (var i = 0; i < ordered.Length; i++)
        {
            ordered[i] = records[i];
        }

        Array.Sort(ordered, static (a, b) =>
        {
            var c = string.CompareOrdinal(a.CategoryCode, b.CategoryCode);
            if (c != 0)
            {
                return c;
            }

            c = (a.ActDate ?? DateOnly.MaxValue).CompareTo(b.ActDate ?? DateOnly.MaxValue);
            return c != 0 ? c : a.Id != b.Id ? a.Id.CompareTo(b.Id) : a.Status.CompareTo(b.Status);
        });

        var excluded = explain ? new List<Exclusion>() : null;
        var candidates = new List<Candidate>(ordered.Length);
        foreach (var record in ordered)
        {
            if (Classify(record, model, asOf, excluded, explain) is { } candidate)
            {
                candidates.Add(candidate);
            }
        }

        var counted = MergeSameActs(candidates, model, excluded);
        ApplyRepeats(counted, model, explain);
        var categoryMissed = ApplyCategoryCaps(counted, explain);
        var dimensionMissed = ApplyDimensionCaps(counted, model, explain);

        var total = 0;
        var hasBad = false;
        var hasGood = false;
        foreach (var c in counted)
        {
            total += c.Points;
            hasBad |= c.Rule.Polarity == Polarity.Bad;
            hasGood |= c.Points > 0;
        }

        var score = Math.Clamp(model.Base + total, model.Min, model.Max);
        var reasons = new List<ScoreReason>();
        foreach (var rule in model.Overrides)
        {
            // A listing in effect puts the person at the level even when another report of the same
            // act is the one whose points count (candidates, not only the counted reports).
            if (!candidates.Exists(c => c.Rule.CategoryCode == rule.CategoryCode))
            {
                continue;
            }

            if (score > rule.MaxScore)
            {
                reasons.Add(new ScoreReason(ReasonKind.Override, score - rule.MaxScore, rule.TextZh, rule.TextEn));
                score = rule.MaxScore;
            }
            else
            {
                reasons.Add(new ScoreReason(ReasonKind.Override, 0, rule.TextZh, rule.TextEn));
            }
        }

        var level = model.LevelOf(score);
        if (level.RequiresNoBadRecord && hasBad)
        {
            var blocked = level;
            level = model.Levels[IndexOf(model.Levels, level) + 1];
            reasons.Add(new ScoreReason(ReasonKind.TopLevelBlocked, score - level.Min,
                $"有不良记录在效，不能评为{blocked.NameZh}",
                $"A bad record is in effect, so the level cannot be {blocked.NameEn}"));
        }

        AddRecordReasons(reasons, counted, categoryMissed, dimensionMissed, model, hasGood);

        counted.Sort(static (a, b) =>
        {
            var c = a.Rule.Dimension.CompareTo(b.Rule.Dimension);
            if (c != 0)
            {
                return c;
            }

            c = Math.Abs(b.Points).CompareTo(Math.Abs(a.Points));
            if (c != 0)
            {
                return c;
            }

            c = string.CompareOrdinal(a.Record.CategoryCode, b.Record.CategoryCode);
            return c != 0 ? c : a.Record.Id.CompareTo(b.Record.Id);
        });

        var dimensions = new DimensionSubtotal[AllDimensions.Length];
        for (var d = 0; d < AllDimensions.Length; d++)
        {
            var dimension = AllDimensions[d];
            int points = 0, gained = 0, lost = 0;
            foreach (var c in counted)
            {
                if (c.Rule.Dimension == dimension)
                {
                    points += c.Points;
                    gained += c.Points > 0 ? c.Points : 0;
                    lost -= c.Points < 0 ? c.Points : 0;
                }
            }

            dimensions[d] = new DimensionSubtotal(dimension, points, gained, lost, model.DimensionCaps.TryGetValue(dimension, out var cap) ? cap : null);
        }

        reasons.Sort(static (a, b) =>
        {
            var c = Priority(a.Kind).CompareTo(Priority(b.Kind));
            if (c != 0)
            {
                return c;
            }

            c = b.Points.CompareTo(a.Points);
            if (c != 0)
            {
                return c;
            }

            c = a.Kind.CompareTo(b.Kind);
            return c != 0 ? c : string.CompareOrdinal(a.TextEn, b.TextEn);
        });
        if (reasons.Count > MaxReasons)
        {
            reasons.RemoveRange(MaxReasons, reasons.Count - MaxReasons);
        }

        return new Outcome(score, level, counted, excluded, dimensions, reasons);

        static int Priority(ReasonKind kind) => kind switch { ReasonKind.Override => 0, ReasonKind.TopLevelBlocked => 1, _ => 2 };
    }

    private static readonly ScoreDimension[] AllDimensions = Enum.GetValues<ScoreDimension>();

    private static int IndexOf(IReadOnlyList<LevelDefinition> levels, LevelDefinition level)
    {
        for (var i = 0; i < levels.Count; i++)
        {
            if (ReferenceEquals(levels[i], level))
            {
                return i;
            }
        }

        throw new InvalidOperationException("level not in the model");
    }

    private static Candidate? Classify(ScoringRecord record, ScoreModel model, DateOnly asOf, List<Exclusion>? excluded, bool explain)
    {
        var rule = model.Find(record.CategoryCode);
        if (rule is null || !rule.Scored)
        {
            excluded?.Add(new Exclusion(record.Id, record.CategoryCode, ExclusionReason.NotScored,
                $"模型 {model.Version} 不对此类信息计分", $"Model {model.Version} does not score this category"));
            return null;
        }

        switch (record.Status)
        {
            case ScoringStatus.Withdrawn:
                excluded?.Add(new Exclusion(record.Id, record.CategoryCode, ExclusionReason.Withdrawn, "记录已撤销", "The record was withdrawn"));
                return null;
            case ScoringStatus.Repaired:
                excluded?.Add(new Exclusion(record.Id, record.CategoryCode, ExclusionReason.Repaired, "已完成信用修复", "Credit repair was approved"));
                return null;
            case ScoringStatus.Expired:
                excluded?.Add(new Exclusion(record.Id, record.CategoryCode, ExclusionReason.Expired, "记录已过期", "The record has expired"));
                return null;
            case ScoringStatus.InForce:
            default:
                break;
        }

        if (record.ActDate is { } act && act > asOf)
        {
            excluded?.Add(new Exclusion(record.Id, record.CategoryCode, ExclusionReason.NotYetEffective,
                $"行为日期 {Day(act)} 晚于计分日期", $"The act date {Day(act)} is after the date of the score"));
            return null;
        }

        DateOnly? stopsOn;
        if (rule.Polarity == Polarity.Good)
        {
            stopsOn = record.ActDate?.AddYears(rule.GoodYears);
            if (stopsOn is { } end && asOf >= end)
            {
                excluded?.Add(new Exclusion(record.Id, record.CategoryCode, ExclusionReason.GoodPeriodOver,
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
                excluded?.Add(new Exclusion(record.Id, record.CategoryCode, ExclusionReason.RetentionOver,
                    $"不良信息超过 {model.BadRecordMaxYears} 年，{Day(retention)} 起不再计算",
                    $"Bad records never count after {model.BadRecordMaxYears} years; this one stopped on {Day(retention)}", Since: retention));
                return null;
            }

            if (publicationEnd is { } publication && asOf >= publication)
            {
                excluded?.Add(new Exclusion(record.Id, record.CategoryCode, ExclusionReason.PublicationOver,
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

        var points = RulePoints(record, rule);
        var (zh, en) = explain ? RuleTexts(record, rule) : (null, null);
        return new Candidate(record, rule, points, zh, en, stopsOn);
    }

    private static int LevelPoints(LevelGrade level, string? value)
    {
        if (value is null)
        {
            return 0;
        }

        foreach (var (key, points) in level.Points)
        {
            if (key == value)
            {
                return points;
            }
        }

        return 0;
    }

    private static int BandPoints(IReadOnlyList<Band> bands, decimal value)
    {
        foreach (var band in bands)
        {
            if (band.Contains(value))
            {
                return band.Points;
            }
        }

        return 0;
    }

    private static int? DaysBetween(ScoringRecord record, DaysGrade days) =>
        record.Date(days.FromField) is { } f && record.Date(days.ToField) is { } t ? t.DayNumber - f.DayNumber : null;

    private static int RulePoints(ScoringRecord record, CategoryRule rule)
    {
        var points = rule.BasePoints;
        foreach (var grade in rule.Grades)
        {
            points += grade switch
            {
                LevelGrade level => LevelPoints(level, record.Field(level.Field)),
                BandGrade band => record.Number(band.Field) is { } n ? BandPoints(band.Bands, n) : 0,
                DaysGrade days => DaysBetween(record, days) is { } s ? BandPoints(days.Bands, s) : 0,
                _ => throw new InvalidOperationException($"unknown grade {grade.GetType().Name}"),
            };
        }

        return points;
    }

    /// <summary>The rule text of a record's points, step by step, in Chinese and English (the same arithmetic as <see cref="RulePoints"/>).</summary>
    private static (string Zh, string En) RuleTexts(ScoringRecord record, CategoryRule rule)
    {
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
                    var p1 = LevelPoints(level, value);
                    zh.Add($"{level.FieldZh}「{value ?? "未填"}」{Signed(p1)}");
                    en.Add($"{level.FieldEn} '{value ?? "missing"}' {Signed(p1)}");
                    break;
                case BandGrade band:
                    var number = record.Number(band.Field);
                    var p2 = number is { } n ? BandPoints(band.Bands, n) : 0;
                    var shown = number?.ToString(CultureInfo.InvariantCulture) ?? "未填";
                    zh.Add($"{band.FieldZh} {shown} {Signed(p2)}");
                    en.Add($"{band.FieldEn} {(number is null ? "missing" : shown)} {Signed(p2)}");
                    break;
                case DaysGrade days:
                    var span = DaysBetween(record, days);
                    var p3 = span is { } s ? BandPoints(days.Bands, s) : 0;
                    zh.Add(span is null ? $"持续天数未知 {Signed(p3)}" : $"持续 {span} 天 {Signed(p3)}");
                    en.Add(span is null ? $"duration unknown {Signed(p3)}" : $"lasting {span} days {Signed(p3)}");
                    break;
                default:
                    throw new InvalidOperationException($"unknown grade {grade.GetType().Name}");
            }
        }

        return ($"{rule.NameZh}：{string.Join("，", zh)}", $"{rule.NameEn}: {string.Join(", ", en)}");
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
    private static List<Candidate> MergeSameActs(List<Candidate> candidates, ScoreModel model, List<Exclusion>? excluded)
    {
        // Sorted by act, and within an act in the order of preference: each run of one act is a group.
        var byAct = candidates.ToArray();
        Array.Sort(byAct, static (a, b) =>
        {
            var c = CompareActs(a, b);
            if (c != 0)
            {
                return c;
            }

            c = Math.Abs(b.RawPoints).CompareTo(Math.Abs(a.RawPoints));
            if (c != 0)
            {
                return c;
            }

            c = string.CompareOrdinal(a.Record.CategoryCode, b.Record.CategoryCode);
            return c != 0 ? c : a.Record.Id.CompareTo(b.Record.Id);
        });

        var starts = new List<int>(byAct.Length + 1);
        var shared = false;
        for (var i = 0; i < byAct.Length; i++)
        {
            if (i == 0 || CompareActs(byAct[i - 1], byAct[i]) != 0)
            {
                starts.Add(i);
            }
            else
            {
                shared = true;
            }
        }

        starts.Add(byAct.Length);
        var groups = starts.Count - 1;
        var choice = new int[groups];
        if (shared)
        {
            ChooseReports(byAct, starts, choice, Polarity.Good, model);
            ChooseReports(byAct, starts, choice, Polarity.Bad, model);
        }

        var counted = new List<Candidate>(groups);
        for (var g = 0; g < groups; g++)
        {
            var winner = byAct[starts[g] + choice[g]];
            counted.Add(winner);
            if (excluded is null)
            {
                continue;
            }

            for (var i = starts[g]; i < starts[g + 1]; i++)
            {
                var other = byAct[i];
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

    /// <summary>
    /// Orders acts: by same-act group, then acts known by date (in date order), then records known by
    /// nothing but their id, then acts known by their act key field (in ordinal order). Zero when both
    /// are the same act.
    /// </summary>
    private static int CompareActs(Candidate a, Candidate b)
    {
        var c = string.CompareOrdinal(a.Rule.SameActGroup, b.Rule.SameActGroup);
        if (c != 0)
        {
            return c;
        }

        var keyA = a.ActKey;
        var keyB = b.ActKey;
        var kindA = keyA is not null ? 2 : a.Record.ActDate is not null ? 0 : 1;
        var kindB = keyB is not null ? 2 : b.Record.ActDate is not null ? 0 : 1;
        if (kindA != kindB)
        {
            return kindA.CompareTo(kindB);
        }

        return kindA switch
        {
            0 => a.Record.ActDate!.Value.CompareTo(b.Record.ActDate!.Value),
            1 => a.Record.Id.CompareTo(b.Record.Id),
            _ => string.CompareOrdinal(keyA, keyB),
        };
    }

    /// <summary>Beyond this many combinations the reports are chosen one act at a time (never seen outside tests).</summary>
    private const int MaxCombinations = 4096;

    /// <summary>
    /// Sets <paramref name="choice"/> for the acts of one polarity that were reported more than once, so
    /// that the person's capped, repeat-weighted total of that polarity is highest. Exhaustive up to
    /// <see cref="MaxCombinations"/>; beyond that, each act in turn takes its best report given the others.
    /// </summary>
    private static void ChooseReports(Candidate[] byAct, List<int> starts, int[] choice, Polarity polarity, ScoreModel model)
    {
        var groups = choice.Length;
        var open = new List<int>();
        long combinations = 1;
        var ofPolarity = 0;
        for (var g = 0; g < groups; g++)
        {
            if (byAct[starts[g]].Rule.Polarity != polarity)
            {
                continue;
            }

            ofPolarity++;
            var size = starts[g + 1] - starts[g];
            if (size > 1)
            {
                open.Add(g);
                combinations = Math.Min(combinations * size, MaxCombinations + 1L);
            }
        }

        if (open.Count == 0)
        {
            return;
        }

        var winners = new Candidate[ofPolarity];
        int Total()
        {
            var n = 0;
            for (var g = 0; g < groups; g++)
            {
                var candidate = byAct[starts[g] + choice[g]];
                if (candidate.Rule.Polarity == polarity)
                {
                    winners[n++] = candidate;
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
                while (i >= 0 && ++choice[open[i]] == starts[open[i] + 1] - starts[open[i]])
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
            for (var k = 1; k < starts[g + 1] - starts[g]; k++)
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

    /// <summary>Bad records by category, then dated ones by date and id, then those without a date: the order of the repeat rule.</summary>
    private static int RepeatOrder(Candidate a, Candidate b)
    {
        var c = string.CompareOrdinal(a.Rule.CategoryCode, b.Rule.CategoryCode);
        if (c != 0)
        {
            return c;
        }

        if (a.Record.ActDate is { } da && b.Record.ActDate is { } db)
        {
            c = da.CompareTo(db);
            return c != 0 ? c : a.Record.Id.CompareTo(b.Record.Id);
        }

        return a.Record.ActDate is not null ? -1 : b.Record.ActDate is not null ? 1 : a.Record.Id.CompareTo(b.Record.Id);
    }

    /// <summary>Points deducted by these bad records after the repeat rule and the category caps (as a positive number).</summary>
    /// <remarks>The same arithmetic as <see cref="ApplyRepeats"/> and <see cref="ApplyCategoryCaps"/>, without their texts.</remarks>
    private static int BadTotal(Candidate[] winners, ScoreModel model)
    {
        Array.Sort(winners, RepeatOrder);
        var total = 0;
        for (var i = 0; i < winners.Length;)
        {
            var rule = winners[i].Rule;
            var sum = 0;
            DateOnly? previous = null;
            for (; i < winners.Length && ReferenceEquals(winners[i].Rule, rule); i++)
            {
                var c = winners[i];
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

            total += rule.Cap is { } cap ? Math.Min(cap, sum) : sum;
        }

        return total;
    }

    /// <summary>Points added by these good records after the category and dimension caps.</summary>
    /// <remarks>The same arithmetic as <see cref="ApplyCategoryCaps"/> and <see cref="ApplyDimensionCaps"/>, without their texts.</remarks>
    private static int GoodTotal(Candidate[] winners, ScoreModel model)
    {
        Array.Sort(winners, static (a, b) =>
        {
            var c = a.Rule.Dimension.CompareTo(b.Rule.Dimension);
            return c != 0 ? c : string.CompareOrdinal(a.Rule.CategoryCode, b.Rule.CategoryCode);
        });
        var total = 0;
        for (var i = 0; i < winners.Length;)
        {
            var dimension = winners[i].Rule.Dimension;
            var sum = 0;
            while (i < winners.Length && winners[i].Rule.Dimension == dimension)
            {
                var rule = winners[i].Rule;
                var points = 0;
                for (; i < winners.Length && ReferenceEquals(winners[i].Rule, rule); i++)
                {
                    points += Math.Max(0, winners[i].RawPoints);
                }

                sum += rule.Cap is { } cap ? Math.Min(cap, points) : points;
            }

            total += model.DimensionCaps.TryGetValue(dimension, out var dimensionCap) ? Math.Min(dimensionCap, sum) : sum;
        }

        return total;
    }

    private static int Weighted(int points, RepeatRule repeat) =>
        (int)Math.Round(points * repeat.Factor, MidpointRounding.AwayFromZero);

    /// <summary>The second and later bad record of a category within the repeat period of the one before weighs more.</summary>
    private static void ApplyRepeats(List<Candidate> counted, ScoreModel model, bool explain)
    {
        var repeat = model.Repeat;
        var dated = new List<Candidate>();
        foreach (var c in counted)
        {
            if (c.Rule.Polarity == Polarity.Bad && c.Record.ActDate is not null)
            {
                dated.Add(c);
            }
        }

        if (dated.Count < 2)
        {
            return;
        }

        dated.Sort(RepeatOrder);
        for (var i = 1; i < dated.Count; i++)
        {
            var previous = dated[i - 1];
            var current = dated[i];
            if (!ReferenceEquals(previous.Rule, current.Rule) || previous.Record.ActDate!.Value.AddMonths(repeat.WithinMonths) <= current.Record.ActDate!.Value)
            {
                continue;
            }

            var weighted = Weighted(current.RawPoints, repeat);
            current.RawPoints = weighted;
            current.Points = weighted;
            if (explain)
            {
                var factor = repeat.Factor.ToString(CultureInfo.InvariantCulture);
                current.RuleZh += $"；{repeat.WithinMonths} 个月内再次发生 ×{factor} = {Signed(weighted)}";
                current.RuleEn += $"; repeated within {repeat.WithinMonths} months ×{factor} = {Signed(weighted)}";
            }
        }
    }

    /// <summary>Caps each category's points; the largest contributions are counted first. Returns the points cut per category.</summary>
    private static Dictionary<string, int>? ApplyCategoryCaps(List<Candidate> counted, bool explain)
    {
        Dictionary<string, int>? missed = null;
        var capped = new List<Candidate>();
        foreach (var c in counted)
        {
            if (c.Rule.Cap is not null)
            {
                capped.Add(c);
            }
        }

        capped.Sort(static (a, b) =>
        {
            var c = string.CompareOrdinal(a.Rule.CategoryCode, b.Rule.CategoryCode);
            if (c != 0)
            {
                return c;
            }

            c = Math.Abs(b.Points).CompareTo(Math.Abs(a.Points));
            if (c != 0)
            {
                return c;
            }

            c = Nullable.Compare(a.Record.ActDate, b.Record.ActDate);
            return c != 0 ? c : a.Record.Id.CompareTo(b.Record.Id);
        });

        for (var i = 0; i < capped.Count;)
        {
            var rule = capped[i].Rule;
            var cap = rule.Cap!.Value;
            var remaining = cap;
            for (; i < capped.Count && ReferenceEquals(capped[i].Rule, rule); i++)
            {
                var c = capped[i];
                var allowed = Math.Min(Math.Abs(c.Points), remaining);
                remaining -= allowed;
                var cut = Math.Abs(c.Points) - allowed;
                if (cut > 0)
                {
                    missed ??= new Dictionary<string, int>(StringComparer.Ordinal);
                    missed[rule.CategoryCode] = missed.GetValueOrDefault(rule.CategoryCode) + cut;
                    c.Points = Math.Sign(c.Points) * allowed;
                    if (explain)
                    {
                        c.RuleZh += $"；已达类别上限 {cap} 分，计 {Signed(c.Points)}";
                        c.RuleEn += $"; category cap of {cap} reached, counts {Signed(c.Points)}";
                    }
                }
            }
        }

        return missed;
    }

    /// <summary>Caps the points each dimension can add (deductions are not capped). Returns the points cut per dimension.</summary>
    private static Dictionary<ScoreDimension, int>? ApplyDimensionCaps(List<Candidate> counted, ScoreModel model, bool explain)
    {
        Dictionary<ScoreDimension, int>? missed = null;
        List<Candidate>? gains = null;
        foreach (var (dimension, cap) in model.DimensionCaps)
        {
            var sum = 0;
            foreach (var c in counted)
            {
                if (c.Rule.Dimension == dimension && c.Points > 0)
                {
                    sum += c.Points;
                }
            }

            if (sum <= cap)
            {
                continue;
            }

            gains ??= [];
            gains.Clear();
            foreach (var c in counted)
            {
                if (c.Rule.Dimension == dimension && c.Points > 0)
                {
                    gains.Add(c);
                }
            }

            gains.Sort(static (a, b) =>
            {
                var c = b.Points.CompareTo(a.Points);
                if (c != 0)
                {
                    return c;
                }

                c = Nullable.Compare(a.Record.ActDate, b.Record.ActDate);
                if (c != 0)
                {
                    return c;
                }

                c = string.CompareOrdinal(a.Record.CategoryCode, b.Record.CategoryCode);
                return c != 0 ? c : a.Record.Id.CompareTo(b.Record.Id);
            });

            var remaining = cap;
            foreach (var c in gains)
            {
                var allowed = Math.Min(c.Points, remaining);
                remaining -= allowed;
                if (allowed < c.Points)
                {
                    missed ??= [];
                    missed[dimension] = missed.GetValueOrDefault(dimension) + c.Points - allowed;
                    c.Points = allowed;
                    if (explain)
                    {
                        c.RuleZh += $"；{dimension.NameZh()}已达上限 {cap} 分，计 {Signed(c.Points)}";
                        c.RuleEn += $"; {dimension.NameEn()} cap of {cap} reached, counts {Signed(c.Points)}";
                    }
                }
            }
        }

        return missed;
    }

    private static void AddRecordReasons(
        List<ScoreReason> reasons,
        List<Candidate> counted,
        Dictionary<string, int>? categoryMissed,
        Dictionary<ScoreDimension, int>? dimensionMissed,
        ScoreModel model,
        bool hasGood)
    {
        foreach (var c in counted)
        {
            if (c.Points >= 0)
            {
                continue;
            }

            var lost = -c.Points;
            reasons.Add(c.StopsOn is { } stop
                ? new ScoreReason(ReasonKind.BadRecord, lost, $"{c.Rule.NameZh}记录扣 {lost} 分，至 {Day(stop)} 不再计算",
                    $"{c.Rule.NameEn} record takes {lost} points; it stops counting on {Day(stop)}")
                : new ScoreReason(ReasonKind.BadRecord, lost, $"{c.Rule.NameZh}记录扣 {lost} 分，在效期间计算",
                    $"{c.Rule.NameEn} record takes {lost} points while it is in effect"));
        }

        if (categoryMissed is not null)
        {
            foreach (var (code, cut) in categoryMissed)
            {
                var rule = model.Find(code)!;
                if (rule.Polarity == Polarity.Good)
                {
                    reasons.Add(new ScoreReason(ReasonKind.CategoryCap, cut, $"{rule.NameZh}已达上限 {rule.Cap} 分",
                        $"{rule.NameEn} has reached its cap of {rule.Cap} points"));
                }
            }
        }

        if (dimensionMissed is not null)
        {
            foreach (var (dimension, cut) in dimensionMissed)
            {
                reasons.Add(new ScoreReason(ReasonKind.DimensionCap, cut, $"{dimension.NameZh()}已达上限 {model.DimensionCaps[dimension]} 分",
                    $"{dimension.NameEn()} has reached its cap of {model.DimensionCaps[dimension]} points"));
            }
        }

        if (!hasGood)
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
