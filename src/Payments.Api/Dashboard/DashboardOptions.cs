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
}
