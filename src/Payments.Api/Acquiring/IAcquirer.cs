namespace Payments.Api.Acquiring;

/// <summary>The card data the acquirer sees. Never stored or logged: only brand, last4, expiry and a fingerprint are.</summary>
public sealed record CardDetails(string Number, int ExpMonth, int ExpYear, string Cvc);

/// <summary>An authorization outcome. An approval carries the acquirer's reference (to void it); a decline carries Stripe's codes.</summary>
public sealed record AuthorizationResult(bool Approved, string? FailureCode = null, string? DeclineCode = null, string? Message = null, string? AuthorizationId = null)
{
    public static AuthorizationResult Approve(string authorizationId) => new(true, AuthorizationId: authorizationId);
}

/// <summary>
/// The seam to the card network. The built-in <see cref="SimulatedAcquirer"/> answers from Stripe's
/// test card numbers; a real acquirer client implements the same interface.
/// </summary>
public interface IAcquirer
{
    ValueTask<AuthorizationResult> AuthorizeAsync(CardDetails card, long amount, string currency, CancellationToken cancellationToken);

    /// <summary>Releases an approval that will never be captured (its payment could not be recorded). Voiding twice is harmless.</summary>
    ValueTask VoidAsync(string authorizationId, CancellationToken cancellationToken);
}
