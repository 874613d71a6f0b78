using System.Security.Cryptography;
using Shangding.Core.Subjects;

namespace Shangding.Core.Tests.Subjects;

public sealed class IdentityProtectorTests
{
    private const string Id = "11010519491231002X";

    private static IdentityProtectionKeys Keys(byte encryptionSeed, byte hashSeed) =>
        new(Enumerable.Range(0, 32).Select(i => (byte)(encryptionSeed + i)).ToArray(),
            Enumerable.Range(0, 32).Select(i => (byte)(hashSeed + 3 * i)).ToArray());

    private readonly IdentityProtector _protector = new(Keys(1, 2));

    [Fact]
    public void Encrypt_ThenDecrypt_RoundTrips()
    {
        _protector.Decrypt(_protector.Encrypt(Id)).ShouldBe(Id);
        _protector.Decrypt(_protector.Encrypt("")).ShouldBe("");
        _protector.Decrypt(_protector.Encrypt("USA110090123456")).ShouldBe("USA110090123456");
    }

    [Fact]
    public void Encrypt_GivesADifferentCiphertextEachTime_WithTheDocumentedLayout()
    {
        var first = _protector.Encrypt(Id);
        var second = _protector.Encrypt(Id);
        first.ShouldNotBe(second);
        first.ShouldNotContain(Id);

        var bytes = Convert.FromBase64String(first);
        bytes[0].ShouldBe(IdentityProtector.CurrentVersion);
        bytes.Length.ShouldBe(1 + 12 + 16 + Id.Length);
        bytes.AsSpan(1, 12).SequenceEqual(Convert.FromBase64String(second).AsSpan(1, 12)).ShouldBeFalse();
    }

    [Fact]
    public void Decrypt_RefusesTamperedCiphertext()
    {
        var bytes = Convert.FromBase64String(_protector.Encrypt(Id));
        for (var position = 0; position < bytes.Length; position++)
        {
            var tampered = (byte[])bytes.Clone();
            tampered[position] ^= 0x01;
            Should.Throw<CryptographicException>(() => _protector.Decrypt(Convert.ToBase64String(tampered)));
        }

        // The pooled cipher that refused them still decrypts (and encrypts) good values, from several threads at once.
        Parallel.For(0, 2_000, i =>
        {
            var value = Id + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            _protector.Decrypt(_protector.Encrypt(value)).ShouldBe(value);
        });
    }

    [Theory]
    [InlineData("not base64!")]
    [InlineData("AQID")]
    [InlineData("")]
    public void Decrypt_RefusesMalformedInput(string value) =>
        Should.Throw<CryptographicException>(() => _protector.Decrypt(value));

    [Fact]
    public void Decrypt_RefusesCiphertextFromAnotherKey() =>
        Should.Throw<CryptographicException>(() => new IdentityProtector(Keys(9, 2)).Decrypt(_protector.Encrypt(Id)));

    [Fact]
    public void LookupHash_IsDeterministicHexAndKeyDependent()
    {
        var hash = _protector.LookupHash(Id);
        hash.ShouldBe(_protector.LookupHash(Id));
        hash.ShouldBe(new IdentityProtector(Keys(1, 2)).LookupHash(Id));
        hash.Length.ShouldBe(IdentityProtector.LookupKeyLength);
        hash.ShouldMatch("^[0-9a-f]{32}$");

        new IdentityProtector(Keys(1, 7)).LookupHash(Id).ShouldNotBe(hash);
        new IdentityProtector(Keys(5, 2)).LookupHash(Id).ShouldBe(hash);
        _protector.LookupHash("11010519491231003X").ShouldNotBe(hash);
    }

    [Fact]
    public void ContentKey_IsTheKeyedHmacOfTheNormalisedIdentifier_AndTheLookupKeyItsFirst128Bits()
    {
        var keys = Keys(1, 2);
        var mac = HMACSHA256.HashData(keys.HashKey.ToArray(), System.Text.Encoding.UTF8.GetBytes(Id));
        var expected = Convert.ToHexStringLower(mac);
        _protector.ContentKey(Id).ShouldBe(expected);
        _protector.ContentKey(" 110105 19491231002x").ShouldBe(expected);
        _protector.LookupHash(Id).ShouldBe(Convert.ToHexStringLower(mac.AsSpan(0, 16)));
        _protector.LookupHash(" 110105 19491231002x").ShouldBe(_protector.LookupHash(Id));
        IdentityProtector.SubjectKeyOf(expected).ShouldBe(_protector.LookupHash(Id));
    }

    [Fact]
    public void Keys_RefuseWrongLengthsAndEqualKeys()
    {
        Should.Throw<ArgumentException>(() => new IdentityProtectionKeys(new byte[16], new byte[32]));
        Should.Throw<ArgumentException>(() => new IdentityProtectionKeys(new byte[32], new byte[31]));
        Should.Throw<ArgumentException>(() => new IdentityProtectionKeys(new byte[32], new byte[32]));
    }
}
