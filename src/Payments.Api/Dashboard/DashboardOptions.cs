namespace Payments.Api.Dashboard;

/// <summary>Settings of the dashboard (<c>Payments:Dashboard</c>).</summary>
public sealed class DashboardOptions
{
    /// <summary>How long a sign-in lasts; the merchant signs in again after that.</summary>
    public int SessionHours { get; set; } = 8;

    /// <summary>
    /// Take the scheme the client used from <c>X-Forwarded-Proto</c>: set it where a load balancer
    /// that overwrites that header terminates TLS and is the only way in (the ALB on AWS). Otherwise
    /// a client could claim HTTPS over plain HTTP.
    /// </summary>
    public bool TrustForwardedProto { get; set; }

    /// <summary>
    /// Take the client's address for the sign-in limits from the last <c>X-Forwarded-For</c> entry:
    /// set it where a load balancer that appends the address it saw is the only way in (the ALB on
    /// AWS). Otherwise every client behind the balancer would share its address, and a client could
    /// name any address it liked.
    /// </summary>
    public bool TrustForwardedFor { get; set; }

    /// <summary>Failed sign-ins one client address may make within the window before it is refused (429).</summary>
    public int SignInFailuresPerAddress { get; set; } = 5;

    /// <summary>Failed sign-ins with keys of one prefix, from any address, within the window before addresses that failed are refused.</summary>
    public int SignInFailuresPerKeyPrefix { get; set; } = 50;

    public int SignInFailureWindowMinutes { get; set; } = 15;
}
