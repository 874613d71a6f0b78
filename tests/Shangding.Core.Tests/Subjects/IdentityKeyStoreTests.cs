using System.Security.Cryptography;
using Microsoft.Extensions.Configuration;
using Shangding.Core.Subjects;

namespace Shangding.Core.Tests.Subjects;

public sealed class IdentityKeyStoreTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "shangding-keys-" + Guid.NewGuid().ToString("N"));

    private string KeyFile => Path.Combine(_directory, "nested", "identity-keys.json");

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private static IConfiguration Config(string? encryption = null, string? hash = null)
    {
        var values = new Dictionary<string, string?>();
        if (encryption is not null)
        {
            values[IdentityKeyStore.EncryptionKeyName] = encryption;
        }

        if (hash is not null)
        {
            values[IdentityKeyStore.HashKeyName] = hash;
        }

        return new ConfigurationBuilder().AddInMemoryCollection(values).Build();
    }

    private static string RandomKey(int bytes = 32) => Convert.ToBase64String(RandomNumberGenerator.GetBytes(bytes));

    [Fact]
    public void LoadOrCreate_UsesConfiguredKeys_WithoutTouchingTheFile()
    {
        var encryption = RandomKey();
        var hash = RandomKey();
        var keys = IdentityKeyStore.LoadOrCreate(Config(encryption, hash), KeyFile, allowGenerate: true);

        Convert.ToBase64String(keys.EncryptionKey).ShouldBe(encryption);
        Convert.ToBase64String(keys.HashKey).ShouldBe(hash);
        File.Exists(KeyFile).ShouldBeFalse();
    }

    [Fact]
    public void LoadOrCreate_GeneratesOnce_AndReusesTheFileOnLaterRuns()
    {
        var first = IdentityKeyStore.LoadOrCreate(Config(), KeyFile, allowGenerate: true);
        File.Exists(KeyFile).ShouldBeTrue();
        Directory.GetFiles(Path.GetDirectoryName(KeyFile)!).Length.ShouldBe(1);

        var second = IdentityKeyStore.LoadOrCreate(Config(), KeyFile, allowGenerate: true);
        second.EncryptionKey.SequenceEqual(first.EncryptionKey).ShouldBeTrue();
        second.HashKey.SequenceEqual(first.HashKey).ShouldBeTrue();
        first.EncryptionKey.SequenceEqual(first.HashKey).ShouldBeFalse();

        var protector = new IdentityProtector(first);
        new IdentityProtector(second).Decrypt(protector.Encrypt("11010519491231002X")).ShouldBe("11010519491231002X");
    }

    [Fact]
    public void LoadOrCreate_WritesTheKeyFileReadableByTheOwnerOnly()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        IdentityKeyStore.LoadOrCreate(Config(), KeyFile, allowGenerate: true);
        File.GetUnixFileMode(KeyFile).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    [Fact]
    public void LoadOrCreate_KeyFileCanServeAsAConfigurationSource()
    {
        var generated = IdentityKeyStore.LoadOrCreate(Config(), KeyFile, allowGenerate: true);
        var json = File.ReadAllText(KeyFile);
        json.ShouldContain("\"Security\"");
        json.ShouldContain("\"IdEncryptionKey\"");
        json.ShouldContain("\"IdHashKey\"");

        var document = System.Text.Json.JsonDocument.Parse(json).RootElement.GetProperty("Security");
        var reloaded = IdentityKeyStore.LoadOrCreate(
            Config(document.GetProperty("IdEncryptionKey").GetString(), document.GetProperty("IdHashKey").GetString()),
            Path.Combine(_directory, "unused.json"),
            allowGenerate: false);
        reloaded.HashKey.SequenceEqual(generated.HashKey).ShouldBeTrue();
    }

    [Fact]
    public void LoadOrCreate_WithoutKeysAndWithoutGeneration_NamesTheSettingsToSet()
    {
        var ex = Should.Throw<InvalidOperationException>(() => IdentityKeyStore.LoadOrCreate(Config(), KeyFile, allowGenerate: false));
        ex.Message.ShouldContain("Security:IdEncryptionKey");
        ex.Message.ShouldContain("Security:IdHashKey");
        File.Exists(KeyFile).ShouldBeFalse();
    }

    [Theory]
    [InlineData(16, 32, "Security:IdEncryptionKey")]
    [InlineData(32, 31, "Security:IdHashKey")]
    [InlineData(64, 32, "Security:IdEncryptionKey")]
    public void LoadOrCreate_RefusesWrongLengthKeys(int encryptionBytes, int hashBytes, string named)
    {
        var ex = Should.Throw<InvalidOperationException>(
            () => IdentityKeyStore.LoadOrCreate(Config(RandomKey(encryptionBytes), RandomKey(hashBytes)), KeyFile, allowGenerate: true));
        ex.Message.ShouldContain(named);
        ex.Message.ShouldContain("32 bytes");
    }

    [Fact]
    public void LoadOrCreate_RefusesInvalidBase64_OnlyOneKey_AndEqualKeys()
    {
        Should.Throw<InvalidOperationException>(() => IdentityKeyStore.LoadOrCreate(Config("not*base64", RandomKey()), KeyFile, true))
            .Message.ShouldContain("base64");
        Should.Throw<InvalidOperationException>(() => IdentityKeyStore.LoadOrCreate(Config(RandomKey()), KeyFile, true))
            .Message.ShouldContain("Security:IdHashKey");
        var same = RandomKey();
        Should.Throw<InvalidOperationException>(() => IdentityKeyStore.LoadOrCreate(Config(same, same), KeyFile, true))
            .Message.ShouldContain("different");
    }

    [Fact]
    public void LoadOrCreate_RefusesAKeyFileWithWrongLengthKeys()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(KeyFile)!);
        File.WriteAllText(KeyFile, $$"""{ "Security": { "IdEncryptionKey": "{{RandomKey(16)}}", "IdHashKey": "{{RandomKey()}}" } }""");
        var ex = Should.Throw<InvalidOperationException>(() => IdentityKeyStore.LoadOrCreate(Config(), KeyFile, allowGenerate: true));
        ex.Message.ShouldContain(KeyFile);
        ex.Message.ShouldContain("32 bytes");
    }
}
