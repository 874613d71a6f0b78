using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;

namespace Shangding.Core.Subjects;

/// <summary>Finds the <see cref="IdentityProtectionKeys"/> in configuration, or in a development key file.</summary>
public static class IdentityKeyStore
{
    /// <summary>Configuration key of the base64 32-byte AES-256-GCM key.</summary>
    public const string EncryptionKeyName = "Security:IdEncryptionKey";

    /// <summary>Configuration key of the base64 32-byte HMAC-SHA256 key.</summary>
    public const string HashKeyName = "Security:IdHashKey";

    private static readonly JsonSerializerOptions IndentedJson = new() { WriteIndented = true };

    private const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerOnlyDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>
    /// Loads the keys from <c>Security:IdEncryptionKey</c> and <c>Security:IdHashKey</c> (base64) in
    /// <paramref name="config"/>. When neither is set and <paramref name="allowGenerate"/> is true
    /// (development and tests), the keys are read from <paramref name="developmentKeyFile"/>, which is
    /// created with fresh random keys on first use (directory created; mode 600 on Unix). The file has
    /// the shape of an appsettings file, so it can also be added as a JSON configuration source.
    /// </summary>
    /// <exception cref="InvalidOperationException">
    /// Keys are missing and generation is not allowed, only one key is set, a key is not base64 or
    /// not 32 bytes, both keys are equal, or the key file is unreadable. The message names the
    /// configuration key or file to fix.
    /// </exception>
    public static IdentityProtectionKeys LoadOrCreate(IConfiguration config, string developmentKeyFile, bool allowGenerate)
    {
        ArgumentNullException.ThrowIfNull(config);
        var encryption = config[EncryptionKeyName];
        var hash = config[HashKeyName];
        var hasEncryption = !string.IsNullOrWhiteSpace(encryption);
        var hasHash = !string.IsNullOrWhiteSpace(hash);

        if (hasEncryption && hasHash)
        {
            return Create(encryption!, hash!, "configuration");
        }

        if (hasEncryption || hasHash)
        {
            var missing = hasEncryption ? HashKeyName : EncryptionKeyName;
            throw new InvalidOperationException(
                $"Only one identity protection key is configured: set {missing} as well (base64 of {IdentityProtectionKeys.KeyLength} random bytes).");
        }

        if (!allowGenerate)
        {
            throw new InvalidOperationException(
                $"The identity protection keys are not configured: set {EncryptionKeyName} and {HashKeyName} " +
                $"(each base64 of {IdentityProtectionKeys.KeyLength} random bytes, e.g. from `openssl rand -base64 32`; the two must differ). " +
                "Keep them secret and backed up: without them stored ID numbers cannot be decrypted or found.");
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(developmentKeyFile);
        var path = Path.GetFullPath(developmentKeyFile);
        if (!File.Exists(path))
        {
            TryCreateKeyFile(path);
        }

        return ReadKeyFile(path);
    }

    private static IdentityProtectionKeys Create(string encryptionBase64, string hashBase64, string source) =>
        CreateChecked(Decode(encryptionBase64, EncryptionKeyName, source), Decode(hashBase64, HashKeyName, source), source);

    private static IdentityProtectionKeys CreateChecked(byte[] encryption, byte[] hash, string source)
    {
        if (encryption.AsSpan().SequenceEqual(hash))
        {
            throw new InvalidOperationException($"{EncryptionKeyName} and {HashKeyName} in {source} must be different keys.");
        }

        return new IdentityProtectionKeys(encryption, hash);
    }

    private static byte[] Decode(string base64, string name, string source)
    {
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(base64.Trim());
        }
        catch (FormatException ex)
        {
            throw new InvalidOperationException($"{name} in {source} is not valid base64: set it to base64 of {IdentityProtectionKeys.KeyLength} random bytes.", ex);
        }

        if (bytes.Length != IdentityProtectionKeys.KeyLength)
        {
            throw new InvalidOperationException(
                $"{name} in {source} is {bytes.Length} bytes long but must be exactly {IdentityProtectionKeys.KeyLength} bytes (base64 of {IdentityProtectionKeys.KeyLength} random bytes, 44 characters).");
        }

        return bytes;
    }

    private static void TryCreateKeyFile(string path)
    {
        var directory = Path.GetDirectoryName(path)!;
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
        }
        else
        {
            Directory.CreateDirectory(directory, OwnerOnlyDirectory);
        }

        var keys = IdentityProtectionKeys.Generate();
        var document = new JsonObject
        {
            ["Security"] = new JsonObject
            {
                ["IdEncryptionKey"] = Convert.ToBase64String(keys.EncryptionKey),
                ["IdHashKey"] = Convert.ToBase64String(keys.HashKey),
            },
        };

        // Write a private temporary file, then move it into place without overwriting: when two
        // processes (web host and CLI) start together, exactly one set of keys wins and both use it.
        var temporary = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerReadWrite;
        }

        try
        {
            using (var stream = new FileStream(temporary, options))
            {
                JsonSerializer.Serialize(stream, document, IndentedJson);
            }

            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(temporary, OwnerReadWrite);
            }

            File.Move(temporary, path, overwrite: false);
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another process created the file first; use its keys.
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    private static IdentityProtectionKeys ReadKeyFile(string path)
    {
        var source = $"the development key file {path}";
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            throw new InvalidOperationException($"Cannot read {source}: fix or delete it (a new one is generated) or configure {EncryptionKeyName} and {HashKeyName}.", ex);
        }

        var encryption = StringAt(root, "IdEncryptionKey");
        var hash = StringAt(root, "IdHashKey");
        if (string.IsNullOrWhiteSpace(encryption) || string.IsNullOrWhiteSpace(hash))
        {
            throw new InvalidOperationException($"{source} lacks Security:IdEncryptionKey or Security:IdHashKey: fix or delete it (a new one is generated).");
        }

        return Create(encryption, hash, source);
    }

    private static string? StringAt(JsonNode? root, string name) =>
        root is JsonObject && root["Security"] is JsonObject security
        && security[name] is JsonValue value && value.TryGetValue<string>(out var text)
            ? text
            : null;
}
