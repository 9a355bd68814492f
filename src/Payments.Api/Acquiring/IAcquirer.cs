namespace Payments.Api.Acquiring;

/// <summary>The card data the acquirer sees. Never stored or logged: only brand, last4, expiry and a fingerprint are.</summary>
public sealed record CardDetails(string Number, int ExpMonth, int ExpYear, string Cvc);

/// <summary>An authorization outcome. A decline carries Stripe's codes.</summary>
public sealed record AuthorizationResult(bool Approved, string? FailureCode = null, string? DeclineCode = null, string? Message = null)
{
    public static readonly AuthorizationResult Success = new(true);
}

/// <summary>
/// The seam to the card network. The built-in <see cref="SimulatedAcquirer"/> answers from Stripe's
/// test card numbers; a real acquirer client implements the same interface.
/// </summary>
public interface IAcquirer
{
    ValueTask<AuthorizationResult> AuthorizeAsync(CardDetails card, long amount, string currency, CancellationToken cancellationToken);
}
