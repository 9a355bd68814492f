using System.Text;
using Payments.Webhooks;

namespace Payments.Api.Tests.Webhooks;

/// <summary>The receiver's check of <c>Payments-Signature</c>: what it accepts and every way it refuses.</summary>
public sealed class WebhookSignatureTests
{
    private const string Secret = "whsec_0123456789abcdefghijklmnopqrstuv";
    private const string Body = """{"id":"evt_1","object":"event","type":"payment.created","created":1764720000,"data":{"object":{"id":"pay_1"}}}""";
    private static readonly DateTimeOffset SignedAt = DateTimeOffset.FromUnixTimeSeconds(1_764_720_000);
    private static readonly TimeSpan Tolerance = WebhookSignature.DefaultTolerance;

    [Fact]
    public void A_header_made_for_the_body_verifies()
    {
        var header = WebhookSignature.CreateHeader(Encoding.UTF8.GetBytes(Body), Secret, SignedAt);

        Assert.Matches("^t=1764720000,v1=[0-9a-f]{64}$", header);
        Assert.Equal(WebhookVerification.Valid, WebhookSignature.Verify(Body, header, Secret, Tolerance, SignedAt.AddSeconds(30)));
    }

    [Fact]
    public void The_signature_is_the_documented_HMAC_of_timestamp_dot_body()
    {
        // Computed independently of the helper, the way docs/webhooks.md tells a receiver to.
        using var hmac = new System.Security.Cryptography.HMACSHA256(Encoding.UTF8.GetBytes(Secret));
        var expected = Convert.ToHexStringLower(hmac.ComputeHash(Encoding.UTF8.GetBytes("1764720000." + Body)));

        Assert.Equal($"t=1764720000,v1={expected}", WebhookSignature.CreateHeader(Encoding.UTF8.GetBytes(Body), Secret, SignedAt));
    }

    [Fact]
    public void A_tampered_body_is_refused()
    {
        var header = WebhookSignature.CreateHeader(Encoding.UTF8.GetBytes(Body), Secret, SignedAt);

        Assert.Equal(WebhookVerification.SignatureMismatch, WebhookSignature.Verify(Body.Replace("pay_1", "pay_2", StringComparison.Ordinal), header, Secret, Tolerance, SignedAt));
        Assert.Equal(WebhookVerification.SignatureMismatch, WebhookSignature.Verify(Body + " ", header, Secret, Tolerance, SignedAt));
    }

    [Fact]
    public void Another_secret_is_refused()
    {
        var header = WebhookSignature.CreateHeader(Encoding.UTF8.GetBytes(Body), Secret, SignedAt);

        Assert.Equal(WebhookVerification.SignatureMismatch, WebhookSignature.Verify(Body, header, Secret + "x", Tolerance, SignedAt));
    }

    [Fact]
    public void One_matching_value_among_several_v1_values_is_enough()
    {
        var good = WebhookSignature.ComputeV1(Encoding.UTF8.GetBytes(Body), Secret, SignedAt.ToUnixTimeSeconds());
        var other = WebhookSignature.ComputeV1(Encoding.UTF8.GetBytes(Body), "whsec_old", SignedAt.ToUnixTimeSeconds());

        Assert.Equal(WebhookVerification.Valid, WebhookSignature.Verify(Body, $"t=1764720000,v1={other},v1={good}", Secret, Tolerance, SignedAt));
        Assert.Equal(WebhookVerification.Valid, WebhookSignature.Verify(Body, $"t=1764720000,v0=ignored,v1={good}", Secret, Tolerance, SignedAt));
        Assert.Equal(WebhookVerification.SignatureMismatch, WebhookSignature.Verify(Body, $"t=1764720000,v1={other},v1={other}", Secret, Tolerance, SignedAt));
    }

    [Fact]
    public void A_replay_older_than_the_tolerance_is_refused_even_with_a_valid_signature()
    {
        var header = WebhookSignature.CreateHeader(Encoding.UTF8.GetBytes(Body), Secret, SignedAt);

        Assert.Equal(WebhookVerification.Valid, WebhookSignature.Verify(Body, header, Secret, Tolerance, SignedAt + Tolerance));
        Assert.Equal(WebhookVerification.TimestampOutsideTolerance, WebhookSignature.Verify(Body, header, Secret, Tolerance, SignedAt + Tolerance + TimeSpan.FromSeconds(1)));
        Assert.Equal(WebhookVerification.TimestampOutsideTolerance, WebhookSignature.Verify(Body, header, Secret, Tolerance, SignedAt - Tolerance - TimeSpan.FromSeconds(1)));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("v1=00")]
    [InlineData("t=1764720000")]
    [InlineData("t=1764720000,v1=zz")]
    [InlineData("t=abc,v1=0000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("t=1764720000,t=1764720001,v1=0000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("t=-1764720000,v1=0000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("t=1764720000;v1=0000000000000000000000000000000000000000000000000000000000000000")]
    public void A_malformed_header_is_refused(string? header)
    {
        Assert.Equal(WebhookVerification.MalformedHeader, WebhookSignature.Verify(Body, header, Secret, Tolerance, SignedAt));
    }
}
