namespace Payments.Api.Hosting;

/// <summary>
/// A background service whose work passes its stopping token to database calls. Stopping it cancels that
/// token, which runs the database driver's cancellation callbacks on the stopping thread. Npgsql's callback
/// can throw <see cref="ObjectDisposedException"/> when the connection under the cancelled command broke
/// just before (its wait handle is already disposed). That exception would come out of the host's
/// <c>StopAsync</c> and fail the whole shutdown, although the command it meant to cancel has already ended.
/// Here it is logged instead. Any other exception from a callback still propagates.
/// </summary>
public abstract partial class DatabaseBackgroundService(ILogger logger) : BackgroundService
{
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        try
        {
            // Cancel runs every callback before it throws, and the base waits for ExecuteAsync either way.
            await base.StopAsync(cancellationToken);
        }
        catch (AggregateException exception) when (exception.InnerExceptions.All(inner => inner is ObjectDisposedException))
        {
            LogCancelCallbackFailed(logger, GetType().Name, exception.InnerExceptions.Count, exception.InnerExceptions[0].Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Service}: stopping it, {Count} cancellation callback(s) found their connection already disposed ({Message}); the service stopped")]
    private static partial void LogCancelCallbackFailed(ILogger logger, string service, int count, string message);
}
