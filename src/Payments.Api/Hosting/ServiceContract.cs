namespace Payments.Api.Hosting;

/// <summary>
/// The facts about the running service that the infrastructure must agree with. The platform
/// project compiles this file in (it is linked, not copied), so the load balancer, the container
/// definition and the deployment hook check exactly what the application serves.
/// </summary>
public static class ServiceContract
{
    /// <summary>The one port the container listens on (HTTP, behind the load balancer).</summary>
    public const int HttpPort = 8080;

    /// <summary>Liveness: the process is up. No dependencies are checked.</summary>
    public const string LivenessPath = "/healthz/live";

    /// <summary>Readiness: the store is reachable and migrations are applied; 503 while draining.</summary>
    public const string ReadinessPath = "/healthz/ready";

    /// <summary>How long the app waits for in-flight work after SIGTERM before it exits.</summary>
    public const int ShutdownTimeoutSeconds = 20;

    /// <summary>The command-line switch that selects the process role.</summary>
    public const string RoleSwitch = "--role";

    /// <summary>Serves the HTTP API only (the platform's load-balanced service).</summary>
    public const string ApiRole = "api";

    /// <summary>Runs the transaction-log relay only (the platform's worker service).</summary>
    public const string WorkerRole = "worker";

    /// <summary>Both in one process: the local default.</summary>
    public const string AllRole = "all";

    /// <summary>
    /// The one-off command that applies migrations as the database owner and creates the app's login
    /// (<c>Payments.Api migrate</c>); the platform runs it in each task before the app starts.
    /// </summary>
    public const string MigrateCommand = "migrate";
}
