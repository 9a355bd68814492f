using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Payments.Api.Tests.Infrastructure;

namespace Payments.Api.Tests.Http;

/// <summary>
/// One error code per field, whatever makes the value unusable: a wrong JSON type, a number beyond
/// the field's range or beyond 64/32 bits, text that is not valid Unicode. Lengths count Unicode code
/// points, as the document's <c>maxLength</c> does.
/// </summary>
public abstract class FieldErrorTests(ApiFixture fixture) : ApiTestBase(fixture)
{
    private static readonly int Year = DateTime.UtcNow.Year + 2;

    public static TheoryData<string, string, string, string> Cases() => new()
    {
        // field, raw JSON value, code, param
        { "amount", "9223372036854775808", "amount_invalid", "amount" },
        { "amount", "-9223372036854775809", "amount_invalid", "amount" },
        { "amount", "100000000", "amount_invalid", "amount" },
        { "amount", "\"100\"", "amount_invalid", "amount" },
        { "amount", "19.99", "amount_invalid", "amount" },
        { "amount", "true", "amount_invalid", "amount" },
        { "currency", "\"USD\"", "currency_invalid", "currency" },
        { "currency", "840", "currency_invalid", "currency" },
        { "currency", "\"\\ud800sd\"", "currency_invalid", "currency" },
        { "exp_year", "2147483648", "invalid_expiry_year", "payment_method.card.exp_year" },
        { "exp_year", "10000", "invalid_expiry_year", "payment_method.card.exp_year" },
        { "exp_year", "\"2030\"", "invalid_expiry_year", "payment_method.card.exp_year" },
        { "exp_year", "2020", "invalid_expiry_year", "payment_method.card.exp_year" },
        { "exp_month", "4294967296", "invalid_expiry_month", "payment_method.card.exp_month" },
        { "exp_month", "13", "invalid_expiry_month", "payment_method.card.exp_month" },
        { "exp_month", "1.5", "invalid_expiry_month", "payment_method.card.exp_month" },
        { "number", "4242424242424242", "invalid_number", "payment_method.card.number" },
        { "number", "\"4242\\udc00424242424242\"", "invalid_number", "payment_method.card.number" },
        { "cvc", "123", "invalid_cvc", "payment_method.card.cvc" },
        { "cvc", "\"1\\ud83d\"", "invalid_cvc", "payment_method.card.cvc" },
        { "description", "\"lone \\ud800 surrogate\"", "parameter_invalid", "description" },
        { "description", "\"reversed \\udc00\\ud800 pair\"", "parameter_invalid", "description" },
        { "description", "7", "parameter_invalid", "description" },
        { "metadata", "{\"k\": \"\\udfff\"}", "parameter_invalid", "metadata.k" },
        { "capture", "\"yes\"", "parameter_invalid", "capture" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task An_unusable_value_gets_the_fields_one_code(string field, string value, string code, string param)
    {
        var reply = await PostAsync(A, "/v1/payments", Body(field, value));

        Assert.True(reply.Status == HttpStatusCode.BadRequest, reply.ToString());
        Assert.Equal(code, reply.ErrorCode);
        Assert.Equal(param, reply.ErrorParam);
        Assert.DoesNotContain("wrong JSON type", reply.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalid_UTF8_in_a_string_is_that_fields_error()
    {
        var text = Body("description", "\"a@b\"");
        var at = text.IndexOf('@', StringComparison.Ordinal);
        byte[] body = [.. Encoding.UTF8.GetBytes(text[..at]), 0xC3, 0x28, .. Encoding.UTF8.GetBytes(text[(at + 1)..])];
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        using var response = await A.PostAsync(new Uri("/v1/payments", UriKind.Relative), content);
        var reply = await Reply.ReadAsync(response);

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal("parameter_invalid", reply.ErrorCode);
        Assert.Equal("description", reply.ErrorParam);
    }

    [Fact]
    public async Task Lengths_count_code_points_not_UTF16_units()
    {
        const string emoji = "\U0001F600"; // two UTF-16 units, one code point
        var fits = await PostAsync(A, "/v1/payments", PaymentBody(extra: $$$""", "description": "{{{string.Concat(Enumerable.Repeat(emoji, 1000))}}}", "metadata": {"{{{string.Concat(Enumerable.Repeat(emoji, 40))}}}": "{{{string.Concat(Enumerable.Repeat(emoji, 500))}}}"}"""));
        var tooLong = await PostAsync(A, "/v1/payments", PaymentBody(extra: $$$""", "description": "{{{string.Concat(Enumerable.Repeat(emoji, 1001))}}}" """));

        Assert.True(fits.Status == HttpStatusCode.Created, fits.ToString());
        Assert.Equal(2000, fits.Json.GetProperty("description").GetString()!.Length);
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.Status);
        Assert.Equal("description", tooLong.ErrorParam);
    }

    [Fact]
    public async Task A_four_digit_expiry_year_far_ahead_is_accepted()
    {
        var reply = await PostAsync(A, "/v1/payments", Body("exp_year", "9999"));

        Assert.True(reply.Status == HttpStatusCode.Created, reply.ToString());
        Assert.Equal(9999, reply.Json.GetProperty("card").GetProperty("exp_year").GetInt32());
    }

    private static string Body(string field, string value)
    {
        string Value(string name, string valid) => name == field ? value : valid;
        return $$$"""
            {"amount": {{{Value("amount", "1999")}}}, "currency": {{{Value("currency", "\"usd\"")}}}, "capture": {{{Value("capture", "true")}}},
             "description": {{{Value("description", "\"d\"")}}}, "metadata": {{{Value("metadata", "{}")}}},
             "payment_method": {"card": {"number": {{{Value("number", "\"4242424242424242\"")}}}, "exp_month": {{{Value("exp_month", "12")}}},
               "exp_year": {{{Value("exp_year", Year.ToString(System.Globalization.CultureInfo.InvariantCulture))}}}, "cvc": {{{Value("cvc", "\"123\"")}}} } } }
            """;
    }
}

public sealed class FieldErrorTestsSqlite(SqliteApiFixture fixture) : FieldErrorTests(fixture), IClassFixture<SqliteApiFixture>;

public sealed class FieldErrorTestsPostgres(PostgresApiFixture fixture) : FieldErrorTests(fixture), IClassFixture<PostgresApiFixture>;
