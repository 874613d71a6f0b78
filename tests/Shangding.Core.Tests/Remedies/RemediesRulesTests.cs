using Shangding.Core.Catalog;
using Shangding.Core.Data;
using Shangding.Core.Notifications;
using Shangding.Core.Remedies;

namespace Shangding.Core.Tests.Remedies;

public sealed class RemediesRulesTests
{
    private static CreditRecord Bad(string severity, DateOnly act, RecordStatus status = RecordStatus.InForce) => new()
    {
        UnitCode = "U", CategoryCode = "C", RecordKey = "K", FieldsJson = "{}", ContentHash = "h", Severity = severity, ActDate = act, Status = status,
    };

    [Theory]
    [InlineData("Minor", "2026-04-10", "2026-07-10", false)] // never published; counted at most 3 months
    [InlineData("General", "2026-07-10", "2027-04-10", true)]
    [InlineData("Serious", "2027-04-10", "2029-04-10", true)]
    public void PublicationWindow_BySeverity_CountsFromTheDecision(string severity, string repairFrom, string end, bool published)
    {
        var window = PublicationPeriods.For(Bad(severity, new DateOnly(2026, 4, 10)))!;
        window.RepairFrom.ShouldBe(DateOnly.Parse(repairFrom, System.Globalization.CultureInfo.InvariantCulture));
        window.End.ShouldBe(DateOnly.Parse(end, System.Globalization.CultureInfo.InvariantCulture));
        window.Published.ShouldBe(published);
    }

    [Fact]
    public void IsPublished_OnlyInForce_AndBeforeTheMaximum()
    {
        var general = Bad("General", new DateOnly(2026, 4, 10));
        PublicationPeriods.IsPublished(general, new DateOnly(2027, 4, 9)).ShouldBeTrue();
        PublicationPeriods.IsPublished(general, new DateOnly(2027, 4, 10)).ShouldBeFalse();
        PublicationPeriods.IsPublished(Bad("General", new DateOnly(2026, 4, 10), RecordStatus.Repaired), new DateOnly(2026, 8, 1)).ShouldBeFalse();
        PublicationPeriods.IsPublished(Bad("Minor", new DateOnly(2026, 4, 10)), new DateOnly(2026, 4, 10)).ShouldBeFalse();
        PublicationPeriods.For(new CreditRecord { UnitCode = "U", CategoryCode = "C", RecordKey = "K", FieldsJson = "{}", ContentHash = "h" }).ShouldBeNull(); // a good record
    }

    [Fact]
    public void ActedAsMinor_UntilTheDayBeforeThe18thBirthday()
    {
        var birth = new DateOnly(2008, 6, 1);
        PublicationPeriods.ActedAsMinor(birth, new DateOnly(2026, 5, 31)).ShouldBeTrue();
        PublicationPeriods.ActedAsMinor(birth, new DateOnly(2026, 6, 1)).ShouldBeFalse();
        PublicationPeriods.ActedAsMinor(null, new DateOnly(2026, 5, 31)).ShouldBeFalse();
        var subject = new Subject { Kind = SubjectKind.Person, CertType = "ResidentId", IdHash = "", IdCipher = "", IdMasked = "", Name = "", BirthDate = birth };
        PublicationPeriods.IsProtectedMinorAct(Bad("Minor", new DateOnly(2026, 5, 31)), subject).ShouldBeTrue();
        PublicationPeriods.IsProtectedMinorAct(Bad("General", new DateOnly(2026, 5, 31)), subject).ShouldBeFalse();
    }

    [Fact]
    public void EvidenceFiles_AreRecognisedByTheirBytes_NotTheirNames()
    {
        var options = new RemediesOptions { MaxFileBytes = 100, MaxFiles = 2 };
        var now = DateTime.UtcNow;
        EvidenceFiles.Sniff("%PDF-1.4"u8).ShouldBe("application/pdf");
        EvidenceFiles.Sniff([0xFF, 0xD8, 0xFF, 0xE0]).ShouldBe("image/jpeg");
        EvidenceFiles.Sniff([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]).ShouldBe("image/png");
        EvidenceFiles.Sniff("GIF89a"u8).ShouldBeNull();
        EvidenceFiles.Sniff("<html>"u8).ShouldBeNull();

        var stored = EvidenceFiles.Check([new EvidenceUpload("C:\\Users\\me\\scan.jpg", [0xFF, 0xD8, 0xFF, 1])], options, "dispute", now);
        (stored[0].FileName, stored[0].ContentType, stored[0].SizeBytes).ShouldBe(("scan.jpg", "image/jpeg", 4L));
        Should.Throw<RemedyException>(() => EvidenceFiles.Check([new EvidenceUpload("photo.png", "%PDF"u8.ToArray())], options, "dispute", now)).Field.ShouldBe("files");
        Should.Throw<RemedyException>(() => EvidenceFiles.Check([new EvidenceUpload("a.pdf", [.. "%PDF-"u8.ToArray(), .. new byte[96]])], options, "dispute", now))
            .MessageZh.ShouldContain("超过");
        Should.Throw<RemedyException>(() => EvidenceFiles.Check([new EvidenceUpload("e.pdf", [])], options, "dispute", now)).MessageEn.ShouldContain("empty");
        Should.Throw<RemedyException>(() => EvidenceFiles.Check([], options, "repair", now, required: true)).Field.ShouldBe("files");
        var pdf = new EvidenceUpload("a.pdf", "%PDF-"u8.ToArray());
        Should.Throw<RemedyException>(() => EvidenceFiles.Check([pdf, pdf, pdf], options, "dispute", now)).MessageEn.ShouldContain("at most 2");
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(4, 8)]
    [InlineData(12, 360)]
    public void OutboxBackoff_Doubles_UpToSixHours(int attempts, int minutes) =>
        OutboxDispatcher.Backoff(attempts).ShouldBe(TimeSpan.FromMinutes(minutes));
}
