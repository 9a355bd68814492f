using System.Security.Cryptography;
using System.Text.Json;
using Npgsql;

namespace Payments.Api.Tests.Infrastructure;

/// <summary>
/// A fresh database set up the way the platform sets one up: the superuser of the test server plays
/// the owner, and the service logs in as its own user whose password lives in a secret document (a
/// file with the Secrets Manager JSON shape) that can be rotated under it.
/// </summary>
public sealed class AppLoginDatabase : IAsyncDisposable
{
    private AppLoginDatabase(string ownerConnectionString, string username, string directory)
    {
        OwnerConnectionString = ownerConnectionString;
        Username = username;
        SecretFile = Path.Combine(directory, "app-secret.json");
        this.directory = directory;
    }

    private readonly string directory;

    /// <summary>The owner's (superuser's) connection string to this database.</summary>
    public string OwnerConnectionString { get; }

    /// <summary>The app's login: unique per test, roles are shared by every database of the server.</summary>
    public string Username { get; }

    public string SecretFile { get; }

    public string Password { get; private set; } = "";

    public static async Task<AppLoginDatabase> CreateAsync()
    {
        var owner = await PostgresServer.CreateDatabaseAsync();
        var directory = Path.Combine(Path.GetTempPath(), "payments-app-login", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        var database = new AppLoginDatabase(owner, "payments_app_user_" + Guid.NewGuid().ToString("N")[..10], directory);
        await database.PublishAsync(NewPassword());
        return database;
    }

    public static string NewPassword() => Convert.ToHexString(RandomNumberGenerator.GetBytes(16));

    /// <summary>What Secrets Manager's finishSecret step does: the new version becomes current (an atomic replace).</summary>
    public async Task PublishAsync(string password)
    {
        var staged = SecretFile + ".new";
        await File.WriteAllTextAsync(staged, JsonSerializer.Serialize(new Dictionary<string, string> { ["username"] = Username, ["password"] = password }));
        File.Move(staged, SecretFile, overwrite: true);
        Password = password;
    }

    /// <summary>What the rotation function's setSecret step does: the database takes the new password.</summary>
    public async Task AlterPasswordAsync(string password)
    {
        await using var connection = new NpgsqlConnection(OwnerConnectionString);
        await connection.OpenAsync();
        await using var format = new NpgsqlCommand("SELECT format('ALTER ROLE %I PASSWORD %L', $1::text, $2::text)", connection);
        format.Parameters.Add(new NpgsqlParameter { Value = Username });
        format.Parameters.Add(new NpgsqlParameter { Value = password });
        var alter = (string)(await format.ExecuteScalarAsync())!;
        await using var command = new NpgsqlCommand(alter, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>The database settings the platform gives a task (minus TLS, which the test server lacks).</summary>
    public Dictionary<string, string?> ServiceSettings()
    {
        var owner = new NpgsqlConnectionStringBuilder(OwnerConnectionString);
        return new Dictionary<string, string?>
        {
            ["ConnectionStrings:Payments"] = "",
            ["Payments:Database:Host"] = owner.Host,
            ["Payments:Database:Port"] = owner.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Payments:Database:Name"] = owner.Database,
            ["Payments:Database:Username"] = Username,
            ["Payments:Database:PasswordFile"] = SecretFile,
            ["Payments:Database:SslMode"] = "Disable",
            ["Payments:Database:MaxPoolSize"] = "20",
            ["Payments:Database:MigrateOnStart"] = "false",
        };
    }

    /// <summary>The init container's settings: the service's plus the owner's login.</summary>
    public Dictionary<string, string?> MigrationSettings()
    {
        var settings = ServiceSettings();
        settings["Payments:Store"] = "Postgres";
        settings["Payments:Database:Owner:Username"] = new NpgsqlConnectionStringBuilder(OwnerConnectionString).Username;
        settings["Payments:Database:Owner:Password"] = "";
        return settings;
    }

    public async ValueTask DisposeAsync()
    {
        await PostgresServer.DropDatabaseAsync(OwnerConnectionString);
        await using (var connection = new NpgsqlConnection(PostgresServer.ConnectionString))
        {
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP ROLE IF EXISTS \"{Username}\"", connection);
            await drop.ExecuteNonQueryAsync();
        }

        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
