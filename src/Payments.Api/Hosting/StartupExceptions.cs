namespace Payments.Api.Hosting;

/// <summary>
/// A setting the service cannot start with. The message names the key and what it accepts, and never echoes a
/// secret; <see cref="StartupFailure"/> turns it into one line on standard error and exit code 78.
/// </summary>
/// <remarks>An <see cref="InvalidOperationException"/>, so callers that catch that (the tests, the hosts) still do.</remarks>
public sealed class InvalidSettingException : InvalidOperationException
{
    public InvalidSettingException(string message)
        : base(message)
    {
    }

    public InvalidSettingException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>A command line the service's commands do not take; <see cref="StartupFailure"/> prints the message and exits 64.</summary>
public sealed class UsageException : ArgumentException
{
    public UsageException(string message)
        : base(message)
    {
    }

    public UsageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>Start-up gave up: the database stayed unavailable for its whole budget (<c>Payments:Database:StartupRetryFor</c>).</summary>
public sealed class DatabaseUnavailableException(string message, Exception innerException)
    : Exception(message, innerException);
