using Shangding.Core.Intake.Files;

namespace Shangding.Core.Tests.Intake.Files;

public sealed class StringTableTests
{
    [Fact]
    public void Strings_SurviveChunkBoundaries_AndHugeEntries()
    {
        var table = new StringTable();
        var expected = new List<string>();
        for (var i = 0; i < 200_000; i++)
        {
            var value = i % 50_000 == 0 ? new string('x', (1 << 20) + 5) : i % 7 == 0 ? string.Empty : "郑州" + i;
            table.Add(value);
            expected.Add(value);
        }

        table.Count.ShouldBe(expected.Count);
        for (var i = 0; i < expected.Count; i += 997)
        {
            table.Get(i).ShouldBe(expected[i]);
        }

        table.Get(50_000).Length.ShouldBe((1 << 20) + 5);
        table.Get(50_002).ShouldBe("郑州50002");
    }
}
