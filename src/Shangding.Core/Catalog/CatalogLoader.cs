using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Shangding.Core.Catalog;

/// <summary>
/// Loads the catalogue from its directory: <c>VERSION</c>, <c>units.yaml</c>,
/// <c>enumerations.yaml</c> and <c>categories/*.yaml</c> (format in <c>catalog/schema.md</c>).
/// Refuses a bad definition with a <see cref="CatalogLoadException"/> naming the file and line.
/// </summary>
public static partial class CatalogLoader
{
    public const string VersionFile = "VERSION";
    public const string UnitsFile = "units.yaml";
    public const string EnumerationsFile = "enumerations.yaml";
    public const string CategoriesFolder = "categories";

    /// <summary>The named enumeration that lists certificate types (证件类型).</summary>
    public const string IdTypesEnumeration = "id_types";

    private static readonly string[] CategoryKeys =
    [
        "code", "name_zh", "name_en", "subject_kind", "polarity", "dimension", "info_class", "severity",
        "responsible_units", "collection_cycle", "licence_or_penalty", "written_consent_recorded",
        "c_query_bodies", "subject_name_field", "subject_id_type_field", "subject_id_field", "act_date_field",
        "source", "fields",
    ];

    private static readonly string[] FieldKeys = ["code", "zh", "en", "type", "required", "values", "max_length"];

    public static CatalogDefinition Load(string catalogDirectory)
    {
        var root = Path.GetFullPath(catalogDirectory);
        if (!Directory.Exists(root))
        {
            throw new CatalogLoadException(catalogDirectory, 0, 0, "catalogue directory not found");
        }

        var display = new DisplayPaths(root);
        var version = ReadVersion(root, display);
        var units = ReadUnits(Path.Combine(root, UnitsFile), display);
        var enumerations = ReadEnumerations(Path.Combine(root, EnumerationsFile), display);

        var categoriesDirectory = Path.Combine(root, CategoriesFolder);
        var files = Directory.Exists(categoriesDirectory)
            ? Directory.GetFiles(categoriesDirectory, "*.yaml").Order(StringComparer.Ordinal).ToList()
            : [];
        if (files.Count == 0)
        {
            throw new CatalogLoadException(display.Of(categoriesDirectory), 0, 0, "no category files (*.yaml) found");
        }

        var categories = new List<Category>();
        var seen = new Dictionary<string, (string File, long Line)>(StringComparer.Ordinal);
        foreach (var path in files)
        {
            var file = YamlFile.Open(path, display.Of(path));
            file.OnlyKeys(file.Root, "a category file", "categories");
            var list = file.Sequence(file.Required(file.Root, "categories", "the category file"), "'categories'");
            foreach (var node in list)
            {
                var category = ReadCategory(file, node, units, enumerations);
                if (seen.TryGetValue(category.Code, out var first))
                {
                    throw file.Error(node, $"duplicate category code '{category.Code}': already defined in {first.File}:{first.Line}");
                }

                seen.Add(category.Code, (file.DisplayPath, node.Start.Line));
                categories.Add(category);
            }
        }

        return new CatalogDefinition(version, [.. units.Values.Select(u => u.Unit)], categories, enumerations[IdTypesEnumeration].Values);
    }

    private static string ReadVersion(string root, DisplayPaths display)
    {
        var path = Path.Combine(root, VersionFile);
        if (!File.Exists(path))
        {
            throw new CatalogLoadException(display.Of(path), 0, 0, "version file not found");
        }

        var version = File.ReadAllText(path).Trim();
        return VersionPattern().IsMatch(version)
            ? version
            : throw new CatalogLoadException(display.Of(path), 1, 1, $"version '{version}' must be one line of letters, digits, dots or dashes");
    }

    private static Dictionary<string, (ReportingUnit Unit, YamlNode Node)> ReadUnits(string path, DisplayPaths display)
    {
        if (!File.Exists(path))
        {
            throw new CatalogLoadException(display.Of(path), 0, 0, "units file not found");
        }

        var file = YamlFile.Open(path, display.Of(path));
        file.OnlyKeys(file.Root, "the units file", "units");
        var units = new Dictionary<string, (ReportingUnit, YamlNode)>(StringComparer.Ordinal);
        foreach (var node in file.Sequence(file.Required(file.Root, "units", "the units file"), "'units'"))
        {
            var map = file.Mapping(node, "a unit");
            file.OnlyKeys(map, "a unit", "code", "zh", "en");
            var code = file.RequiredString(map, "code", "a unit");
            if (!CodePattern().IsMatch(code))
            {
                throw file.Error(map, $"unit code '{code}' must be uppercase ASCII letters and digits separated by dashes");
            }

            var unit = new ReportingUnit(code, file.RequiredString(map, "zh", $"unit {code}"), file.RequiredString(map, "en", $"unit {code}"));
            if (!units.TryAdd(code, (unit, node)))
            {
                throw file.Error(node, $"duplicate unit code '{code}'");
            }
        }

        return units;
    }

    private sealed record Enumeration(IReadOnlyList<string> Values);

    private static Dictionary<string, Enumeration> ReadEnumerations(string path, DisplayPaths display)
    {
        if (!File.Exists(path))
        {
            throw new CatalogLoadException(display.Of(path), 0, 0, "enumerations file not found");
        }

        var file = YamlFile.Open(path, display.Of(path));
        file.OnlyKeys(file.Root, "the enumerations file", "enumerations");
        var map = file.Mapping(file.Required(file.Root, "enumerations", "the enumerations file"), "'enumerations'");
        var result = new Dictionary<string, Enumeration>(StringComparer.Ordinal);
        foreach (var (keyNode, _) in map.Children)
        {
            var name = ((YamlScalarNode)keyNode).Value ?? string.Empty;
            if (!FieldCodePattern().IsMatch(name))
            {
                throw file.Error(keyNode, $"enumeration name '{name}' must be ASCII snake_case");
            }

            var values = ReadValues(file, map, name, $"enumeration {name}");
            if (values.Count == 0)
            {
                throw file.Error(keyNode, $"enumeration '{name}' has no values");
            }

            result.Add(name, new Enumeration(values));
        }

        if (!result.ContainsKey(IdTypesEnumeration))
        {
            throw file.Error(file.Root, $"the enumerations file must define '{IdTypesEnumeration}' (证件类型)");
        }

        return result;
    }

    private static List<string> ReadValues(YamlFile file, YamlMappingNode map, string key, string what)
    {
        var values = new List<string>();
        foreach (var (value, node) in file.StringList(map, key, what))
        {
            if (values.Contains(value, StringComparer.Ordinal))
            {
                throw file.Error(node, $"value '{value}' appears twice in {what}");
            }

            values.Add(value);
        }

        return values;
    }

    private static Category ReadCategory(
        YamlFile file,
        YamlNode node,
        Dictionary<string, (ReportingUnit Unit, YamlNode Node)> units,
        Dictionary<string, Enumeration> enumerations)
    {
        var map = file.Mapping(node, "a category");
        var code = file.RequiredString(map, "code", "a category");
        if (!CodePattern().IsMatch(code))
        {
            throw file.Error(file.Get(map, "code")!, $"category code '{code}' must be uppercase ASCII letters and digits separated by dashes");
        }

        var what = $"category {code}";
        file.OnlyKeys(map, what, CategoryKeys);

        var kind = file.RequiredEnum<SubjectKind>(map, "subject_kind", what);
        var prefix = kind == SubjectKind.Person ? "P-" : "O-";
        if (!code.StartsWith(prefix, StringComparison.Ordinal))
        {
            throw file.Error(map, $"{what}: codes of {YamlFile.SnakeCase(kind.ToString())} categories start with '{prefix}'");
        }

        var polarity = file.RequiredEnum<Polarity>(map, "polarity", what);
        var dimension = file.OptionalEnum<ScoreDimension>(map, "dimension", what);
        if (kind == SubjectKind.Person && dimension is null)
        {
            throw file.Error(map, $"{what} is a person category without a score dimension ('dimension')");
        }

        if (kind == SubjectKind.Organisation && dimension is not null)
        {
            throw file.Error(file.Get(map, "dimension")!, $"{what}: score dimensions are for person categories only");
        }

        var severity = file.OptionalEnum<Severity>(map, "severity", what);
        if (polarity == Polarity.Bad && severity is null)
        {
            throw file.Error(map, $"{what} is a bad record category without a severity ('severity': minor, general or serious)");
        }

        if (polarity != Polarity.Bad && severity is not null)
        {
            throw file.Error(file.Get(map, "severity")!, $"{what}: only bad record categories have a severity");
        }

        var infoClass = file.RequiredEnum<InfoClass>(map, "info_class", what);
        var responsible = UnitCodes(file, map, "responsible_units", what, units);
        if (responsible.Count == 0)
        {
            throw file.Error(map, $"{what} has no responsible unit ('responsible_units')");
        }

        var queryBodies = UnitCodes(file, map, "c_query_bodies", what, units);
        if (infoClass == InfoClass.C && queryBodies.Count == 0)
        {
            throw file.Error(map, $"{what} is class C but names no bodies allowed to query it ('c_query_bodies')");
        }

        if (infoClass != InfoClass.C && queryBodies.Count > 0)
        {
            throw file.Error(file.Get(map, "c_query_bodies")!, $"{what}: 'c_query_bodies' is only for class C categories");
        }

        var cycle = file.RequiredString(map, "collection_cycle", what);
        if (!CollectionCycles.All.Contains(cycle, StringComparer.Ordinal))
        {
            throw file.Error(file.Get(map, "collection_cycle")!, $"unknown collection_cycle '{cycle}' in {what}; allowed: {string.Join(", ", CollectionCycles.All)}");
        }

        var consent = file.OptionalBool(map, "written_consent_recorded", what, false);
        var fields = ReadFields(file, map, what, kind, consent, enumerations);

        var nameField = SubjectField(file, map, "subject_name_field", what, fields, FieldType.Name, FieldType.Text);
        var idField = SubjectField(file, map, "subject_id_field", what, fields, kind == SubjectKind.Person ? FieldType.IdNumber : FieldType.Uscc);
        var idTypeField = kind == SubjectKind.Person
            ? SubjectField(file, map, "subject_id_type_field", what, fields, FieldType.IdType)
            : string.Empty;
        if (kind == SubjectKind.Organisation && file.Get(map, "subject_id_type_field") is { } idTypeNode)
        {
            throw file.Error(idTypeNode, $"{what}: organisations are identified by their USCC alone; remove 'subject_id_type_field'");
        }

        var actDate = file.OptionalString(map, "act_date_field", what);
        if (actDate is not null)
        {
            var field = fields.Find(f => f.Code == actDate);
            if (field is null || field.Type is not (FieldType.Date or FieldType.DateTime))
            {
                throw file.Error(file.Get(map, "act_date_field")!, $"{what}: act_date_field '{actDate}' must name a date or date_time field of the category");
            }
        }

        return new Category(
            code,
            file.RequiredString(map, "name_zh", what),
            file.RequiredString(map, "name_en", what),
            polarity,
            dimension,
            infoClass,
            severity,
            kind,
            responsible,
            cycle,
            file.OptionalBool(map, "licence_or_penalty", what, false),
            fields,
            nameField,
            idTypeField,
            idField,
            actDate,
            consent,
            queryBodies,
            file.RequiredString(map, "source", what),
            file.DisplayPath);
    }

    private static List<string> UnitCodes(YamlFile file, YamlMappingNode map, string key, string what, Dictionary<string, (ReportingUnit Unit, YamlNode Node)> units)
    {
        var codes = new List<string>();
        foreach (var (code, node) in file.StringList(map, key, what))
        {
            if (!units.ContainsKey(code))
            {
                throw file.Error(node, $"unknown unit code '{code}' in '{key}' of {what}; units are defined in {UnitsFile}");
            }

            if (codes.Contains(code, StringComparer.Ordinal))
            {
                throw file.Error(node, $"unit '{code}' appears twice in '{key}' of {what}");
            }

            codes.Add(code);
        }

        return codes;
    }

    private static List<FieldDefinition> ReadFields(
        YamlFile file,
        YamlMappingNode categoryMap,
        string what,
        SubjectKind kind,
        bool consent,
        Dictionary<string, Enumeration> enumerations)
    {
        var list = file.Sequence(file.Required(categoryMap, "fields", what), $"'fields' of {what}");
        if (list.Children.Count == 0)
        {
            throw file.Error(list, $"{what} has no fields");
        }

        var fields = new List<FieldDefinition>();
        foreach (var node in list)
        {
            var map = file.Mapping(node, $"a field of {what}");
            var code = file.RequiredString(map, "code", $"a field of {what}");
            var fieldWhat = $"field '{code}' of {what}";
            file.OnlyKeys(map, fieldWhat, FieldKeys);
            if (!FieldCodePattern().IsMatch(code))
            {
                throw file.Error(map, $"{fieldWhat}: field codes are ASCII snake_case (e.g. id_number)");
            }

            if (fields.Exists(f => f.Code == code))
            {
                throw file.Error(map, $"duplicate field code '{code}' in {what}");
            }

            var nameZh = file.RequiredString(map, "zh", fieldWhat);
            var nameEn = file.RequiredString(map, "en", fieldWhat);
            var type = file.RequiredEnum<FieldType>(map, "type", fieldWhat);

            foreach (var text in new[] { code, nameZh, nameEn })
            {
                // 003 §9 speaks of 个人的 data: an organisation's own finances (§7(五)) are not
                // prohibited, but §9(一)–(二) stay prohibited for the people named in its records.
                var match = ProhibitedData.Match(text, consent || kind == SubjectKind.Organisation);
                if (match is not null)
                {
                    var hint = match.WaivableByConsent ? " (allowed only in a category with 'written_consent_recorded: true')" : string.Empty;
                    throw file.Error(map, $"{fieldWhat} ({nameZh}) asks for prohibited data: {match.ReasonEn}; {match.ReasonZh}{hint}");
                }
            }

            var valuesNode = file.Get(map, "values");
            IReadOnlyList<string> values = [];
            if (type == FieldType.Enum)
            {
                values = valuesNode switch
                {
                    null => throw file.Error(map, $"{fieldWhat} is an enum field without allowed values ('values')"),
                    YamlScalarNode { Value: { } name } => enumerations.TryGetValue(name, out var e)
                        ? e.Values
                        : throw file.Error(valuesNode, $"{fieldWhat}: unknown enumeration '{name}'; enumerations are defined in {EnumerationsFile}"),
                    _ => ReadValues(file, map, "values", fieldWhat),
                };
                if (values.Count == 0)
                {
                    throw file.Error(valuesNode, $"{fieldWhat} is an enum field without allowed values ('values')");
                }
            }
            else if (valuesNode is not null)
            {
                throw file.Error(valuesNode, $"{fieldWhat}: only enum fields take 'values'");
            }
            else if (type == FieldType.IdType)
            {
                values = enumerations[IdTypesEnumeration].Values;
            }

            fields.Add(new FieldDefinition(
                code,
                nameZh,
                nameEn,
                type,
                file.OptionalBool(map, "required", fieldWhat, true),
                values,
                file.OptionalPositiveInt(map, "max_length", fieldWhat)));
        }

        return fields;
    }

    private static string SubjectField(YamlFile file, YamlMappingNode map, string key, string what, List<FieldDefinition> fields, params FieldType[] types)
    {
        var code = file.OptionalString(map, key, what)
            ?? throw file.Error(map, $"{what} does not say which field identifies the subject ('{key}')");
        var field = fields.Find(f => f.Code == code)
            ?? throw file.Error(file.Get(map, key)!, $"{what}: '{key}' names '{code}', which is not a field of the category");
        if (!types.Contains(field.Type))
        {
            throw file.Error(file.Get(map, key)!, $"{what}: '{key}' field '{code}' must be of type {string.Join(" or ", types.Select(t => YamlFile.SnakeCase(t.ToString())))}");
        }

        if (!field.Required)
        {
            throw file.Error(file.Get(map, key)!, $"{what}: subject field '{code}' must be required");
        }

        return code;
    }

    /// <summary>Paths in messages relative to the catalogue's parent, e.g. catalog/categories/000-rewards.yaml.</summary>
    private sealed class DisplayPaths(string root)
    {
        private readonly string _base = Path.GetDirectoryName(root) ?? root;

        public string Of(string path) => Path.GetRelativePath(_base, path).Replace('\\', '/');
    }

    [GeneratedRegex("^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*$")]
    private static partial Regex CodePattern();

    [GeneratedRegex("^[a-z][a-z0-9]*(_[a-z0-9]+)*$")]
    private static partial Regex FieldCodePattern();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9.\-]*$")]
    private static partial Regex VersionPattern();
}
