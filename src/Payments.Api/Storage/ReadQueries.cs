namespace Payments.Api.Storage;

/// <summary>Runs a read-only statement outside any transaction, as the store's connection factory runs reads.</summary>
public sealed class ReadQueries(IConnectionFactory connections)
{
    public Task<IReadOnlyList<object?[]>> QueryAsync(Statement statement, CancellationToken cancellationToken) =>
        connections.QueryAsync(statement, cancellationToken);
}
