using System.Text.Json;
using Amazon.SimpleSystemsManagement;
using Amazon.SimpleSystemsManagement.Model;

namespace Payments.Api.Storage;

/// <summary>
/// Where the database password lives while it rotates. Implementations return the current value of
/// a Secrets Manager–shaped JSON document (<c>{"username": …, "password": …}</c>).
/// </summary>
public interface IDatabasePasswordSource
{
    /// <summary>For logs: where the password comes from (never the password).</summary>
    string Description { get; }

    ValueTask<string> ReadAsync(CancellationToken cancellationToken);
}

/// <summary>
/// A Secrets Manager secret read through Parameter Store's reference path
/// (<c>/aws/reference/secretsmanager/&lt;secret-id&gt;</c>, decrypted): the AWS SDK for Secrets
/// Manager is not available to this build, and the reference returns the same secret string.
/// </summary>
public sealed class ParameterStoreSecretSource(IAmazonSimpleSystemsManagement ssm, string secretId) : IDatabasePasswordSource
{
    public const string ReferencePrefix = "/aws/reference/secretsmanager/";

    public string ParameterName { get; } = ReferencePrefix + secretId;

    public string Description => $"Secrets Manager secret '{secretId}' via Parameter Store";

    public async ValueTask<string> ReadAsync(CancellationToken cancellationToken)
    {
        var response = await ssm.GetParameterAsync(new GetParameterRequest { Name = ParameterName, WithDecryption = true }, cancellationToken);
        return SecretJson.Password(response.Parameter.Value, Description);
    }
}

/// <summary>
/// The same JSON document in a file, re-read on every call: for running the service against a
/// local PostgreSQL whose password is changed under it, and the rotation tests.
/// </summary>
public sealed class SecretFileSource(string path) : IDatabasePasswordSource
{
    public string Description => $"secret file '{path}'";

    public async ValueTask<string> ReadAsync(CancellationToken cancellationToken) =>
        SecretJson.Password(await File.ReadAllTextAsync(path, cancellationToken), Description);
}

public static class SecretJson
{
    /// <summary>The <c>password</c> field of a database secret document.</summary>
    public static string Password(string json, string source)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.TryGetProperty("password", out var password) && password.ValueKind == JsonValueKind.String && password.GetString() is { Length: > 0 } value
                ? value
                : throw new InvalidOperationException($"{source} has no non-empty \"password\" field");
        }
        catch (JsonException exception)
        {
            throw new InvalidOperationException($"{source} is not a JSON secret document", exception);
        }
    }
}

/// <summary>
/// The password new connections use: read from the source when first needed, again after
/// <see cref="RefreshAfter"/> (so a rotated password is picked up before anyone is refused), and at
/// once after PostgreSQL rejected it (<see cref="Invalidate"/>). Connections already open stay open:
/// PostgreSQL checks a password only when a session starts.
/// </summary>
public sealed class DatabasePassword(IDatabasePasswordSource source, TimeProvider time) : IDisposable
{
    public static readonly TimeSpan RefreshAfter = TimeSpan.FromMinutes(5);

    private readonly SemaphoreSlim reading = new(1, 1);
    private string? current;
    private long readAt;

    public IDatabasePasswordSource Source => source;

    /// <summary>How many times the source was read.</summary>
    public int Reads { get; private set; }

    public async ValueTask<string> GetAsync(CancellationToken cancellationToken)
    {
        var value = Fresh();
        if (value is not null)
        {
            return value;
        }

        await reading.WaitAsync(cancellationToken);
        try
        {
            value = Fresh();
            if (value is not null)
            {
                return value;
            }

            value = await source.ReadAsync(cancellationToken);
            Volatile.Write(ref readAt, time.GetTimestamp());
            Volatile.Write(ref current, value);
            Reads++;
            return value;
        }
        finally
        {
            reading.Release();
        }
    }

    /// <summary>Forgets the value PostgreSQL refused, so the next connection reads the source again.</summary>
    public void Invalidate() => Volatile.Write(ref current, null);

    public void Dispose() => reading.Dispose();

    private string? Fresh()
    {
        var value = Volatile.Read(ref current);
        return value is not null && time.GetElapsedTime(Volatile.Read(ref readAt)) < RefreshAfter ? value : null;
    }
}
