using Npgsql;
using Payments.Api.Storage;

namespace Payments.Api.Tests.Infrastructure;

public static class WarmConnectionsExtensions
{
    /// <summary><paramref name="count"/> write connections rented at once, as concurrent transactions would hold them.</summary>
    public static async Task<List<NpgsqlConnection>> RentManyAsync(this WarmConnections warm, int count)
    {
        var rented = new List<NpgsqlConnection>();
        while (rented.Count < count)
        {
            rented.Add(await warm.RentAsync(CancellationToken.None));
        }

        return rented;
    }

    /// <summary>Returns each connection in order (the last one ends on top of the stack), reusable.</summary>
    public static async Task ReturnAllAsync(this WarmConnections warm, IEnumerable<NpgsqlConnection> connections)
    {
        foreach (var connection in connections)
        {
            await warm.ReturnAsync(connection, reusable: true);
        }
    }
}
