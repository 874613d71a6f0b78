using System.IO.Compression;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Shangding.Core.Subjects;
using Shangding.Testing;
using Shangding.Web.Access;
using Shangding.Web.Tests.Infrastructure;

namespace Shangding.Web.Tests.Pages;

/// <summary>
/// Examples print one ID number, <see cref="ExampleIdNumber"/>: a test pattern that passes every check but is no one's. Any
/// other number that passes every check, in the docs, the API description or a template, could be a real person's.
/// </summary>
public sealed partial class ExampleIdNumberTests(ShangdingWebFactory factory) : IClassFixture<ShangdingWebFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The resident ID numbers in a text that pass every check.</summary>
    private static List<string> ValidIdNumbers(string text) =>
        [.. IdLike().Matches(text).Select(m => m.Value).Where(v => ResidentIdNumber.TryParse(v, DateOnly.FromDateTime(DateTime.UtcNow), out _, out _)).Distinct()];

    [Fact]
    public async Task TheDocs_TheApiDescriptionAndTheTemplates_PrintNoValidIdNumberButTheExample()
    {
        var texts = new Dictionary<string, string>();
        foreach (var file in Directory.GetFiles(Path.Combine(RepoPaths.Root, "docs"), "*.md").Append(Path.Combine(RepoPaths.Root, "README.md")))
        {
            texts[Path.GetFileName(file)] = await File.ReadAllTextAsync(file, Ct);
        }

        var client = factory.CreateClient();
        texts["/openapi/v1.json"] = await client.GetStringAsync("/openapi/v1.json", Ct);
        // The Excel template's instructions give an example value for each column.
        await using (var template = await client.GetStreamAsync("/api/v1/catalog/P-ARREARS-WATER/template.xlsx", Ct))
        await using (var zip = new ZipArchive(template, ZipArchiveMode.Read))
        {
            foreach (var entry in zip.Entries.Where(e => e.FullName.EndsWith(".xml", StringComparison.Ordinal)))
            {
                using var reader = new StreamReader(entry.Open());
                texts["template.xlsx/" + entry.FullName] = await reader.ReadToEndAsync(Ct);
            }
        }

        foreach (var (source, text) in texts)
        {
            ValidIdNumbers(text).ShouldAllBe(id => id == ExampleIdNumber.Value, source);
        }

        ValidIdNumbers(texts["/openapi/v1.json"]).ShouldBe([ExampleIdNumber.Value]);
        ValidIdNumbers(texts["API.md"]).ShouldBe([ExampleIdNumber.Value]);
        ValidIdNumbers(string.Concat(texts.Where(t => t.Key.StartsWith("template.xlsx/", StringComparison.Ordinal)).Select(t => t.Value))).ShouldBe([ExampleIdNumber.Value]);
    }

    [Fact]
    public async Task TheExamples_WorkWhenTried_TheExampleIsTheDemoCitizens()
    {
        AccessDemo.CitizenId.ShouldBe(ExampleIdNumber.Value);
        // The query and benefit-check examples name the demo citizen by this number and name: the subject is found.
        await using var scope = factory.Services.CreateAsyncScope();
        var queries = scope.ServiceProvider.GetRequiredService<Shangding.Core.Access.CreditQueries>();
        var db = scope.ServiceProvider.GetRequiredService<Shangding.Core.Data.ShangdingDbContext>();
        (await queries.FindSubjectAsync(db, ExampleIdNumber.Value, AccessDemo.CitizenName, Ct)).ShouldNotBeNull();
    }

    [GeneratedRegex("(?<![0-9])[0-9]{17}[0-9X](?![0-9])")]
    private static partial Regex IdLike();
}
