using Shangding.Core.Subjects;

namespace Shangding.Web.Access;

/// <summary>The answer of a real-name check: the normalised identifier when the person is who they say.</summary>
public sealed record RealNameResult(bool Verified, string? Identifier, string? ErrorZh = null, string? ErrorEn = null);

/// <summary>
/// Real-name verification of a citizen signing in (实名认证). In production this is the city's identity
/// service (e.g. the "i郑州" app's face or SMS verification); the platform only learns that the person
/// holding the name and ID number was verified.
/// </summary>
public interface IRealNameVerifier
{
    /// <summary>Shown on the sign-in page so nobody mistakes a development verifier for the real one.</summary>
    bool IsDevelopmentOnly { get; }

    Task<RealNameResult> VerifyAsync(string name, string idNumber, string code, CancellationToken cancellationToken);
}

/// <summary>
/// DEVELOPMENT ONLY — NOT A REAL IDENTITY CHECK. Accepts anyone who types a well-formed resident ID
/// number, a name and the fixed code <see cref="Code"/> shown on the page. It exists so the citizen
/// area can be demonstrated and tested without the city's identity service; a deployment sets
/// <c>Access:DevelopmentRealNameVerifier=false</c> and registers the real <see cref="IRealNameVerifier"/>.
/// </summary>
public sealed class DevelopmentRealNameVerifier(TimeProvider clock) : IRealNameVerifier
{
    public const string Code = "246810";

    public bool IsDevelopmentOnly => true;

    public Task<RealNameResult> VerifyAsync(string name, string idNumber, string code, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Trim().Length > 50)
        {
            return Task.FromResult(new RealNameResult(false, null, "请填写身份证上的姓名。", "Enter your name as on your ID card."));
        }

        if (!ResidentIdNumber.TryParse(idNumber, Shangding.Core.Reporting.ReportingTime.ChinaDate(clock.GetUtcNow()), out var id, out _))
        {
            return Task.FromResult(new RealNameResult(false, null, "身份证号码无效，请核对。", "The ID number is not valid; please check it."));
        }

        return Task.FromResult(code.Trim() == Code
            ? new RealNameResult(true, id.Value)
            : new RealNameResult(false, null, "验证码不正确。", "The verification code is not correct."));
    }
}
