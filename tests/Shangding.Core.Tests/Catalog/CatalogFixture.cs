using Shangding.Testing;
using Shangding.Core.Catalog;

namespace Shangding.Core.Tests.Catalog;

/// <summary>Loads the real catalogue once for all tests of a class.</summary>
public sealed class RealCatalog
{
    public CatalogDefinition Definition { get; } = CatalogLoader.Load(RepoPaths.Catalog);
}

/// <summary>A catalogue in a temporary directory: the real units, enumerations and version, and the given category files.</summary>
internal sealed class TempCatalog : IDisposable
{
    public TempCatalog()
    {
        Root = Path.Combine(Path.GetTempPath(), "shangding-catalog-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(Root, "categories"));
        foreach (var file in new[] { "VERSION", "units.yaml", "enumerations.yaml" })
        {
            File.Copy(Path.Combine(RepoPaths.Catalog, file), Path.Combine(Root, file));
        }
    }

    public string Root { get; }

    public TempCatalog WithFile(string relativePath, string content)
    {
        File.WriteAllText(Path.Combine(Root, relativePath), content.ReplaceLineEndings("\n"));
        return this;
    }

    public TempCatalog WithCategories(string fileName, params string[] categories) =>
        WithFile(Path.Combine("categories", fileName), "categories:\n" + string.Concat(categories));

    public CatalogDefinition Load() => CatalogLoader.Load(Root);

    public CatalogLoadException LoadFails() => Should.Throw<CatalogLoadException>(() => CatalogLoader.Load(Root));

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory is harmless.
        }
    }

    /// <summary>A valid person category; <paramref name="extraFields"/> and <paramref name="extraKeys"/> are YAML lines appended as given.</summary>
    public static string PersonCategory(
        string code = "P-TEST",
        string polarity = "good",
        string? severity = null,
        string? dimension = "social_morality",
        string extraFields = "",
        string extraKeys = "",
        string idTypeType = "id_type") =>
        $"""
          - code: {code}
            name_zh: 测试类别
            name_en: Test category
            subject_kind: person
            polarity: {polarity}
        {(dimension is null ? "" : $"    dimension: {dimension}\n")}    info_class: B
        {(severity is null ? "" : $"    severity: {severity}\n")}    responsible_units: [CIVILISATION-OFFICE]
            collection_cycle: realtime
            subject_name_field: name
            subject_id_type_field: id_type
            subject_id_field: id_number
            act_date_field: rated_on
            source: "test"
        {extraKeys}    fields:
              - {"{"}code: name, zh: 姓名, en: Name, type: name{"}"}
              - {"{"}code: id_type, zh: 证件类型, en: ID type, type: {idTypeType}{"}"}
              - {"{"}code: id_number, zh: 证件号码, en: ID number, type: id_number{"}"}
              - {"{"}code: rated_on, zh: 评定时间, en: Date rated, type: date{"}"}
        {extraFields}
        """;
}
