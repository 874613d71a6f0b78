namespace Shangding.Core.Subjects;

/// <summary>
/// The two secrets that protect identifiers at rest: a 32-byte AES-256-GCM key for the stored
/// identifier and a separate 32-byte HMAC-SHA256 key for the look-up hash. They must differ, so
/// that disclosure of one does not give away the other's function.
/// </summary>
public sealed class IdentityProtectionKeys
{
    /// <summary>The required length in bytes of each key.</summary>
    public const int KeyLength = 32;

    private readonly byte[] _encryptionKey;
    private readonly byte[] _hashKey;

    /// <param name="encryptionKey">32 bytes for AES-256-GCM.</param>
    /// <param name="hashKey">32 bytes for HMAC-SHA256.</param>
    /// <exception cref="ArgumentException">A key is not 32 bytes long, or both keys are equal.</exception>
    public IdentityProtectionKeys(byte[] encryptionKey, byte[] hashKey)
    {
        ArgumentNullException.ThrowIfNull(encryptionKey);
        ArgumentNullException.ThrowIfNull(hashKey);
        if (encryptionKey.Length != KeyLength)
        {
            throw new ArgumentException($"The identifier encryption key must be {KeyLength} bytes, not {encryptionKey.Length}.", nameof(encryptionKey));
        }

        if (hashKey.Length != KeyLength)
        {
            throw new ArgumentException($"The identifier hash key must be {KeyLength} bytes, not {hashKey.Length}.", nameof(hashKey));
        }

        if (encryptionKey.AsSpan().SequenceEqual(hashKey))
        {
            throw new ArgumentException("The identifier encryption key and hash key must be different.", nameof(hashKey));
        }

        _encryptionKey = (byte[])encryptionKey.Clone();
        _hashKey = (byte[])hashKey.Clone();
    }

    /// <summary>The AES-256-GCM key.</summary>
    public ReadOnlySpan<byte> EncryptionKey => _encryptionKey;

    /// <summary>The HMAC-SHA256 key.</summary>
    public ReadOnlySpan<byte> HashKey => _hashKey;

    /// <summary>Two fresh random keys from the operating system's cryptographic generator.</summary>
    public static IdentityProtectionKeys Generate() =>
        new(System.Security.Cryptography.RandomNumberGenerator.GetBytes(KeyLength),
            System.Security.Cryptography.RandomNumberGenerator.GetBytes(KeyLength));
}
