namespace Payments.Api.Ledger;

/// <summary>
/// The double-entry journal. Each movement inserts rows that sum to zero (debits positive, credits
/// negative), in the same transaction as the state change, into an append-only table: no shared
/// balance row is updated per payment, so payments never contend on a hot row.
/// <list type="bullet">
/// <item>authorize A: acquirer_receivable +A, merchant_authorized −A</item>
/// <item>capture C: merchant_authorized +C, merchant_captured −C</item>
/// <item>capture at creation A (capture: true): acquirer_receivable +A, merchant_captured −A; nothing is
/// ever held, so the hold and its release would be two rows that cancel out</item>
/// <item>release R (uncaptured rest, or cancel): merchant_authorized +R, acquirer_receivable −R</item>
/// <item>refund F: merchant_refunds +F, acquirer_receivable −F</item>
/// </list>
/// Balance: captured = −Σ merchant_captured, refunded = Σ merchant_refunds, net = captured − refunded.
/// </summary>
public static class LedgerSql
{
    public const string AcquirerReceivable = "acquirer_receivable";
    public const string MerchantAuthorized = "merchant_authorized";
    public const string MerchantCaptured = "merchant_captured";
    public const string MerchantRefunds = "merchant_refunds";

    private const string Insert = "INSERT INTO ledger_entries (merchant_id, payment_id, refund_id, movement, account, currency, amount) VALUES ";

    /// <summary>Authorize @amount (capture later). Parameters: merchant_id, payment_id, currency, amount.</summary>
    public const string Authorize = Insert +
        "(@merchant_id, @payment_id, NULL, 'authorize', 'acquirer_receivable', @currency, @amount), " +
        "(@merchant_id, @payment_id, NULL, 'authorize', 'merchant_authorized', @currency, -@amount)";

    /// <summary>
    /// Authorize and capture @amount at once (capture: true): one capture straight from the acquirer's
    /// receivable, two rows where an authorization and a capture would write four. Parameters as
    /// <see cref="Authorize"/>.
    /// </summary>
    public const string AuthorizeAndCapture = Insert +
        "(@merchant_id, @payment_id, NULL, 'capture', 'acquirer_receivable', @currency, @amount), " +
        "(@merchant_id, @payment_id, NULL, 'capture', 'merchant_captured', @currency, -@amount)";

    /// <summary>Capture @amount of an authorization.</summary>
    public const string Capture = Insert +
        "(@merchant_id, @payment_id, NULL, 'capture', 'merchant_authorized', @currency, @amount), " +
        "(@merchant_id, @payment_id, NULL, 'capture', 'merchant_captured', @currency, -@amount)";

    /// <summary>Release @amount of an authorization back to the card holder.</summary>
    public const string Release = Insert +
        "(@merchant_id, @payment_id, NULL, 'release', 'merchant_authorized', @currency, @amount), " +
        "(@merchant_id, @payment_id, NULL, 'release', 'acquirer_receivable', @currency, -@amount)";

    /// <summary>Refund @amount of a capture. Parameters also: refund_id.</summary>
    public const string Refund = Insert +
        "(@merchant_id, @payment_id, @refund_id, 'refund', 'merchant_refunds', @currency, @amount), " +
        "(@merchant_id, @payment_id, @refund_id, 'refund', 'acquirer_receivable', @currency, -@amount)";

    public const string Balance =
        "SELECT currency, account, SUM(amount) FROM ledger_entries WHERE merchant_id = @merchant_id " +
        "AND account IN ('merchant_captured', 'merchant_refunds') GROUP BY currency, account ORDER BY currency";
}
