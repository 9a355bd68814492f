using Payments.Api.Http;

namespace Payments.Api.Acquiring;

/// <summary>
/// Answers like a card network for Stripe's test numbers: 4000000000000002 is declined,
/// 4000000000009995 is declined for insufficient funds, 4000000000000069 is an expired card. Every
/// other (Luhn-valid, unexpired) number is approved. Voids are accepted (nothing is held).
/// </summary>
public sealed class SimulatedAcquirer : IAcquirer
{
    public ValueTask<AuthorizationResult> AuthorizeAsync(CardDetails card, long amount, string currency, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(card);
        var result = card.Number switch
        {
            "4000000000000002" => new AuthorizationResult(false, "card_declined", "generic_decline", "Your card was declined."),
            "4000000000009995" => new AuthorizationResult(false, "card_declined", "insufficient_funds", "Your card has insufficient funds."),
            "4000000000000069" => new AuthorizationResult(false, "expired_card", "expired_card", "Your card has expired."),
            _ => AuthorizationResult.Approve(Ids.New("auth_")),
        };
        return ValueTask.FromResult(result);
    }

    public ValueTask VoidAsync(string authorizationId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(authorizationId);
        return ValueTask.CompletedTask;
    }
}
