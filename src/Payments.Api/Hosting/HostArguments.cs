namespace Payments.Api.Hosting;

/// <summary>Host settings the service fixes before the host is built.</summary>
public static class HostArguments
{
    /// <summary>The host setting that turns off reloading appsettings*.json when the files change.</summary>
    public const string ReloadConfigOnChange = "hostBuilder:reloadConfigOnChange";

    /// <summary>
    /// <paramref name="args"/> with configuration reload-on-change off, unless the command line already
    /// decides it. Configuration is read once at start-up (in the container it comes from environment
    /// variables; a change means a new task anyway). With reload on, the host puts an inotify watch on
    /// every directory under the content root — the working directory — so the service wakes up for
    /// every write below it: its own SQLite database and WAL under <c>./data</c>, or a PostgreSQL data
    /// directory kept next to it (its cost: docs/api.md). The environment variable
    /// <c>DOTNET_hostBuilder__reloadConfigOnChange=true</c> does not override it; <c>--hostBuilder:reloadConfigOnChange=true</c> does.
    /// </summary>
    public static string[] WithoutConfigReload(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        return args.Any(arg => arg.Contains(ReloadConfigOnChange, StringComparison.OrdinalIgnoreCase))
            ? args
            : [$"--{ReloadConfigOnChange}=false", .. args];
    }
}
