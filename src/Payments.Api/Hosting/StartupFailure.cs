using System.Net.Sockets;
using System.Reflection;
using Microsoft.Extensions.Options;

namespace Payments.Api.Hosting;

/// <summary>
/// How the process ends when it cannot start for a reason an operator fixes outside the code: one line on standard
/// error and a <c>sysexits</c> code, instead of an unhandled exception. The runtime would print a stack trace that
/// says nothing to an operator and abort the process (exit 134, SIGABRT), which hosts report as a crash and may
/// answer with a core dump; and in CloudWatch the message would be one line among forty.
/// <list type="bullet">
/// <item>64 (<c>EX_USAGE</c>): a command line the commands do not take (<see cref="UsageException"/>); the line is the
/// message alone.</item>
/// <item>78 (<c>EX_CONFIG</c>): a setting (<see cref="InvalidSettingException"/>, an options validation, a value
/// the configuration binder cannot convert); every failure is listed when several settings are wrong.</item>
/// <item>69 (<c>EX_UNAVAILABLE</c>): the database stayed unavailable for the whole start-up budget
/// (<see cref="DatabaseUnavailableException"/>), or the listening address is taken.</item>
/// </list>
/// Anything else is a defect, and still ends the process with its stack trace.
/// </summary>
public static class StartupFailure
{
    public const int UsageExitCode = 64;
    public const int ConfigurationExitCode = 78;
    public const int UnavailableExitCode = 69;

    /// <summary>The prefix of the line, so that a log search finds every way the service refused to start.</summary>
    public const string Prefix = "Payments.Api cannot start: ";

    private const string ListenSettings = "the configured address (--urls, ASPNETCORE_URLS or Kestrel:Endpoints)";
    private const string KestrelAddressBinder = "Microsoft.AspNetCore.Server.Kestrel.Core.Internal.AddressBinder";

    /// <summary>The exit code and the line for <paramref name="exception"/>, or false when it is a defect.</summary>
    public static bool TryDescribe(Exception exception, out int exitCode, out string line)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (exception is UsageException)
        {
            exitCode = UsageExitCode;
            line = exception.Message;
            return true;
        }

        var causes = Flatten(exception).ToList();
        if (causes.All(IsSetting))
        {
            exitCode = ConfigurationExitCode;
            line = Prefix + string.Join("; ", causes.SelectMany(SettingMessages).Distinct(StringComparer.Ordinal));
            return true;
        }

        if (causes.Count == 1 && Unavailable(causes[0]) is { } reason)
        {
            exitCode = UnavailableExitCode;
            line = Prefix + reason;
            return true;
        }

        exitCode = 0;
        line = string.Empty;
        return false;
    }

    // The host reports several failed options validations together; reflection wraps what a constructor threw.
    private static IEnumerable<Exception> Flatten(Exception exception) => exception switch
    {
        AggregateException aggregate => aggregate.InnerExceptions.SelectMany(Flatten),
        TargetInvocationException { InnerException: { } inner } => Flatten(inner),
        _ => [exception],
    };

    private static bool IsSetting(Exception exception) =>
        exception is InvalidSettingException or OptionsValidationException
        || (exception is InvalidOperationException && exception.TargetSite?.DeclaringType?.Assembly == typeof(ConfigurationBinder).Assembly)
        || (exception is ArgumentException or InvalidOperationException or FormatException && ThrownWhileListening(exception));

    private static IEnumerable<string> SettingMessages(Exception exception) => exception switch
    {
        OptionsValidationException validation => validation.Failures,
        InvalidSettingException => [exception.Message],
        _ when ThrownWhileListening(exception) => [$"{ListenSettings} is not valid: {exception.Message}"],
        _ => [exception.Message],
    };

    private static string? Unavailable(Exception exception) => exception switch
    {
        DatabaseUnavailableException => exception.Message,
        IOException or SocketException when ThrownWhileListening(exception) => $"cannot listen on {ListenSettings}: {exception.Message}",
        _ => null,
    };

    // Kestrel reports a taken port as an IOException, an address the machine does not have or a port it may not use
    // as a SocketException, a port out of range as an ArgumentOutOfRangeException and a scheme it does not serve as an
    // InvalidOperationException, all while binding. Whether its address binder threw is read from the stack, the one
    // place that says so.
    private static bool ThrownWhileListening(Exception exception) =>
        new System.Diagnostics.StackTrace(exception).GetFrames().Any(frame =>
            frame.GetMethod()?.DeclaringType?.FullName?.StartsWith(KestrelAddressBinder, StringComparison.Ordinal) == true);
}
