namespace Payments.Api.Hosting;

/// <summary>Which parts of the service this process runs (<c>--role api|worker|all</c>).</summary>
public enum ProcessRole
{
    /// <summary>HTTP API only.</summary>
    Api,

    /// <summary>Transaction-log relay and webhook delivery only.</summary>
    Worker,

    /// <summary>Both (the local default).</summary>
    All,
}

public static class ProcessRoles
{
    /// <summary>
    /// The role from configuration key <c>role</c> (the command line <c>--role worker</c> or env
    /// <c>ROLE</c>); <see cref="ProcessRole.All"/> when unset.
    /// </summary>
    /// <exception cref="InvalidSettingException">The value is not api, worker or all.</exception>
    public static ProcessRole FromConfiguration(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var value = configuration[ServiceContract.RoleSwitch.TrimStart('-')];
        return value?.Trim().ToLowerInvariant() switch
        {
            null or "" or ServiceContract.AllRole => ProcessRole.All,
            ServiceContract.ApiRole => ProcessRole.Api,
            ServiceContract.WorkerRole => ProcessRole.Worker,
            _ => throw new InvalidSettingException(
                $"{ServiceContract.RoleSwitch} must be {ServiceContract.ApiRole}, {ServiceContract.WorkerRole} or {ServiceContract.AllRole}, not '{value}'"),
        };
    }

    public static bool RunsRelay(this ProcessRole role) => role is ProcessRole.Worker or ProcessRole.All;

    public static bool ServesHttpApi(this ProcessRole role) => role is ProcessRole.Api or ProcessRole.All;
}
