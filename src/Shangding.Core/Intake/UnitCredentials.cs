using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Shangding.Core.Catalog;
using Shangding.Core.Data;

namespace Shangding.Core.Intake;

/// <summary>A newly created credential: the token is shown once and never stored.</summary>
public sealed record IssuedCredential(string KeyId, string Token, string UnitCode, IReadOnlyList<string> Categories);

/// <summary>Who is calling, once a token has been checked.</summary>
public sealed record UnitCaller(string UnitCode, string KeyId, IReadOnlyList<string> Categories);

/// <summary>
/// API credentials of reporting units (system integration, 003 §12(1)). A token is
/// <c>sd_&lt;key id&gt;_&lt;secret&gt;</c>; only a SHA-256 of the 256-bit random secret is stored
/// (a slow password hash adds nothing for a random secret and would cap the API's throughput).
/// A credential is scoped to categories of its unit and can be revoked at once.
/// </summary>
public sealed class UnitCredentials(CatalogDefinition catalog, TimeProvider clock)
{
    public const string Prefix = "sd_";

    public async Task<IssuedCredential> CreateAsync(ShangdingDbContext context, string unitCode, IReadOnlyList<string>? categories, string label, string createdBy, CancellationToken cancellationToken)
    {
        if (catalog.FindUnit(unitCode) is null)
        {
            throw new ArgumentException($"Unknown reporting unit '{unitCode}'.", nameof(unitCode));
        }

        var own = catalog.CategoriesOfUnit(unitCode).Select(c => c.Code).ToList();
        var scope = categories is { Count: > 0 } ? categories : own;
        var outside = scope.Except(own, StringComparer.Ordinal).ToList();
        if (outside.Count > 0)
        {
            throw new ArgumentException($"Unit {unitCode} is not responsible for {string.Join(", ", outside)}; it furnishes {string.Join(", ", own)}.", nameof(categories));
        }

        if (scope.Count == 0)
        {
            throw new ArgumentException($"Unit {unitCode} furnishes no category of the catalogue.", nameof(unitCode));
        }

        var now = clock.GetUtcNow().UtcDateTime;
        if (!await context.Units.AnyAsync(u => u.Code == unitCode, cancellationToken))
        {
            var unit = catalog.FindUnit(unitCode)!;
            context.Units.Add(new Unit { Code = unit.Code, NameZh = unit.NameZh, NameEn = unit.NameEn, CreatedAt = now });
            // Saved first: the model has no navigation between the two, so EF would not order the inserts.
            await context.SaveChangesAsync(cancellationToken);
        }

        var keyId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        var secret = Base64Url(RandomNumberGenerator.GetBytes(32));
        context.UnitCredentials.Add(new UnitCredential
        {
            UnitCode = unitCode,
            KeyId = keyId,
            SecretHash = Hash(secret),
            Categories = string.Join(',', scope),
            Label = label,
            CreatedAt = now,
            CreatedBy = createdBy,
        });
        await context.SaveChangesAsync(cancellationToken);
        return new IssuedCredential(keyId, $"{Prefix}{keyId}_{secret}", unitCode, scope.ToList());
    }

    /// <summary>Checks a token; null if it is malformed, unknown, wrong or revoked.</summary>
    public async Task<UnitCaller?> AuthenticateAsync(ShangdingDbContext context, string token, CancellationToken cancellationToken)
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
        var credential = await context.UnitCredentials.FirstOrDefaultAsync(c => c.KeyId == keyId, cancellationToken);
        if (credential is null || credential.RevokedAt is not null ||
            !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Hash(secret)), Encoding.ASCII.GetBytes(credential.SecretHash)))
        {
            return null;
        }

        // Recorded at most once a minute: a unit's system sends many requests, and a write per
        // request would serialise them on SQLite.
        var now = clock.GetUtcNow().UtcDateTime;
        if (credential.LastUsedAt is not { } last || now - last > TimeSpan.FromMinutes(1))
        {
            credential.LastUsedAt = now;
            await context.SaveChangesAsync(cancellationToken);
        }
        return new UnitCaller(credential.UnitCode, credential.KeyId, credential.Categories.Split(',', StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>Revokes a credential; it stops working at once. Returns false if there is no such key.</summary>
    public async Task<bool> RevokeAsync(ShangdingDbContext context, string keyId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return await context.UnitCredentials.Where(c => c.KeyId == keyId && c.RevokedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.RevokedAt, now), cancellationToken) > 0;
    }

    private static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
