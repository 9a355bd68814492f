using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Payments.Api.Merchants;
using Payments.Api.Storage;
using Payments.Api.Tests.Infrastructure;

namespace Payments.Api.Tests.Merchants;

public abstract class AuthenticationTests(ApiFixture fixture) : ApiTestBase(fixture)
{
    public static TheoryData<string, string> Routes() => new()
    {
        { "POST", "/v1/payments" },
        { "GET", "/v1/payments" },
        { "GET", "/v1/payments/pay_x" },
        { "POST", "/v1/payments/pay_x/capture" },
        { "POST", "/v1/payments/pay_x/cancel" },
        { "POST", "/v1/payments/pay_x/refunds" },
        { "GET", "/v1/payments/pay_x/refunds" },
        { "GET", "/v1/balance" },
        { "GET", "/v1/unknown" },
    };

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task Every_v1_route_needs_a_valid_bearer_key(string method, string path)
    {
        foreach (var authorization in new[] { null, "Bearer", "Bearer sk_test_wrong_key_0000", "Basic " + Convert.ToBase64String("sk:x"u8), ApiFixture.MerchantAKey })
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(path, UriKind.Relative));
            if (authorization is not null)
            {
                request.Headers.TryAddWithoutValidation("Authorization", authorization);
            }

            if (method == "POST")
            {
                request.Content = new StringContent("{}", MediaTypeHeaderValue.Parse("application/json"));
            }

            using var response = await Fixture.Anonymous.SendAsync(request);
            var reply = await Reply.ReadAsync(response);

            Assert.Equal(HttpStatusCode.Unauthorized, reply.Status);
            Assert.Equal("authentication_error", reply.ErrorType);
            Assert.Contains("Bearer", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("Bearer  {0}", HttpStatusCode.OK)]            // RFC 6750 allows one or more spaces
    [InlineData("bearer {0}", HttpStatusCode.OK)]             // the scheme is case-insensitive
    [InlineData("Bearer {0}\u000B", HttpStatusCode.Unauthorized)]
    [InlineData("Bearer {0}\u000C", HttpStatusCode.Unauthorized)]
    [InlineData("Bearer {0}\u00A0", HttpStatusCode.Unauthorized)]
    [InlineData("Bearer \u00A0{0}", HttpStatusCode.Unauthorized)]
    [InlineData("Bearer {0} {0}", HttpStatusCode.Unauthorized)]
    public async Task Only_the_key_itself_after_the_scheme_authenticates(string format, HttpStatusCode expected)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/v1/balance", UriKind.Relative));
        request.Headers.TryAddWithoutValidation("Authorization", string.Format(CultureInfo.InvariantCulture, format, ApiFixture.MerchantAKey));

        using var response = await Fixture.Anonymous.SendAsync(request);

        Assert.Equal(expected, response.StatusCode);
    }

    [Fact]
    public async Task Keys_are_stored_only_as_sha256_hashes()
    {
        await using var connection = await Fixture.Factory.Services.GetRequiredService<IConnectionFactory>().OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT key_hash FROM api_keys WHERE merchant_id = @m";
        Db.AddParameter(command, "m", ApiFixture.MerchantAId);
        var hash = (string?)await command.ExecuteScalarAsync();

        Assert.Equal(MerchantStore.HashKey(ApiFixture.MerchantAKey), hash);
        Assert.Matches("^[0-9a-f]{64}$", hash!);
        await using var search = connection.CreateCommand();
        search.CommandText = $"SELECT COUNT(*) FROM api_keys WHERE key_hash = '{ApiFixture.MerchantAKey}' OR key_prefix = '{ApiFixture.MerchantAKey}'";
        Assert.Equal(0L, Convert.ToInt64(await search.ExecuteScalarAsync(), CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Admin_command_creates_a_merchant_and_prints_a_working_key()
    {
        var admin = AdminCommand.TryParse(["merchants", "create", "--id", "acct_admin_made"], out var hostArgs);
        Assert.NotNull(admin);
        Assert.Empty(hostArgs);
        using var output = new StringWriter();
        using var diagnostics = new StringWriter();

        var exit = await admin.RunAsync(Fixture.Factory.Services, TextReader.Null, output, diagnostics);

        Assert.Equal(0, exit);
        var key = output.ToString().Trim();
        Assert.Matches("^sk_[0-9A-Za-z]{40}$", key);
        Assert.Contains("acct_admin_made", diagnostics.ToString(), StringComparison.Ordinal);
        using var client = Fixture.ClientWithKey(key);
        var payment = await CreatePaymentAsync(client);
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync(A, "/v1/payments/" + payment.GetProperty("id").GetString())).Status);
    }

    [Fact]
    public async Task A_revoked_key_authenticates_nothing_and_the_merchants_other_keys_keep_working()
    {
        var old = await CreateKeyAsync("acct_rotating");
        var replacement = await CreateKeyAsync("acct_rotating");
        using var oldClient = Fixture.ClientWithKey(old);
        using var newClient = Fixture.ClientWithKey(replacement);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(oldClient, "/v1/balance")).Status);

        var (exit, diagnostics) = await RevokeAsync(old + "\n");

        Assert.Equal(0, exit);
        Assert.Contains($"merchant acct_rotating: key {old[..7]}… revoked", diagnostics, StringComparison.Ordinal);
        Assert.DoesNotContain(old, diagnostics, StringComparison.Ordinal);
        // This process forgets the key at once (its minute of cache included).
        var refused = await GetAsync(oldClient, "/v1/balance");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.Status);
        Assert.Equal("authentication_error", refused.ErrorType);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(newClient, "/v1/balance")).Status);
        Assert.Equal(1L, await StoreSql.ScalarAsync(Fixture.Factory.Services,
            $"SELECT COUNT(*) FROM api_keys WHERE key_hash = '{MerchantStore.HashKey(old)}' AND revoked_at IS NOT NULL"));

        // Revoking again says so and changes nothing; an unknown key or no key is an error exit, not a crash.
        Assert.Equal(0, (await RevokeAsync(old)).Exit);
        Assert.Contains("already revoked", (await RevokeAsync(old)).Diagnostics, StringComparison.Ordinal);
        Assert.Equal(65, (await RevokeAsync("sk_test_no_such_key_0123456789")).Exit);
        Assert.Equal(64, (await RevokeAsync("")).Exit);

        // By hash, as an ECS task started with a command (no stdin) does it.
        var third = await CreateKeyAsync("acct_rotating");
        var byHash = AdminCommand.TryParse(["merchants", "revoke-key", "--key-hash", MerchantStore.HashKey(third)], out _);
        using var diagnosticsByHash = new StringWriter();
        Assert.Equal(0, await byHash!.RunAsync(Fixture.Factory.Services, TextReader.Null, TextWriter.Null, diagnosticsByHash));
        Assert.Contains("revoked", diagnosticsByHash.ToString(), StringComparison.Ordinal);
        using var thirdClient = Fixture.ClientWithKey(third);
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync(thirdClient, "/v1/balance")).Status);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(newClient, "/v1/balance")).Status);
    }

    [Fact]
    public async Task Another_task_on_the_same_store_refuses_a_revoked_key()
    {
        var key = await CreateKeyAsync("acct_elsewhere");
        await using var other = PaymentsApiFactory.SecondInstance(Fixture.Factory);
        using var otherClient = other.CreateClient(key);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(otherClient, "/v1/balance")).Status);

        await RevokeAsync(key);
        // A task that had the key cached accepts it until its minute is over (docs/api.md); a new one refuses it at once.
        await using var third = PaymentsApiFactory.SecondInstance(Fixture.Factory);
        using var thirdClient = third.CreateClient(key);

        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync(thirdClient, "/v1/balance")).Status);
    }

    private async Task<string> CreateKeyAsync(string merchantId) =>
        await Fixture.Factory.Services.GetRequiredService<MerchantStore>().CreateKeyAsync(merchantId, CancellationToken.None);

    private async Task<(int Exit, string Diagnostics)> RevokeAsync(string input)
    {
        var admin = AdminCommand.TryParse(["merchants", "revoke-key"], out var hostArgs);
        Assert.NotNull(admin);
        Assert.Empty(hostArgs);
        using var reader = new StringReader(input);
        using var output = new StringWriter();
        using var diagnostics = new StringWriter();
        var exit = await admin.RunAsync(Fixture.Factory.Services, reader, output, diagnostics);
        Assert.Equal("", output.ToString());
        return (exit, diagnostics.ToString());
    }

    [Theory]
    [InlineData("merchants")]
    [InlineData("merchants delete")]
    [InlineData("merchants create --id a")]
    [InlineData("merchants create --id acct/x")]
    [InlineData("merchants create --id")]
    [InlineData("merchants revoke-key --key-hash")]
    [InlineData("merchants revoke-key --key-hash sk_test_merchant_a_0123456789")]
    [InlineData("merchants revoke-key --key-hash 2CF24DBA5FB0A30E26E83B2AC5B9E29E1B161E5C1FA7425E73043362938B9824")]
    public void Admin_command_rejects_bad_usage(string commandLine)
    {
        Assert.Throws<global::Payments.Api.Hosting.UsageException>(() => AdminCommand.TryParse(commandLine.Split(' '), out _));
    }

    [Fact]
    public void Without_the_admin_verb_the_arguments_go_to_the_host()
    {
        Assert.Null(AdminCommand.TryParse(["--urls", "http://127.0.0.1:1"], out var hostArgs));
        Assert.Equal(["--urls", "http://127.0.0.1:1"], hostArgs);
    }
}

public sealed class AuthenticationTestsSqlite(SqliteApiFixture fixture) : AuthenticationTests(fixture), IClassFixture<SqliteApiFixture>;

public sealed class AuthenticationTestsPostgres(PostgresApiFixture fixture) : AuthenticationTests(fixture), IClassFixture<PostgresApiFixture>;
