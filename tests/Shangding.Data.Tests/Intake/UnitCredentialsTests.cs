using Shangding.Core.Data;
using Shangding.Core.Intake;
using Shangding.Testing;

namespace Shangding.Data.Tests.Intake;

public sealed class UnitCredentialsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [AllEngines]
    public async Task ACredential_CanBeIssuedOnAFreshDatabase_ChecksItsSecret_AndStopsWhenRevoked(DatabaseProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var credentials = new UnitCredentials(TestPlatform.Catalog, TimeProvider.System);
        await using var context = db.NewContext();
        var issued = await credentials.CreateAsync(context, "HEATING", null, "billing", "test", Ct);
        issued.Categories.ShouldContain("P-ARREARS-HEAT");
        // The secret follows "{prefix}{keyId}_"; itself base64url, it may hold '_' (split there, a one-letter piece of it
        // turned up in the hash's hex digits).
        var secret = issued.Token[(issued.Token.IndexOf(issued.KeyId + "_", StringComparison.Ordinal) + issued.KeyId.Length + 1)..];
        secret.Length.ShouldBeGreaterThan(20);
        context.UnitCredentials.Single().SecretHash.ShouldNotContain(secret);

        (await credentials.AuthenticateAsync(context, issued.Token, Ct))!.UnitCode.ShouldBe("HEATING");
        (await credentials.AuthenticateAsync(context, issued.Token + "x", Ct)).ShouldBeNull();
        (await credentials.RevokeAsync(context, issued.KeyId, Ct)).ShouldBeTrue();
        await using var fresh = db.NewContext();
        (await credentials.AuthenticateAsync(fresh, issued.Token, Ct)).ShouldBeNull();
    }
}
