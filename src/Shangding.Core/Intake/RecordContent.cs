using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Shangding.Core.Intake;

/// <summary>
/// The stored form of a record's category fields: a JSON object with keys in ordinal order and
/// without the subject's identifying fields (name, certificate type and number live, protected, on
/// the subject). Its hash tells a re-sent, unchanged record from a changed one.
/// </summary>
public static class RecordContent
{
    private static readonly JsonSerializerOptions Options = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        WriteIndented = false,
    };

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
    };

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? _buffer;

    [ThreadStatic]
    private static List<KeyValuePair<string, object>>? _sorted;

    [ThreadStatic]
    private static Utf8JsonWriter? _writer;

    // One SHA-256 context per thread, reset after each hash: a one-shot hash sets up an OpenSSL context every call.
    [ThreadStatic]
    private static IncrementalHash? _sha;

    /// <summary>Serialises the values (null values dropped) in a canonical order, numbers in their canonical form (<see cref="CanonicalNumber"/>).</summary>
    public static string ToJson(IReadOnlyDictionary<string, object?> values) => Encoding.UTF8.GetString(Write(values, canonicalNumbers: true));

    /// <summary><see cref="ToJson"/> as the UTF-8 bytes it is stored as.</summary>
    public static byte[] ToJsonUtf8(IReadOnlyDictionary<string, object?> values) => Write(values, canonicalNumbers: true).ToArray();

    /// <summary>
    /// The form records were stored in before migration 0024: decimals with the digits they were sent with (820.50 and
    /// 820.5 apart). Only the migration that brings stored records to the canonical form reads it, to check it reproduces
    /// a stored record's hash before it rewrites it.
    /// </summary>
    internal static byte[] ToJsonUtf8AsSent(IReadOnlyDictionary<string, object?> values) => Write(values, canonicalNumbers: false).ToArray();

    /// <summary>
    /// A decimal without trailing zeros after its point: 820.50, 820.5 and 820.500 are one value and one stored form (820.5),
    /// whichever channel sent it — an Excel number cell (820.5), a CSV or form cell as typed (820.50), a JSON number
    /// (820.50 or 8.205e2). Without it the same record sent through two channels hashed apart and read "updated".
    /// A unit's record and dispute pages show and pre-fill money with two decimals (<c>RecordRows.CurrentValues</c>); the API
    /// and a subject's export give the stored number (820.5).
    /// </summary>
    public static decimal CanonicalNumber(decimal value)
    {
        while (value.Scale > 0)
        {
            var shorter = decimal.Round(value, value.Scale - 1);
            if (shorter != value)
            {
                break;
            }

            value = shorter;
        }

        return value;
    }

    /// <remarks>
    /// Written directly with one <see cref="Utf8JsonWriter"/> a thread, reset for each record — the same text the serializer gives for a
    /// <see cref="SortedDictionary{TKey, TValue}"/> with ordinal keys, without its per-row allocations. A validated record's fields
    /// (<see cref="RecordFieldDictionary"/>) come with their order and encoded names worked out once for the category.
    /// </remarks>
    private static ReadOnlySpan<byte> Write(IReadOnlyDictionary<string, object?> values, bool canonicalNumbers)
    {
        var buffer = _buffer ??= new ArrayBufferWriter<byte>(1024);
        buffer.ResetWrittenCount();
        var writer = _writer ??= new Utf8JsonWriter(buffer, WriterOptions);
        writer.Reset(buffer);
        writer.WriteStartObject();
        if (values is RecordFieldDictionary fields)
        {
            var layout = fields.Layout;
            foreach (var index in layout.JsonOrder)
            {
                if (fields.ValueAt(index) is { } value)
                {
                    writer.WritePropertyName(layout.JsonNames[index]);
                    WriteValue(writer, value, canonicalNumbers);
                }
            }
        }
        else
        {
            var sorted = _sorted ??= new List<KeyValuePair<string, object>>(32);
            sorted.Clear();
            foreach (var (key, value) in values)
            {
                if (value is not null)
                {
                    sorted.Add(new(key, value));
                }
            }

            sorted.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
            foreach (var (key, value) in sorted)
            {
                writer.WritePropertyName(key);
                WriteValue(writer, value, canonicalNumbers);
            }

            sorted.Clear();
        }

        writer.WriteEndObject();
        writer.Flush();
        return buffer.WrittenSpan;
    }

    private static void WriteValue(Utf8JsonWriter writer, object value, bool canonicalNumbers)
    {
        switch (value)
        {
            case string text:
                writer.WriteStringValue(text);
                break;
            case long integer:
                writer.WriteNumberValue(integer);
                break;
            case int integer:
                writer.WriteNumberValue(integer);
                break;
            case decimal number:
                writer.WriteNumberValue(canonicalNumbers ? CanonicalNumber(number) : number);
                break;
            default:
                JsonSerializer.Serialize(writer, value, value.GetType(), Options);
                break;
        }
    }

    /// <summary>A hash over everything that makes the record what it is, used to detect unchanged re-sends.</summary>
    public static string Hash(string categoryCode, string subjectKey, DateOnly? actDate, string fieldsJson)
    {
        var rented = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(fieldsJson.Length));
        try
        {
            var length = Encoding.UTF8.GetBytes(fieldsJson, rented);
            return Hash(categoryCode, subjectKey, actDate, rented.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// SHA-256 over the UTF-8 of "category ␟ subject ␟ yyyy-MM-dd ␟ fields"; the first 16 bytes in hex. The fields come as
    /// the UTF-8 they are stored as.
    /// </summary>
    public static string Hash(string categoryCode, ReadOnlySpan<char> subjectKey, DateOnly? actDate, ReadOnlySpan<byte> fieldsUtf8)
    {
        Span<char> date = stackalloc char[IsoDate.Length];
        var dateLength = 0;
        if (actDate is { } d)
        {
            IsoDate.Write(d, date);
            dateLength = IsoDate.Length;
        }

        var length = Encoding.UTF8.GetMaxByteCount(categoryCode.Length + subjectKey.Length + dateLength + 3) + fieldsUtf8.Length;
        var rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var at = Encoding.UTF8.GetBytes(categoryCode, rented);
            rented[at++] = 0x1f;
            at += Encoding.UTF8.GetBytes(subjectKey, rented.AsSpan(at));
            rented[at++] = 0x1f;
            at += Encoding.UTF8.GetBytes(date[..dateLength], rented.AsSpan(at));
            rented[at++] = 0x1f;
            fieldsUtf8.CopyTo(rented.AsSpan(at));
            at += fieldsUtf8.Length;
            Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
            var sha = _sha ??= IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            sha.AppendData(rented.AsSpan(0, at));
            sha.GetHashAndReset(hash);
            return Convert.ToHexStringLower(hash[..16]);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
