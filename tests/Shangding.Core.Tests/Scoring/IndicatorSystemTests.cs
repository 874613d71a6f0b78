using Shangding.Core.Scoring;
using Shangding.Testing;

namespace Shangding.Core.Tests.Scoring;

public sealed class IndicatorSystemTests
{
    private const string Heading = "## Indicator system\n\n";

    /// <summary>Set SHANGDING_UPDATE_DOCS=1 to rewrite the section from the model instead of comparing.</summary>
    [Fact]
    public void ModelDocument_IndicatorSection_EqualsTheGeneratorOutputForTheShippedModel()
    {
        var path = Path.Combine(RepoPaths.Root, "docs", "MODEL.md");
        var text = File.ReadAllText(path).ReplaceLineEndings("\n");
        var start = text.IndexOf(Heading, StringComparison.Ordinal);
        start.ShouldBeGreaterThanOrEqualTo(0, "docs/MODEL.md has no '## Indicator system' section");
        var bodyStart = start + Heading.Length;
        var next = text.IndexOf("\n## ", bodyStart, StringComparison.Ordinal);
        var bodyEnd = next < 0 ? text.Length : next + 1;
        var generated = IndicatorSystem.ToMarkdown(ShippedModelTests.Model, TestPlatform.Catalog);

        if (Environment.GetEnvironmentVariable("SHANGDING_UPDATE_DOCS") == "1")
        {
            File.WriteAllText(path, text[..bodyStart] + generated + (next < 0 ? string.Empty : "\n" + text[bodyEnd..]));
            return;
        }

        var current = text[bodyStart..bodyEnd].TrimEnd('\n') + "\n";
        current.ShouldBe(generated, "docs/MODEL.md differs from the model; run the tests with SHANGDING_UPDATE_DOCS=1");
    }

    [Fact]
    public void Generator_NamesLevelsCapsAndPeriods()
    {
        var markdown = IndicatorSystem.ToMarkdown(ShippedModelTests.Model, TestPlatform.Catalog);

        markdown.ShouldContain("| 信用极好 (Outstanding) | ≥ 150 | no bad record in effect");
        markdown.ShouldContain("| 信用较差 (Poor) | 0 to below 80 |");
        markdown.ShouldContain("| 荣誉信息 (Honours) | 30 |");
        markdown.ShouldContain("`P-VOLUNTEER` 志愿者");
        markdown.ShouldContain("3 years");
        markdown.ShouldContain("`P-COURT-DISHONEST-ENFORCEE`");
    }
}
