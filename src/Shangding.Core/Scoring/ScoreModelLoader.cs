using System.Globalization;
using Shangding.Core.Catalog;
using YamlDotNet.RepresentationModel;

namespace Shangding.Core.Scoring;

/// <summary>
/// Loads a score model (<c>catalog/models/*.yaml</c>) and checks it against the catalogue: every
/// person category is scored or explicitly <c>scored: false</c>, no unknown category, sound levels,
/// bands and grades. Refuses a bad definition with a <see cref="CatalogLoadException"/> naming the
/// file and the line.
/// </summary>
public static class ScoreModelLoader
{
    public const string ModelsFolder = "models";

    private static readonly string[] TopKeys =
    [
        "version", "effective_from", "base", "min", "max", "levels", "good_record_years", "bad_record_max_years",
        "publication_months", "severity_points", "repeat", "dimension_caps", "categories", "overrides",
    ];

    private static readonly string[] RuleKeys = ["scored", "points", "grades", "cap", "good_record_years", "same_act", "act_key_field"];

    /// <summary>Loads the model file of the given version from <c>catalog/models/</c>.</summary>
    public static ScoreModel LoadVersion(string catalogDirectory, string version, CatalogDefinition catalog) =>
        Load(Path.Combine(catalogDirectory, ModelsFolder, version + ".yaml"), catalog);

    /// <summary>The newest model file of <c>catalog/models/</c> whose version sorts last.</summary>
    public static ScoreModel LoadLatest(string catalogDirectory, CatalogDefinition catalog)
    {
        var folder = Path.Combine(catalogDirectory, ModelsFolder);
        var file = Directory.Exists(folder)
            ? Directory.GetFiles(folder, "*.yaml").Order(StringComparer.Ordinal).LastOrDefault()
            : null;
        return file is null
            ? throw new CatalogLoadException(folder, 0, 0, "no score model (*.yaml) found")
            : Load(file, catalog);
    }

    public static ScoreModel Load(string path, CatalogDefinition catalog)
    {
        var display = DisplayPath(path);
        if (!File.Exists(path))
        {
            throw new CatalogLoadException(display, 0, 0, "score model file not found");
        }

        var file = YamlFile.Open(path, display);
        var root = file.Root;
        file.OnlyKeys(root, "a score model", TopKeys);
        const string what = "the score model";

        var version = file.RequiredString(root, "version", what);
        var effectiveText = file.RequiredString(root, "effective_from", what);
        if (!DateOnly.TryParseExact(effectiveText, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var effective))
        {
            throw file.Error(file.Get(root, "effective_from")!, $"effective_from '{effectiveText}' must be a date written yyyy-MM-dd");
        }

        var min = Int(file, root, "min", what);
        var max = Int(file, root, "max", what);
        var baseScore = Int(file, root, "base", what);
        if (min >= max || baseScore < min || baseScore > max)
        {
            throw file.Error(root, $"the score range must satisfy min < max and min <= base <= max (min {min}, base {baseScore}, max {max})");
        }

        var levels = ReadLevels(file, root, min, max);
        var goodYears = PositiveInt(file, root, "good_record_years", what);
        var badMaxYears = PositiveInt(file, root, "bad_record_max_years", what);
        var publication = SeverityMap(file, root, "publication_months", v => v > 0, "a positive number of months");
        var severityPoints = SeverityMap(file, root, "severity_points", v => v <= 0, "zero or negative points");

        var repeatMap = file.Mapping(file.Required(root, "repeat", what), "'repeat'");
        file.OnlyKeys(repeatMap, "'repeat'", "within_months", "factor");
        var factorText = file.RequiredString(repeatMap, "factor", "'repeat'");
        if (!decimal.TryParse(factorText, NumberStyles.Number, CultureInfo.InvariantCulture, out var factor) || factor < 1)
        {
            throw file.Error(file.Get(repeatMap, "factor")!, $"repeat factor '{factorText}' must be a number of at least 1");
        }

        var repeat = new RepeatRule(PositiveInt(file, repeatMap, "within_months", "'repeat'"), factor);

        var dimensionCaps = new Dictionary<ScoreDimension, int>();
        var capsMap = file.Mapping(file.Required(root, "dimension_caps", what), "'dimension_caps'");
        foreach (var (keyNode, _) in capsMap.Children)
        {
            var key = ((YamlScalarNode)keyNode).Value ?? string.Empty;
            var dimension = ParseEnum<ScoreDimension>(file, keyNode, key, "dimension");
            dimensionCaps[dimension] = PositiveInt(file, capsMap, key, "'dimension_caps'");
        }

        var rules = ReadRules(file, root, catalog, goodYears, severityPoints);
        var overrides = ReadOverrides(file, root, rules, levels);

        return new ScoreModel(version, effective, baseScore, min, max, levels, goodYears, badMaxYears, publication, severityPoints,
            repeat, dimensionCaps, rules, overrides, display);
    }

    private static List<LevelDefinition> ReadLevels(YamlFile file, YamlMappingNode root, int min, int max)
    {
        var list = file.Sequence(file.Required(root, "levels", "the score model"), "'levels'");
        var levels = new List<LevelDefinition>();
        foreach (var node in list)
        {
            var map = file.Mapping(node, "a level");
            file.OnlyKeys(map, "a level", "level", "zh", "en", "min", "requires_no_bad_record");
            var level = file.RequiredEnum<ScoreLevel>(map, "level", "a level");
            var what = $"level {YamlFile.SnakeCase(level.ToString())}";
            if (levels.Exists(l => l.Level == level))
            {
                throw file.Error(map, $"{what} appears twice");
            }

            var from = Int(file, map, "min", what);
            if (levels.Count > 0 && from >= levels[^1].Min)
            {
                throw file.Error(file.Get(map, "min")!, $"bad level bounds: {what} starts at {from}, not below the level above it ({levels[^1].Min}); list levels from the highest down");
            }

            if (levels.Count > 0 && level >= levels[^1].Level)
            {
                throw file.Error(map, $"{what} is listed below a lower level; list levels from the highest down");
            }

            if (from < min || from > max)
            {
                throw file.Error(file.Get(map, "min")!, $"bad level bounds: {what} starts at {from}, outside the score range {min}–{max}");
            }

            levels.Add(new LevelDefinition(level, file.RequiredString(map, "zh", what), file.RequiredString(map, "en", what), from,
                file.OptionalBool(map, "requires_no_bad_record", what, false)));
        }

        var missing = Enum.GetValues<ScoreLevel>().Where(l => !levels.Exists(d => d.Level == l)).ToList();
        if (missing.Count > 0)
        {
            throw file.Error(list, $"bad level bounds: levels {string.Join(", ", missing.Select(m => YamlFile.SnakeCase(m.ToString())))} are missing");
        }

        if (levels[^1].RequiresNoBadRecord)
        {
            throw file.Error(list, "bad level bounds: the lowest level cannot require the absence of bad records; there is no level below it");
        }

        if (levels[^1].Min != min)
        {
            throw file.Error(list, $"bad level bounds: the lowest level must start at the bottom of the range ({min}), not {levels[^1].Min}");
        }

        return levels;
    }

    private static Dictionary<Severity, int> SeverityMap(YamlFile file, YamlMappingNode root, string key, Func<int, bool> valid, string expected)
    {
        var map = file.Mapping(file.Required(root, key, "the score model"), $"'{key}'");
        var result = new Dictionary<Severity, int>();
        foreach (var (keyNode, _) in map.Children)
        {
            var name = ((YamlScalarNode)keyNode).Value ?? string.Empty;
            var severity = ParseEnum<Severity>(file, keyNode, name, "severity");
            var value = Int(file, map, name, $"'{key}'");
            if (!valid(value))
            {
                throw file.Error(map.Children[keyNode], $"'{key}' of {name} must be {expected}, not {value}");
            }

            result[severity] = value;
        }

        foreach (var severity in Enum.GetValues<Severity>())
        {
            if (!result.ContainsKey(severity))
            {
                throw file.Error(map, $"'{key}' has no value for {YamlFile.SnakeCase(severity.ToString())}");
            }
        }

        return result;
    }

    private static List<CategoryRule> ReadRules(YamlFile file, YamlMappingNode root, CatalogDefinition catalog, int goodYears, Dictionary<Severity, int> severityPoints)
    {
        var map = file.Mapping(file.Required(root, "categories", "the score model"), "'categories'");
        var rules = new List<CategoryRule>();
        foreach (var (keyNode, valueNode) in map.Children)
        {
            var code = ((YamlScalarNode)keyNode).Value ?? string.Empty;
            var category = catalog.Find(code)
                ?? throw file.Error(keyNode, $"unknown category '{code}': it is not in the catalogue (catalogue version {catalog.Version})");
            if (category.SubjectKind != SubjectKind.Person || category.Dimension is not { } dimension)
            {
                throw file.Error(keyNode, $"category '{code}' is an organisation category; the Shangding score is for persons only");
            }

            var what = $"the rule of {code}";
            var rule = file.Mapping(valueNode, what);
            file.OnlyKeys(rule, what, RuleKeys);
            var scored = file.OptionalBool(rule, "scored", what, true);
            if (!scored)
            {
                if (rule.Children.Count > 1)
                {
                    throw file.Error(rule, $"{what} says 'scored: false' and must have no other keys");
                }

                rules.Add(new CategoryRule(code, category.NameZh, category.NameEn, category.Polarity, dimension, category.Severity, false, 0, false, [], null, goodYears, code, null));
                continue;
            }

            if (category.Polarity == Polarity.Neutral)
            {
                throw file.Error(keyNode, $"category '{code}' is neutral; score it only with 'scored: false'");
            }

            var good = category.Polarity == Polarity.Good;
            var grades = ReadGrades(file, rule, category, good, what);
            var pointsText = file.OptionalString(rule, "points", what);

            // A bad category with neither points nor grades takes its severity's points.
            var fromSeverity = pointsText is null && !good && grades.Count == 0;
            var basePoints = pointsText is not null ? Int(file, rule, "points", what)
                : fromSeverity ? severityPoints[category.Severity!.Value]
                : 0;
            CheckSign(file, file.Get(rule, "points") ?? rule, good, basePoints, what);
            if (good && basePoints == 0 && grades.Count == 0)
            {
                throw file.Error(rule, $"{what} gives no points; give 'points' or 'grades', or say 'scored: false'");
            }

            int? cap = file.Get(rule, "cap") is null ? null : PositiveInt(file, rule, "cap", what);
            var years = file.Get(rule, "good_record_years") is null ? goodYears : PositiveInt(file, rule, "good_record_years", what);
            if (!good && file.Get(rule, "good_record_years") is { } yearsNode)
            {
                throw file.Error(yearsNode, $"{what}: 'good_record_years' is for good categories; bad records count for their publication period");
            }

            var group = file.OptionalString(rule, "same_act", what) ?? code;
            var keyField = file.OptionalString(rule, "act_key_field", what);
            if (keyField is not null && category.FindField(keyField) is null)
            {
                throw file.Error(file.Get(rule, "act_key_field")!, $"{what}: act_key_field '{keyField}' is not a field of the category");
            }

            rules.Add(new CategoryRule(code, category.NameZh, category.NameEn, category.Polarity, dimension, category.Severity, true, basePoints,
                fromSeverity, grades, cap, years, group, keyField));
        }

        foreach (var group in rules.Where(r => r.Scored).GroupBy(r => r.SameActGroup, StringComparer.Ordinal))
        {
            if (group.Select(r => r.Polarity).Distinct().Count() > 1)
            {
                throw file.Error(map, $"same_act group '{group.Key}' mixes good and bad categories ({string.Join(", ", group.Select(r => r.CategoryCode))})");
            }
        }

        var missing = catalog.Categories
            .Where(c => c.SubjectKind == SubjectKind.Person && !rules.Exists(r => r.CategoryCode == c.Code))
            .Select(c => c.Code)
            .ToList();
        if (missing.Count > 0)
        {
            throw file.Error(map, $"person categories not covered by the model: {string.Join(", ", missing)}; score them or say 'scored: false'");
        }

        return rules;
    }

    private static List<Grade> ReadGrades(YamlFile file, YamlMappingNode rule, Category category, bool good, string what)
    {
        var grades = new List<Grade>();
        if (file.Get(rule, "grades") is not { } gradesNode)
        {
            return grades;
        }

        foreach (var node in file.Sequence(gradesNode, $"'grades' of {what}"))
        {
            var map = file.Mapping(node, $"a grade of {what}");
            file.OnlyKeys(map, $"a grade of {what}", "field", "points", "bands", "days_from", "days_to");
            var fieldCode = file.OptionalString(map, "field", what);
            if (fieldCode is null)
            {
                var fromCode = file.OptionalString(map, "days_from", what)
                    ?? throw file.Error(map, $"a grade of {what} needs 'field' or 'days_from' and 'days_to'");
                var toCode = file.RequiredString(map, "days_to", what);
                var from = DateField(file, map, "days_from", fromCode, category, what);
                var to = DateField(file, map, "days_to", toCode, category, what);
                grades.Add(new DaysGrade(fromCode, toCode, from.NameZh, to.NameZh, ReadBands(file, map, good, what)));
                continue;
            }

            var field = category.FindField(fieldCode)
                ?? throw file.Error(file.Get(map, "field")!, $"{what}: '{fieldCode}' is not a field of the category");
            if (field.Type == FieldType.Enum)
            {
                var pointsMap = file.Mapping(file.Required(map, "points", $"the grade by {fieldCode} of {what}"), $"'points' of the grade by {fieldCode}");
                var points = new List<KeyValuePair<string, int>>();
                foreach (var value in field.AllowedValues)
                {
                    if (file.Get(pointsMap, value) is null)
                    {
                        throw file.Error(pointsMap, $"{what}: the grade by {fieldCode} gives no points for '{value}'");
                    }

                    var p = Int(file, pointsMap, value, what);
                    CheckSign(file, file.Get(pointsMap, value)!, good, p, what);
                    if (points.Count > 0 && Math.Abs(p) < Math.Abs(points[^1].Value))
                    {
                        throw file.Error(file.Get(pointsMap, value)!, $"{what}: '{value}' ranks above '{points[^1].Key}' and must weigh at least as much ({p} vs {points[^1].Value})");
                    }

                    points.Add(new(value, p));
                }

                foreach (var (keyNode, _) in pointsMap.Children)
                {
                    var key = ((YamlScalarNode)keyNode).Value ?? string.Empty;
                    if (!field.AllowedValues.Contains(key, StringComparer.Ordinal))
                    {
                        throw file.Error(keyNode, $"{what}: '{key}' is not a value of field {fieldCode} (allowed: {string.Join(", ", field.AllowedValues)})");
                    }
                }

                if (file.Get(map, "bands") is { } extra)
                {
                    throw file.Error(extra, $"{what}: the grade by enum field {fieldCode} takes 'points', not 'bands'");
                }

                grades.Add(new LevelGrade(fieldCode, field.NameZh, field.NameEn, points));
            }
            else if (field.Type is FieldType.Integer or FieldType.Decimal or FieldType.Money)
            {
                grades.Add(new BandGrade(fieldCode, field.NameZh, field.NameEn, ReadBands(file, map, good, what)));
            }
            else
            {
                throw file.Error(file.Get(map, "field")!, $"{what}: field {fieldCode} is of type {YamlFile.SnakeCase(field.Type.ToString())}; grades need an enum or a number field");
            }
        }

        return grades;
    }

    private static FieldDefinition DateField(YamlFile file, YamlMappingNode map, string key, string code, Category category, string what)
    {
        var field = category.FindField(code);
        return field is { Type: FieldType.Date or FieldType.DateTime }
            ? field
            : throw file.Error(file.Get(map, key)!, $"{what}: '{key}' must name a date field of the category, not '{code}'");
    }

    private static List<Band> ReadBands(YamlFile file, YamlMappingNode map, bool good, string what)
    {
        var bands = new List<Band>();
        var list = file.Sequence(file.Required(map, "bands", $"a grade of {what}"), $"'bands' of {what}");
        foreach (var node in list)
        {
            var band = file.Mapping(node, $"a band of {what}");
            file.OnlyKeys(band, $"a band of {what}", "from", "to", "points");
            var from = Decimal(file, band, "from", what);
            decimal? to = file.Get(band, "to") is null ? null : Decimal(file, band, "to", what);
            var points = Int(file, band, "points", what);
            CheckSign(file, band, good, points, what);
            if (to is { } t && t <= from)
            {
                throw file.Error(band, $"{what}: band from {from} to {t} is empty; 'to' must be above 'from'");
            }

            if (bands.Count > 0)
            {
                var previous = bands[^1];
                if (previous.To is null || from < previous.To)
                {
                    throw file.Error(band, $"{what}: overlapping bands: the band from {from} overlaps the band from {previous.From}{(previous.To is null ? " (open-ended)" : $" to {previous.To}")}");
                }

                if (from > previous.To)
                {
                    throw file.Error(band, $"{what}: gap between bands: nothing covers {previous.To} to {from}");
                }
            }

            bands.Add(new Band(from, to, points));
        }

        return bands.Count == 0 ? throw file.Error(list, $"{what}: a grade needs at least one band") : bands;
    }

    private static List<ScoreOverride> ReadOverrides(YamlFile file, YamlMappingNode root, List<CategoryRule> rules, List<LevelDefinition> levels)
    {
        var result = new List<ScoreOverride>();
        if (file.Get(root, "overrides") is not { } node)
        {
            return result;
        }

        foreach (var item in file.Sequence(node, "'overrides'"))
        {
            var map = file.Mapping(item, "an override");
            file.OnlyKeys(map, "an override", "category", "level", "max_score", "zh", "en");
            var code = file.RequiredString(map, "category", "an override");
            var rule = rules.Find(r => r.CategoryCode == code);
            if (rule is not { Scored: true, Polarity: Polarity.Bad })
            {
                throw file.Error(file.Get(map, "category")!, $"override category '{code}' must be a scored bad category of the model");
            }

            var what = $"the override of {code}";
            var level = file.RequiredEnum<ScoreLevel>(map, "level", what);
            var maxScore = Int(file, map, "max_score", what);
            var index = levels.FindIndex(l => l.Level == level);
            var upper = index == 0 ? int.MaxValue : levels[index - 1].Min;
            if (maxScore < levels[index].Min || maxScore >= upper)
            {
                throw file.Error(file.Get(map, "max_score")!, $"{what}: max_score {maxScore} is not within level {YamlFile.SnakeCase(level.ToString())} ({levels[index].Min} to below {upper})");
            }

            result.Add(new ScoreOverride(code, level, maxScore, file.RequiredString(map, "zh", what), file.RequiredString(map, "en", what)));
        }

        return result;
    }

    private static void CheckSign(YamlFile file, YamlNode node, bool good, int points, string what)
    {
        if (good ? points < 0 : points > 0)
        {
            throw file.Error(node, $"{what}: {(good ? "a good category cannot take points" : "a bad category cannot give points")} ({points})");
        }
    }

    private static TEnum ParseEnum<TEnum>(YamlFile file, YamlNode node, string text, string what)
        where TEnum : struct, Enum
    {
        foreach (var value in Enum.GetValues<TEnum>())
        {
            if (string.Equals(YamlFile.SnakeCase(value.ToString()), text, StringComparison.Ordinal))
            {
                return value;
            }
        }

        throw file.Error(node, $"unknown {what} '{text}'; allowed: {string.Join(", ", Enum.GetValues<TEnum>().Select(v => YamlFile.SnakeCase(v.ToString())))}");
    }

    private static int Int(YamlFile file, YamlMappingNode map, string key, string what)
    {
        var text = file.RequiredString(map, key, what);
        return int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw file.Error(file.Get(map, key)!, $"'{key}' of {what} must be a whole number, not '{text}'");
    }

    private static int PositiveInt(YamlFile file, YamlMappingNode map, string key, string what)
    {
        var value = Int(file, map, key, what);
        return value > 0 ? value : throw file.Error(file.Get(map, key)!, $"'{key}' of {what} must be positive, not {value}");
    }

    private static decimal Decimal(YamlFile file, YamlMappingNode map, string key, string what)
    {
        var text = file.RequiredString(map, key, what);
        return decimal.TryParse(text, NumberStyles.Number, CultureInfo.InvariantCulture, out var value) && value >= 0
            ? value
            : throw file.Error(file.Get(map, key)!, $"'{key}' of {what} must be a number of at least 0, not '{text}'");
    }

    private static string DisplayPath(string path)
    {
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full);
        var parent = directory is null ? null : Path.GetDirectoryName(directory);
        var relative = parent is null ? full : Path.GetRelativePath(Path.GetDirectoryName(parent) ?? parent, full);
        return relative.Replace('\\', '/');
    }
}
