using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Shangding.Web.Api;

/// <summary>
/// A record's fields as a unit's system sent them: field code → the value's text. A JSON string gives its contents;
/// any other value (a number, true or false, an object or array) gives its JSON as written, so 1234.50 stays
/// "1234.50" (one with an exponent becomes the decimal it stands for). They are read straight from the request's JSON: as JsonElement values every field became a
/// small JsonDocument of its own (ten thousand of them a 1,000-record request, about 3.5 ms of its CPU).
/// </summary>
[JsonConverter(typeof(RecordFieldsConverter))]
public sealed class RecordFields() : Dictionary<string, string?>(StringComparer.Ordinal)
{
    /// <summary>
    /// Fields sent as JSON other than a string; written back as JSON, not as strings (e.g. in a rejects file): as they came,
    /// but for a number with an exponent, which is written as the decimal it was taken as.
    /// </summary>
    internal HashSet<string>? Verbatim { get; set; }
}

internal sealed class RecordFieldsConverter : JsonConverter<RecordFields>
{
    public override RecordFields Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("'fields' must be an object of field code → value.");
        }

        var fields = new RecordFields();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var code = reader.GetString()!;
            reader.Read();
            string? value;
            var verbatim = false;
            switch (reader.TokenType)
            {
                case JsonTokenType.String:
                    value = reader.GetString();
                    break;
                case JsonTokenType.Null:
                    value = null;
                    break;
                case JsonTokenType.Number or JsonTokenType.True or JsonTokenType.False:
                    value = reader.HasValueSequence ? Encoding.UTF8.GetString(reader.ValueSequence.ToArray()) : Encoding.UTF8.GetString(reader.ValueSpan);
                    // A JSON number may come with an exponent (1.2e2, as some serializers write doubles): it is taken
                    // as the decimal it stands for, which is how a field's number is read. One beyond decimal's range
                    // stays as sent, and is refused as not a number.
                    if (reader.TokenType == JsonTokenType.Number && value.AsSpan().ContainsAny('e', 'E') && reader.TryGetDecimal(out var number))
                    {
                        value = number.ToString(CultureInfo.InvariantCulture);
                    }

                    verbatim = true;
                    break;
                default:
                    using (var document = JsonDocument.ParseValue(ref reader))
                    {
                        value = document.RootElement.GetRawText();
                    }

                    verbatim = true;
                    break;
            }

            // A code sent twice keeps its last value, as a dictionary of JSON values did.
            fields[code] = value;
            if (verbatim)
            {
                (fields.Verbatim ??= new HashSet<string>(StringComparer.Ordinal)).Add(code);
            }
            else
            {
                fields.Verbatim?.Remove(code);
            }
        }

        return fields;
    }

    public override void Write(Utf8JsonWriter writer, RecordFields value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        foreach (var (code, text) in value)
        {
            writer.WritePropertyName(code);
            if (text is null)
            {
                writer.WriteNullValue();
            }
            else if (value.Verbatim?.Contains(code) == true)
            {
                writer.WriteRawValue(text, skipInputValidation: true);
            }
            else
            {
                writer.WriteStringValue(text);
            }
        }

        writer.WriteEndObject();
    }
}
