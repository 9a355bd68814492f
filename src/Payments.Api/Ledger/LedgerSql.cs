namespace Payments.Api.Ledger;

/// <summary>
/// The double-entry journal (table <c>ledger_movements</c>, migration 0008). Each movement is one row
/// that debits one account and credits another by the same positive amount, in the same transaction
/// as the state change, into an append-only table: a row cannot be unbalanced, and no shared balance
/// row is updated per payment, so payments never contend on a hot row.
/// <list type="bullet">
/// <item>authorize A: debit acquirer_receivable, credit merchant_authorized</item>
/// <item>capture C: debit merchant_authorized, credit merchant_captured</item>
/// <item>capture at creation A (capture: true): debit acquirer_receivable, credit merchant_captured;
/// nothing is ever held, so a hold and its release would be two movements that cancel out</item>
/// <item>release R (uncaptured rest, or cancel): debit merchant_authorized, credit acquirer_receivable</item>
/// <item>refund F: debit merchant_refunds, credit acquirer_receivable</item>
/// </list>
/// An account's balance is its debits minus its credits. Balance: captured = what merchant_captured
/// was credited, refunded = what merchant_refunds was debited, net = captured − refunded.
/// </summary>
public static class LedgerSql
{
    private const string Insert =
        "INSERT INTO ledger_movements (merchant_id, payment_id, refund_id, movement, debit_account, credit_account, currency, amount) VALUES ";

    /// <summary>Authorize @amount (capture later). Parameters: merchant_id, payment_id, currency, amount.</summary>
    public const string Authorize = Insert +
        "(@merchant_id, @payment_id, NULL, 'authorize', 'acquirer_receivable', 'merchant_authorized', @currency, @amount)";

    /// <summary>
    /// Authorize and capture @amount at once (capture: true): one capture straight from the acquirer's
    /// receivable, one movement where an authorization and a capture would write two. Parameters as
    /// <see cref="Authorize"/>.
    /// </summary>
    public const string AuthorizeAndCapture = Insert +
        "(@merchant_id, @payment_id, NULL, 'capture', 'acquirer_receivable', 'merchant_captured', @currency, @amount)";

    /// <summary>Capture @amount of an authorization.</summary>
    public const string Capture = Insert +
        "(@merchant_id, @payment_id, NULL, 'capture', 'merchant_authorized', 'merchant_captured', @currency, @amount)";

    /// <summary>Release @amount of an authorization back to the card holder.</summary>
    public const string Release = Insert +
        "(@merchant_id, @payment_id, NULL, 'release', 'merchant_authorized', 'acquirer_receivable', @currency, @amount)";

    /// <summary>Refund @amount of a capture. Parameters also: refund_id.</summary>
    public const string Refund = Insert +
        "(@merchant_id, @payment_id, @refund_id, 'refund', 'merchant_refunds', 'acquirer_receivable', @currency, @amount)";

    /// <summary>
    /// Per currency: captured (credits to merchant_captured less debits) and refunded (debits to
    /// merchant_refunds less credits). Only movements that touch either account are read, so a
    /// currency with authorizations alone has no row.
    /// </summary>
    public const string Balance =
        "SELECT currency, " +
        "SUM(CASE WHEN credit_account = 'merchant_captured' THEN amount WHEN debit_account = 'merchant_captured' THEN -amount ELSE 0 END), " +
        "SUM(CASE WHEN debit_account = 'merchant_refunds' THEN amount WHEN credit_account = 'merchant_refunds' THEN -amount ELSE 0 END) " +
        "FROM ledger_movements WHERE merchant_id = @merchant_id " +
        "AND (debit_account IN ('merchant_captured', 'merchant_refunds') OR credit_account IN ('merchant_captured', 'merchant_refunds')) " +
        "GROUP BY currency ORDER BY currency";
}
