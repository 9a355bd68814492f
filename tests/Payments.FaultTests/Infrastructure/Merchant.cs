namespace Payments.FaultTests.Infrastructure;

/// <summary>A merchant bootstrapped from configuration, with its secret key.</summary>
internal sealed record Merchant(string Id, string ApiKey);
