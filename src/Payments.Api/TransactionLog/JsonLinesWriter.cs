using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace Payments.Api.TransactionLog;

/// <summary>
/// Serialises a batch as JSON Lines: one object per event, <c>\n</c>-terminated, UTF-8 without BOM.
/// The event payload is embedded as JSON (not as an escaped string) so consumers read it directly.
/// </summary>
public static class JsonLinesWriter
{
    private static readonly JsonWriterOptions WriterOptions = new() { Indented = false, SkipValidation = false };

    public static byte[] Serialize(TransactionLogBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var buffer = new ArrayBufferWriter<byte>(256 * batch.Events.Count);
        foreach (var logEvent in batch.Events)
        {
            using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
            {
                WriteEvent(writer, logEvent);
            }

            buffer.Write("\n"u8);
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteEvent(Utf8JsonWriter writer, TransactionLogEvent logEvent)
    {
        writer.WriteStartObject();
        writer.WriteString("id", logEvent.EventId);
        writer.WriteString("object", "event");
        writer.WriteNumber("seq", logEvent.Seq);
        writer.WriteString("type", logEvent.EventType);
        writer.WriteString("merchant", logEvent.MerchantId);
        writer.WriteString("object_id", logEvent.ObjectId);
        writer.WriteString(
            "created_at",
            logEvent.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture));
        writer.WritePropertyName("data");
        WritePayload(writer, logEvent);
        writer.WriteEndObject();
    }

    private static void WritePayload(Utf8JsonWriter writer, TransactionLogEvent logEvent)
    {
        try
        {
            // Validates the stored payload: a corrupt row must not produce a corrupt line.
            writer.WriteRawValue(logEvent.Payload, skipInputValidation: false);
        }
        catch (JsonException)
        {
            // Never drop an event: keep the bytes as a string and say so.
            writer.WriteStartObject();
            writer.WriteString("unparsed_payload", logEvent.Payload);
            writer.WriteEndObject();
        }
    }
}
