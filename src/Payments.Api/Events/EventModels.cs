using System.Text.Json;
using System.Text.Json.Serialization;

namespace Payments.Api.Events;

/// <summary>
/// A public event: what happened (<paramref name="Type"/>), when, and the object (payment or refund)
/// as it was right after, as JSON text from the transaction log. <paramref name="Position"/> orders
/// the events of one log row (<paramref name="Seq"/>): the derived <c>payment.created</c> is 0.
/// </summary>
public sealed record PaymentEvent(string Id, string Type, long Seq, int Position, string ObjectId, string ObjectJson, DateTimeOffset Created)
{
    public EventResource ToResource()
    {
        using var document = JsonDocument.Parse(ObjectJson);
        return new EventResource(Id, "event", Type, Created.ToUnixTimeSeconds(), new EventData(document.RootElement.Clone()));
    }
}

/// <summary>The wire form of an event: <c>data.object</c> is the payment or refund as it was at that moment.</summary>
public sealed record EventResource(
    string Id,
    [property: JsonPropertyName("object")] string ObjectType,
    string Type,
    long Created,
    EventData Data);

public sealed record EventData([property: JsonPropertyName("object")] JsonElement Snapshot);

/// <summary>What a list of events is filtered by; <see cref="CreatedGte"/>/<see cref="CreatedLt"/> are unix seconds.</summary>
public sealed record EventFilter(string? Type, long? CreatedGte, long? CreatedLt);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(EventResource))]
[JsonSerializable(typeof(Payments.ListResource<EventResource>))]
public sealed partial class EventsJsonContext : JsonSerializerContext;

public static class EventsJson
{
    // Responses are JSON for machines, never embedded in HTML: relaxed escaping like the payments' wire.
    public static EventsJsonContext Wire { get; } = new(new JsonSerializerOptions(EventsJsonContext.Default.Options)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
