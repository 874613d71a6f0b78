using System.Text;
using Shangding.Core.Intake.Files;

namespace Shangding.Core.Tests.Intake.Files;

public sealed class RejectsCsvInjectionTests
{
    [Fact]
    public void WriteCsv_DefusesFormulaCells_ButKeepsNegativeNumbers()
    {
        using var output = new MemoryStream();
        RejectsFileWriter.WriteCsv(output, ["a", "b", "c"], [(3, ["=HYPERLINK(\"x\")", "-5", "@SUM(A1)"], "原因")], "Reason");
        var text = Encoding.UTF8.GetString(output.ToArray());
        text.ShouldContain("\"'=HYPERLINK(\"\"x\"\")\"");
        text.ShouldContain(",-5,");
        text.ShouldContain("'@SUM(A1)");
    }
}
