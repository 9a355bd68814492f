using Payments.Preflight.Data;
using Payments.Preflight.Engine;
using Payments.Preflight.Model;

namespace Payments.Preflight.Rules.Databases;

internal enum VersionStatus { Current, Deprecated, NotOffered, Unknown }

/// <summary>Classifies an RDS/Aurora engine version against the dated data, shared by PF301 and PF302.</summary>
internal static class EngineVersionModel
{
    public static IEnumerable<(Resource Resource, string Engine, string Version, Node VersionNode, VersionStatus Status, string? Suggestion)> Versions(RuleContext context)
    {
        foreach (var resource in context.Template.Resources.Values)
        {
            var table = resource.Type switch
            {
                "AWS::RDS::DBInstance" when resource.Property("DBClusterIdentifier") is null => PreflightData.Rds.Instance,
                "AWS::RDS::DBCluster" => PreflightData.Rds.Cluster,
                _ => null,
            };
            if (table is null || resource.Property("EngineVersion") is not { } versionNode)
            {
                continue;
            }

            var engine = context.Resolve.String(resource.Property("Engine"))?.ToLowerInvariant();
            var version = context.Resolve.String(versionNode);
            if (engine is null || version is null || !table.TryGetValue(engine, out var versions))
            {
                continue;
            }

            var status = Classify(versions, version);
            yield return (resource, engine, version, versionNode, status, status is VersionStatus.Current ? null : Suggest(versions, version));
        }
    }

    private static VersionStatus Classify(EngineVersions versions, string version)
    {
        if (versions.Current.Contains(version, StringComparer.Ordinal))
        {
            return VersionStatus.Current;
        }

        if (versions.Deprecated.Contains(version))
        {
            return VersionStatus.Deprecated;
        }

        // A major version alone ("15", "8.0") lets RDS pick the default minor: fine if any minor of it is current.
        if (versions.Current.Any(v => v.StartsWith(version + ".", StringComparison.Ordinal)))
        {
            return VersionStatus.Current;
        }

        // Newer than every version the data knows for its major version (or a newer major): RDS may have released
        // it after the data was taken, so it is unknown, not an error. Only a gap in the known range is "not offered".
        // The major version is the first part (postgres 16.4) or, for three-part versions, the first two (mysql 8.0.36).
        var parts = version.Split('.');
        var known = versions.Current.Concat(versions.Deprecated).ToList();
        var sameMajorMinor = parts.Length >= 3 ? known.Where(v => v.StartsWith($"{parts[0]}.{parts[1]}.", StringComparison.Ordinal)).ToList() : [];
        var sameMajor = known.Where(v => v.Split('.')[0] == parts[0]).ToList();
        var group = sameMajorMinor.Count > 0 ? sameMajorMinor : sameMajor.Count > 0 ? sameMajor : known;
        var newest = group.OrderBy(v => v, VersionComparer.Instance).LastOrDefault();
        return newest is null || VersionComparer.Instance.Compare(version, newest) > 0 ? VersionStatus.Unknown : VersionStatus.NotOffered;
    }

    /// <summary>The newest current version of the same major version, else the newest overall.</summary>
    private static string? Suggest(EngineVersions versions, string version)
    {
        // MySQL-style versions (8.0.36) have a two-part major version: prefer 8.0.x over 8.4.x.
        var parts = version.Split('.');
        var majorMinor = parts.Length >= 3 ? $"{parts[0]}.{parts[1]}." : null;
        var sameMajorMinor = majorMinor is null ? [] : versions.Current.Where(v => v.StartsWith(majorMinor, StringComparison.Ordinal)).ToList();
        var sameMajor = versions.Current.Where(v => v.Split('.')[0] == parts[0]).ToList();
        var candidates = sameMajorMinor.Count > 0 ? sameMajorMinor : sameMajor.Count > 0 ? sameMajor : [.. versions.Current];
        return candidates.OrderBy(v => v, VersionComparer.Instance).LastOrDefault();
    }

    private sealed class VersionComparer : IComparer<string>
    {
        public static VersionComparer Instance { get; } = new();

        public int Compare(string? x, string? y)
        {
            var a = (x ?? string.Empty).Split('.', '-', '_');
            var b = (y ?? string.Empty).Split('.', '-', '_');
            for (var i = 0; i < Math.Min(a.Length, b.Length); i++)
            {
                var result = long.TryParse(a[i], out var na) && long.TryParse(b[i], out var nb) ? na.CompareTo(nb) : string.CompareOrdinal(a[i], b[i]);
                if (result != 0)
                {
                    return result;
                }
            }

            return a.Length.CompareTo(b.Length);
        }
    }
}
