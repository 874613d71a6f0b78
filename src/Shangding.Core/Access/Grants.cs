using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Shangding.Core.Data;

namespace Shangding.Core.Access;

/// <summary>A refusal to be shown to the person who asked, in both languages; <see cref="Field"/> names the form field it is about, if any.</summary>
public sealed class AccessException(string messageZh, string messageEn, string? field = null) : Exception($"{messageZh} / {messageEn}")
{
    public string MessageZh { get; } = messageZh;
    public string MessageEn { get; } = messageEn;
    public string? Field { get; } = field;
}

/// <summary>A new grant and its code, shown to the citizen once.</summary>
public sealed record IssuedGrant(AccessGrant Grant, string Code);

/// <summary>
/// Citizens' authorizations (003 §18): the citizen picks an organisation, a scope (level only, score,
/// full report, or one benefit check), a purpose and an expiry; the platform issues a code the
/// citizen hands over (or shows as a QR code). Only a SHA-256 of the code is stored — the code has
/// 80 random bits, so a fast hash suffices. Revocation takes effect at once.
/// </summary>
public sealed class GrantService(BenefitCatalog benefits, TimeProvider clock)
{
    public const int MaxPurposeLength = 200;
    public static readonly TimeSpan MaxValidity = TimeSpan.FromDays(366);
    private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"; // Crockford base32: no I, L, O, U

    public async Task<IssuedGrant> CreateAsync(ShangdingDbContext context, long subjectId, long recipientAccountId, string scope, string? benefit,
        string? purpose, DateTime expiresAtUtc, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var recipient = await context.Accounts.AsNoTracking().FirstOrDefaultAsync(a => a.Id == recipientAccountId, cancellationToken);
        if (recipient is null || recipient.Role != Roles.ThirdParty || recipient.Disabled)
        {
            throw new AccessException("请选择一个已登记的第三方机构。", "Choose a registered third-party organisation.", "recipient");
        }

        if (!GrantScopes.All.Contains(scope))
        {
            throw new AccessException("请选择授权范围：仅等级、分数、完整报告或一项权益核验。", "Choose a scope: level only, score, full report or one benefit check.", "scope");
        }

        if (scope == GrantScopes.Benefit)
        {
            if (benefits.Find(benefit) is null)
            {
                throw new AccessException("请选择要核验的权益。", "Choose the benefit to be checked.", "benefit");
            }
        }
        else
        {
            benefit = null;
        }

        purpose = purpose?.Trim();
        if (string.IsNullOrEmpty(purpose) || purpose.Length > MaxPurposeLength)
        {
            throw new AccessException($"请填写查询用途（不超过 {MaxPurposeLength} 字）。", $"State the purpose (at most {MaxPurposeLength} characters).", "purpose");
        }

        if (expiresAtUtc <= now || expiresAtUtc > now + MaxValidity)
        {
            throw new AccessException("有效期须在今天之后、一年之内。", "The expiry must be after today and within one year.", "expires");
        }

        var code = NewCode();
        var grant = new AccessGrant
        {
            SubjectId = subjectId,
            RecipientAccountId = recipient.Id,
            RecipientName = recipient.DisplayName,
            Scope = scope,
            Benefit = benefit,
            Purpose = purpose,
            CodeHash = Hash(code),
            CodeHint = code[^4..],
            CreatedAt = now,
            ExpiresAt = expiresAtUtc,
        };
        context.AccessGrants.Add(grant);
        await context.SaveChangesAsync(cancellationToken);
        return new IssuedGrant(grant, code);
    }

    /// <summary>The grant a code stands for, whatever its state (the policy decides); null for an unknown or malformed code.</summary>
    public Task<AccessGrant?> FindAsync(ShangdingDbContext context, string? code, CancellationToken cancellationToken)
    {
        var normalised = Normalise(code);
        if (normalised is null)
        {
            return Task.FromResult<AccessGrant?>(null);
        }

        var hash = Hash(normalised);
        return context.AccessGrants.FirstOrDefaultAsync(g => g.CodeHash == hash, cancellationToken);
    }

    /// <summary>Revokes one of the subject's grants at once; false if it is not theirs or already revoked.</summary>
    public async Task<bool> RevokeAsync(ShangdingDbContext context, long subjectId, long grantId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return await context.AccessGrants.Where(g => g.Id == grantId && g.SubjectId == subjectId && g.RevokedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(g => g.RevokedAt, now), cancellationToken) > 0;
    }

    public static GrantFacts Facts(AccessGrant grant) =>
        new(grant.Id, grant.SubjectId, grant.RecipientAccountId, grant.Scope, grant.Benefit, DateTime.SpecifyKind(grant.ExpiresAt, DateTimeKind.Utc),
            grant.RevokedAt is { } revoked ? DateTime.SpecifyKind(revoked, DateTimeKind.Utc) : null);

    /// <summary>Grouped for reading aloud or typing: <c>SDG-XXXX-XXXX-XXXX-XXXX</c>.</summary>
    private static string NewCode()
    {
        var bytes = RandomNumberGenerator.GetBytes(16);
        var chars = new char[16];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = Alphabet[bytes[i] % 32];
        }

        var body = new string(chars);
        return $"SDG-{body[..4]}-{body[4..8]}-{body[8..12]}-{body[12..]}";
    }

    /// <summary>Upper case, without dashes and spaces, Crockford's look-alikes mapped (O→0, I/L→1); null if it cannot be a code.</summary>
    public static string? Normalise(string? code)
    {
        if (string.IsNullOrWhiteSpace(code) || code.Length > 40)
        {
            return null;
        }

        var builder = new StringBuilder(20);
        foreach (var c in code.Trim().ToUpperInvariant())
        {
            if (c is '-' or ' ')
            {
                continue;
            }

            builder.Append(c switch { 'O' => '0', 'I' or 'L' => '1', _ => c });
        }

        var text = builder.ToString();
        if (text.StartsWith("SDG", StringComparison.Ordinal))
        {
            text = text[3..];
        }

        return text.Length == 16 && text.All(c => Alphabet.Contains(c)) ? "SDG-" + text[..4] + "-" + text[4..8] + "-" + text[8..12] + "-" + text[12..] : null;
    }

    private static string Hash(string code) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Normalise(code) ?? code)));
}
