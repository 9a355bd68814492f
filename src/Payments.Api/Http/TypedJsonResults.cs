using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http.Metadata;

namespace Payments.Api.Http;

/// <summary>An HTTP status as a type, so that a handler's <c>Results&lt;…&gt;</c> signature names every status it answers.</summary>
public interface IHttpStatus
{
    static abstract int Code { get; }
}

public sealed class Status400 : IHttpStatus
{
    public static int Code => StatusCodes.Status400BadRequest;
}

public sealed class Status402 : IHttpStatus
{
    public static int Code => StatusCodes.Status402PaymentRequired;
}

public sealed class Status404 : IHttpStatus
{
    public static int Code => StatusCodes.Status404NotFound;
}

public sealed class Status409 : IHttpStatus
{
    public static int Code => StatusCodes.Status409Conflict;
}

/// <summary>
/// A JSON body of <typeparamref name="T"/> with status <typeparamref name="TStatus"/>, serialized once
/// (with the wire's source-generated contract) and sent as bytes; its type and status are endpoint
/// metadata, so the OpenAPI document takes them from the handler's signature.
/// </summary>
public class JsonResult<T, TStatus> : IResult, IEndpointMetadataProvider, IStatusCodeHttpResult, IContentTypeHttpResult
    where TStatus : IHttpStatus
{
    private readonly ApiResult result;

    public JsonResult(byte[] body)
    {
        result = new ApiResult(TStatus.Code, body);
    }

    public JsonResult(T value, JsonTypeInfo<T> typeInfo)
        : this(JsonSerializer.SerializeToUtf8Bytes(value, typeInfo))
    {
    }

    public int? StatusCode => TStatus.Code;

    public string ContentType => "application/json";

    public Task ExecuteAsync(HttpContext httpContext) => result.ExecuteAsync(httpContext);

#pragma warning disable CA1000 // IEndpointMetadataProvider is a static abstract interface: the framework calls it on the type.
    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Metadata.Add(new ProducesResponseTypeMetadata(TStatus.Code, typeof(T), ["application/json"]));
    }
#pragma warning restore CA1000
}

public sealed class Status200 : IHttpStatus
{
    public static int Code => StatusCodes.Status200OK;
}

public sealed class Status201 : IHttpStatus
{
    public static int Code => StatusCodes.Status201Created;
}

/// <summary>200 with a <typeparamref name="T"/>.</summary>
public sealed class JsonOk<T> : JsonResult<T, Status200>
{
    public JsonOk(byte[] body)
        : base(body)
    {
    }

    public JsonOk(T value, JsonTypeInfo<T> typeInfo)
        : base(value, typeInfo)
    {
    }
}

/// <summary>201 with the created <typeparamref name="T"/>.</summary>
public sealed class JsonCreated<T> : JsonResult<T, Status201>
{
    public JsonCreated(byte[] body)
        : base(body)
    {
    }
}

/// <summary>The API's error object with status <typeparamref name="TStatus"/>.</summary>
public sealed class ErrorResult<TStatus> : JsonResult<ErrorEnvelope, TStatus>
    where TStatus : IHttpStatus
{
    public ErrorResult(ErrorBody error)
        : base(PaymentsJson.ErrorBytes(error))
    {
    }
}
