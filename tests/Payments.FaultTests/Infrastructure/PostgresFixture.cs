namespace Payments.FaultTests.Infrastructure;

/// <summary>
/// The PostgreSQL server the fault tests share (<see cref="PostgresServer"/>: the test command's, or a
/// throw-away one for this run). Each test gets a fresh database on it, dropped afterwards.
/// </summary>
public sealed class PostgresFixture
{
    public const string DatabasePrefix = "fault_";

    // Resolved when the collection starts, so a server that cannot start fails there, not inside a test's timing.
    private readonly string adminConnectionString = PostgresServer.ConnectionString;

    /// <summary>Creates an empty database and returns a connection string to it.</summary>
    internal Task<string> CreateDatabaseAsync() => PostgresServer.CreateDatabaseAsync(adminConnectionString, DatabasePrefix, maxPoolSize: null);

    internal Task DropDatabaseAsync(string databaseConnectionString) => PostgresServer.DropDatabaseAsync(adminConnectionString, databaseConnectionString);
}

[CollectionDefinition(Name)]
public sealed class FaultTestGroup : ICollectionFixture<PostgresFixture>
{
    public const string Name = "fault tests (one at a time: they load the machine)";
}
