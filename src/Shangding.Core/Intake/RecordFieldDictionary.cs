using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Text.Encodings.Web;
using System.Text.Json;
using Shangding.Core.Catalog;

namespace Shangding.Core.Intake;

/// <summary>
/// The fields of one category in the order the catalogue gives them, worked out once per category: each field's
/// position, which fields a record stores (all but the subject's name, certificate type and number, which live on the
/// subject), and the stored fields in the ordinal order of their codes, the order of a record's canonical JSON.
/// </summary>
public sealed class FieldLayout
{
    private static readonly JavaScriptEncoder Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

    private FieldLayout(Category category)
    {
        Category = category;
        CodeArray = category.Fields.Select(f => f.Code).ToArray();
        // The catalogue loader refuses a category that names a field twice.
        Index = CodeArray.Select((code, i) => (code, i)).ToDictionary(x => x.code, x => x.i, StringComparer.Ordinal);

        Stored = CodeArray.Select(c => c != category.SubjectNameField && c != category.SubjectIdTypeField && c != category.SubjectIdField).ToArray();
        JsonOrder = Enumerable.Range(0, CodeArray.Length).Where(i => Stored[i])
            .OrderBy(i => CodeArray[i], StringComparer.Ordinal).ToArray();
        JsonNames = CodeArray.Select(c => JsonEncodedText.Encode(c, Encoder)).ToArray();
    }

    public Category Category { get; }

    public IReadOnlyList<string> Codes => CodeArray;

    internal string[] CodeArray { get; }

    internal Dictionary<string, int> Index { get; }

    internal bool[] Stored { get; }

    internal int[] JsonOrder { get; }

    internal JsonEncodedText[] JsonNames { get; }

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Category, FieldLayout> Layouts = [];

    /// <summary>The layout of a category (made once per category object).</summary>
    public static FieldLayout Of(Category category) => Layouts.GetValue(category, c => new FieldLayout(c));
}

/// <summary>
/// A record's validated fields: values by the position of their field in the category, the subject's fields and empty
/// fields left out. Reads as a dictionary by field code; <see cref="RecordContent.ToJson(IReadOnlyDictionary{string, object?})"/>
/// writes it without sorting or looking anything up.
/// </summary>
public sealed class RecordFieldDictionary : IReadOnlyDictionary<string, object?>
{
    private readonly object?[] _values;

    internal RecordFieldDictionary(FieldLayout layout, object?[] values)
    {
        Layout = layout;
        _values = values;
    }

    internal FieldLayout Layout { get; }

    internal object? ValueAt(int index) => _values[index];

    private bool Has(int index) => Layout.Stored[index] && _values[index] is not null;

    public object? this[string key] => TryGetValue(key, out var value) ? value : throw new KeyNotFoundException($"No field '{key}' in this record.");

    public IEnumerable<string> Keys => this.Select(kv => kv.Key);

    public IEnumerable<object?> Values => this.Select(kv => kv.Value);

    public int Count => Enumerable.Range(0, _values.Length).Count(Has);

    public bool ContainsKey(string key) => TryGetValue(key, out _);

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out object? value)
    {
        if (Layout.Index.TryGetValue(key, out var index) && Has(index))
        {
            value = _values[index];
            return true;
        }

        value = null;
        return false;
    }

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        for (var i = 0; i < _values.Length; i++)
        {
            if (Has(i))
            {
                yield return new(Layout.CodeArray[i], _values[i]);
            }
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
