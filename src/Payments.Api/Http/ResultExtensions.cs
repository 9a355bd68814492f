using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Payments.Api.Http;

public static class ResultExtensions
{
    public static ApiResult Json<T>(this IResultExtensions _, int statusCode, T value, JsonTypeInfo<T> typeInfo) =>
        new(statusCode, JsonSerializer.SerializeToUtf8Bytes(value, typeInfo));

    public static ApiResult Error(this IResultExtensions _, int statusCode, ErrorBody error) =>
        new(statusCode, PaymentsJson.ErrorBytes(error));
}
