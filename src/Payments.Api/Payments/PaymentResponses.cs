using Payments.Api.Http;
using Payments.Api.Idempotency;

namespace Payments.Api.Payments;

/// <summary>
/// How outcomes look on the wire: the endpoints answer with these, and the responses kept for
/// idempotent replay are made here too, so a replay is the response that was first sent.
/// </summary>
public static class PaymentResponses
{
    /// <summary>The response a committed outcome is replayed as.</summary>
    public static StoredResponse ForReplay(PaymentOutcome outcome) => outcome switch
    {
        PaymentOutcome.Created created => new(StatusCodes.Status201Created, created.Body.Text),
        PaymentOutcome.Declined declined => new(StatusCodes.Status402PaymentRequired, System.Text.Encoding.UTF8.GetString(PaymentsJson.ErrorBytes(Declined(declined.Payment)))),
        PaymentOutcome.Changed changed => new(StatusCodes.Status200OK, changed.Body.Text),
        PaymentOutcome.Refunded refunded => new(StatusCodes.Status201Created, refunded.Body.Text),
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, "only committed outcomes are kept for replay"),
    };

    public static ApiResult Replay(PaymentOutcome.Replayed replayed) =>
        new(replayed.Response.Status, System.Text.Encoding.UTF8.GetBytes(replayed.Response.Body), replayed: true);

    public static ErrorBody Declined(Payment payment) => new(
        ErrorTypes.Card, payment.FailureCode ?? "card_declined", payment.FailureMessage ?? "Your card was declined.",
        DeclineCode: payment.DeclineCode, PaymentId: payment.Id);

    public static ErrorBody KeyInUse() => new(
        ErrorTypes.Idempotency, "idempotency_key_in_use",
        "A request with this Idempotency-Key is still being processed; retry after it finishes.");

    public static ErrorBody KeyReused(PaymentOutcome.IdempotencyKeyReused reused) => new(
        ErrorTypes.Idempotency, "idempotency_key_reused",
        $"Keys for idempotent requests can only be used with the same path and parameters they were first used with ({reused.Method} {reused.Path}).",
        IdempotencyRequest.HeaderName);

    public static ErrorBody NoSuchPayment(string paymentId, string param = "id") =>
        new(ErrorTypes.InvalidRequest, "resource_missing", $"No such payment: '{paymentId}'.", param);

    public static ErrorBody NoSuchRefund(string refundId) =>
        new(ErrorTypes.InvalidRequest, "resource_missing", $"No such refund: '{refundId}'.", "starting_after");

    public static ErrorBody UnexpectedState(PaymentOutcome.UnexpectedState state) => new(
        ErrorTypes.InvalidRequest, "payment_unexpected_state",
        $"You cannot {state.Action} payment {state.Payment.Id} because its status is {state.Payment.Status.WireName()}; it must be {state.Expected.WireName()}.");

    public static ErrorBody AmountTooLarge(PaymentOutcome.AmountTooLarge tooLarge) => new(
        ErrorTypes.InvalidRequest, "amount_too_large",
        $"amount ({tooLarge.Requested}) exceeds the {tooLarge.Of} amount ({tooLarge.Available}).", "amount");

    public static ErrorBody AlreadyRefunded(PaymentOutcome.AlreadyRefunded refunded) => new(
        ErrorTypes.InvalidRequest, "charge_already_refunded", $"Payment {refunded.PaymentId} has already been refunded in full.", "amount");

    public static ErrorBody ConcurrentChange(PaymentOutcome.ConcurrentChange change) => new(
        ErrorTypes.InvalidRequest, "lock_timeout", $"Payment {change.PaymentId} changed concurrently; retry the {change.Action}.");
}
