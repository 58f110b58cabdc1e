using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Jiangwanli.Server.Tests.Infrastructure;

/// <summary>Keeps every log entry at Warning or above, so tests can assert that nothing unexpected was logged.</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<string> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                owner.Entries.Enqueue($"{logLevel} {category}[{eventId.Id}]: {formatter(state, exception)} {exception}");
            }
        }
    }
}
