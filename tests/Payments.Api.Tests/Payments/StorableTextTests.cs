using System.Net;
using Payments.Api.Payments;
using Payments.Api.Tests.Infrastructure;

namespace Payments.Api.Tests.Payments;

/// <summary>
/// Text a store cannot keep (PostgreSQL's text has no U+0000; UTF-8 has no lone surrogate) is refused
/// with the same typed 400 on both stores, before the acquirer is asked.
/// </summary>
public abstract class StorableTextTests(ApiFixture fixture) : ApiTestBase(fixture)
{
    public static TheoryData<string, string> Unstorable() => new()
    {
        { """, "description": "before\u0000after" """, "description" },
        { """, "metadata": {"order": "12\u00003"} """, "metadata.order" },
        { """, "metadata": {"or\u0000der": "123"} """, "metadata" },
    };

    [Theory]
    [MemberData(nameof(Unstorable))]
    public async Task A_NUL_character_is_refused_before_anything_is_authorized(string extra, string param)
    {
        var acquirer = new RecordingAcquirer();
        using var factory = Fixture.Factory.WithWebHostBuilder(builder => Microsoft.AspNetCore.TestHost.WebHostBuilderExtensions.ConfigureTestServices(
            builder, services => services.AddSingleton<Api.Acquiring.IAcquirer>(acquirer)));
        using var client = factory.CreateClient(ApiFixture.MerchantAKey);
        var key = "nul-" + Guid.NewGuid().ToString("N");

        var first = await PostAsync(client, "/v1/payments", PaymentBody(extra: extra), key);
        var again = await PostAsync(client, "/v1/payments", PaymentBody(extra: extra), key);

        Assert.Equal(HttpStatusCode.BadRequest, first.Status);
        Assert.Equal("invalid_request_error", first.ErrorType);
        Assert.Equal("parameter_invalid", first.ErrorCode);
        Assert.Equal(param, first.Json.GetProperty("error").GetProperty("param").GetString());
        Assert.Equal(first.Body, again.Body);
        Assert.Equal(0, acquirer.Requests);
        Assert.Equal(0, await StoreSql.ScalarAsync(factory.Services, "SELECT COUNT(*) FROM idempotency_keys WHERE idempotency_key = '" + key + "'"));
    }

    [Fact]
    public async Task Other_control_characters_and_astral_characters_are_kept_exactly()
    {
        const string description = "tab\there \u0001 \U0001F600 end";
        var created = await PostAsync(A, "/v1/payments", PaymentBody(extra: $$""", "description": "tab\there \u0001 \ud83d\ude00 end" """));

        Assert.Equal(HttpStatusCode.Created, created.Status);
        var fetched = await GetAsync(A, "/v1/payments/" + created.Json.GetProperty("id").GetString());
        Assert.Equal(description, fetched.Json.GetProperty("description").GetString());
    }
}

public sealed class StorableTextTestsSqlite(SqliteApiFixture fixture) : StorableTextTests(fixture), IClassFixture<SqliteApiFixture>;

public sealed class StorableTextTestsPostgres(PostgresApiFixture fixture) : StorableTextTests(fixture), IClassFixture<PostgresApiFixture>;

public sealed class StorableTextRuleTests
{
    [Fact]
    public void Only_NUL_and_unpaired_surrogates_are_unstorable()
    {
        // Built at run time: a lone surrogate does not survive as an attribute argument.
        const char high = '\uD83D', low = '\uDE00';
        Assert.True(StorableText.IsStorable("plain"));
        Assert.True(StorableText.IsStorable(string.Empty));
        Assert.True(StorableText.IsStorable($"emoji {high}{low} and \u0001"));
        Assert.False(StorableText.IsStorable("nul \u0000"));
        Assert.False(StorableText.IsStorable($"lone high {high}"));
        Assert.False(StorableText.IsStorable($"lone low {low} x"));
        Assert.False(StorableText.IsStorable($"reversed {low}{high}"));
        Assert.False(StorableText.IsStorable($"{high}{low}{high}"));
    }
}
