using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Payments.Api.Tests.Infrastructure;

/// <summary>
/// Every log line at every level, as "category level message exception", and every scope opened, into
/// <paramref name="lines"/>: for tests that assert what was, or was not, logged.
/// </summary>
public sealed class CapturingLoggerProvider(ConcurrentQueue<string> lines) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new CapturingLogger(categoryName, lines);

    public void Dispose()
    {
    }

    private sealed class CapturingLogger(string category, ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull
        {
            lines.Enqueue($"{category} scope {state}");
            return null;
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            ArgumentNullException.ThrowIfNull(formatter);
            lines.Enqueue($"{category} {logLevel} {formatter(state, exception)} {exception}");
        }
    }
}
