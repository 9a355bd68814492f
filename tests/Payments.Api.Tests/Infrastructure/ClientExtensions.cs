using System.Net.Http.Headers;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Payments.Api.Tests.Infrastructure;

public static class ClientExtensions
{
    /// <summary>A client of <paramref name="factory"/> that sends <c>Authorization: Bearer <paramref name="key"/></c>.</summary>
    public static HttpClient CreateClient(this WebApplicationFactory<Program> factory, string key)
    {
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }
}
