using System.Security.Cryptography;
using FsCheck;
using FsCheck.Fluent;
using Shangding.Core.Intake;
using Shangding.Core.Subjects;

namespace Shangding.Core.Tests.Intake;

/// <summary>
/// The stored form of a rejected row — its cells encrypted, its reasons in both languages — read back for the rejects
/// file by a hand-written reader (the serializer was a third of a million-row download): it must give back exactly what
/// was stored, whatever the cells hold.
/// </summary>
public sealed class RejectsStoredFormTests
{
    private static readonly IdentityProtector Protector = new(IdentityProtectionKeys.Generate());

    [Fact]
    public void Cells_RoundTrip_WithQuotesBackslashesNullsCjkAndControlCharacters()
    {
        string?[] cells = ["W-1", "李\"四\"", @"C:\path\n", null, "410102195001010006", "", " 张三 ", "a\tb\r\nc", "<&>'+", "\u0001", "😀"];

        var stored = RejectsExport.ProtectCells(cells, Protector);

        stored.ShouldNotContain("410102195001010006"); // encrypted at rest
        RejectsExport.UnprotectCells(stored, Protector).ShouldBe(cells);
    }

    [Fact]
    public void Cells_RoundTrip_ForAnyStrings()
    {
        Prop.ForAll(ArbMap.Default.ArbFor<string[]>().Filter(a => a is not null), cells =>
                RejectsExport.UnprotectCells(RejectsExport.ProtectCells(cells, Protector), Protector).SequenceEqual(cells))
            .QuickCheckThrowOnFailure();
    }

    [Fact]
    public void ARowRefusedAtMergeTime_KeepsNoCells_AndAnAlteredCipherIsRefused()
    {
        RejectsExport.UnprotectCells("[]", Protector).ShouldBeEmpty();
        RejectsExport.UnprotectCells("{}", Protector).ShouldBeEmpty();

        var stored = RejectsExport.ProtectCells(["x"], Protector);
        var other = new IdentityProtector(IdentityProtectionKeys.Generate());
        Should.Throw<CryptographicException>(() => RejectsExport.UnprotectCells(stored, other));
    }

    [Fact]
    public void ReasonMessages_AreTheStoredMessagesOfOneLanguage_JoinedInOrder()
    {
        IntakeReason[] reasons =
        [
            new("id_check_digit", "id_number", "证件号码“41010219500101000X”校验位错误", "ID number \"41010219500101000X\" has a bad check digit"),
            new("enum", "id_type", "证件类型：“居民身分证”不在可选值中（可选：居民身份证、护照）", "ID type: \\ not an allowed value"),
            new("required", null, "欠费金额*必填", "arrears_amount is required"),
        ];
        var json = IntakeReasons.ToJson(reasons);

        IntakeReasons.JoinMessages(json, english: false, "；").ShouldBe(string.Join("；", reasons.Select(r => r.MessageZh)));
        IntakeReasons.JoinMessages(json, english: true, "；").ShouldBe(string.Join("；", reasons.Select(r => r.MessageEn)));
        IntakeReasons.JoinMessages(IntakeReasons.ToJson(reasons.Take(1)), english: false, "；").ShouldBe(reasons[0].MessageZh);
        IntakeReasons.JoinMessages("[]", english: false, "；").ShouldBe("");
    }

    [Fact]
    public void ReasonMessages_AgreeWithTheParsedReasons_ForAnyText()
    {
        Prop.ForAll(ArbMap.Default.ArbFor<NonNull<string>[]>().Filter(a => a is not null), texts =>
            {
                var reasons = texts.Select((t, i) => new IntakeReason("code" + i, i % 2 == 0 ? null : t.Get, t.Get, "en:" + t.Get)).ToList();
                var json = IntakeReasons.ToJson(reasons);
                return IntakeReasons.JoinMessages(json, false, "；") == string.Join("；", IntakeReasons.Parse(json).Select(r => r.Message(false)))
                    && IntakeReasons.JoinMessages(json, true, "；") == string.Join("；", IntakeReasons.Parse(json).Select(r => r.Message(true)));
            })
            .QuickCheckThrowOnFailure();
    }

    [Fact]
    public void ReadAhead_GivesEveryItemInOrder_AndThrowsTheSourcesFailureInItsPlace()
    {
        RejectsExport.ReadAhead(_ => Enumerable.Range(0, 12_345), TestContext.Current.CancellationToken).ShouldBe(Enumerable.Range(0, 12_345));
        RejectsExport.ReadAhead(_ => Enumerable.Empty<int>(), TestContext.Current.CancellationToken).ShouldBeEmpty();

        IEnumerable<int> Failing(CancellationToken stop)
        {
            for (var i = 0; i < 2_500; i++)
            {
                yield return i;
            }

            throw new InvalidDataException("row 2,503 could not be read");
        }

        var seen = new List<int>();
        var error = Should.Throw<InvalidDataException>(() =>
        {
            foreach (var item in RejectsExport.ReadAhead(Failing, TestContext.Current.CancellationToken))
            {
                seen.Add(item);
            }
        });
        error.Message.ShouldBe("row 2,503 could not be read");
        seen.ShouldBe(Enumerable.Range(0, 2_000)); // the whole chunks read before it; the partial one is not handed over
    }

    [Fact]
    public void ReadAhead_AWriterThatStops_StopsTheReader_AndWaitsForIt()
    {
        var readerEnded = false;
        IEnumerable<int> Endless(CancellationToken stop)
        {
            try
            {
                for (var i = 0; ; i++)
                {
                    stop.ThrowIfCancellationRequested();
                    yield return i;
                }
            }
            finally
            {
                Thread.Sleep(200); // the reader still using the database when the writer stops
                readerEnded = true;
            }
        }

        var error = Should.Throw<IOException>(() =>
        {
            foreach (var item in RejectsExport.ReadAhead(Endless, TestContext.Current.CancellationToken))
            {
                if (item == 3_000)
                {
                    throw new IOException("the clerk's connection closed");
                }
            }
        });
        error.Message.ShouldBe("the clerk's connection closed"); // the writer's own failure, not the reader's cancellation
        readerEnded.ShouldBeTrue();
    }
}
