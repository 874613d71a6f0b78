using Shangding.Web.Localization;
using Shouldly;

namespace Shangding.Web.Tests.Localization;

public sealed class UiTextTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("ui-text-").FullName;

    [Fact]
    public void LoadFolder_MergesEveryFile()
    {
        File.WriteAllText(Path.Combine(_folder, "ui-text.json"), """{ "a": ["甲", "A"] }""");
        File.WriteAllText(Path.Combine(_folder, "ui-text.citizen.json"), """{ "b": ["乙", "B"] }""");
        File.WriteAllText(Path.Combine(_folder, "other.json"), """{ "c": ["丙", "C"] }""");

        var text = UiText.LoadFolder(_folder);

        text.Keys.Order().ShouldBe(["a", "b"]);
        text.Get("b", new System.Globalization.CultureInfo("en")).ShouldBe("B");
    }

    [Fact]
    public void LoadFolder_RefusesAKeyDefinedTwice_NamingBothFiles()
    {
        File.WriteAllText(Path.Combine(_folder, "ui-text.json"), """{ "a": ["甲", "A"] }""");
        File.WriteAllText(Path.Combine(_folder, "ui-text.unit.json"), """{ "a": ["甲", "A"] }""");

        var ex = Should.Throw<InvalidOperationException>(() => UiText.LoadFolder(_folder));

        ex.Message.ShouldContain("ui-text.json");
        ex.Message.ShouldContain("ui-text.unit.json");
    }

    [Fact]
    public void LoadFolder_RefusesAKeyWrittenTwiceInOneFile_NamingTheFile()
    {
        File.WriteAllText(Path.Combine(_folder, "ui-text.json"), """{ "a": ["甲", "A"], "b": ["乙", "B"], "a": ["丙", "C"] }""");

        var ex = Should.Throw<InvalidOperationException>(() => UiText.LoadFolder(_folder));

        ex.Message.ShouldStartWith("ui-text.json: ");
        ex.Message.ShouldContain("Duplicate");
        ex.Message.ShouldContain("(line 1, $.a)");
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
