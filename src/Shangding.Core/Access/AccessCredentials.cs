using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Shangding.Core.Data;

namespace Shangding.Core.Access;

/// <summary>A querying account's API caller once its token has been checked.</summary>
public sealed record QueryCaller(long AccountId, string Role, string Name, string? UnitCode, string KeyId);

/// <summary>
/// API credentials of querying accounts — third-party organisations and government bodies — on the
/// pattern of <see cref="Intake.UnitCredentials"/>: <c>sdq_&lt;key id&gt;_&lt;secret&gt;</c>, only a SHA-256 of
/// the 256-bit secret stored, shown once, revocable at once.
/// </summary>
public sealed class AccessCredentials(TimeProvider clock)
{
    public const string Prefix = "sdq_";

    public async Task<(string KeyId, string Token)> CreateAsync(ShangdingDbContext context, long accountId, string label, string createdBy, CancellationToken cancellationToken)
    {
        var account = await context.Accounts.AsNoTracking().FirstOrDefaultAsync(a => a.Id == accountId, cancellationToken);
        if (account is null || account.Role is not (Roles.ThirdParty or Roles.GovernmentQuerier))
        {
            throw new AccessException("只有第三方机构和政府查询账户可以获得接口凭证。", "Only third-party and government querying accounts get API credentials.");
        }

        var keyId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        var secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        context.AccessCredentials.Add(new AccessCredential
        {
            AccountId = accountId,
            KeyId = keyId,
            SecretHash = Hash(secret),
            Label = label,
            CreatedAt = clock.GetUtcNow().UtcDateTime,
            CreatedBy = createdBy,
        });
        await context.SaveChangesAsync(cancellationToken);
        return (keyId, $"{Prefix}{keyId}_{secret}");
    }

    /// <summary>Checks a token; null if malformed, unknown, wrong, revoked, or its account is disabled.</summary>
    public async Task<QueryCaller?> AuthenticateAsync(ShangdingDbContext context, string token, CancellationToken cancellationToken)
    {
        if (!token.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var separator = token.IndexOf('_', Prefix.Length);
        if (separator < 0)
        {
            return null;
        }

        var keyId = token[Prefix.Length..separator];
        var secret = token[(separator + 1)..];
        var credential = await context.AccessCredentials.FirstOrDefaultAsync(c => c.KeyId == keyId, cancellationToken);
        if (credential is null || credential.RevokedAt is not null ||
            !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Hash(secret)), Encoding.ASCII.GetBytes(credential.SecretHash)))
        {
            return null;
        }

        var account = await context.Accounts.AsNoTracking().FirstOrDefaultAsync(a => a.Id == credential.AccountId, cancellationToken);
        if (account is null || account.Disabled || account.Role is not (Roles.ThirdParty or Roles.GovernmentQuerier))
        {
            return null;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        if (credential.LastUsedAt is not { } last || now - last > TimeSpan.FromMinutes(1))
        {
            credential.LastUsedAt = now;
            await context.SaveChangesAsync(cancellationToken);
        }

        return new QueryCaller(account.Id, account.Role, account.DisplayName, account.UnitCode, keyId);
    }

    public async Task<bool> RevokeAsync(ShangdingDbContext context, string keyId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return await context.AccessCredentials.Where(c => c.KeyId == keyId && c.RevokedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.RevokedAt, now), cancellationToken) > 0;
    }

    private static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));
}
