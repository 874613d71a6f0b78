using Shangding.Core.Subjects;

namespace Shangding.Core.Tests.Subjects;

public sealed class ExampleIdNumberTests
{
    [Fact]
    public void TheExampleNumber_PassesEveryCheck_AndIsATestPattern()
    {
        // It works when an example is tried (the intake, the sign-in and every search accept it) …
        ResidentIdNumber.TryParse(ExampleIdNumber.Value, new DateOnly(2026, 1, 1), out var id, out var error).ShouldBeTrue(error.ToString());
        CertificateNumber.TryParse(CertificateType.ResidentId, ExampleIdNumber.Value, new DateOnly(2026, 1, 1), out _, out _).ShouldBeTrue();
        // … and is no one's: Zhengzhou's Jinshui district, born on the first day the platform accepts, sequence 001.
        id.RegionCode.ShouldBe("410105");
        id.BirthDate.ShouldBe(new DateOnly(1900, 1, 1));
        ExampleIdNumber.Value[14..17].ShouldBe("001");
        id.Sex.ShouldBe(Sex.Male);
    }
}
