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
/// area can be demonstrated and tested without the city's identity service. It is registered only in
/// the Development environment, or where <see cref="Setting"/> is set to <c>true</c> explicitly (a
/// staging or training instance); in Production the web app refuses to start with it (see
/// <see cref="Enabled"/>). A deployment registers the city's identity service as the <see cref="IRealNameVerifier"/>.
/// </summary>
public sealed class DevelopmentRealNameVerifier(TimeProvider clock) : IRealNameVerifier
{
    public const string Code = "246810";

    /// <summary>The setting that turns the development verifier on or off: on by default in Development only.</summary>
    public const string Setting = "Access:DevelopmentRealNameVerifier";

    /// <summary>
    /// Whether to register the development verifier: <see cref="Setting"/> if given, else only in the
    /// Development environment. Never in Production: anyone could sign in as anyone with the printed code,
    /// so a Production host with the setting on stops at start rather than run with it.
    /// </summary>
    public static bool Enabled(IConfiguration configuration, IHostEnvironment environment)
    {
        var enabled = configuration.GetValue<bool?>(Setting) ?? environment.IsDevelopment();
        if (enabled && environment.IsProduction())
        {
            throw new InvalidOperationException(
                $"{Setting}=true in the Production environment: the development real-name verifier lets anyone sign in as any citizen " +
                "with a fixed code, so it is never allowed in Production. Remove the setting and register the city's identity service " +
                "(IRealNameVerifier); without one, citizen sign-in is shown as not available.");
        }

        return enabled;
    }

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

/// <summary>The answer of an organisation's identity check: its normalised unified social credit code when verified.</summary>
public sealed record OrganisationIdentityResult(bool Verified, string? Uscc, string? ErrorZh = null, string? ErrorEn = null);

/// <summary>
/// Verification of an organisation signing in as itself (法人登录). In production this is the national
/// electronic business licence (电子营业执照) sign-in of the market regulator, or the province's legal-person
/// identity service: the legal representative or an agent they authorised confirms in the licence app, and
/// the platform learns only that the organisation with this name and code was verified.
/// </summary>
public interface IOrganisationVerifier
{
    /// <summary>Shown on the sign-in page so nobody mistakes a development verifier for the real one.</summary>
    bool IsDevelopmentOnly { get; }

    Task<OrganisationIdentityResult> VerifyAsync(string name, string uscc, string code, CancellationToken cancellationToken);
}

/// <summary>
/// DEVELOPMENT ONLY — NOT A REAL IDENTITY CHECK. Accepts anyone who types an organisation name, a unified
/// social credit code with a valid check character and the fixed code <see cref="DevelopmentRealNameVerifier.Code"/>
/// shown on the page. Registered exactly when <see cref="DevelopmentRealNameVerifier"/> is (the same setting, never in
/// Production); a deployment registers the electronic business licence service as the <see cref="IOrganisationVerifier"/>.
/// </summary>
public sealed class DevelopmentOrganisationVerifier : IOrganisationVerifier
{
    public bool IsDevelopmentOnly => true;

    public Task<OrganisationIdentityResult> VerifyAsync(string name, string uscc, string code, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Trim().Length > 200)
        {
            return Task.FromResult(new OrganisationIdentityResult(false, null, "请填写营业执照上的名称。", "Enter the name as on the business licence."));
        }

        if (!UnifiedSocialCreditCode.TryParse(uscc, out var parsed, out _))
        {
            return Task.FromResult(new OrganisationIdentityResult(false, null, "统一社会信用代码无效，请核对。", "The unified social credit code is not valid; please check it."));
        }

        return Task.FromResult(code.Trim() == DevelopmentRealNameVerifier.Code
            ? new OrganisationIdentityResult(true, parsed.Value)
            : new OrganisationIdentityResult(false, null, "验证码不正确。", "The verification code is not correct."));
    }
}
