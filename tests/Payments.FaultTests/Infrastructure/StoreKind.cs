namespace Payments.FaultTests.Infrastructure;

public enum StoreKind
{
    Sqlite,
    Postgres,
}
