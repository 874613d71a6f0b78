using Shangding.Core.Catalog;
using Shangding.Core.Scoring;
using YamlDotNet.RepresentationModel;

namespace Shangding.Core.Access;

/// <summary>One benefit of the Shangding score (seed 001 §五, 004 §四.1) and the lowest level that earns it.</summary>
public sealed record Benefit(string Code, string NameZh, string NameEn, string ProviderZh, string ProviderEn, ScoreLevel MinLevel, string Source)
{
    /// <summary>Yes or no: the level earns the benefit (levels are ordered lowest first).</summary>
    public bool IsEarnedBy(ScoreLevel level) => level >= MinLevel;
}

/// <summary>The benefits catalogue, <c>catalog/benefits.yaml</c>.</summary>
public sealed class BenefitCatalog(IReadOnlyList<Benefit> benefits)
{
    public const string FileName = "benefits.yaml";

    public IReadOnlyList<Benefit> All { get; } = benefits;

    public Benefit? Find(string? code) => All.FirstOrDefault(b => b.Code == code);

    /// <summary>Loads and validates the file; a bad definition stops the program with file:line:column.</summary>
    public static BenefitCatalog Load(string catalogDirectory)
    {
        var path = Path.Combine(catalogDirectory, FileName);
        if (!File.Exists(path))
        {
            throw new CatalogLoadException(FileName, 0, 0, "the benefits catalogue is missing");
        }

        var file = YamlFile.Open(path, FileName);
        file.OnlyKeys(file.Root, "the benefits file", "benefits");
        var list = file.Sequence(file.Required(file.Root, "benefits", "the benefits file"), "benefits");
        var benefits = new List<Benefit>();
        foreach (var node in list)
        {
            var map = file.Mapping(node, "a benefit");
            file.OnlyKeys(map, "a benefit", "code", "zh", "en", "provider_zh", "provider_en", "min_level", "source");
            var code = file.RequiredString(map, "code", "a benefit");
            if (!System.Text.RegularExpressions.Regex.IsMatch(code, "^[a-z0-9]+(-[a-z0-9]+)*$"))
            {
                throw file.Error(map, $"benefit code '{code}' must be lowercase ASCII words joined by dashes");
            }

            if (benefits.Any(b => b.Code == code))
            {
                throw file.Error(map, $"benefit code '{code}' is defined twice");
            }

            benefits.Add(new Benefit(code, file.RequiredString(map, "zh", code), file.RequiredString(map, "en", code),
                file.RequiredString(map, "provider_zh", code), file.RequiredString(map, "provider_en", code),
                file.RequiredEnum<ScoreLevel>(map, "min_level", code), file.RequiredString(map, "source", code)));
        }

        if (benefits.Count == 0)
        {
            throw file.Error(list, "the benefits catalogue lists no benefit");
        }

        return new BenefitCatalog(benefits);
    }
}
