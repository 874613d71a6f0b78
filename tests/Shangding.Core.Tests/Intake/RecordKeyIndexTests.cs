using Shangding.Core.Intake;
using Shouldly;

namespace Shangding.Core.Tests.Intake;

public sealed class RecordKeyIndexTests
{
    [Fact]
    public void ANewKey_IsRemembered_AndARepeat_NamesTheFirstRow()
    {
        var index = new RecordKeyIndex();
        index.FirstRowOf("W-001", 3).ShouldBe(0);
        index.FirstRowOf("W-002", 4).ShouldBe(0);
        index.FirstRowOf("W-001", 9).ShouldBe(3);
        index.FirstRowOf("W-001", 12).ShouldBe(3);
        index.Count.ShouldBe(2);
    }

    [Fact]
    public void KeysThatArePrefixesOfEachOther_AreDifferentKeys()
    {
        var index = new RecordKeyIndex();
        index.FirstRowOf("A12", 1).ShouldBe(0);
        index.FirstRowOf("A1", 2).ShouldBe(0);
        index.FirstRowOf("A", 3).ShouldBe(0);
        index.FirstRowOf("A123", 4).ShouldBe(0);
        index.FirstRowOf("a12", 5).ShouldBe(0);
        index.FirstRowOf("A1", 6).ShouldBe(2);
        index.Count.ShouldBe(5);
    }

    [Fact]
    public void AMillionKeys_OutgrowTheFirstBuffer_AndAreAllStillFound()
    {
        // 64K characters to begin with; a million 12-character keys need 12M.
        var index = new RecordKeyIndex();
        for (var row = 1; row <= 1_000_000; row++)
        {
            index.FirstRowOf($"K-{row:D10}", row).ShouldBe(0);
        }

        for (var row = 1; row <= 1_000_000; row += 9_973)
        {
            index.FirstRowOf($"K-{row:D10}", 2_000_000).ShouldBe(row);
        }

        index.FirstRowOf("长的单位记录编号-" + new string('号', 60), 7).ShouldBe(0);
        index.FirstRowOf("长的单位记录编号-" + new string('号', 60), 8).ShouldBe(7);
        index.Count.ShouldBe(1_000_001);
    }

    [Fact]
    public void AnIndexSizedForFewerRowsThanComeWith_LongerKeysThanGuessed_StillFindsEveryKey()
    {
        // Sized for 1,000 rows of 10 characters (the hint a file's size gives); 5,000 keys of 30 characters arrive.
        var index = new RecordKeyIndex(expectedRows: 1_000);
        for (var row = 1; row <= 5_000; row++)
        {
            index.FirstRowOf($"LONG-UNIT-RECORD-KEY-{row:D9}", row).ShouldBe(0);
        }

        for (var row = 1; row <= 5_000; row += 97)
        {
            index.FirstRowOf($"LONG-UNIT-RECORD-KEY-{row:D9}", 9_999).ShouldBe(row);
        }

        index.Count.ShouldBe(5_000);
    }
}
