namespace Shangding.Core.Catalog;

/// <summary>One field of a category's record.</summary>
/// <param name="Code">ASCII snake_case code, unique within the category.</param>
/// <param name="AllowedValues">
/// For <see cref="FieldType.Enum"/> the declared values; for <see cref="FieldType.IdType"/> the
/// catalogue's certificate types; empty for every other type.
/// </param>
/// <param name="MaxLength">Maximum length in characters, when the catalogue sets one.</param>
public sealed record FieldDefinition(
    string Code,
    string NameZh,
    string NameEn,
    FieldType Type,
    bool Required,
    IReadOnlyList<string> AllowedValues,
    int? MaxLength)
{
    /// <summary>Label for people: Chinese first, English in brackets.</summary>
    public string Label => $"{NameZh} ({NameEn})";
}

/// <summary>A body that furnishes records (or, for class C, may query them).</summary>
public sealed record ReportingUnit(string Code, string NameZh, string NameEn);

/// <summary>A category of the credit information catalogue (信用信息目录).</summary>
/// <param name="Code">Uppercase ASCII with dashes; <c>P-</c> for persons, <c>O-</c> for organisations.</param>
/// <param name="Dimension">Score dimension; persons only.</param>
/// <param name="Severity">Bad records only.</param>
/// <param name="ResponsibleUnits">Codes of the units that report this category.</param>
/// <param name="CollectionCycle">One of <see cref="CollectionCycles.All"/>.</param>
/// <param name="IsLicenceOrPenalty">Administrative licence or penalty: reported within 7 working days of the decision (seed 003 §12(2)).</param>
/// <param name="SubjectIdTypeField">
/// Field holding the certificate type; empty for organisation categories, whose subject field is always a USCC.
/// </param>
/// <param name="ActDateField">Field carrying the date of the act or decision, when the category has one.</param>
/// <param name="WrittenConsentRecorded">The subject's written consent is recorded for each record, which lets the category ask for data of 003 §9(三).</param>
/// <param name="CQueryBodies">Unit codes of the bodies allowed to query class C records.</param>
/// <param name="Source">Citation of the seed text, e.g. "000 加分表 rows 1–6".</param>
/// <param name="SourceFile">The YAML file the category was loaded from.</param>
public sealed record Category(
    string Code,
    string NameZh,
    string NameEn,
    Polarity Polarity,
    ScoreDimension? Dimension,
    InfoClass InfoClass,
    Severity? Severity,
    SubjectKind SubjectKind,
    IReadOnlyList<string> ResponsibleUnits,
    string CollectionCycle,
    bool IsLicenceOrPenalty,
    IReadOnlyList<FieldDefinition> Fields,
    string SubjectNameField,
    string SubjectIdTypeField,
    string SubjectIdField,
    string? ActDateField,
    bool WrittenConsentRecorded,
    IReadOnlyList<string> CQueryBodies,
    string Source,
    string SourceFile)
{
    /// <summary>Label for people: Chinese first, English in brackets.</summary>
    public string Label => $"{NameZh} ({NameEn})";

    public FieldDefinition? FindField(string code) => Fields.FirstOrDefault(f => f.Code == code);
}

/// <summary>Collection cycles (归集周期) a category may declare.</summary>
public static class CollectionCycles
{
    public const string Realtime = "realtime";
    public const string Daily = "daily";
    public const string Monthly = "monthly";
    public const string Quarterly = "quarterly";
    public const string HalfYear = "half-year";
    public const string Yearly = "yearly";

    public static IReadOnlyList<string> All { get; } = [Realtime, Daily, Monthly, Quarterly, HalfYear, Yearly];
}

/// <summary>A loaded, validated catalogue.</summary>
public sealed class CatalogDefinition
{
    private readonly Dictionary<string, Category> _categories;
    private readonly Dictionary<string, ReportingUnit> _units;

    public CatalogDefinition(
        string version,
        IReadOnlyList<ReportingUnit> units,
        IReadOnlyList<Category> categories,
        IReadOnlyList<string> idTypes)
    {
        Version = version;
        Units = units;
        Categories = categories;
        IdTypes = idTypes;
        _units = units.ToDictionary(u => u.Code, StringComparer.Ordinal);
        _categories = categories.ToDictionary(c => c.Code, StringComparer.Ordinal);
    }

    /// <summary>Content of <c>catalog/VERSION</c>; stored with every record batch.</summary>
    public string Version { get; }

    public IReadOnlyList<ReportingUnit> Units { get; }

    /// <summary>Categories in file order (files sorted by name).</summary>
    public IReadOnlyList<Category> Categories { get; }

    /// <summary>Certificate types (证件类型) accepted for persons.</summary>
    public IReadOnlyList<string> IdTypes { get; }

    public Category? Find(string code) => _categories.GetValueOrDefault(code);

    public ReportingUnit? FindUnit(string code) => _units.GetValueOrDefault(code);

    public IEnumerable<Category> CategoriesOfUnit(string unitCode) =>
        Categories.Where(c => c.ResponsibleUnits.Contains(unitCode, StringComparer.Ordinal));
}

/// <summary>A catalogue definition that cannot be loaded; names the file, the line and the problem.</summary>
public sealed class CatalogLoadException : Exception
{
    public CatalogLoadException()
    {
    }

    public CatalogLoadException(string message)
        : base(message)
    {
    }

    public CatalogLoadException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public CatalogLoadException(string filePath, long line, long column, string problem, Exception? innerException = null)
        : base(Format(filePath, line, column, problem), innerException)
    {
        FilePath = filePath;
        Line = line;
        Column = column;
        Problem = problem;
    }

    public string? FilePath { get; }

    /// <summary>1-based line, or 0 when the problem is about the file as a whole.</summary>
    public long Line { get; }

    public long Column { get; }

    public string? Problem { get; }

    private static string Format(string filePath, long line, long column, string problem) =>
        line > 0 ? $"{filePath}:{line}:{column}: {problem}" : $"{filePath}: {problem}";
}
