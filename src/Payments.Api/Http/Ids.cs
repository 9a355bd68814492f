using System.Security.Cryptography;

namespace Payments.Api.Http;

/// <summary>Random, unguessable identifiers: a prefix plus base62 characters.</summary>
public static class Ids
{
    private const string Base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    public static string New(string prefix, int length = 24) => prefix + RandomNumberGenerator.GetString(Base62, length);
}
