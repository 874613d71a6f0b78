using Shangding.Core.Catalog;
using Shangding.Core.Subjects;

namespace Shangding.Testing;

/// <summary>Shared, loaded once: the real catalogue and a protector with test keys.</summary>
public static class TestPlatform
{
    private static readonly Lazy<CatalogDefinition> LazyCatalog = new(() => CatalogLoader.Load(RepoPaths.Catalog));

    public static CatalogDefinition Catalog => LazyCatalog.Value;

    public static IdentityProtectionKeys Keys { get; } = IdentityProtectionKeys.Generate();

    public static IdentityProtector Protector { get; } = new(Keys);

    /// <summary>A valid resident ID number born on the given date with the given 3-digit sequence (Zhengzhou Jinshui district).</summary>
    public static string ResidentId(DateOnly birth, int sequence, string region = "410105")
    {
        var first17 = $"{region}{birth:yyyyMMdd}{sequence:000}";
        return first17 + ResidentIdNumber.ComputeCheckDigit(first17);
    }
}
