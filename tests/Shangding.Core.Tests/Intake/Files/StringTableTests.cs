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

    [Fact]
    public void AReservedTable_TakesMoreStringsThanReserved_AndFewer()
    {
        var table = new StringTable();
        table.Reserve(5_000);
        table.Reserve(10); // smaller than what is there: nothing changes
        for (var i = 0; i < 12_000; i++)
        {
            table.Add("号" + i);
        }

        table.Count.ShouldBe(12_000);
        table.Get(0).ShouldBe("号0");
        table.Get(4_999).ShouldBe("号4999");
        table.Get(5_000).ShouldBe("号5000");
        table.Get(11_999).ShouldBe("号11999");
    }
}
