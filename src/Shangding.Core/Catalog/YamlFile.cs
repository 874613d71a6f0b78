using System.Globalization;
using System.Text;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Shangding.Core.Catalog;

/// <summary>Reads one YAML file of the catalogue; every failure names the file and the line.</summary>
internal sealed class YamlFile
{
    private YamlFile(string displayPath, YamlMappingNode root)
    {
        DisplayPath = displayPath;
        Root = root;
    }

    public string DisplayPath { get; }

    public YamlMappingNode Root { get; }

    public static YamlFile Open(string path, string displayPath)
    {
        var stream = new YamlStream();
        try
        {
            using var reader = new StreamReader(path, Encoding.UTF8);
            stream.Load(reader);
        }
        catch (YamlException ex)
        {
            throw new CatalogLoadException(displayPath, ex.Start.Line, ex.Start.Column, $"not valid YAML: {ex.Message}", ex);
        }

        if (stream.Documents.Count != 1)
        {
            throw new CatalogLoadException(displayPath, 0, 0, $"expected exactly one YAML document, found {stream.Documents.Count}");
        }

        if (stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            var node = stream.Documents[0].RootNode;
            throw new CatalogLoadException(displayPath, node.Start.Line, node.Start.Column, "the file must be a mapping at its top level");
        }

        return new YamlFile(displayPath, root);
    }

    public CatalogLoadException Error(YamlNode node, string problem) =>
        new(DisplayPath, node.Start.Line, node.Start.Column, problem);

    public YamlMappingNode Mapping(YamlNode node, string what) =>
        node as YamlMappingNode ?? throw Error(node, $"{what} must be a mapping");

    public YamlSequenceNode Sequence(YamlNode node, string what) =>
        node as YamlSequenceNode ?? throw Error(node, $"{what} must be a list");

    /// <summary>Refuses keys the format does not know, so a misspelt key is not silently ignored.</summary>
    public void OnlyKeys(YamlMappingNode map, string what, params string[] allowed)
    {
        foreach (var key in map.Children.Keys)
        {
            var name = (key as YamlScalarNode)?.Value ?? string.Empty;
            if (!allowed.Contains(name, StringComparer.Ordinal))
            {
                throw Error(key, $"unknown key '{name}' in {what}; allowed keys: {string.Join(", ", allowed)}");
            }
        }
    }

    public YamlNode? Get(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

    public YamlNode Required(YamlMappingNode map, string key, string what) =>
        Get(map, key) ?? throw Error(map, $"{what} has no '{key}'");

    public string RequiredString(YamlMappingNode map, string key, string what)
    {
        var value = OptionalString(map, key, what);
        return string.IsNullOrWhiteSpace(value) ? throw Error(Get(map, key) ?? map, $"{what} has no '{key}'") : value;
    }

    public string? OptionalString(YamlMappingNode map, string key, string what)
    {
        var node = Get(map, key);
        if (node is null)
        {
            return null;
        }

        if (node is not YamlScalarNode scalar)
        {
            throw Error(node, $"'{key}' of {what} must be a single value");
        }

        return IsNull(scalar) ? null : scalar.Value!.Trim();
    }

    public bool OptionalBool(YamlMappingNode map, string key, string what, bool defaultValue)
    {
        var text = OptionalString(map, key, what);
        return text switch
        {
            null => defaultValue,
            "true" => true,
            "false" => false,
            _ => throw Error(Get(map, key)!, $"'{key}' of {what} must be true or false, not '{text}'"),
        };
    }

    public int? OptionalPositiveInt(YamlMappingNode map, string key, string what)
    {
        var text = OptionalString(map, key, what);
        if (text is null)
        {
            return null;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : throw Error(Get(map, key)!, $"'{key}' of {what} must be a positive whole number, not '{text}'");
    }

    /// <summary>A list of strings; a missing key gives an empty list.</summary>
    public List<(string Value, YamlNode Node)> StringList(YamlMappingNode map, string key, string what)
    {
        var node = Get(map, key);
        if (node is null || node is YamlScalarNode { Value: null or "" or "~" or "null" })
        {
            return [];
        }

        var list = new List<(string, YamlNode)>();
        foreach (var item in Sequence(node, $"'{key}' of {what}"))
        {
            if (item is not YamlScalarNode { Value: { } value } || string.IsNullOrWhiteSpace(value))
            {
                throw Error(item, $"every item of '{key}' of {what} must be a non-empty single value");
            }

            list.Add((value.Trim(), item));
        }

        return list;
    }

    /// <summary>Parses an enum written in snake_case (e.g. social_morality for SocialMorality).</summary>
    public TEnum RequiredEnum<TEnum>(YamlMappingNode map, string key, string what)
        where TEnum : struct, Enum =>
        OptionalEnum<TEnum>(map, key, what) ?? throw Error(map, $"{what} has no '{key}'; allowed: {Allowed<TEnum>()}");

    public TEnum? OptionalEnum<TEnum>(YamlMappingNode map, string key, string what)
        where TEnum : struct, Enum
    {
        var text = OptionalString(map, key, what);
        if (text is null)
        {
            return null;
        }

        foreach (var value in Enum.GetValues<TEnum>())
        {
            if (string.Equals(SnakeCase(value.ToString()), text, StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }

        throw Error(Get(map, key)!, $"unknown {key} '{text}' in {what}; allowed: {Allowed<TEnum>()}");
    }

    public static string SnakeCase(string pascal)
    {
        var builder = new StringBuilder();
        for (var i = 0; i < pascal.Length; i++)
        {
            if (i > 0 && char.IsUpper(pascal[i]) && char.IsLower(pascal[i - 1]))
            {
                builder.Append('_');
            }

            builder.Append(char.ToLowerInvariant(pascal[i]));
        }

        return builder.ToString();
    }

    private static string Allowed<TEnum>()
        where TEnum : struct, Enum =>
        string.Join(", ", Enum.GetValues<TEnum>().Select(v => SnakeCase(v.ToString())));

    private static bool IsNull(YamlScalarNode scalar) =>
        scalar.Value is null
        || (scalar.Style == YamlDotNet.Core.ScalarStyle.Plain && scalar.Value is "" or "~" or "null");
}
